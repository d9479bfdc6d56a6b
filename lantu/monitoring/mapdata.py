"""What the map of Zhejiang shows: one indicator's value for each unit under a parent, in one period.

Read-only. A value is read the way :func:`lantu.monitoring.progress.series_for` reads it: the
reported value where there is one (the approved version on the approved basis, the current one on
the preliminary basis), else the stored aggregate or formula value of that basis.

The map shapes (``lantu/web/static/maps/``, built by ``scripts/build_maps.py``) show the divisions
of early 2017. A unit valid in the period *has a shape* when a shape depicts its ground: the shape's
own record, or a record reached from it through one-to-one successions only (临安市 → 临安区 is a
change of status over the same ground). A unit made by a split or a merger since (临平区, 钱塘区, the
new 上城区, 龙港市 …) has no shape of its own; it is still listed, and the page's table shows it.
Shapes whose ground now belongs to other units are listed in :attr:`MapData.old_shapes`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lantu.accounts.service import InvalidInput, NotFound
from lantu.core.errors import LantuValueError
from lantu.core.periods import parse_period
from lantu.core.units import format_cn
from lantu.framework.models import Indicator
from lantu.monitoring.models import Aggregate, Basis, ValueState
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import resolve_org_unit

#: Where the built shapes live; ``index.json`` lists each map file and its features.
MAPS_DIR = Path(__file__).resolve().parents[1] / "web" / "static" / "maps"
PROVINCE = "330000"


@dataclass(frozen=True)
class Shape:
    """One feature of a map file: the name it shows and the org-unit record it depicts."""

    name: str
    code: str
    key: str


@dataclass(frozen=True)
class MapIndex:
    shapes_as_of: dt.date
    sources: tuple[dict[str, str], ...]
    maps: dict[str, tuple[Shape, ...]]  # parent code → its children's shapes

    def static_path(self, parent_code: str) -> str | None:
        """The map file of a parent under the static root, e.g. ``maps/330100.json``."""
        return f"maps/{parent_code}.json" if parent_code in self.maps else None


@functools.cache
def map_index() -> MapIndex:
    """The shapes' index, read once per process (it is committed data that changes with a release)."""
    raw: dict[str, Any] = json.loads((MAPS_DIR / "index.json").read_text(encoding="utf-8"))
    return MapIndex(
        shapes_as_of=dt.date.fromisoformat(raw["shapes_as_of"]),
        sources=tuple(raw["sources"]),
        maps={
            code: tuple(Shape(f["name"], f["code"], f["key"]) for f in entry["features"])
            for code, entry in raw["maps"].items()
        },
    )


@dataclass(frozen=True)
class ChildValue:
    """One unit under the parent, valid at the end of the period, and its value."""

    unit: OrgUnit
    value: Decimal | None
    origin: str  # "reported", "aggregate", "computed", or "" when there is no value
    text: str
    is_demo: bool
    shape_name: str | None  # the map feature that depicts the unit's ground, if any
    has_map: bool  # a map of the unit's own children exists (the map can drill into it)

    @property
    def has_shape(self) -> bool:
        return self.shape_name is not None


@dataclass(frozen=True)
class OldShape:
    """A map feature whose ground belongs, in this period, to other units (e.g. 江干区 in 2022)."""

    name: str
    key: str
    now_in: tuple[str, ...]  # names of the units valid in the period that took over its ground


@dataclass
class MapData:
    indicator: Indicator
    parent: OrgUnit
    period: str
    basis: str
    children: list[ChildValue]
    map_file: str | None
    periods: list[str]
    old_shapes: list[OldShape] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def is_demo(self) -> bool:
        return any(c.is_demo for c in self.children)

    @property
    def without_shape(self) -> list[ChildValue]:
        return [c for c in self.children if not c.has_shape]


@dataclass(frozen=True)
class UnitValue:
    value: Decimal
    is_demo: bool
    origin: str  # "reported", "aggregate" or "computed"


def values_for(
    indicator: Indicator, units: list[OrgUnit], periods: list[str], basis: str = Basis.APPROVED
) -> dict[tuple[int, str], UnitValue]:
    """Each (unit id, period) that has a value on ``basis``, in two queries whatever the number of units."""
    found: dict[tuple[int, str], UnitValue] = {}
    for agg in Aggregate.objects.filter(indicator=indicator, basis=basis, period__in=periods, org_unit__in=units):
        found[(agg.org_unit_id, agg.period)] = UnitValue(
            agg.value, agg.is_demo, "computed" if agg.computed else "aggregate"
        )
    version = "approved" if basis == Basis.APPROVED else "current"
    rows = ValueState.objects.filter(
        indicator=indicator, period__in=periods, org_unit__in=units, **{f"{version}__isnull": False}
    ).values_list("org_unit_id", "period", f"{version}__value", f"{version}__is_demo")
    for unit_id, period, value, is_demo in rows:
        found[(unit_id, period)] = UnitValue(value, is_demo, "reported")  # a reported value wins
    return found


