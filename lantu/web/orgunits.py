"""The org-unit page and the area page: a unit (or an area) with its indicators and where each stands."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from lantu.accounts.permissions import has_perm
from lantu.accounts.service import NotFound
from lantu.core.units import format_cn
from lantu.framework import selectors
from lantu.framework.display import describe_target
from lantu.framework.models import Area, Indicator
from lantu.monitoring import progress
from lantu.monitoring.models import Basis
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import resolve_org_unit
from lantu.tasks.models import Task

PROVINCE = "330000"


def _rows(indicators: list[Indicator], unit: OrgUnit, basis: str, language: str) -> list[dict[str, Any]]:
    """Each indicator's latest value, target and light for the unit: three queries for the whole list."""
    inputs = progress.load(indicators, unit, basis)
    rows = []
    for indicator in indicators:
        p = progress.compute(indicator, unit, inputs[indicator.pk], basis=basis)
        rows.append(
            {
                "p": p,
                "latest": format_cn(p.latest.value, indicator.unit) if p.latest else "",
                "target_text": describe_target(p.target, language) if p.target else "",
                "expected": format_cn(Decimal(str(round(p.expected, 4))), indicator.unit)
                if p.expected is not None
                else "",
            }
        )
    return rows


def _find_unit(code: str) -> OrgUnit:
    """A record by its key (``330102@2021-04-09``), else the record its code names today."""
    unit = OrgUnit.objects.select_related("parent").filter(key=code).first()
    if unit is not None:
        return unit
    try:
        return resolve_org_unit(code)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def orgunit_page(request: HttpRequest, code: str) -> HttpResponse:
    """The unit's facts (public, like the hierarchy) and, for who may read its values, its indicators."""
    unit = _find_unit(code)
    language = translation.get_language() or "zh-hans"
    today = dt.date.today()
    day = today if unit.is_valid_on(today) or unit.valid_to is None else unit.valid_to
    children = list(OrgUnit.objects.valid_on(day).filter(parent=unit).order_by("code"))
    basis = request.GET.get("basis", Basis.APPROVED)
    if basis not in Basis.values:
        basis = Basis.APPROVED
    may_read = has_perm(request.user, "values.read", org_unit=unit)
    rows: list[dict[str, Any]] = []
    programme = selectors.programmes().first()
    if may_read and programme is not None:
        headline = list(selectors.indicators(programme).filter(is_supporting=False))
        rows = _rows(headline, unit, basis, language)
    context = {
        "unit": unit,
        "is_current": unit.is_valid_on(today),
        "children": children,
        "predecessors": list(unit.predecessors.order_by("code")),
        "successors": list(unit.successors.order_by("code")),
        "may_read": may_read,
        "rows": rows,
        "basis": basis,
        "has_demo": any(r["p"].is_demo for r in rows),
    }
    return render(request, "web/orgunit.html", context)


def area_page(request: HttpRequest, code: str) -> HttpResponse:
    """An area with its sub-areas, goals, indicators (with lights for who may read the province's
    values, as on the progress page) and the tasks linked to it. The programme itself is public."""
    programme = selectors.programmes().first()
    area = Area.objects.select_related("parent", "programme").filter(code=code, programme=programme).first()
    if area is None or programme is None:
        raise Http404
    language = translation.get_language() or "zh-hans"
    goals = list(area.goals.prefetch_related("milestones").order_by("order", "code"))
    indicators = list(selectors.indicators(programme).filter(goal__area=area))
    province = OrgUnit.objects.filter(code=PROVINCE).order_by("-valid_from").first()
    may_read = province is not None and has_perm(request.user, "values.read", org_unit=province)
    rows: dict[int, list[dict[str, Any]]] = {}
    if may_read and province is not None:
        for row in _rows([i for i in indicators if not i.is_supporting], province, Basis.APPROVED, language):
            rows.setdefault(row["p"].indicator.goal_id, []).append(row)
    else:
        for i in indicators:
            if not i.is_supporting:
                targets = selectors.current(i.targets.all())
                rows.setdefault(i.goal_id, []).append(
                    {"indicator": i, "target_text": "；".join(describe_target(t, language) for t in targets)}
                )
    for goal in goals:
        goal.rows = rows.get(goal.pk, [])  # type: ignore[attr-defined]
    tasks = list(Task.objects.filter(areas=area).order_by("order", "code"))
    context = {
        "area": area,
        "children": list(area.children.order_by("order", "code")),
        "goals": goals,
        "may_read": may_read,
        "tasks": tasks,
        "has_demo": any(r["p"].is_demo for rs in rows.values() for r in rs if "p" in r),
    }
    return render(request, "web/area.html", context)
