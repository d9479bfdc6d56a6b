"""Programmes, the area tree and indicators with their current baselines and targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lantu.accounts.service import NotFound
from lantu.api.types import Number
from lantu.framework import selectors
from lantu.framework.display import describe_target
from lantu.framework.models import Baseline, Indicator, IndicatorVersion, Programme, Target
from lantu.framework.selectors import AreaNode

router = Router(tags=["framework"])


class ProgrammeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    start_year: int
    end_year: int
    org_unit_code: str
    summary_zh: str
    summary_en: str
    source_title: str
    leading_group_code: str | None


class MilestoneOut(Schema):
    id: int
    name_zh: str
    name_en: str
    due_date: dt.date
    status: str


class GoalOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: str
    target_year: int
    source_text: str
    milestones: list[MilestoneOut]


class AreaOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: str
    role_zh: str
    role_en: str
    source_text: str
    goals: list[GoalOut]
    children: list[AreaOut]


class BaselineOut(Schema):
    org_unit_code: str
    year: int
    value: Number
    unit: str
    source: str
    version: int


class TargetOut(Schema):
    org_unit_code: str
    year: int
    comparator: str
    value: Number | None
    unit: str
    value_in_indicator_unit: Number | None
    baseline_multiple: Number | None
    baseline_year: int | None
    threshold: Number | None
    display_zh: str
    source_text: str
    version: int


class IndicatorOut(Schema):
    code: str
    programme_code: str
    goal_code: str
    area_code: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    unit: str
    direction: str
    aggregation: str
    weight_indicator: str | None
    numerator: str | None
    denominator: str | None
    formula: str
    frequency: str
    department_code: str | None
    source: str
    is_supporting: bool
    version: int
    baselines: list[BaselineOut]
    targets: list[TargetOut]


class IndicatorVersionOut(Schema):
    version: int
    created_at: dt.datetime
    actor: str
    reason: str
    definition: dict[str, object]


class IndicatorDetailOut(IndicatorOut):
    versions: list[IndicatorVersionOut]


def programme_out(p: Programme) -> ProgrammeOut:
    return ProgrammeOut(
        code=p.code,
        name_zh=p.name_zh,
        name_en=p.name_en,
        start_year=p.start_year,
        end_year=p.end_year,
        org_unit_code=p.org_unit.code,
        summary_zh=p.summary_zh,
        summary_en=p.summary_en,
        source_title=p.source_title,
        leading_group_code=p.leading_group.code if p.leading_group else None,
    )


def area_out(node: AreaNode) -> AreaOut:
    a = node.area
    return AreaOut(
        code=a.code,
        name_zh=a.name_zh,
        name_en=a.name_en,
        kind=a.kind,
        role_zh=a.role_zh,
        role_en=a.role_en,
        source_text=a.source_text,
        goals=[
            GoalOut(
                code=g.code,
                name_zh=g.name_zh,
                name_en=g.name_en,
                kind=g.kind,
                target_year=g.target_year,
                source_text=g.source_text,
                milestones=[
                    MilestoneOut(id=m.pk, name_zh=m.name_zh, name_en=m.name_en, due_date=m.due_date, status=m.status)
                    for m in g.milestones.all()
                ],
            )
            for g in node.goals
        ],
        children=[area_out(c) for c in node.children],
    )


def target_out(t: Target, baselines: list[Baseline]) -> TargetOut:
    return TargetOut(
        org_unit_code=t.org_unit.code,
        year=t.year,
        comparator=t.comparator,
        value=t.value,
        unit=t.unit,
        value_in_indicator_unit=selectors.target_value_in_indicator_unit(t),
        baseline_multiple=t.baseline_multiple,
        baseline_year=t.baseline_year,
        threshold=selectors.resolved_threshold(t, baselines),
        display_zh=describe_target(t),
        source_text=t.source_text,
        version=t.version,
    )


def indicator_fields(i: Indicator) -> dict[str, Any]:
    baselines = selectors.current(i.baselines.all())
    return {
        "code": i.code,
        "programme_code": i.programme.code,
        "goal_code": i.goal.code,
        "area_code": i.goal.area.code,
        "name_zh": i.name_zh,
        "name_en": i.name_en,
        "definition_zh": i.definition_zh,
        "definition_en": i.definition_en,
        "unit": i.unit,
        "direction": i.direction,
        "aggregation": i.aggregation,
        "weight_indicator": i.weight_indicator.code if i.weight_indicator else None,
        "numerator": i.numerator.code if i.numerator else None,
        "denominator": i.denominator.code if i.denominator else None,
        "formula": i.formula,
        "frequency": i.frequency,
        "department_code": i.department.code if i.department else None,
        "source": i.source,
        "is_supporting": i.is_supporting,
        "version": i.version,
        "baselines": [
            BaselineOut(
                org_unit_code=b.org_unit.code,
                year=b.year,
                value=b.value,
                unit=b.unit,
                source=b.source,
                version=b.version,
            )
            for b in baselines
        ],
        "targets": [target_out(t, baselines) for t in selectors.current(i.targets.all())],
    }


@router.get("/programmes", response=list[ProgrammeOut], summary="Programmes")
def list_programmes(request: HttpRequest) -> list[ProgrammeOut]:
    return [programme_out(p) for p in selectors.programmes()]


@router.get("/programmes/{code}", response=ProgrammeOut, summary="One programme")
def get_programme(request: HttpRequest, code: str) -> ProgrammeOut:
    p = selectors.programme(code)
    if p is None:
        raise NotFound("规划", code)
    return programme_out(p)


@router.get("/programmes/{code}/areas", response=list[AreaOut], summary="The area tree with goals and milestones")
def get_area_tree(request: HttpRequest, code: str) -> list[AreaOut]:
    p = selectors.programme(code)
    if p is None:
        raise NotFound("规划", code)
    return [area_out(node) for node in selectors.area_tree(p)]


@router.get("/indicators", response=list[IndicatorOut], summary="Indicators with current baselines and targets")
def list_indicators(
    request: HttpRequest, programme: str | None = None, supporting: bool | None = None
) -> list[IndicatorOut]:
    """Every indicator; ``supporting=false`` leaves out the inputs that carry no target."""
    prog = None
    if programme:
        prog = selectors.programme(programme)
        if prog is None:
            raise NotFound("规划", programme)
    rows = selectors.indicators(prog)
    if supporting is not None:
        rows = rows.filter(is_supporting=supporting)
    return [IndicatorOut(**indicator_fields(i)) for i in rows]


@router.get("/indicators/{code}", response=IndicatorDetailOut, summary="One indicator with its definition history")
def get_indicator(request: HttpRequest, code: str) -> IndicatorDetailOut:
    indicator = selectors.indicators().filter(code=code).first()
    if indicator is None:
        raise NotFound("指标", code)
    versions = [
        IndicatorVersionOut(
            version=v.version, created_at=v.created_at, actor=v.actor_label, reason=v.reason, definition=v.definition
        )
        for v in IndicatorVersion.objects.filter(indicator=indicator).order_by("-version")
    ]
    return IndicatorDetailOut(**indicator_fields(indicator), versions=versions)
