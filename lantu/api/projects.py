"""Major projects: list with filters, detail, create/update, investment, milestones, status, roll-up, map."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Router, Schema

from lantu.accounts.service import InvalidInput, NotFound, Problem
from lantu.api.auth import AUTH
from lantu.api.types import Number
from lantu.core import investment
from lantu.core.errors import LantuValueError
from lantu.core.units import parse_number
from lantu.projects import selectors
from lantu.projects.models import InvestmentReport
from lantu.projects.services import (
    ProjectSpec,
    add_project_milestone,
    complete_project_milestone,
    create_project,
    record_investment,
    set_project_status,
    update_project,
)

router = Router(tags=["projects"], auth=AUTH)


class ProjectMilestoneOut(Schema):
    id: int
    name_zh: str
    due: dt.date
    done_on: dt.date | None


class ProjectOut(Schema):
    code: str
    programme: str
    name_zh: str
    name_en: str
    description: str
    area: str | None
    tasks: list[str]
    org_unit: str | None
    org_unit_name_zh: str | None
    city: str | None
    longitude: Number | None
    latitude: Number | None
    owner: str
    lead_department: str | None
    planned_investment: Number | None
    completed_investment: Number
    completion_rate: float | None = Field(..., description="completed / planned (0.25 = 25%); null without a plan")
    investment_by_period: dict[str, Number]
    start: dt.date | None
    end: dt.date | None
    status: str
    is_platform: bool
    is_demo: bool
    source_text: str
    milestones: list[ProjectMilestoneOut]


class ProjectIn(Schema):
    code: str
    programme: str = "DZJ"
    name_zh: str
    name_en: str = ""
    description: str = ""
    area: str | None = None
    tasks: list[str] = []
    org_unit: str | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    owner: str = ""
    lead_department: str | None = None
    planned_investment: Decimal | None = Field(None, description="亿元")
    start: dt.date | None = None
    end: dt.date | None = None
    is_platform: bool = False
    is_demo: bool = False
    source_text: str = ""
    order: int = 0
    reason: str = Field("", description="why the definition changed (update only)")


class InvestmentIn(Schema):
    period: str = Field(..., description='"2023", "2023Q2" or "2023-05"')
    amount: str | float | int = Field(..., description="亿元; a number or a text such as “1,234.5”")
    note: str = ""


class InvestmentOut(Schema):
    period: str
    version: int
    amount: Number
    note: str
    created_at: dt.datetime
    actor_label: str


class InvestmentRecordOut(Schema):
    written: bool
    report: InvestmentOut | None


class MilestoneIn(Schema):
    name_zh: str
    due: dt.date


class DoneIn(Schema):
    done_on: dt.date


class ProjectStatusIn(Schema):
    status: str
    reason: str = ""


class GroupOut(Schema):
    name: str
    projects: int
    platforms: int
    planned: Number
    completed: Number
    completion_rate: float | None
    without_plan: int = Field(..., description="projects without a planned investment (left out of the rate)")


class RollupOut(Schema):
    by_city: list[GroupOut]
    by_area: list[GroupOut]
    total: GroupOut


class ProjectPointOut(Schema):
    code: str
    name: str
    lon: float
    lat: float
    planned: float | None
    completed: float
    rate: float | None
    is_platform: bool
    is_demo: bool
    url: str


def _project_out(r: selectors.ProjectRow) -> ProjectOut:
    p = r.project
    return ProjectOut(
        code=p.code,
        programme=p.programme.code,
        name_zh=p.name_zh,
        name_en=p.name_en,
        description=p.description,
        area=p.area.code if p.area else None,
        tasks=sorted(t.code for t in p.tasks.all()),
        org_unit=p.org_unit.code if p.org_unit else None,
        org_unit_name_zh=p.org_unit.name_zh if p.org_unit else None,
        city=r.city.code if r.city else None,
        longitude=p.longitude,
        latitude=p.latitude,
        owner=p.owner,
        lead_department=p.lead_department.code if p.lead_department else None,
        planned_investment=p.planned_investment,
        completed_investment=r.completed,
        completion_rate=float(r.rate) if r.rate is not None else None,
        investment_by_period=r.by_period,
        start=p.start,
        end=p.end,
        status=p.status,
        is_platform=p.is_platform,
        is_demo=p.is_demo,
        source_text=p.source_text,
        milestones=[
            ProjectMilestoneOut(id=m.pk, name_zh=m.name_zh, due=m.due, done_on=m.done_on) for m in p.milestones.all()
        ],
    )


def _filters(area: str | None, unit: str | None, status: str | None, platform: bool | None) -> selectors.ProjectFilters:
    return selectors.ProjectFilters(area=area or "", unit=unit or "", status=status or "", platform=platform)


def _one(code: str) -> ProjectOut:
    found = selectors.rows(selectors.filtered(selectors.ProjectFilters()).filter(code=code).select_related("programme"))
    if not found:
        raise NotFound("重大项目", code)
    return _project_out(found[0])


@router.get("/projects", response=list[ProjectOut], summary="Major projects, with completed investment")
def list_projects(
    request: HttpRequest,
    area: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    platform: bool | None = None,
    programme: str | None = None,
) -> list[ProjectOut]:
    """Filter by area (sub-areas included), org unit (and what lies in it), status, “万亩千亿” flag."""
    qs = selectors.filtered(_filters(area, unit, status, platform), programme).select_related("programme")
    return [_project_out(r) for r in selectors.rows(qs.prefetch_related("milestones"))]


def _group(name: str, g: investment.GroupTotals) -> GroupOut:
    return GroupOut(
        name=name,
        projects=g.projects,
        platforms=g.platforms,
        planned=g.planned,
        completed=g.completed,
        completion_rate=float(g.rate) if g.rate is not None else None,
        without_plan=g.without_plan,
    )


@router.get("/projects/rollup", response=RollupOut, summary="Planned and completed investment by city and area")
def get_rollup(
    request: HttpRequest,
    area: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    platform: bool | None = None,
    up_to: str | None = None,
) -> RollupOut:
    """Totals per group; a group's rate counts only projects that have a plan (``without_plan`` says how many not)."""
    language = translation.get_language() or "zh-hans"
    found = selectors.rows(selectors.filtered(_filters(area, unit, status, platform)), up_to=up_to)
    result = selectors.rollup(found, language)
    return RollupOut(
        by_city=[_group(n, g) for n, g in result.by_city],
        by_area=[_group(n, g) for n, g in result.by_area],
        total=_group("all", result.total),
    )


