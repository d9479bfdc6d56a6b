"""Benchmark of importing values from CSV on PostgreSQL, against ``COPY`` of the same rows.

Run under a throwaway PostgreSQL (the script refuses anything else)::

    scripts/with-postgres.sh .venv/bin/python bench/bench_import.py --rows 1000000
    scripts/with-postgres.sh .venv/bin/python bench/bench_import.py --rows 100000 200000

The database is migrated and loaded with the org units and the default programme, then 200
quarterly indicators BENCH_001… are created through ``create_indicator`` under the goal
ECON_TWO_WHEELS (60% sum, 15% mean, 10% weighted mean, 10% ratio of sums, 5% formula), and
four validation rules: two error ranges that every value passes, an expression and a YoY
warning (which some values raise, so some value states carry flags).
The CSV holds values of the 190 non-formula indicators for every county valid at the end of
each quarter from 2010Q1 on, period by period, with the unit column filled in, as
``lantu export values`` writes it. The data are fixed by a seed.

For each size, on empty value tables:

- ``COPY`` of the same CSV bytes into a bare table ``bench_copy`` (no index, no constraint),
  median of three runs: the goal's yardstick.
- ``import_file(SystemActor("bench"), name, data)`` end to end, once: parse, resolve, validation
  rules, versions, value states, approval events, audit row, roll-up refresh and commit. The
  split is measured in the same run by timing the pieces it calls (a wrapper around each).
- Unless ``--no-prototype``: two set-based SQL prototypes of the write path, bench-only code
  that is not the app's (see :func:`set_based`): COPY into a staging table, then one
  INSERT … SELECT per table, into the real tables and into lean copies of them. They measure
  how close to ``COPY`` a rewrite could get with the current schema and with a leaner one.

With ``--profile-rows N`` (default 100,000; 0 skips it) a separate import of the first N rows
runs under cProfile, on emptied value tables, and the top functions are printed.

Tests never assert times; the figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import os
import platform
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

VAR = tempfile.mkdtemp(prefix="lantu-bench-")
os.environ["LANTU_VAR_DIR"] = VAR
os.environ["LANTU_DEBUG"] = "true"
os.environ["DJANGO_SETTINGS_MODULE"] = "lantu.settings"
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("run this under scripts/with-postgres.sh: it needs an empty PostgreSQL database in DATABASE_URL")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connection, connections, reset_queries  # noqa: E402
from django.db.models.query import QuerySet  # noqa: E402

from lantu import bootstrap  # noqa: E402
from lantu.accounts.permissions import SystemActor  # noqa: E402
from lantu.core import tabular  # noqa: E402
from lantu.core.periods import Period  # noqa: E402
from lantu.core.units import all_units  # noqa: E402
from lantu.framework.models import Aggregation, Direction, Frequency, Indicator  # noqa: E402
from lantu.framework.services import IndicatorSpec, create_indicator  # noqa: E402
from lantu.monitoring import aggregation, files  # noqa: E402
from lantu.monitoring.models import Aggregate, ApprovalEvent, DataValue, ValueState  # noqa: E402
from lantu.monitoring.services import values as values_service  # noqa: E402
from lantu.monitoring.services.rounds import RuleSpec, create_rule  # noqa: E402
from lantu.orgunits.models import Level, OrgUnit  # noqa: E402

SEED = 20240409
PROGRAMME = "DZJ"
GOAL = "ECON_TWO_WHEELS"
INDICATORS = 200
FIRST_YEAR = 2010
SYSTEM = SystemActor("bench")
COPY_RUNS = 3
COPY_CHUNK = 1 << 20


# --- shared set-up (bench_aggregation_db.py uses these too) ---------------------------------


def prepare_database() -> None:
    """Migrate the empty database and load the org units and the default programme."""
    call_command("migrate", interactive=False, verbosity=0)
    bootstrap.initialise(lambda description, total: lambda n: None)


def create_bench_indicators(count: int = INDICATORS, seed: int = SEED) -> list[Indicator]:
    """``count`` quarterly indicators BENCH_001… under GOAL, created through ``create_indicator``.

    60% sum (万元), 15% mean (%), 10% weighted mean (%, weighted by a sum), 10% ratio of sums
    (%, two sums), 5% formulas over three sums (aggregation none).
    """
    rng = random.Random(seed)
    sums = max(3, count * 60 // 100)
    means, weighted, ratios = count * 15 // 100, count * 10 // 100, count * 10 // 100
    formulas = count - sums - means - weighted - ratios
    codes = [f"BENCH_{k:03d}" for k in range(1, count + 1)]
    sum_codes = codes[:sums]
    specs: list[IndicatorSpec] = []

    def spec(code: str, unit: str, how: str, **extra: Any) -> IndicatorSpec:
        number = int(code[-3:])
        return IndicatorSpec(
            code=code,
            goal_code=GOAL,
            name_zh=f"基准指标{number:03d}",
            name_en=f"Benchmark indicator {number}",
            unit=unit,
            direction=Direction.HIGHER,
            aggregation=how,
            frequency=Frequency.QUARTER,
            order=1000 + number,
            **extra,
        )

    for code in sum_codes:
        specs.append(spec(code, "万元", Aggregation.SUM))
    position = sums
    for code in codes[position : position + means]:
        specs.append(spec(code, "%", Aggregation.MEAN))
    position += means
    for code in codes[position : position + weighted]:
        specs.append(spec(code, "%", Aggregation.WEIGHTED_MEAN, weight_indicator=rng.choice(sum_codes)))
    position += weighted
    for code in codes[position : position + ratios]:
        numerator, denominator = rng.sample(sum_codes, 2)
        specs.append(spec(code, "%", Aggregation.RATIO_OF_SUMS, numerator=numerator, denominator=denominator))
    position += ratios
    for code in codes[position : position + formulas]:
        a, b, c = rng.sample(sum_codes, 3)
        specs.append(spec(code, "%", Aggregation.NONE, formula=f"100 * ({a} + {b}) / {c}"))
    return [create_indicator(SYSTEM, PROGRAMME, s) for s in specs]


def create_bench_rules(indicators: list[Indicator]) -> int:
    """Four validation rules: errors no generated value breaks, so the checks run but never stop, and warnings."""
    sums = [i.code for i in indicators if i.aggregation == Aggregation.SUM]
    means = [i.code for i in indicators if i.aggregation == Aggregation.MEAN]
    specs = [
        RuleSpec("BENCH_RANGE_SUM", PROGRAMME, "range", "基准：取值范围", indicator_code=sums[0], minimum=Decimal(0)),
        RuleSpec(
            "BENCH_RANGE_PCT",
            PROGRAMME,
            "range",
            "基准：百分比范围",
            indicator_code=means[0],
            minimum=Decimal(0),
            maximum=Decimal(100),
        ),
        RuleSpec(
            "BENCH_EXPR",
            PROGRAMME,
            "expression",
            "基准：表达式",
            severity="warning",
            left=sums[1],
            comparator=">=",
            right="0",
        ),
        RuleSpec(
            "BENCH_YOY",
            PROGRAMME,
            "yoy",
            "基准：同比",
            severity="warning",
            indicator_code=sums[2],
            max_change_pct=Decimal(500),
        ),
    ]
    for rule in specs:
        create_rule(SYSTEM, rule)
    return len(specs)


def quarters(first_year: int = FIRST_YEAR) -> Iterator[Period]:
    """2010Q1, 2010Q2, … without end."""
    year = first_year
    while True:
        for quarter in range(1, 5):
            yield Period("quarter", year, quarter)
        year += 1


def counties_on(period: Period) -> list[OrgUnit]:
    """The county-level records valid at the end of ``period``, by code."""
    return list(OrgUnit.objects.valid_on(period.end).filter(level=Level.COUNTY).order_by("code"))


def random_value(rng: random.Random, unit: str) -> Decimal:
    """A value with two decimals: 0–100 for a percentage, up to a million otherwise."""
    top = 10_000 if unit == "%" else 100_000_000
    return Decimal(rng.randrange(1, top)).scaleb(-2)


def generate_records(indicators: list[Indicator], rows: int, seed: int = SEED) -> list[tabular.CsvRecord]:
    """``rows`` CSV records: every reported indicator × county, quarter after quarter."""
    rng = random.Random(seed)
    reported = [i for i in indicators if not i.formula]
    records: list[tabular.CsvRecord] = []
    for period in quarters():
        text = str(period)
        for county in counties_on(period):
            for indicator in reported:
                records.append(
                    (indicator.code, county.code, text, random_value(rng, indicator.unit), indicator.unit, "")
                )
                if len(records) == rows:
                    return records
    raise AssertionError("unreachable")  # pragma: no cover


# --- measuring ------------------------------------------------------------------------------


class Split:
    """Time spent inside chosen functions while they are patched, by label.

    A call made inside another wrapped call is counted in ``nested``, not in ``seconds``, so
    the top-level times add up to at most the total and the rest is what nothing measured.
    A label function may return None for calls that are not to be counted.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.nested: dict[str, float] = defaultdict(float)
        self._depth = 0
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, label: str | Callable[..., str | None]) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = label if isinstance(label, str) else label(*args, **kwargs)
            if key is None:
                return original(*args, **kwargs)
            depth = self._depth
            self._depth += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._depth = depth
                (self.nested if depth else self.seconds)[key] += time.perf_counter() - start

        setattr(owner, name, wrapper)
        self._undo.append((owner, name, original))

    @contextmanager
    def active(self) -> Iterator[Split]:
        try:
            yield self
        finally:
            for owner, name, original in reversed(self._undo):
                setattr(owner, name, original)
            self._undo.clear()


