"""Policies (政策体系): list with filters, detail, create, status, measures and their implementation status."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from lantu.accounts.service import NotFound
from lantu.api.auth import AUTH
from lantu.policies import selectors
from lantu.policies.models import Policy, PolicyMeasure
from lantu.policies.services import (
    MeasureSpec,
    PolicySpec,
    add_measure,
    create_policy,
    set_measure_status,
    set_policy_status,
    update_policy,
)

router = Router(tags=["policies"], auth=AUTH)


class MeasureOut(Schema):
    id: int
    order: int
    text: str
    departments: list[str]
    org_units: list[str]
    due: dt.date | None
    status: str
    status_note: str


class PolicyOut(Schema):
    code: str
    programme: str
    title_zh: str
    title_en: str
    issuer: str
    issuer_department: str | None
    doc_number: str
    issued_on: dt.date | None
    in_force_from: dt.date | None
    expires_on: dt.date | None
    status: str
    areas: list[str]
    goals: list[str]
    tasks: list[str]
    url: str
    is_demo: bool
    source_text: str
    measures: list[MeasureOut]
    implemented_share: float | None = Field(..., description="share of measures 已落地; null without measures")


class PolicyIn(Schema):
    code: str
    programme: str = "DZJ"
    title_zh: str
    title_en: str = ""
    issuer: str = ""
    issuer_department: str | None = None
    doc_number: str = ""
    issued_on: dt.date | None = None
    in_force_from: dt.date | None = None
    expires_on: dt.date | None = None
    areas: list[str] = []
    goals: list[str] = []
    tasks: list[str] = []
    url: str = ""
    is_demo: bool = False
    source_text: str = ""


class PolicyStatusIn(Schema):
    status: str = Field(..., description="issued (needs doc_number), in_force or expired")
    on: dt.date | None = None
    doc_number: str | None = None
    reason: str = ""


class MeasureIn(Schema):
    text: str
    departments: list[str] = []
    org_units: list[str] = []
    due: dt.date | None = None


class MeasureStatusIn(Schema):
    status: str = Field(..., description="not_started, in_progress, implemented or stalled (needs a note)")
    note: str = ""


def _measure_out(m: PolicyMeasure) -> MeasureOut:
    return MeasureOut(
        id=m.pk,
        order=m.order,
        text=m.text,
        departments=sorted(d.code for d in m.departments.all()),
        org_units=sorted(u.code for u in m.org_units.all()),
        due=m.due,
        status=m.status,
        status_note=m.status_note,
    )


def _policy_out(r: selectors.PolicyRow) -> PolicyOut:
    p = r.policy
    return PolicyOut(
        code=p.code,
        programme=p.programme.code,
        title_zh=p.title_zh,
        title_en=p.title_en,
        issuer=p.issuer,
        issuer_department=p.issuer_department.code if p.issuer_department else None,
        doc_number=p.doc_number,
        issued_on=p.issued_on,
        in_force_from=p.in_force_from,
        expires_on=p.expires_on,
        status=p.status,
        areas=sorted(a.code for a in p.areas.all()),
        goals=sorted(g.code for g in p.goals.all()),
        tasks=sorted(t.code for t in p.tasks.all()),
        url=p.url,
        is_demo=p.is_demo,
        source_text=p.source_text,
        measures=[_measure_out(m) for m in p.measures.all()],
        implemented_share=r.implemented_share,
    )


def _one(code: str) -> PolicyOut:
    found = selectors.rows(selectors.policies().select_related("programme").filter(code=code))
    if not found:
        raise NotFound("政策", code)
    return _policy_out(found[0])


@router.get("/policies", response=list[PolicyOut], summary="Policies with their measures")
def list_policies(
    request: HttpRequest,
    status: str | None = None,
    area: str | None = None,
    issuer: str | None = None,
    programme: str | None = None,
) -> list[PolicyOut]:
    """Filter by status, linked area (sub-areas included) and issuer (text, or drafting department code)."""
    qs = selectors.filtered(programme, status=status or "", area=area or "", issuer=issuer or "")
    return [_policy_out(r) for r in selectors.rows(qs.select_related("programme"))]


@router.get("/policies/{code}", response=PolicyOut, summary="One policy")
def get_policy(request: HttpRequest, code: str) -> PolicyOut:
    return _one(code)


def _spec(body: PolicyIn, code: str | None = None) -> PolicySpec:
    return PolicySpec(
        code=code or body.code,
        programme_code=body.programme,
        title_zh=body.title_zh,
        title_en=body.title_en,
        issuer=body.issuer,
        issuer_department=body.issuer_department,
        doc_number=body.doc_number,
        issued_on=body.issued_on,
        in_force_from=body.in_force_from,
        expires_on=body.expires_on,
        area_codes=tuple(body.areas),
        goal_codes=tuple(body.goals),
        task_codes=tuple(body.tasks),
        url=body.url,
        is_demo=body.is_demo,
        source_text=body.source_text,
    )


@router.post("/policies", response={201: PolicyOut}, summary="Register a policy (programme office)")
def post_policy(request: HttpRequest, body: PolicyIn) -> tuple[int, PolicyOut]:
    policy: Policy = create_policy(request.user, _spec(body))
    return 201, _one(policy.code)


@router.put(
    "/policies/{code}",
    response=PolicyOut,
    summary="Replace a policy's description and links (programme office); dates move with /status",
)
def put_policy(request: HttpRequest, code: str, body: PolicyIn, reason: str = "") -> PolicyOut:
    update_policy(request.user, _spec(body, code), reason=reason)
    return _one(code)


@router.post("/policies/{code}/status", response=PolicyOut, summary="Issue, bring into force or expire a policy")
def post_policy_status(request: HttpRequest, code: str, body: PolicyStatusIn) -> PolicyOut:
    set_policy_status(request.user, code, body.status, doc_number=body.doc_number, on=body.on, reason=body.reason)
    return _one(code)


@router.post("/policies/{code}/measures", response={201: MeasureOut}, summary="Add a measure (programme office)")
def post_measure(request: HttpRequest, code: str, body: MeasureIn) -> tuple[int, MeasureOut]:
    m = add_measure(
        request.user,
        code,
        MeasureSpec(text=body.text, departments=tuple(body.departments), org_units=tuple(body.org_units), due=body.due),
    )
    return 201, _measure_out(m)


@router.post(
    "/policies/{code}/measures/{measure_id}/status",
    response=MeasureOut,
    summary="Report how far a measure is put into effect (responsible units)",
)
def post_measure_status(request: HttpRequest, code: str, measure_id: int, body: MeasureStatusIn) -> MeasureOut:
    if not PolicyMeasure.objects.filter(pk=measure_id, policy__code=code).exists():
        raise NotFound("政策措施", str(measure_id))
    m = set_measure_status(request.user, measure_id, body.status, body.note)
    return _measure_out(m)
