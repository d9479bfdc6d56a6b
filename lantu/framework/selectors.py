"""Read-only queries over the framework. The programme itself is public information.

"Current" baseline or target = the highest version for (indicator, unit, year), unless that
version is a withdrawal. The queries fetch all versions in one go and pick in Python: a
programme has hundreds of targets, not millions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db.models import Prefetch, QuerySet

from lantu.core.units import convert
from lantu.framework.models import Area, Baseline, Goal, Indicator, Programme, Target


def programmes() -> QuerySet[Programme]:
    return Programme.objects.select_related("org_unit", "leading_group").order_by("code")


def programme(code: str) -> Programme | None:
    return programmes().filter(code=code).first()


@dataclass
class AreaNode:
    area: Area
    children: list[AreaNode]
    goals: list[Goal]


def area_tree(prog: Programme) -> list[AreaNode]:
    """The programme's areas as a tree, with goals and their milestones loaded (3 queries)."""
    areas = list(Area.objects.filter(programme=prog).order_by("order", "code"))
    goals = Goal.objects.filter(area__programme=prog).prefetch_related("milestones").order_by("order", "code")
    goals_by_area: dict[int, list[Goal]] = defaultdict(list)
    for goal in goals:
        goals_by_area[goal.area_id].append(goal)
    nodes = {a.pk: AreaNode(a, [], goals_by_area[a.pk]) for a in areas}
    roots: list[AreaNode] = []
    for area in areas:
        node = nodes[area.pk]
        if area.parent_id is None:
            roots.append(node)
        else:
            nodes[area.parent_id].children.append(node)
    return roots


def indicators(prog: Programme | None = None) -> QuerySet[Indicator]:
    """Indicators with what their listing needs, in a fixed number of queries."""
    qs = Indicator.objects.select_related(
        "programme", "goal", "goal__area", "department", "weight_indicator", "numerator", "denominator"
    ).prefetch_related(
        Prefetch("targets", queryset=Target.objects.select_related("org_unit").order_by("year", "version")),
        Prefetch("baselines", queryset=Baseline.objects.select_related("org_unit").order_by("year", "version")),
    )
    if prog is not None:
        qs = qs.filter(programme=prog)
    return qs.order_by("programme__code", "order", "code")


V = TypeVar("V", Target, Baseline)


def current(rows: Iterable[V]) -> list[V]:
    """The latest non-withdrawn version per (unit, year) of targets or baselines."""
    latest: dict[tuple[int, int], V] = {}
    for row in rows:
        key = (row.org_unit_id, row.year)
        if key not in latest or row.version > latest[key].version:
            latest[key] = row
    return sorted((r for r in latest.values() if not r.withdrawn), key=lambda r: (r.year, r.org_unit.code))


def target_value_in_indicator_unit(target: Target) -> Decimal | None:
    """The target's value converted to the indicator's unit (None for a pure multiple)."""
    if target.value is None:
        return None
    return convert(target.value, target.unit or target.indicator.unit, target.indicator.unit)


def resolved_threshold(target: Target, baselines: Iterable[Baseline]) -> Decimal | None:
    """The number a value must beat: the stated value, the baseline multiple, or the stricter.

    Returns None when the target depends on a baseline nobody has recorded yet.
    """
    parts: list[Decimal] = []
    stated = target_value_in_indicator_unit(target)
    if stated is not None:
        parts.append(stated)
    if target.baseline_multiple is not None:
        base = next(
            (b for b in baselines if b.year == target.baseline_year and b.org_unit_id == target.org_unit_id), None
        )
        if base is None:
            return None
        parts.append(convert(base.value, base.unit, target.indicator.unit) * target.baseline_multiple)
    if not parts:
        return None
    # For "at least" targets the stricter bound is the larger one; for "at most", the smaller.
    return max(parts) if target.comparator in (">=", ">", "=") else min(parts)