@router.get("/projects/points", response=list[ProjectPointOut], summary="Projects with coordinates, for the map")
def get_points(
    request: HttpRequest,
    area: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    platform: bool | None = None,
) -> list[ProjectPointOut]:
    language = translation.get_language() or "zh-hans"
    found = selectors.rows(selectors.filtered(_filters(area, unit, status, platform)))
    return [ProjectPointOut(**point) for point in selectors.map_points(found, language)]  # type: ignore[arg-type]


@router.get("/projects/{code}", response=ProjectOut, summary="One project")
def get_project(request: HttpRequest, code: str) -> ProjectOut:
    return _one(code)


def _spec(body: ProjectIn) -> ProjectSpec:
    return ProjectSpec(
        code=body.code,
        programme_code=body.programme,
        name_zh=body.name_zh,
        name_en=body.name_en,
        description=body.description,
        area_code=body.area,
        task_codes=tuple(body.tasks),
        org_unit=body.org_unit,
        longitude=body.longitude,
        latitude=body.latitude,
        owner=body.owner,
        lead_department=body.lead_department,
        planned_investment=body.planned_investment,
        start=body.start,
        end=body.end,
        is_platform=body.is_platform,
        is_demo=body.is_demo,
        source_text=body.source_text,
        order=body.order,
    )


@router.post("/projects", response={201: ProjectOut}, summary="Add a project (programme office)")
def post_project(request: HttpRequest, body: ProjectIn) -> tuple[int, ProjectOut]:
    project = create_project(request.user, _spec(body))
    return 201, _one(project.code)


@router.put("/projects/{code}", response=ProjectOut, summary="Replace a project's definition (programme office)")
def put_project(request: HttpRequest, code: str, body: ProjectIn) -> ProjectOut:
    if body.code != code:
        raise InvalidInput.one("code", "项目代码与地址不一致", "the code in the body differs from the URL")
    update_project(request.user, _spec(body), reason=body.reason)
    return _one(code)


@router.get("/projects/{code}/investment", response=list[InvestmentOut], summary="Every reported version")
def list_investment(request: HttpRequest, code: str) -> list[InvestmentOut]:
    project = selectors.project(code)
    if project is None:
        raise NotFound("重大项目", code)
    return [_report_out(r) for _, versions in selectors.investment_history(project) for r in versions]


def _report_out(r: InvestmentReport) -> InvestmentOut:
    return InvestmentOut(
        period=r.period,
        version=r.version,
        amount=r.amount,
        note=r.note,
        created_at=r.created_at,
        actor_label=r.actor_label,
    )


@router.post(
    "/projects/{code}/investment", response=InvestmentRecordOut, summary="Report investment completed in a period"
)
def post_investment(request: HttpRequest, code: str, body: InvestmentIn) -> InvestmentRecordOut:
    """The project's unit or responsible department (or the programme office); a changed figure is a new version."""
    try:
        amount = parse_number(body.amount) if isinstance(body.amount, str) else Decimal(str(body.amount))
    except LantuValueError as exc:
        raise InvalidInput([Problem("amount", exc.message_zh, exc.message_en)]) from None
    report = record_investment(request.user, code, body.period, amount, body.note)
    return InvestmentRecordOut(written=report is not None, report=_report_out(report) if report else None)


@router.post(
    "/projects/{code}/milestones", response={201: ProjectMilestoneOut}, summary="Add a milestone (programme office)"
)
def post_milestone(request: HttpRequest, code: str, body: MilestoneIn) -> tuple[int, ProjectMilestoneOut]:
    m = add_project_milestone(request.user, code, body.name_zh, body.due)
    return 201, ProjectMilestoneOut(id=m.pk, name_zh=m.name_zh, due=m.due, done_on=m.done_on)


@router.post(
    "/projects/{code}/milestones/{milestone_id}/done", response=ProjectMilestoneOut, summary="Mark a milestone done"
)
def post_milestone_done(request: HttpRequest, code: str, milestone_id: int, body: DoneIn) -> ProjectMilestoneOut:
    m = complete_project_milestone(request.user, code, milestone_id, body.done_on)
    return ProjectMilestoneOut(id=m.pk, name_zh=m.name_zh, due=m.due, done_on=m.done_on)


@router.post("/projects/{code}/status", response=ProjectOut, summary="Change a project's status (programme office)")
def post_status(request: HttpRequest, code: str, body: ProjectStatusIn) -> ProjectOut:
    set_project_status(request.user, code, body.status, body.reason)
    return _one(code)
