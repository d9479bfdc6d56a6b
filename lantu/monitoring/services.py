"""Recording data values: checked as a whole, written as new versions, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import InvalidInput, Problem, audit, require, service
from lantu.core.errors import LantuValueError
from lantu.core.periods import parse_period
from lantu.core.units import convert, get_unit
from lantu.framework.models import Indicator
from lantu.monitoring.models import DataValue, ValueStatus
from lantu.orgunits.models import OrgUnit


@dataclass(frozen=True)
class ValueEntry:
    """One value as a user or file gives it: codes, a period text, a number and its unit."""

    indicator: str
    org_unit: str
    period: str
    value: Decimal
    unit: str = ""
    comment: str = ""
    row: int | None = None


def _unit_on(units_by_code: dict[str, list[OrgUnit]], code: str, period_end: dt.date) -> OrgUnit | None:
    for unit in units_by_code.get(code, []):
        if unit.is_valid_on(period_end):
            return unit
    return None


@service("values.report", scoped=True)
def record_values(
    actor: Actor,
    entries: Sequence[ValueEntry],
    *,
    source: str = "",
    status: str = ValueStatus.DRAFT,
    demo: bool = False,
) -> int:
    """Check every entry, then write each as the next version of its series; return the count.

    A single problem anywhere refuses the whole batch, with every problem listed by row.
    """
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={e.indicator for e in entries})}
    units_by_code: dict[str, list[OrgUnit]] = {}
    for unit in OrgUnit.objects.filter(code__in={e.org_unit for e in entries}):
        units_by_code.setdefault(unit.code, []).append(unit)
    problems: list[Problem] = []
    resolved: list[tuple[Indicator, OrgUnit, str, Decimal, str]] = []
    seen: set[tuple[str, str, str]] = set()
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
        found = _unit_on(units_by_code, entry.org_unit, period.end)
        if found is None:
            if entry.org_unit in units_by_code:
                bad(
                    "org_unit",
                    f"区划 {entry.org_unit} 在 {period.end} 无效",
                    f"org unit {entry.org_unit} is not valid on {period.end}",
                )
            else:
                bad("org_unit", f"未知区划代码“{entry.org_unit}”", f"unknown org unit code {entry.org_unit!r}")
            continue
        try:
            symbol = get_unit(entry.unit).symbol if entry.unit else indicator.unit
            value = convert(entry.value, symbol, indicator.unit)
        except LantuValueError as exc:
            bad("unit", exc.message_zh, exc.message_en)
            continue
        unit = found
        key = (indicator.code, unit.key, str(period))
        if key in seen:
            bad("indicator", "同一指标、区划和报告期重复出现", "duplicate indicator, org unit and period in one batch")
            continue
        seen.add(key)
        resolved.append((indicator, unit, str(period), value, entry.comment))
    if problems:
        raise InvalidInput(problems)
    for unit in {u.pk: u for _, u, _, _, _ in resolved}.values():
        require(actor, "values.report", org_unit=unit)
    if not entries:
        require(actor, "values.report")
    latest = {
        (row["indicator_id"], row["org_unit_id"], row["period"]): row["v"]
        for row in DataValue.objects.filter(
            indicator__in={i.pk for i, *_ in resolved},
            org_unit__in={u.pk for _, u, *_ in resolved},
            period__in={p for _, _, p, _, _ in resolved},
        )
        .values("indicator_id", "org_unit_id", "period")
        .annotate(v=Max("version"))
    }
    user, label = user_of(actor), label_of(actor)
    rows = [
        DataValue(
            indicator=indicator,
            org_unit=unit,
            period=period,
            value=value,
            comment=comment,
            status=status,
            source=source,
            is_demo=demo,
            created_by=user,
            actor_label=label,
            version=latest.get((indicator.pk, unit.pk, period), 0) + 1,
        )
        for indicator, unit, period, value, comment in resolved
    ]
    DataValue.objects.bulk_create(rows, batch_size=2000)
    if rows:
        audit(
            actor,
            "monitoring.values.record",
            rows[0],
            after={
                "count": len(rows),
                "source": source,
                "status": status,
                "demo": demo,
                "indicators": sorted({i.code for i, *_ in resolved}),
            },
        )
    return len(rows)
