"""Read side of the major-project list: projects with their completed investment, roll-ups, map points."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from lantu.accounts import selectors as accounts_selectors
from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput
from lantu.core import investment
from lantu.core.errors import LantuValueError
from lantu.core.periods import parse_period
from lantu.orgunits.models import OrgUnit
from lantu.projects.models import InvestmentReport, MajorProject


@dataclass(frozen=True)
class ProjectRow:
    project: MajorProject
    completed: Decimal
    #: the current (latest-version) amount per period
    by_period: dict[str, Decimal]
    city: OrgUnit | None

    @property
    def rate(self) -> Decimal | None:
        return investment.completion_rate(self.project.planned_investment, self.completed)


def projects(programme_code: str | None = None) -> QuerySet[MajorProject]:
    qs = MajorProject.objects.select_related("org_unit", "area", "lead_department").prefetch_related("tasks")
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    return qs.order_by("order", "code")


def current_investment(project_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """The latest version of every reported period, per project, in one query."""
    found: dict[int, dict[str, Decimal]] = {}
    rows = (
        InvestmentReport.objects.filter(project_id__in=project_ids)
        .order_by("project_id", "period", "version")
        .values_list("project_id", "period", "amount")
    )
    for project_id, period, amount in rows:  # later versions overwrite earlier ones
        found.setdefault(project_id, {})[period] = amount
    return found


def rows(qs: QuerySet[MajorProject], up_to: str | None = None) -> list[ProjectRow]:
    """Projects with their investment completed up to a period (all periods when None)."""
    found = list(qs)
    amounts = current_investment([p.pk for p in found])
    city_keys = {
        p.org_unit.path.strip("/").split("/")[1] for p in found if p.org_unit and p.org_unit.path.count("/") > 2
    }
    cities = {u.key: u for u in OrgUnit.objects.filter(key__in=city_keys)} if city_keys else {}
    limit = _period_end(up_to) if up_to else None
    result = []
    for p in found:
        by_period = amounts.get(p.pk, {})
        counted = [k for k in by_period if limit is None or parse_period(k).end <= limit]
        city = None
        if p.org_unit is not None:
            parts = p.org_unit.path.strip("/").split("/")
            city = p.org_unit if len(parts) == 2 else cities.get(parts[1]) if len(parts) > 2 else None
        result.append(ProjectRow(p, investment.cumulative(by_period, counted), by_period, city))
    return result


def _period_end(text: str) -> dt.date:
    """The end of the period a caller asked for; a period that does not parse is the caller's input error."""
    try:
        return parse_period(text).end
    except LantuValueError as exc:
        raise InvalidInput.one("up_to", exc.message_zh, exc.message_en) from exc


@dataclass(frozen=True)
class Rollup:
    by_city: list[tuple[str, investment.GroupTotals]]
    by_area: list[tuple[str, investment.GroupTotals]]
    total: investment.GroupTotals


def rollup(found: list[ProjectRow], language: str = "zh-hans") -> Rollup:
    """Planned and completed investment by city and by area, with completion rates."""
    english = language.startswith("en")
    figures = [
        investment.ProjectFigures(
            r.project.code,
            r.project.planned_investment,
            r.completed,
            (
                (r.city.name_en if english else r.city.name_zh) if r.city else None,
                (r.project.area.name_en if english else r.project.area.name_zh) if r.project.area else None,
                "all",
            ),
            r.project.is_platform,
        )
        for r in found
    ]
    unplaced = "未定位" if not english else "No location"
    no_area = "未归入领域" if not english else "No area"

    def named(groups: dict[Hashable, investment.GroupTotals], missing: str) -> list[tuple[str, investment.GroupTotals]]:
        return sorted(
            ((str(k) if k is not None else missing, g) for k, g in groups.items()), key=lambda kv: -kv[1].planned
        )

    return Rollup(
        by_city=named(investment.rollup(figures, 0), unplaced),
        by_area=named(investment.rollup(figures, 1), no_area),
        total=investment.rollup(figures, 2).get("all", investment.GroupTotals()),
    )


def map_points(found: list[ProjectRow], language: str = "zh-hans") -> list[dict[str, object]]:
    """Projects with coordinates, as points for the map (name, lon/lat, planned, rate, demo flag)."""
    english = language.startswith("en")
    points = []
    for r in found:
        p = r.project
        if p.longitude is None or p.latitude is None:
            continue
        points.append(
            {
                "code": p.code,
                "name": (p.name_en or p.name_zh) if english else p.name_zh,
                "lon": float(p.longitude),
                "lat": float(p.latitude),
                "planned": float(p.planned_investment) if p.planned_investment is not None else None,
                "completed": float(r.completed),
                "rate": float(r.rate) if r.rate is not None else None,
                "is_platform": p.is_platform,
                "is_demo": p.is_demo,
                "url": f"/projects/{p.code}/",
            }
        )
    return points


@dataclass(frozen=True)
class ProjectFilters:
    """What the list pages and the API filter on; empty means "any"."""

    area: str = ""
    #: an org unit code (a city or county): the unit and everything in it
    unit: str = ""
    status: str = ""
    platform: bool | None = None


def filtered(filters: ProjectFilters, programme_code: str | None = None) -> QuerySet[MajorProject]:
    """Projects matching the filters; an area takes its sub-areas too, a unit its sub-units."""
    qs = projects(programme_code)
    if filters.area:
        qs = qs.filter(Q(area__code=filters.area) | Q(area__parent__code=filters.area))
    if filters.unit:
        unit = OrgUnit.objects.filter(code=filters.unit, valid_to__isnull=True).first()
        qs = qs.filter(org_unit__path__startswith=unit.path) if unit else qs.none()
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.platform is not None:
        qs = qs.filter(is_platform=filters.platform)
    return qs


def project(code: str) -> MajorProject | None:
    return (
        MajorProject.objects.select_related("programme", "org_unit", "area", "lead_department")
        .prefetch_related("tasks", "milestones")
        .filter(code=code)
        .first()
    )


def investment_history(p: MajorProject) -> list[tuple[str, list[InvestmentReport]]]:
    """Every reported period with all its versions, newest version first (the first is current)."""
    found: dict[str, list[InvestmentReport]] = {}
    for report in p.investments.select_related("created_by").order_by("period", "-version"):
        found.setdefault(report.period, []).append(report)
    return sorted(found.items(), key=lambda kv: parse_period(kv[0]).start)


def audit_trail(p: MajorProject, limit: int = 200) -> QuerySet[AuditEvent]:
    """Audit rows of the project and of its milestones, newest first."""
    return accounts_selectors.audit_trail(p, p.milestones.all(), limit)


def location_choices() -> QuerySet[OrgUnit]:
    """Current cities and counties of Zhejiang, for the location filter and the project form."""
    return OrgUnit.objects.filter(valid_to__isnull=True, level__in=("city", "county"), code__startswith="33").order_by(
        "path"
    )
