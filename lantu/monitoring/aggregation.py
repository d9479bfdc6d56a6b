"""Keep the stored aggregates (roll-ups and computed indicators) in step with the values.

The maths is :mod:`lantu.core.rollup`. Here we feed it the reported values of one basis
(approved versions for official figures, current versions for preliminary ones) and write
back only the cells a change can affect: after one value changes, the engine runs over that
value's period only and just the affected (indicator, unit) cells are rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Q

from lantu.core import rollup
from lantu.core.units import get_unit
from lantu.framework.models import Aggregation, Indicator, Programme
from lantu.monitoring.models import Aggregate, Basis, ValueState
from lantu.orgunits.models import OrgUnit

Cell = rollup.Cell
_SIX = Decimal("0.000001")


def _rule(indicator: Indicator, codes: dict[int, str]) -> rollup.Rule:
    scale = 1.0
    if indicator.aggregation == Aggregation.RATIO_OF_SUMS and indicator.numerator_id and indicator.denominator_id:
        # scale turns Σnum/Σden into the indicator's unit: ×100 for a percentage, and the
        # factor between the two units when, say, 万亿元 is divided by 亿元.
        numerator = Indicator.objects.get(pk=indicator.numerator_id)
        denominator = Indicator.objects.get(pk=indicator.denominator_id)
        num, den = get_unit(numerator.unit), get_unit(denominator.unit)
        ratio = float(num.factor / den.factor) if num.dimension == den.dimension else 1.0
        scale = (100.0 if indicator.unit == "%" else 1.0) * ratio
    return rollup.Rule(
        code=indicator.code,
        aggregation=indicator.aggregation,  # type: ignore[arg-type]
        weight=codes.get(indicator.weight_indicator_id or 0),
        numerator=codes.get(indicator.numerator_id or 0),
        denominator=codes.get(indicator.denominator_id or 0),
        scale=scale,
        formula=indicator.formula or None,
    )


def engine_for(programme: Programme, periods: Sequence[str]) -> rollup.Engine:
    """An engine over every org-unit record and every indicator of the programme."""
    units = [
        rollup.Unit(u.key, u.parent.key if u.parent else None, u.valid_from, u.valid_to)
        for u in OrgUnit.objects.select_related("parent")
    ]
    indicators = list(Indicator.objects.filter(programme=programme))
    codes = {i.pk: i.code for i in indicators}
    return rollup.Engine(units, [_rule(i, codes) for i in indicators], list(periods))


def _reported(programme: Programme, periods: Iterable[str], basis: str) -> tuple[dict[Cell, float], set[str]]:
    """Reported values of one basis for the given periods, and the periods holding demo values."""
    version = "approved" if basis == Basis.APPROVED else "current"
    rows = ValueState.objects.filter(indicator__programme=programme, period__in=set(periods)).exclude(
        **{f"{version}__isnull": True}
    )
    reported: dict[Cell, float] = {}
    demo_periods: set[str] = set()
    for code, key, period, value, demo in rows.values_list(
        "indicator__code", "org_unit__key", "period", f"{version}__value", f"{version}__is_demo"
    ):
        reported[(code, key, period)] = float(value)
        if demo:
            demo_periods.add(period)
    return reported, demo_periods


def _write(
    programme: Programme,
    result: rollup.RollupResult,
    cells: set[Cell] | None,
    basis: str,
    demo_periods: set[str],
    periods: Sequence[str],
) -> int:
    """Replace the stored aggregates of ``cells`` (all cells of ``periods`` when None)."""
    indicators = {i.code: i.pk for i in Indicator.objects.filter(programme=programme)}
    units = dict(OrgUnit.objects.values_list("key", "pk"))
    wanted: dict[Cell, tuple[float, int, int, bool]] = {}
    for cell, agg in result.aggregates.items():
        wanted[cell] = (agg.value, agg.contributors, agg.expected, False)
    for cell, value in result.computed.items():
        wanted.setdefault(cell, (value, 0, 0, True))
    if cells is not None:
        wanted = {c: v for c, v in wanted.items() if c in cells}
    stale = Aggregate.objects.filter(basis=basis, indicator__programme=programme, period__in=set(periods))
    if cells is not None:
        stale = stale.filter(Q(indicator__code__in={c[0] for c in cells}) & Q(org_unit__key__in={c[1] for c in cells}))
        doomed = [
            pk
            for pk, code, key, period in stale.values_list("pk", "indicator__code", "org_unit__key", "period")
            if (code, key, period) in cells
        ]
        Aggregate.objects.filter(pk__in=doomed).delete()
    else:
        stale.delete()
    Aggregate.objects.bulk_create(
        [
            Aggregate(
                indicator_id=indicators[code],
                org_unit_id=units[key],
                period=period,
                basis=basis,
                value=Decimal(repr(value)).quantize(_SIX),
                contributors=contributors,
                expected=expected,
                computed=computed,
                is_demo=period in demo_periods,
            )
            for (code, key, period), (value, contributors, expected, computed) in wanted.items()
            if abs(value) < 1e18
        ],
        batch_size=5000,
    )
    return len(wanted)


def refresh(cells: Sequence[Cell], basis: str) -> int:
    """Recompute what the changed reported ``cells`` can affect, period by period."""
    if not cells:
        return 0
    programme = Indicator.objects.get(code=cells[0][0]).programme
    periods = sorted({c[2] for c in cells})
    engine = engine_for(programme, periods)
    reported, demo_periods = _reported(programme, periods, basis)
    result = engine.rollup(reported)
    affected = engine.affected(cells)
    return _write(programme, result, affected, basis, demo_periods, periods)


def rebuild(programme: Programme, basis: str) -> int:
    """Recompute every aggregate of a programme from its values (e.g. after a bulk load)."""
    periods = sorted(set(ValueState.objects.filter(indicator__programme=programme).values_list("period", flat=True)))
    if not periods:
        Aggregate.objects.filter(basis=basis, indicator__programme=programme).delete()
        return 0
    engine = engine_for(programme, periods)
    reported, demo_periods = _reported(programme, periods, basis)
    return _write(programme, engine.rollup(reported), None, basis, demo_periods, periods)
