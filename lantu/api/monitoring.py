"""Values (read and bulk write), rounds, submission, approval and return."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from lantu.accounts.permissions import has_perm, scope_queryset
from lantu.accounts.service import InvalidInput, NotFound, Problem
from lantu.api.auth import AUTH
from lantu.api.types import Number
from lantu.core.errors import LantuValueError
from lantu.core.units import parse_number
from lantu.framework.display import describe_target
from lantu.framework.models import Indicator
from lantu.monitoring.models import Basis, ReportingRound, ValueState
from lantu.monitoring.progress import progress_for
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services.approval import approve_values, return_value, submit_values
from lantu.orgunits.selectors import resolve_org_unit

router = Router(tags=["monitoring"], auth=AUTH)


class ValueIn(Schema):
    indicator: str
    org_unit: str
    period: str
    value: str | float | int = Field(..., description='A number, or a text such as "1,234.5"')
    unit: str = ""
    comment: str = ""


class ValuesIn(Schema):
    round: str | None = None
    dry_run: bool = False
    values: list[ValueIn]


class FlagOut(Schema):
    indicator: str
    org_unit: str
    period: str
    rule: str
    message_zh: str
    message_en: str


class RecordOut(Schema):
    written: int
    unchanged: int
    dry_run: bool
    warnings: list[FlagOut]


class ValueOut(Schema):
    indicator: str
    org_unit: str
    org_unit_key: str
    period: str
    value: Number
    unit: str
    status: str
    version: int
    approved_value: Number | None
    is_demo: bool
    flags: list[dict[str, str]]
    return_comment: str


class RoundOut(Schema):
    code: str
    title_zh: str
    kind: str
    period: str
    opens_on: dt.date
    deadline: dt.date
    status: str
    approval_levels: int
    indicators: list[str]
    org_units: list[str]
    departments: list[str]


class ValuesApproveIn(Schema):
    indicators: list[str] | None = None
    comment: str = ""


class ReturnIn(Schema):
    comment: str


class ActionOut(Schema):
    moved: int
    approved: int


def _entries(body: ValuesIn) -> list[ValueEntry]:
    entries, problems = [], []
    for row, item in enumerate(body.values, start=1):
        try:
            value = parse_number(item.value) if isinstance(item.value, str) else Decimal(str(item.value))
        except LantuValueError as exc:
            problems.append(Problem("value", exc.message_zh, exc.message_en, row))
            continue
        entries.append(ValueEntry(item.indicator, item.org_unit, item.period, value, item.unit, item.comment, row))
    if problems:
        raise InvalidInput(problems)
    return entries


@router.post("/values", response=RecordOut, summary="Enter values in bulk (all or nothing)")
def post_values(request: HttpRequest, body: ValuesIn) -> RecordOut:
    """Each value is checked; one problem anywhere refuses the whole request (422, every problem listed)."""
    result = record_values(request.user, _entries(body), round_code=body.round, dry_run=body.dry_run, source="api")
    return RecordOut(
        written=result.written,
        unchanged=result.unchanged,
        dry_run=result.dry_run,
        warnings=[
            FlagOut(
                indicator=f.cell[0],
                org_unit=f.cell[1],
                period=f.cell[2],
                rule=f.rule,
                message_zh=f.message_zh,
                message_en=f.message_en,
            )
            for f in result.flags
        ],
    )


@router.get("/values", response=list[ValueOut], summary="Values the caller may read, with their status")
def list_values(
    request: HttpRequest,
    indicator: str | None = None,
    org_unit: str | None = None,
    period: str | None = None,
    round: str | None = None,
    status: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[ValueOut]:
    """Current and approved versions; only series of units (or departments) in the caller's scope."""
    states = scope_queryset(
        ValueState.objects.select_related("indicator", "org_unit", "current", "approved"),
        request.user,
        "values.read",
        department_field="indicator__department",
    )
    if indicator:
        states = states.filter(indicator__code=indicator)
    if org_unit:
        states = states.filter(org_unit__code=org_unit)
    if period:
        states = states.filter(period=period)
    if round:
        states = states.filter(round__code=round)
    if status:
        states = states.filter(status=status)
    limit = max(1, min(limit, 10000))
    offset = max(0, offset)  # a negative slice is refused by the ORM (a 500 before this)
    rows = states.order_by("indicator__code", "org_unit__code", "period")[offset : offset + limit]
    return [_value_out(s) for s in rows]


def _value_out(s: ValueState) -> ValueOut:
    return ValueOut(
        indicator=s.indicator.code,
        org_unit=s.org_unit.code,
        org_unit_key=s.org_unit.key,
        period=s.period,
        value=s.current.value,
        unit=s.indicator.unit,
        status=s.status,
        version=s.current.version,
        approved_value=s.approved.value if s.approved else None,
        is_demo=s.current.is_demo,
        flags=s.flags,
        return_comment=s.return_comment,
    )


def _round_out(r: ReportingRound) -> RoundOut:
    return RoundOut(
        code=r.code,
        title_zh=r.title_zh,
        kind=r.kind,
        period=r.period,
        opens_on=r.opens_on,
        deadline=r.deadline,
        status=r.status,
        approval_levels=r.approval_levels,
        indicators=sorted(i.code for i in r.indicators.all()),
        org_units=sorted(u.code for u in r.org_units.all()),
        departments=sorted(d.code for d in r.departments.all()),
    )


