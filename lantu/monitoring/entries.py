"""Turn values as users give them (codes, period text, number, unit) into checked database keys.

Read-only: every entry path (grid, Excel, CSV, JSON, pipelines) resolves through here and then
writes through ``services.values.record_values``. All problems are collected, with rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lantu.core.errors import LantuValueError
from lantu.core.periods import parse_period
from lantu.core.problems import Problem
from lantu.core.units import convert, format_cn, get_unit
from lantu.framework.models import Indicator
from lantu.orgunits.models import OrgUnit


@dataclass(frozen=True)
class ValueEntry:
    """One value as a user or file gives it."""

    indicator: str
    org_unit: str
    period: str
    value: Decimal
    unit: str = ""
    comment: str = ""
    row: int | None = None


@dataclass(frozen=True)
class Resolved:
    """An entry checked against the framework: objects, canonical period, value in the indicator's unit."""

    entry: ValueEntry
    row: int
    indicator: Indicator
    unit: OrgUnit
    period: str
    value: Decimal

    @property
    def series(self) -> tuple[int, int, str]:
        return (self.indicator.pk, self.unit.pk, self.period)

    @property
    def cell(self) -> tuple[str, str, str]:
        return (self.indicator.code, self.unit.key, self.period)


def _unit_on(records: list[OrgUnit], day: dt.date) -> OrgUnit | None:
    return next((u for u in records if u.is_valid_on(day)), None)


def resolve_entries(entries: Sequence[ValueEntry]) -> tuple[list[Resolved], list[Problem]]:
    """Check codes, periods, units and duplicates; two queries whatever the batch size.

    A value belongs to the org-unit record valid on the last day of its period, so a 2020 value
    of 江干区 is 江干区's, and a 2022 value for 330104 is refused: 江干区 no longer exists.
    """
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={e.indicator for e in entries})}
    units_by_code: dict[str, list[OrgUnit]] = {}
    for unit in OrgUnit.objects.filter(code__in={e.org_unit for e in entries}).select_related("parent"):
        units_by_code.setdefault(unit.code, []).append(unit)
    problems: list[Problem] = []
    resolved: list[Resolved] = []
    first_row: dict[tuple[str, str, str], int] = {}
    for position, entry in enumerate(entries, start=1):
        row = entry.row or position

        def bad(field: str, zh: str, en: str, row: int = row) -> None:
            problems.append(Problem(field, zh, en, row))

        indicator = indicators.get(entry.indicator)
        if indicator is None:
            bad("indicator", f"未知指标代码“{entry.indicator}”", f"unknown indicator code {entry.indicator!r}")
            continue
        try:
            period = parse_period(entry.period, indicator.frequency)  # type: ignore[arg-type]
        except LantuValueError as exc:
            bad("period", exc.message_zh, exc.message_en)
            continue
        found = _unit_on(units_by_code.get(entry.org_unit, []), period.end)
        if found is None:
            if entry.org_unit in units_by_code:
                bad(
                    "org_unit",
                    f"区划 {entry.org_unit} 在 {period.end} 无效（该报告期末已不存在或尚未设立）",
                    f"org unit {entry.org_unit} is not valid on {period.end}",
                )
            else:
                bad("org_unit", f"未知区划代码“{entry.org_unit}”", f"unknown org unit code {entry.org_unit!r}")
            continue
        unit = found
        try:
            symbol = get_unit(entry.unit).symbol if entry.unit.strip() else indicator.unit
            value = convert(entry.value, symbol, indicator.unit)
        except LantuValueError as exc:
            bad("unit", exc.message_zh, exc.message_en)
            continue
        if abs(value) >= Decimal(10) ** 18:
            bad("value", f"数值 {format_cn(value, indicator.unit)} 超出范围", "value out of range")
            continue
        key = (indicator.code, unit.key, str(period))
        if key in first_row:
            bad(
                "indicator",
                f"与第 {first_row[key]} 行重复（同一指标、区划和报告期）",
                f"duplicates row {first_row[key]} (same indicator, org unit and period)",
            )
            continue
        first_row[key] = row
        resolved.append(Resolved(entry, row, indicator, unit, str(period), value.quantize(Decimal("0.000001"))))
    return resolved, problems
