"""Keep the stored aggregates (roll-ups and computed indicators) in step with the values.

The maths is :mod:`lantu.core.rollup`. Here we feed it the reported values of one basis
(approved versions for official figures, current versions for preliminary ones) and write
back only the cells a change can affect. After a change, the engine runs over the changed
periods and over the indicators linked to the changed ones (their inputs and their readers,
transitively) only, and just the cells the engine names as affected are rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import FloatField
from django.db.models.functions import Cast
from django.utils import timezone

from lantu.core import formula as formulas
from lantu.core import rollup
from lantu.core.units import get_unit
from lantu.framework.models import Aggregation, Indicator, Programme
from lantu.monitoring.models import Aggregate, Basis, ValueState
from lantu.orgunits.models import OrgUnit

Cell = rollup.Cell


def _inputs(indicator: Indicator, codes: dict[int, str]) -> set[str]:
    """The codes an indicator reads: formula references, weight, numerator, denominator."""
    found = set(formulas.parse(indicator.formula).references) if indicator.formula else set()
    for pk in (indicator.weight_indicator_id, indicator.numerator_id, indicator.denominator_id):
        if pk:
            found.add(codes[pk])
    return found


def _rule(indicator: Indicator, by_pk: dict[int, Indicator]) -> rollup.Rule:
    scale = 1.0
    if indicator.aggregation == Aggregation.RATIO_OF_SUMS and indicator.numerator_id and indicator.denominator_id:
        # scale turns Σnum/Σden into the indicator's unit: ×100 for a percentage, and the
        # factor between the two units when, say, 万亿元 is divided by 亿元.
        num = get_unit(by_pk[indicator.numerator_id].unit)
        den = get_unit(by_pk[indicator.denominator_id].unit)
        ratio = float(num.factor / den.factor) if num.dimension == den.dimension else 1.0
        scale = (100.0 if indicator.unit == "%" else 1.0) * ratio

    def code(pk: int | None) -> str | None:
        return by_pk[pk].code if pk else None

    return rollup.Rule(
        code=indicator.code,
        aggregation=indicator.aggregation,  # type: ignore[arg-type]
        weight=code(indicator.weight_indicator_id),
        numerator=code(indicator.numerator_id),
        denominator=code(indicator.denominator_id),
        scale=scale,
        formula=indicator.formula or None,
    )


def _linked(indicators: list[Indicator], changed: set[str]) -> list[Indicator]:
    """The changed indicators plus everything reading them and everything they read, transitively.

    Readers can change when an input changes; inputs are needed to recompute the readers.
    """
    codes = {i.pk: i.code for i in indicators}
    reads = {i.code: _inputs(i, codes) for i in indicators}
    readers: dict[str, set[str]] = {}
    for code, inputs in reads.items():
        for source in inputs:
            readers.setdefault(source, set()).add(code)
    wanted = set(changed)
    frontier = list(changed)
    while frontier:  # everything downstream of a change
        code = frontier.pop()
        for reader in readers.get(code, ()):
            if reader not in wanted:
                wanted.add(reader)
                frontier.append(reader)
    frontier = list(wanted)
    while frontier:  # and the inputs those need
        code = frontier.pop()
        for source in reads.get(code, ()):
            if source not in wanted:
                wanted.add(source)
                frontier.append(source)
    return [i for i in indicators if i.code in wanted]


def engine_for(indicators: Sequence[Indicator], periods: Sequence[str]) -> rollup.Engine:
    """An engine over every org-unit record and the given (dependency-closed) indicators."""
    units = [
        rollup.Unit(u.key, u.parent.key if u.parent else None, u.valid_from, u.valid_to)
        for u in OrgUnit.objects.select_related("parent")
    ]
    by_pk = {i.pk: i for i in Indicator.objects.filter(programme_id__in={i.programme_id for i in indicators})}
    return rollup.Engine(units, [_rule(i, by_pk) for i in indicators], list(periods))


def _reported(
    indicators: Sequence[Indicator], periods: Iterable[str], basis: str
) -> tuple[dict[Cell, float], set[str]]:
    """Reported values of one basis, and the periods holding demo values (one query)."""
    version = "approved" if basis == Basis.APPROVED else "current"
    codes = {i.pk: i.code for i in indicators}
    keys = dict(OrgUnit.objects.values_list("pk", "key"))
    # Ids, not joined codes, and the value cast to float in SQL: this loop runs once per stored
    # value, hundreds of thousands of times on a full rebuild.
    rows = (
        ValueState.objects.filter(indicator__in=list(codes), period__in=set(periods))
        .exclude(**{f"{version}__isnull": True})
        .annotate(number=Cast(f"{version}__value", FloatField()))
        .values_list("indicator_id", "org_unit_id", "period", "number", f"{version}__is_demo")
    )
    reported: dict[Cell, float] = {}
    demo_periods: set[str] = set()
    for indicator_id, unit_id, period, value, demo in rows.iterator(chunk_size=20000):
        reported[(codes[indicator_id], keys[unit_id], period)] = value
        if demo:
            demo_periods.add(period)
    return reported, demo_periods


def _write(
    indicators: Sequence[Indicator],
    result: rollup.RollupResult,
    cells: set[Cell] | None,
    basis: str,
    demo_periods: set[str],
    periods: Sequence[str],
) -> int:
    """Replace the stored aggregates of ``cells`` (all cells of ``periods`` when None)."""
    ids = {i.code: i.pk for i in indicators}
    units = dict(OrgUnit.objects.values_list("key", "pk"))
    wanted: dict[Cell, tuple[float, int, int, bool]] = {}
    for cell, agg in result.aggregates.items():
        wanted[cell] = (agg.value, agg.contributors, agg.expected, False)
    for cell, value in result.computed.items():
        wanted.setdefault(cell, (value, 0, 0, True))
    stale = Aggregate.objects.filter(basis=basis, indicator__in=ids.values(), period__in=set(periods))
    if cells is not None:
        wanted = {c: v for c, v in wanted.items() if c in cells}
        doomed = [
            pk
            for pk, code, key, period in stale.filter(org_unit__key__in={c[1] for c in cells}).values_list(
                "pk", "indicator__code", "org_unit__key", "period"
            )
            if (code, key, period) in cells
        ]
        Aggregate.objects.filter(pk__in=doomed).delete()
    else:
        stale.delete()
    rows = [
        (
            ids[code],
            units[key],
            period,
            basis,
            f"{value:.6f}",  # the six decimals the column keeps, as exact text
            contributors,
            expected,
            computed,
            period in demo_periods,
        )
        for (code, key, period), (value, contributors, expected, computed) in wanted.items()
        if abs(value) < 1e18
    ]
    _insert(rows)
    return len(rows)


_COLUMNS = (
    "indicator_id",
    "org_unit_id",
    "period",
    "basis",
    "value",
    "contributors",
    "expected",
    "computed",
    "is_demo",
)


def _insert(rows: Sequence[tuple[object, ...]]) -> None:
    """Insert aggregate rows: COPY on PostgreSQL (derived data, thousands of rows at a time)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        now_column = ", updated_at"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor underneath Django's wrapper
            with raw.copy(f"COPY monitoring_aggregate ({', '.join(_COLUMNS)}{now_column}) FROM STDIN") as copy:
                now = timezone.now()
                for row in rows:
                    copy.write_row((*row, now))
        return
    objects = []
    for row in rows:
        fields = dict(zip(_COLUMNS, row, strict=True))
        fields["value"] = Decimal(str(fields["value"]))
        objects.append(Aggregate(**fields))
    Aggregate.objects.bulk_create(objects, batch_size=5000)