PARSE = "parse: parse_file (decode, csv, row checks, ValueEntry objects)"
RESOLVE = "resolve: resolve_entries (codes, periods, org units, units, duplicates)"
RULES = "validate: the programme's validation rules"
LOOKUP = "write: ValueState lookup (SELECT … FOR UPDATE)"
AUDIT = "write: audit row"
AGGREGATES = "aggregates: aggregation.refresh (engine, read, roll-up, write)"
COMMIT = "commit (deferred foreign-key checks)"
OTHER = "write: not measured apart (DataValue/ValueState/ApprovalEvent objects, loops)"


def _bulk_label(queryset: QuerySet[Any], *args: Any, **kwargs: Any) -> str:
    return f"write: bulk_create {queryset.model.__name__}"


def _lookup_label(queryset: QuerySet[Any]) -> str | None:
    return LOOKUP if queryset.model is ValueState and queryset.query.select_for_update else None


def import_split() -> Split:
    """Wrap the pieces ``import_file`` calls; what is left is the write path's own Python work."""
    split = Split()
    split.wrap(files, "parse_file", PARSE)
    split.wrap(values_service, "resolve_entries", RESOLVE)
    split.wrap(values_service, "_check_rules", RULES)
    split.wrap(QuerySet, "_fetch_all", _lookup_label)
    split.wrap(QuerySet, "bulk_create", _bulk_label)  # DataValue, ValueState, ApprovalEvent; Aggregate in refresh
    split.wrap(values_service, "audit", AUDIT)
    split.wrap(aggregation, "refresh", AGGREGATES)
    split.wrap(type(connections[DEFAULT_DB_ALIAS]), "commit", COMMIT)
    return split


