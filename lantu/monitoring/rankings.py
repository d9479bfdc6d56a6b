"""Units side by side for one indicator and period: the rankings table and the indicator page's breakdown.

Read-only. A unit's value is read as everywhere else (see :func:`lantu.monitoring.progress.series_for`):
the reported value where there is one (the approved version on the approved basis, the current one on
the preliminary basis), else the stored aggregate or formula value of that basis. The units are
those valid at the end of the period, so a unit that ceased to exist before it is not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from lantu.accounts.service import InvalidInput
from lantu.core import ranking as core
from lantu.core.errors import LantuValueError
from lantu.core.periods import parse_period
from lantu.framework import selectors as framework
from lantu.framework.models import Indicator, Target
from lantu.monitoring import progress
from lantu.monitoring.mapdata import UnitValue, periods_with_data, values_for
from lantu.monitoring.models import Basis
from lantu.orgunits.models import Level, OrgUnit


@dataclass
class RankRow:
    unit: OrgUnit
    rank: int | None
    value: UnitValue | None
    before: UnitValue | None
    difference: Decimal | None
    change_pct: Decimal | None
    light: str  # the unit's progress light towards its own target; "none" if it has no target
    status: str  # as IndicatorProgress.status, or "none"


@dataclass
class Ranking:
    indicator: Indicator
    parent: OrgUnit
    level: str | None  # None: the parent's direct children
    period: str
    previous: str
    basis: str
    rows: list[RankRow] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)

    @property
    def is_demo(self) -> bool:
        return any(r.value is not None and r.value.is_demo for r in self.rows)

    @property
    def missing(self) -> int:
        return sum(1 for r in self.rows if r.value is None)


def units_under(parent: OrgUnit, day: dt.date, level: str | None = None) -> list[OrgUnit]:
    """Units valid on ``day``: the parent's children, or every unit of ``level`` below the parent."""
    units = OrgUnit.objects.valid_on(day)
    if level is None:
        units = units.filter(parent=parent)
    else:
        units = units.filter(path__startswith=parent.path, level=level).exclude(pk=parent.pk)
    return list(units.order_by("code"))


def _lights(indicator: Indicator, units: list[OrgUnit], basis: str) -> dict[int, tuple[str, str]]:
    """The progress light of each unit that has a current target (one query, plus three per such unit)."""
    targets = list(Target.objects.filter(indicator=indicator, org_unit__in=units).select_related("org_unit"))
    with_target = {t.org_unit_id for t in framework.current(targets)}
    found: dict[int, tuple[str, str]] = {}
    for unit in units:
        if unit.pk in with_target:
            p = progress.progress_for(indicator, unit, basis=basis)
            found[unit.pk] = (p.light, p.status)
    return found


def ranking(
    indicator: Indicator,
    period: str | None,
    *,
    parent: OrgUnit,
    level: str | None = None,
    basis: str = Basis.APPROVED,
) -> Ranking:
    """The units under ``parent`` ranked by their value in ``period`` (default: the latest with data).

    Ranks follow the indicator's direction; ties share a rank; units without a value come last
    with no rank. Raises ``InvalidInput`` for a bad period, level or basis.
    """
    if basis not in Basis.values:
        raise InvalidInput.one("basis", "口径应为 approved 或 preliminary", "basis is approved or preliminary")
    if level is not None and level not in (Level.CITY, Level.COUNTY):
        raise InvalidInput.one("level", "层级应为 city 或 county", "level is city or county")
    periods = periods_with_data(indicator, basis)
    if not period:
        period = periods[-1] if periods else str(dt.date.today().year - 1)
    try:
        parsed = parse_period(period)
    except LantuValueError as exc:
        raise InvalidInput.one("period", exc.message_zh, exc.message_en) from exc
    before = core.previous_period(parsed)
    units = units_under(parent, parsed.end, level)
    values = values_for(indicator, units, [str(parsed), str(before)], basis)
    lights = _lights(indicator, units, basis)
    direction: core.Direction = "lower" if indicator.direction == "lower" else "higher"
    current = {u.pk: values.get((u.pk, str(parsed))) for u in units}
    by_pk = {u.pk: u for u in units}
    ranked = core.rank([(u.pk, v.value if v else None) for u, v in ((u, current[u.pk]) for u in units)], direction)
    rows: list[RankRow] = []
    for r in ranked:
        now, then = current[r.key], values.get((r.key, str(before)))
        difference, pct = core.change(now.value if now else None, then.value if then else None)
        light, status = lights.get(r.key, ("none", "none"))
        rows.append(RankRow(by_pk[r.key], r.rank, now, then, difference, pct, light, status))
    return Ranking(
        indicator=indicator,
        parent=parent,
        level=level,
        period=str(parsed),
        previous=str(before),
        basis=basis,
        rows=rows,
        periods=periods,
    )