def periods_with_data(indicator: Indicator, basis: str = Basis.APPROVED) -> list[str]:
    """Periods in which the indicator has a value or aggregate on this basis, oldest first (2 queries)."""
    states = ValueState.objects.filter(indicator=indicator)
    if basis == Basis.APPROVED:
        states = states.filter(approved__isnull=False)
    found = set(states.values_list("period", flat=True).distinct())
    found |= set(Aggregate.objects.filter(indicator=indicator, basis=basis).values_list("period", flat=True).distinct())
    return sorted(found, key=lambda p: parse_period(p).end)


def _shape_for_units(
    shapes: tuple[Shape, ...], records: dict[str, OrgUnit], links: list[tuple[str, str]], day: dt.date
) -> tuple[dict[str, str], list[tuple[Shape, set[str]]]]:
    """Which shape depicts which unit valid on ``day``; and the shapes that depict none, with heirs.

    A shape depicts the record it was drawn for, or one reached from it by one-to-one successions
    (forwards for later days, backwards for earlier ones).
    """
    successors: dict[str, list[str]] = defaultdict(list)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for before, after in links:
        successors[before].append(after)
        predecessors[after].append(before)

    def one_to_one(key: str, forwards: bool) -> str | None:
        ahead, behind = (successors, predecessors) if forwards else (predecessors, successors)
        if len(ahead[key]) == 1 and len(behind[ahead[key][0]]) == 1:
            return ahead[key][0]
        return None

    depicted: dict[str, str] = {}
    orphans: list[tuple[Shape, set[str]]] = []
    for shape in shapes:
        key: str | None = shape.key
        seen: set[str] = set()
        while key is not None and key in records and key not in seen and not records[key].is_valid_on(day):
            seen.add(key)
            valid_from = records[key].valid_from
            key = one_to_one(key, forwards=valid_from is None or valid_from <= day)
        if key is not None and key in records and records[key].is_valid_on(day):
            depicted[key] = shape.name
            continue
        # Where did the ground go? Every record reached by successions that is valid on the day.
        heirs: set[str] = set()
        stack, visited = [shape.key], set()
        while stack:
            current = stack.pop()
            if current in visited:
                continue
            visited.add(current)
            if current in records and records[current].is_valid_on(day):
                heirs.add(current)
            else:
                stack.extend(successors[current])
        orphans.append((shape, heirs))
    return depicted, orphans


def map_data(
    indicator_code: str, period: str | None = None, parent_code: str = PROVINCE, basis: str = Basis.APPROVED
) -> MapData:
    """Each unit under ``parent_code`` valid at the end of ``period`` with its value on ``basis``.

    Without a period, the latest period that has data (else last year). A fixed number of queries,
    whatever the number of units. Raises ``NotFound`` for an unknown indicator or unit and
    ``InvalidInput`` for a bad period or basis, or a unit not valid in the period.
    """
    if basis not in Basis.values:
        raise InvalidInput.one("basis", "口径应为 approved 或 preliminary", "basis is approved or preliminary")
    indicator = Indicator.objects.filter(code=indicator_code).first()
    if indicator is None:
        raise NotFound("指标", indicator_code)
    periods = periods_with_data(indicator, basis)
    if not period:
        period = periods[-1] if periods else str(dt.date.today().year - 1)
    try:
        parsed = parse_period(period)
    except LantuValueError as exc:
        raise InvalidInput.one("period", exc.message_zh, exc.message_en) from exc
    period = str(parsed)
    end = parsed.end
    parent = resolve_org_unit(parent_code, end)
    # Every record ever under the parent: the children valid in the period, and the records the
    # (older) shapes were drawn for.
    records = {u.key: u for u in OrgUnit.objects.filter(parent=parent).order_by("code", "valid_from")}
    links = list(
        OrgUnit.successors.through.objects.filter(from_orgunit__parent=parent).values_list(
            "from_orgunit__key", "to_orgunit__key"
        )
    )
    children = sorted((u for u in records.values() if u.is_valid_on(end)), key=lambda u: u.code)
    index = map_index()
    depicted, orphans = _shape_for_units(index.maps.get(parent.code, ()), records, links, end)

    values = values_for(indicator, children, [period], basis)

    rows: list[ChildValue] = []
    for unit in children:
        found = values.get((unit.pk, period))
        value = found.value if found else None
        origin, is_demo = (found.origin, found.is_demo) if found else ("", False)
        rows.append(
            ChildValue(
                unit=unit,
                value=value,
                origin=origin,
                text=format_cn(value, indicator.unit) if value is not None else "",
                is_demo=is_demo,
                shape_name=depicted.get(unit.key),
                has_map=unit.code in index.maps and unit.code != parent.code,
            )
        )
    old = [
        OldShape(shape.name, shape.key, tuple(records[k].name_zh for k in sorted(heirs))) for shape, heirs in orphans
    ]
    return MapData(
        indicator=indicator,
        parent=parent,
        period=period,
        basis=basis,
        children=rows,
        map_file=index.static_path(parent.code),
        periods=periods,
        old_shapes=old,
    )