def split_rows(total: float, split: dict[str, dict[str, float]]) -> list[tuple[str, float]]:
    """The split in the order the import runs, and the rest that no wrapper measured."""
    seconds = split["seconds"]
    bulk = [f"write: bulk_create {m.__name__}" for m in (DataValue, ValueState, ApprovalEvent)]
    rows = [(label, seconds.get(label, 0.0)) for label in (PARSE, RESOLVE, RULES, LOOKUP, *bulk, AUDIT)]
    rows.append((OTHER, total - sum(seconds.values())))
    inner = split["nested"].get("write: bulk_create Aggregate", 0.0)
    rows.append((f"{AGGREGATES}; bulk_create Aggregate {inner:.1f} s of it", seconds.get(AGGREGATES, 0.0)))
    rows.append((COMMIT, seconds.get(COMMIT, 0.0)))
    return rows


def value_tables() -> list[str]:
    return [m._meta.db_table for m in (ApprovalEvent, ValueState, Aggregate, DataValue)]


def empty_value_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(value_tables())} RESTART IDENTITY")
        cursor.execute(f"ANALYZE {', '.join(value_tables())}")
    reset_queries()
    gc.collect()


def raw_connection() -> Any:
    """The psycopg connection under Django's (autocommit on)."""
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    return raw


