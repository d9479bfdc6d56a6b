"""Benchmark of the stored roll-ups on PostgreSQL: a full rebuild and one changed value.

Run under a throwaway PostgreSQL (the script refuses anything else)::

    scripts/with-postgres.sh .venv/bin/python bench/bench_aggregation_db.py

bench/bench_rollup.py measures the pure engine; this measures the database path around it,
``lantu.monitoring.aggregation``: build the engine from the org units and indicators, read the
reported values, roll up, and replace the stored ``Aggregate`` rows.

The panel is the province: 浙江省, its cities and the counties valid at each quarter's end (102
records per quarter), 200 quarterly indicators BENCH_001… made by bench_import.py's set-up
(60% sum, 15% mean, 10% weighted mean, 10% ratio of sums, 5% formula) and 40 quarters,
2015Q1–2024Q4. As in bench_rollup.py, counties report about 87% of their values, and cities
and the province about 30% of the sums and means (official figures). The values are loaded
with ``import_file`` from one CSV (not timed here: that is bench_import.py's business).

Measured, on the preliminary basis (the imported values are drafts):

- ``aggregation.rebuild(programme, basis)``: the full panel, median of ``--rebuilds``, with its
  split (engine build, read, roll-up, write).
- One changed value: ``record_values`` of one new county value (the grid's save), which calls
  ``aggregation.refresh([cell], basis)``; both are timed, median of ``--changes``.

Tests never assert times; the figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench_import import (
    PROGRAMME,
    SEED,
    SYSTEM,
    VAR,
    Split,
    counties_on,
    create_bench_indicators,
    prepare_database,
    quarters,
    random_value,
    server_version,
)
from django.db import connection, reset_queries
from django.db.models.query import QuerySet

from lantu.core import rollup, tabular
from lantu.framework.models import Aggregation, Indicator, Programme
from lantu.monitoring import aggregation, files
from lantu.monitoring.entries import ValueEntry
from lantu.monitoring.models import Aggregate, Basis, ValueState
from lantu.monitoring.services.values import record_values
from lantu.orgunits.models import Level, OrgUnit

FIRST_YEAR = 2015
QUARTERS = 40
COUNTY_SHARE = 0.87
OFFICIAL_SHARE = 0.3

ENGINE = "engine_for (org units, indicators, Engine)"
READ = "_reported (values of the basis)"
ROLLUP = "Engine.rollup (NumPy)"
AFFECTED = "Engine.affected"
WRITE = "_write (delete and insert Aggregate rows)"
INSERT = "of which bulk_create Aggregate"
REFRESH = "aggregation.refresh"


def panel_records(indicators: list[Indicator], seed: int = SEED) -> tuple[list[tabular.CsvRecord], list[str], int]:
    """Reported values of the panel, the period texts and the most unit records in a quarter."""
    rng = random.Random(seed)
    reported = [i for i in indicators if not i.formula]
    records: list[tabular.CsvRecord] = []
    periods: list[str] = []
    most_units = 0
    for period, _ in zip(quarters(FIRST_YEAR), range(QUARTERS), strict=False):
        text = str(period)
        periods.append(text)
        upper = list(
            OrgUnit.objects.valid_on(period.end).filter(level__in=(Level.PROVINCE, Level.CITY)).order_by("code")
        )
        counties = counties_on(period)
        most_units = max(most_units, len(upper) + len(counties))
        for indicator in reported:
            official = indicator.aggregation in (Aggregation.SUM, Aggregation.MEAN)
            for unit in upper + counties:
                share = COUNTY_SHARE if unit.level == Level.COUNTY else (OFFICIAL_SHARE if official else 0.0)
                if rng.random() < share:
                    value = random_value(rng, indicator.unit)
                    records.append((indicator.code, unit.code, text, value, indicator.unit, ""))
    return records, periods, most_units


def refresh_split() -> Split:
    split = Split()
    split.wrap(aggregation, "engine_for", ENGINE)
    split.wrap(aggregation, "_reported", READ)
    split.wrap(rollup.Engine, "rollup", ROLLUP)
    split.wrap(rollup.Engine, "affected", AFFECTED)
    split.wrap(aggregation, "_write", WRITE)
    split.wrap(QuerySet, "bulk_create", INSERT)
    return split


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rebuilds", type=int, default=3, help="full rebuilds timed (median reported)")
    parser.add_argument("--changes", type=int, default=30, help="single changed values timed (median reported)")
    args = parser.parse_args()
    started = time.perf_counter()
    prepare_database()
    indicators = create_bench_indicators()
    programme = Programme.objects.get(code=PROGRAMME)
    records, periods, most_units = panel_records(indicators)
    path = Path(VAR) / "panel.csv"
    path.write_bytes(tabular.write_values_csv(records))
    load = time.perf_counter()
    files.import_file(SYSTEM, path.name, path.read_bytes())
    load = time.perf_counter() - load
    reset_queries()
    basis = Basis.PRELIMINARY
    all_indicators = Indicator.objects.filter(programme=programme).count()
    all_units = OrgUnit.objects.count()
    engine_cells = all_indicators * all_units * len(periods)

    # Full rebuild.
    rebuilds: list[dict[str, float]] = []
    written = 0
    for _ in range(args.rebuilds):
        split = refresh_split()
        reset_queries()
        with split.active():
            start = time.perf_counter()
            written = aggregation.rebuild(programme, basis)
            total = time.perf_counter() - start
        rebuilds.append({"total": total, **split.seconds, **split.nested, "queries": len(connection.queries)})
        reset_queries()
    stored = Aggregate.objects.filter(basis=basis, indicator__programme=programme).count()
    full = statistics.median(r["total"] for r in rebuilds)

    # One changed value at a time, through the service the entry grid calls.
    rng = random.Random(SEED + 1)
    county_cells = list(
        ValueState.objects.filter(indicator__code__startswith="BENCH_", org_unit__level=Level.COUNTY).values_list(
            "indicator__code", "org_unit__code", "period", "indicator__unit"
        )
    )
    changes: list[dict[str, float]] = []
    original_refresh = aggregation.refresh
    refresh_queries: list[int] = []

    def counted_refresh(cells: Sequence[rollup.Cell], basis: str) -> int:
        before = len(connection.queries)  # DEBUG is on, so Django keeps the queries
        try:
            return original_refresh(cells, basis)
        finally:
            refresh_queries.append(len(connection.queries) - before)

    for attempt in range(args.changes + 1):  # the first one warms up and is not counted
        code, unit_code, period, unit = rng.choice(county_cells)
        entry = ValueEntry(code, unit_code, period, random_value(rng, unit), unit)
        aggregation.refresh = counted_refresh
        split = refresh_split()
        split.wrap(aggregation, "refresh", REFRESH)
        reset_queries()
        try:
            with split.active():
                start = time.perf_counter()
                result = record_values(SYSTEM, [entry])
                total = time.perf_counter() - start
        finally:
            aggregation.refresh = original_refresh
        assert result.written == 1, result
        if attempt:
            changes.append({"total": total, **split.seconds, **split.nested, "queries": len(connection.queries)})
        else:
            refresh_queries.clear()
        reset_queries()
    refresh = statistics.median(c[REFRESH] for c in changes)

    def median_of(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r.get(key, 0.0) for r in runs)

    runs = ", ".join(f"{r['total']:.2f}" for r in rebuilds)
    rows: list[tuple[str, str]] = [
        (
            "panel",
            f"{most_units} unit records per quarter × {len(indicators)} indicators × {len(periods)} quarters "
            f"({periods[0]}–{periods[-1]})",
        ),
        ("reported values loaded (import_file, not part of the goals)", f"{len(records):,} in {load:.1f} s"),
        (
            "engine size (every org-unit record and indicator of the programme)",
            f"{all_units} × {all_indicators} × {len(periods)} = {engine_cells:,} cells",
        ),
        ("aggregates and computed values stored", f"{stored:,} (rebuild returned {written:,})"),
        (
            f"full rebuild, aggregation.rebuild (median of {len(rebuilds)})",
            f"{full:.2f} s  (runs: {runs} s)",
        ),
    ]
    for key in (ENGINE, READ, ROLLUP, WRITE, INSERT):
        rows.append((f"  {key}", f"{median_of(rebuilds, key):.2f} s"))
    rows.append(("  SQL queries per rebuild (median)", f"{median_of(rebuilds, 'queries'):.0f}"))
    rows.append(("goal: full roll-up < 2 s", "met" if full < 2 else "not met"))
    rows.append(
        (
            f"one changed value: aggregation.refresh([cell]) (median of {len(changes)})",
            f"{ms(refresh)}  (min {ms(min(c[REFRESH] for c in changes))}, max {ms(max(c[REFRESH] for c in changes))})",
        )
    )
    for key in (ENGINE, READ, ROLLUP, AFFECTED, WRITE, INSERT):
        rows.append((f"  {key}", ms(median_of(changes, key))))
    rows.append(("  SQL queries per refresh (median)", f"{statistics.median(refresh_queries):.0f}"))
    rows.append(
        (
            f"one changed value: record_values end to end (median of {len(changes)})",
            f"{ms(median_of(changes, 'total'))}, {median_of(changes, 'queries'):.0f} SQL queries",
        )
    )
    rows.append(("goal: one changed value re-aggregated < 50 ms (median)", "met" if refresh < 0.05 else "not met"))
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"PostgreSQL {server_version()}"
    )
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print()
    print("Markdown:")
    print()
    split_text = "; ".join(
        f"{key.split(' (')[0]} {median_of(rebuilds, key):.2f} s" for key in (ENGINE, READ, ROLLUP, WRITE)
    )
    print(
        f"| full roll-up on PostgreSQL: `aggregation.rebuild` of the panel, {stored:,} rows stored "
        f"(median of {len(rebuilds)}) | {full:.2f} s ({split_text}): goal {'met' if full < 2 else 'not met'} |"
    )
    change_text = "; ".join(
        f"{key.split(' (')[0]} {ms(median_of(changes, key))}" for key in (ENGINE, READ, ROLLUP, AFFECTED, WRITE)
    )
    print(
        f"| one changed value on PostgreSQL: `aggregation.refresh([cell])` (median of {len(changes)}) | "
        f"{ms(refresh)} ({change_text}): goal {'met' if refresh < 0.05 else 'not met'} |"
    )
    print(
        f"| one changed value: `record_values` end to end, refresh included (median of {len(changes)}) | "
        f"{ms(median_of(changes, 'total'))} |"
    )
    print()
    print(f"total bench time {time.perf_counter() - started:.0f} s")
    shutil.rmtree(VAR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