def _lock(programme: Programme) -> None:
    """Let one transaction at a time rewrite a programme's aggregates (PostgreSQL; SQLite has one writer).

    Two writers refreshing at once would each roll up from a snapshot without the other's
    values, and the last to commit would leave stale sums (or trip the unique key). Whoever
    waits here reads the values afterwards, committed ones included. Taken last in a service,
    after its value rows, so it orders nothing else: no deadlock.
    """
    # Outside a transaction (a benchmark's bare call) a lock would end with its own statement.
    if connection.features.has_select_for_update and connection.in_atomic_block:
        list(Programme.objects.select_for_update().filter(pk=programme.pk).values_list("pk", flat=True))


def refresh(cells: Sequence[Cell], basis: str) -> int:
    """Recompute what the changed reported ``cells`` can affect: their periods, linked indicators."""
    if not cells:
        return 0
    programme = Indicator.objects.get(code=cells[0][0]).programme
    _lock(programme)
    periods = sorted({c[2] for c in cells})
    indicators = _linked(list(Indicator.objects.filter(programme=programme)), {c[0] for c in cells})
    engine = engine_for(indicators, periods)
    reported, demo_periods = _reported(indicators, periods, basis)
    result = engine.rollup(reported)
    return _write(indicators, result, engine.affected(cells), basis, demo_periods, periods)


def rebuild(programme: Programme, basis: str) -> int:
    """Recompute every aggregate of a programme from its values (e.g. after a bulk load)."""
    _lock(programme)
    indicators = list(Indicator.objects.filter(programme=programme))
    periods = sorted(set(ValueState.objects.filter(indicator__programme=programme).values_list("period", flat=True)))
    if not periods:
        Aggregate.objects.filter(basis=basis, indicator__programme=programme).delete()
        return 0
    engine = engine_for(indicators, periods)
    reported, demo_periods = _reported(indicators, periods, basis)
    return _write(indicators, engine.rollup(reported), None, basis, demo_periods, periods)