def copy_in(cursor: Any, statement: str, data: bytes) -> None:
    view = memoryview(data)
    with cursor.copy(statement) as copy:
        for offset in range(0, len(view), COPY_CHUNK):
            copy.write(view[offset : offset + COPY_CHUNK])


def time_copy(data: bytes) -> float:
    """COPY the CSV bytes into a fresh bare table; seconds, commit included."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (indicator text, org_unit text, period text, value numeric, unit text, comment text)"
        )
    raw = raw_connection()
    start = time.perf_counter()
    with raw.transaction(), raw.cursor() as cursor:
        copy_in(cursor, "COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)", data)
    return time.perf_counter() - start


def scalar(sql: str, params: Any = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return row[0]


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (DataValue, ValueState, ApprovalEvent, Aggregate)}


def csv_bytes(records: list[tabular.CsvRecord], directory: Path) -> tuple[Path, bytes]:
    """Write the records to a CSV file (as a user would upload it) and read the bytes back."""
    path = directory / f"bench-{len(records)}.csv"
    path.write_bytes(tabular.write_values_csv(records))
    return path, path.read_bytes()


def measure(rows: int, records: list[tabular.CsvRecord], directory: Path) -> dict[str, Any]:
    empty_value_tables()
    path, data = csv_bytes(records[:rows], directory)
    copy_runs = [time_copy(data) for _ in range(COPY_RUNS)]
    copied = scalar("SELECT count(*) FROM bench_copy")
    assert copied == rows, f"COPY loaded {copied} rows, not {rows}"
    split = import_split()
    gc.collect()
    with split.active():
        start = time.perf_counter()
        result = files.import_file(SYSTEM, path.name, data)
        total = time.perf_counter() - start
    assert result.written == rows, f"import wrote {result.written} values, not {rows}"
    stored = counts()
    assert stored["DataValue"] == stored["ValueState"] == stored["ApprovalEvent"] == rows, stored
    return {
        "rows": rows,
        "bytes": len(data),
        "copy": statistics.median(copy_runs),
        "copy_runs": copy_runs,
        "import": total,
        "split": {"seconds": dict(split.seconds), "nested": dict(split.nested)},
        "counts": stored,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --- the proposal, measured: a set-based write path (bench-only SQL, not the app's code) ---

_PERIOD_END = r"""
    CASE
        WHEN s.period ~ '^\d{4}$' THEN make_date(left(s.period, 4)::int, 12, 31)
        WHEN s.period ~ '^\d{4}Q[1-4]$'
            THEN (make_date(left(s.period, 4)::int, right(s.period, 1)::int * 3, 1) + interval '1 month - 1 day')::date
        WHEN s.period ~ '^\d{4}-(0[1-9]|1[0-2])$'
            THEN (make_date(left(s.period, 4)::int, right(s.period, 2)::int, 1) + interval '1 month - 1 day')::date
    END"""

_KIND = r"""
    CASE
        WHEN s.period ~ '^\d{4}$' THEN 'year'
        WHEN s.period ~ '^\d{4}Q[1-4]$' THEN 'quarter'
        WHEN s.period ~ '^\d{4}-(0[1-9]|1[0-2])$' THEN 'month'
    END"""


LEAN_VALUES, LEAN_STATES = "bench_lean_datavalue", "bench_lean_valuestate"


def lean_tables() -> None:
    """Copies of the value and state tables with only the primary key and the series key.

    No foreign keys (the resolve step has just joined every id to its row) and no secondary
    index: what the write path costs when the schema asks for the minimum.
    """
    with connection.cursor() as cursor:
        for table, model, key in (
            (LEAN_VALUES, DataValue, "indicator_id, org_unit_id, period, version"),
            (LEAN_STATES, ValueState, "indicator_id, org_unit_id, period"),
        ):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} (LIKE {model._meta.db_table} INCLUDING DEFAULTS INCLUDING IDENTITY)")
            cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
            cursor.execute(f"CREATE UNIQUE INDEX {table}_series ON {table} ({key})")


def set_based(data: bytes, name: str, *, lean: bool = False) -> dict[str, Any]:
    """The write path done in SQL: COPY into a staging table, then one statement per step.

    A prototype of the first proposals in docs/benchmarks.md, to measure what the schema
    itself costs: resolution (codes, period end, the org-unit record valid then, unit
    conversion), the problem and duplicate checks, new versions, value states (upsert) and
    approval events, then the commit. Not done here: the Python row checks of
    read_values_csv (the staging table takes text; a real version keeps its decode step and
    reports rows), the validation rules, the audit row and the roll-up refresh. Values must
    be plain decimals. With ``lean`` it writes into :func:`lean_tables` and writes no
    approval event per value.
    """
    empty_value_tables()
    indicator, org_unit = Indicator._meta.db_table, OrgUnit._meta.db_table
    dv, vs, ev = DataValue._meta.db_table, ValueState._meta.db_table, ApprovalEvent._meta.db_table
    if lean:
        lean_tables()
        dv, vs = LEAN_VALUES, LEAN_STATES
    steps: dict[str, float] = {}
    raw = raw_connection()
    with raw.cursor() as cursor:

        def step(label: str, sql: str, params: Any = None) -> Any:
            start = time.perf_counter()
            cursor.execute(sql, params)
            steps[label] = steps.get(label, 0.0) + time.perf_counter() - start
            return cursor.fetchone() if cursor.description else None

        total = time.perf_counter()
        cursor.execute("BEGIN")
        step(
            "stage: COPY into a temporary table",
            "CREATE TEMP TABLE bench_stage (row_no bigint GENERATED ALWAYS AS IDENTITY, indicator text, "
            "org_unit text, period text, value text, unit text, comment text) ON COMMIT DROP",
        )
        start = time.perf_counter()
        copy_in(
            cursor,
            "COPY bench_stage (indicator, org_unit, period, value, unit, comment) FROM STDIN (FORMAT csv, HEADER true)",
            data,
        )
        steps["stage: COPY into a temporary table"] += time.perf_counter() - start
        units = [(u.symbol, u.dimension, u.factor) for u in all_units()]
        step(
            "resolve: codes, period end, org-unit record, unit conversion",
            "CREATE TEMP TABLE bench_units (symbol text PRIMARY KEY, dimension text, factor numeric) ON COMMIT DROP; "
            f"INSERT INTO bench_units VALUES {', '.join(['(%s, %s, %s)'] * len(units))}",
            [field for unit in units for field in unit],
        )
        step(
            "resolve: codes, period end, org-unit record, unit conversion",
            f"""
            CREATE TEMP TABLE bench_resolved ON COMMIT DROP AS
            SELECT s.row_no + 1 AS row_no, i.id AS indicator_id, o.id AS org_unit_id, s.period,
                   round(n.number * f.factor / t.factor, 6) AS value, s.value AS entered_value,
                   coalesce(s.unit, '') AS entered_unit, coalesce(s.comment, '') AS comment,
                   {_KIND} = i.frequency AS kind_ok
            FROM bench_stage s
            CROSS JOIN LATERAL (SELECT {_PERIOD_END} AS period_end,
                CASE WHEN replace(s.value, ',', '') ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
                     THEN replace(s.value, ',', '')::numeric END AS number) n
            LEFT JOIN {indicator} i ON i.code = s.indicator
            LEFT JOIN bench_units t ON t.symbol = i.unit
            LEFT JOIN bench_units f ON f.symbol = coalesce(nullif(s.unit, ''), i.unit) AND f.dimension = t.dimension
            LEFT JOIN {org_unit} o ON o.code = s.org_unit
                AND (o.valid_from IS NULL OR o.valid_from <= n.period_end)
                AND (o.valid_to IS NULL OR o.valid_to >= n.period_end)
            """,
        )
        problems = step(
            "resolve: problem rows and duplicates",
            """
            SELECT (SELECT count(*) FROM bench_resolved
                    WHERE indicator_id IS NULL OR org_unit_id IS NULL OR value IS NULL OR NOT kind_ok)
                 + (SELECT count(*) FROM (SELECT 1 FROM bench_resolved GROUP BY indicator_id, org_unit_id, period
                                          HAVING count(*) > 1) d)
            """,
        )[0]
        assert problems == 0, f"{problems} problem rows"
        first = step(
            "write: INSERT … SELECT DataValue (next version, unchanged skipped)",
            f"SELECT coalesce(max(id), 0) FROM {dv}",
        )[0]
        step(
            "write: INSERT … SELECT DataValue (next version, unchanged skipped)",
            f"""
            INSERT INTO {dv} (version, created_at, actor_label, reason, period, value, entered_value, entered_unit,
                              source, comment, is_demo, created_by_id, indicator_id, org_unit_id, round_id)
            SELECT coalesce(cur.version, 0) + 1, now(), %s, '', r.period, r.value, r.entered_value, r.entered_unit,
                   %s, r.comment, false, NULL, r.indicator_id, r.org_unit_id, NULL
            FROM bench_resolved r
            LEFT JOIN {vs} st ON st.indicator_id = r.indicator_id AND st.org_unit_id = r.org_unit_id
                AND st.period = r.period
            LEFT JOIN {dv} cur ON cur.id = st.current_id
            WHERE cur.id IS NULL OR cur.value <> r.value OR cur.comment <> r.comment
            ORDER BY r.row_no
            """,
            (SYSTEM.label, name),
        )
        step(
            "write: INSERT … ON CONFLICT ValueState",
            f"""
            INSERT INTO {vs} (indicator_id, org_unit_id, period, round_id, current_id, approved_id, status,
                              levels_done, submitted_by_id, return_comment, flags, revision, updated_at)
            SELECT d.indicator_id, d.org_unit_id, d.period, NULL, d.id, NULL, 'draft', 0, NULL, '', '[]', 1, now()
            FROM {dv} d WHERE d.id > %s
            ON CONFLICT (indicator_id, org_unit_id, period) DO UPDATE
            SET current_id = EXCLUDED.current_id, status = EXCLUDED.status, levels_done = 0,
                flags = EXCLUDED.flags, revision = {vs}.revision + 1, updated_at = EXCLUDED.updated_at
            """,
            (first,),
        )
        if not lean:
            step(
                "write: INSERT … SELECT ApprovalEvent",
                f"""
            INSERT INTO {ev} (state_id, value_id, action, from_status, to_status, level, actor_id, actor_label,
                              at, comment)
            SELECT st.id, d.id, 'enter', '', 'draft', 0, NULL, %s, now(), d.comment
            FROM {dv} d JOIN {vs} st ON st.current_id = d.id WHERE d.id > %s
            """,
                (SYSTEM.label, first),
            )
        step(COMMIT, "COMMIT")
        total = time.perf_counter() - total
    stored = {"DataValue": scalar(f"SELECT count(*) FROM {dv}"), "ValueState": scalar(f"SELECT count(*) FROM {vs}")}
    if not lean:
        stored["ApprovalEvent"] = scalar(f"SELECT count(*) FROM {ev}")
    return {"total": total, "steps": steps, "counts": stored}


# --- profile and report ---------------------------------------------------------------------


def profile(
    rows: int, records: list[tabular.CsvRecord], directory: Path, top: int, out_path: str | None
) -> tuple[float, str]:
    empty_value_tables()
    path, data = csv_bytes(records[:rows], directory)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    files.import_file(SYSTEM, path.name, data)
    profiler.disable()
    elapsed = time.perf_counter() - start
    if out_path:
        profiler.dump_stats(out_path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return elapsed, out.getvalue()


def server_version() -> str:
    return str(scalar("SHOW server_version"))


PROTOTYPES = (
    ("set_based", "set-based SQL prototype, current schema (bench only)"),
    ("lean", "set-based SQL prototype, lean tables, no events (bench only)"),
)


def verdict(seconds: float, copy_seconds: float) -> str:
    return "met" if seconds <= 3 * copy_seconds else "not met"


def report(results: list[dict[str, Any]]) -> None:
    lines: list[tuple[str, str]] = []
    for r in results:
        n, copy_s, import_s = r["rows"], r["copy"], r["import"]
        runs = ", ".join(f"{s:.2f}" for s in r["copy_runs"])
        lines.append((f"{n:,} rows: CSV size", f"{r['bytes'] / 1e6:.1f} MB"))
        lines.append((f"{n:,} rows: COPY into bench_copy (median of {COPY_RUNS}: {runs} s)", f"{copy_s:.2f} s"))
        lines.append(
            (
                f"{n:,} rows: import_file end to end",
                f"{import_s:.1f} s ({n / import_s:,.0f} rows/s, {import_s / copy_s:.0f}× COPY)",
            )
        )
        for label, seconds in split_rows(import_s, r["split"]):
            lines.append((f"  {label}", f"{seconds:.1f} s ({seconds / import_s:.0%})"))
        lines.append((f"{n:,} rows: goal import ≤ 3× COPY", verdict(import_s, copy_s)))
        lines.append((f"{n:,} rows: stored", ", ".join(f"{k} {v:,}" for k, v in r["counts"].items())))
        lines.append((f"{n:,} rows: peak RSS of this process so far", f"{r['rss']:,.0f} MB"))
        for key, what in PROTOTYPES:
            if key in r:
                sb = r[key]
                lines.append((f"{n:,} rows: {what}", f"{sb['total']:.2f} s ({sb['total'] / copy_s:.1f}× COPY)"))
                for label, seconds in sb["steps"].items():
                    lines.append((f"  {label}", f"{seconds:.2f} s"))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:<{width}}  {value}")
    print()
    print("Markdown:")
    print()
    for r in results:
        n, copy_s, import_s = r["rows"], r["copy"], r["import"]
        print(f"| {n:,} values: `COPY` of the CSV into a bare table (median of {COPY_RUNS}) | {copy_s:.2f} s |")
        print(
            f"| {n:,} values: `import_file` end to end | {import_s:.1f} s ({n / import_s:,.0f} values/s), "
            f"{import_s / copy_s:.0f}× `COPY`: goal {verdict(import_s, copy_s)} |"
        )
        split = "; ".join(
            f"{label.split(' (')[0].split(';')[0]} {seconds:.1f} s"
            for label, seconds in split_rows(import_s, r["split"])
        )
        print(f"| {n:,} values: split | {split} |")
        for key, what in PROTOTYPES:
            if key in r:
                sb = r[key]
                steps = "; ".join(f"{label.split(' (')[0]} {seconds:.2f} s" for label, seconds in sb["steps"].items())
                print(f"| {n:,} values: {what} | {sb['total']:.2f} s, {sb['total'] / copy_s:.1f}× `COPY` ({steps}) |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[1_000_000], help="sizes to import, each on empty tables"
    )
    parser.add_argument("--profile-rows", type=int, default=100_000, help="rows of the profiled import (0: none)")
    parser.add_argument("--profile-top", type=int, default=20, help="functions listed per profile table")
    parser.add_argument("--profile-out", help="also save the cProfile stats to this file")
    parser.add_argument(
        "--no-prototype", action="store_true", help="skip the set-based SQL prototypes of the write path"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    prepare_database()
    indicators = create_bench_indicators()
    rules = create_bench_rules(indicators)
    sizes = sorted(args.rows)
    records = generate_records(indicators, max([*sizes, args.profile_rows]))
    directory = Path(VAR)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"PostgreSQL {server_version()}, Django {django.get_version()}, DEBUG={settings.DEBUG}"
    )
    print(
        f"{len(indicators)} quarterly indicators ({sum(1 for i in indicators if not i.formula)} reported), "
        f"{rules} validation rules, counties × quarters from {FIRST_YEAR}Q1 "
        f"(last period {records[max(sizes) - 1][2]})"
    )
    print()
    results = []
    for n in sizes:
        result = measure(n, records, directory)
        if not args.no_prototype:
            path, data = csv_bytes(records[:n], directory)
            for key, lean in (("set_based", False), ("lean", True)):
                result[key] = set_based(data, path.name, lean=lean)
                assert set(result[key]["counts"].values()) == {n}, result[key]["counts"]
        results.append(result)
    report(results)
    if args.profile_rows:
        elapsed, text = profile(args.profile_rows, records, directory, args.profile_top, args.profile_out)
        print()
        print(f"cProfile of import_file, {args.profile_rows:,} rows ({elapsed:.1f} s under the profiler):")
        print(text)
    print(f"total bench time {time.perf_counter() - started:.0f} s")
    shutil.rmtree(VAR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