@router.get("/rounds", response=list[RoundOut], summary="Reporting rounds")
def list_rounds(request: HttpRequest) -> list[RoundOut]:
    rounds = ReportingRound.objects.prefetch_related("indicators", "org_units", "departments")
    return [_round_out(r) for r in rounds]


@router.get("/rounds/{code}", response=RoundOut, summary="One reporting round")
def get_round(request: HttpRequest, code: str) -> RoundOut:
    found = ReportingRound.objects.prefetch_related("indicators", "org_units", "departments").filter(code=code).first()
    if found is None:
        raise NotFound("填报任务", code)
    return _round_out(found)


def _action(result: Any) -> ActionOut:
    return ActionOut(moved=result.moved, approved=result.approved)


@router.post("/rounds/{code}/units/{org_unit}/submit", response=ActionOut, summary="Submit a unit's values")
def post_submit(request: HttpRequest, code: str, org_unit: str, department: str | None = None) -> ActionOut:
    return _action(submit_values(request.user, code, org_unit, department_code=department))


@router.post("/rounds/{code}/units/{org_unit}/approve", response=ActionOut, summary="Approve at the next level")
def post_approve(request: HttpRequest, code: str, org_unit: str, body: ValuesApproveIn) -> ActionOut:
    return _action(approve_values(request.user, code, org_unit, indicator_codes=body.indicators, comment=body.comment))


@router.post("/rounds/{code}/units/{org_unit}/values/{indicator}/return", response=ValueOut, summary="Return one value")
def post_return(request: HttpRequest, code: str, org_unit: str, indicator: str, body: ReturnIn) -> ValueOut:
    state = return_value(request.user, code, org_unit, indicator, body.comment)
    state = ValueState.objects.select_related("indicator", "org_unit", "current", "approved").get(pk=state.pk)
    return _value_out(state)


class PointOut(Schema):
    period: str
    value: Number
    origin: str
    is_demo: bool


class ProjectionOut(Schema):
    value: float | None
    method: str
    rate: float | None
    will_meet: bool | None
    explanation_zh: str
    explanation_en: str


class AttainmentOut(Schema):
    met: bool
    margin: float
    margin_pct: float | None
    text_zh: str
    text_en: str


class ProgressOut(Schema):
    indicator: str
    org_unit: str
    unit: str
    basis: str
    target_year: int | None
    comparator: str | None
    threshold: Number | None
    target_display_zh: str | None
    baseline: PointOut | None
    baseline_source: str
    latest: PointOut | None
    expected: float | None
    progress_pct: float | None
    status: str
    light: str
    rule_zh: str
    rule_en: str
    projection: ProjectionOut | None
    attainment: AttainmentOut | None
    series: list[PointOut]
    notes: list[str]
    is_demo: bool


def _point(p: Any) -> PointOut | None:
    return None if p is None else PointOut(period=p.period, value=p.value, origin=p.origin, is_demo=p.is_demo)


@router.get("/indicators/{code}/progress", response=ProgressOut, summary="Progress of an indicator towards its target")
def get_progress(request: HttpRequest, code: str, org_unit: str = "330000", basis: str = "approved") -> ProgressOut:
    """Baseline, target, latest value and period, expected-by-now, progress %, status, projection, attainment.

    ``basis=preliminary`` includes values not yet approved (marked so by ``basis`` in the answer).
    """
    if basis not in Basis.values:
        raise InvalidInput.one("basis", "口径应为 approved 或 preliminary", "basis is approved or preliminary")
    indicator = Indicator.objects.select_related("programme").filter(code=code).first()
    if indicator is None:
        raise NotFound("指标", code)
    unit = resolve_org_unit(org_unit)
    if not has_perm(request.user, "values.read", org_unit=unit, department=indicator.department):
        raise NotFound("行政区划", org_unit)
    p = progress_for(indicator, unit, basis=basis)
    proj, att = p.projection, p.attainment
    return ProgressOut(
        indicator=indicator.code,
        org_unit=unit.code,
        unit=indicator.unit,
        basis=p.basis,
        target_year=p.target.year if p.target else None,
        comparator=p.target.comparator if p.target else None,
        threshold=p.threshold,
        target_display_zh=describe_target(p.target) if p.target else None,
        baseline=_point(p.baseline),
        baseline_source=p.baseline_source,
        latest=_point(p.latest),
        expected=p.expected,
        progress_pct=p.progress_pct,
        status=p.status,
        light=p.light,
        rule_zh=p.rule_zh,
        rule_en=p.rule_en,
        projection=None
        if proj is None
        else ProjectionOut(
            value=proj.value,
            method=proj.method,
            rate=proj.rate,
            will_meet=proj.will_meet,
            explanation_zh=proj.explanation_zh,
            explanation_en=proj.explanation_en,
        ),
        attainment=None
        if att is None
        else AttainmentOut(
            met=att.met, margin=att.margin, margin_pct=att.margin_pct, text_zh=att.text_zh, text_en=att.text_en
        ),
        series=[x for x in (_point(s) for s in p.series) if x is not None],
        notes=p.notes,
        is_demo=p.is_demo,
    )
