"""Pipelines: the Ibis pipeline on DuckDB against hand-written DuckDB SQL, pandas, a scan ceiling, and Spark.

All on the same generated (synthetic) service transactions, in one run:

* the shipped ``gov_services`` pipeline for one month, through ``lantu.core.pipelines.engine.run``
  (row checks with rejection counts, seven metrics per county, quantiles per city and province);
* the same numbers from hand-written DuckDB SQL (checked equal);
* the same numbers with pandas, on the first ``--pandas-rows`` rows (memory), scaled per row;
* DuckDB summing the same columns: the scan-rate ceiling;
* Spark in local mode on ``--spark-rows`` rows: checked equal to DuckDB, and its throughput.

Usage: python bench/bench_pipelines.py [--rows 30000000] [--spark-rows 3000000] [--pandas-rows 5000000]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lantu.core.periods import parse_period
from lantu.core.pipelines import engine
from lantu.core.pipelines.definitions import GOV_SERVICES
from lantu.core.pipelines.synthetic import Sizes, generate, unit_rows

PERIOD = parse_period("2022-03")


def gen(folder: Path, rows: int) -> None:
    generate(folder, Sizes(transactions=rows, start="2022-03", months=1, stations=10, subscribers=10), seed=2019)


def sources(folder: Path) -> dict[str, engine.SourceData]:
    return {
        s.name: engine.resolve_source(GOV_SERVICES, s.name, str(folder / s.default_path), PERIOD, checksums=False)
        for s in GOV_SERVICES.sources
    }


HAND_SQL = """
CREATE OR REPLACE TEMP VIEW units AS SELECT * FROM units_arrow;
CREATE OR REPLACE TEMP VIEW prepared AS
SELECT t.*, u.county, u.city, u.province,
  CASE
    WHEN t.unit_code IS NULL OR trim(t.unit_code) = '' THEN 'null_unit'
    WHEN u.code IS NULL THEN 'unknown_unit'
    WHEN u.county IS NULL THEN 'unit_not_valid'
    WHEN i.item_code IS NULL THEN 'unknown_item'
    WHEN t.channel IS NULL OR t.channel NOT IN ('mobile', 'web', 'counter') THEN 'unknown_channel'
    WHEN t.outcome IS NULL OR t.outcome NOT IN ('completed', 'refused', 'withdrawn', 'pending') THEN 'unknown_outcome'
    WHEN t.visits IS NULL OR t.visits < 0 THEN 'bad_visits'
    WHEN t.completed_at IS NOT NULL AND t.completed_at < t.submitted_at THEN 'completed_before_submitted'
  END AS reason,
  epoch(t.completed_at)::BIGINT - epoch(t.submitted_at)::BIGINT AS secs
FROM read_parquet({files}) t
LEFT JOIN units u ON t.unit_code = u.code
LEFT JOIN (SELECT DISTINCT item_code FROM read_parquet('{items}')) i ON t.item_code = i.item_code
WHERE t.submitted_at >= TIMESTAMP '2022-03-01' AND t.submitted_at < TIMESTAMP '2022-04-01';
"""

HAND_COUNTY = """
SELECT county AS unit, count(*) AS rows, {rejections},
  count(*) FILTER (WHERE reason IS NULL) AS tx,
  count(*) FILTER (WHERE reason IS NULL AND channel = 'mobile') AS mobile,
  count(*) FILTER (WHERE reason IS NULL AND channel IN ('mobile', 'web')) AS online,
  count(*) FILTER (WHERE reason IS NULL AND visits <= 1) AS one_visit,
  count(*) FILTER (WHERE reason IS NULL AND visits = 0) AS zero_visit,
  count(*) FILTER (WHERE reason IS NULL AND completed_at IS NOT NULL AND outcome IN ('completed', 'refused')) AS decided,
  quantile_cont(secs, 0.5) FILTER (WHERE reason IS NULL AND completed_at IS NOT NULL AND outcome IN ('completed', 'refused')) AS time_p50,
  quantile_cont(secs, 0.9) FILTER (WHERE reason IS NULL AND completed_at IS NOT NULL AND outcome IN ('completed', 'refused')) AS time_p90
FROM prepared GROUP BY county
"""

HAND_LEVELS = """
SELECT city, province, quantile_cont(secs, 0.5) AS time_p50, quantile_cont(secs, 0.9) AS time_p90
FROM prepared WHERE reason IS NULL AND completed_at IS NOT NULL AND outcome IN ('completed', 'refused')
GROUP BY GROUPING SETS ((city), (province))
"""

REASONS = [
    "null_unit",
    "unknown_unit",
    "unit_not_valid",
    "unknown_item",
    "unknown_channel",
    "unknown_outcome",
    "bad_visits",
    "completed_before_submitted",
]


def hand_sql(folder: Path, data: dict[str, engine.SourceData]) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa

    units = unit_rows(PERIOD.end)
    con = duckdb.connect()
    units_arrow = pa.table(  # noqa: F841 - DuckDB reads it by name
        {
            "code": [u.code for u in units],
            "county": [u.county for u in units],
            "city": [u.city for u in units],
            "province": [u.province for u in units],
        }
    )
    files = "[" + ", ".join(f"'{f.path}'" for f in data["transactions"].files) + "]"
    con.execute(HAND_SQL.format(files=files, items=data["items"].files[0].path))
    rejections = ", ".join(f"count(*) FILTER (WHERE reason = '{r}') AS rej_{r}" for r in REASONS)
    county = con.execute(HAND_COUNTY.format(rejections=rejections)).fetchall()
    levels = con.execute(HAND_LEVELS).fetchall()
    con.close()
    return {"county": county, "levels": levels}


def pipeline(
    data: dict[str, engine.SourceData], which: engine.EngineName = "duckdb", spark: Any = None
) -> engine.RunResult:
    return engine.run(GOV_SERVICES, PERIOD, data, unit_rows(PERIOD.end), engine=which, spark=spark)


def scan_ceiling(data: dict[str, engine.SourceData]) -> int:
    import duckdb

    files = [f.path for f in data["transactions"].files]
    con = duckdb.connect()
    row = con.execute(
        "SELECT count(*), count(unit_code), count(item_code), count(channel), count(outcome), sum(visits), "
        "max(submitted_at), max(completed_at) FROM read_parquet(?)",
        [files],
    ).fetchone()
    con.close()
    assert row is not None
    return int(row[0])


def pandas_run(data: dict[str, engine.SourceData], limit: int) -> tuple[int, float, dict[str, dict[str, Any]]]:
    """The same computation in pandas on the first ``limit`` rows: (rows, seconds, county metrics)."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    files = [f.path for f in data["transactions"].files]
    reader = pq.ParquetFile(files[0])
    batches, have = [], 0
    for batch in reader.iter_batches(batch_size=1 << 20):
        batches.append(batch)
        have += batch.num_rows
        if have >= limit:
            break
    import pyarrow as pa

    arrow = pa.Table.from_batches(batches).slice(0, limit)
    frame = arrow.to_pandas()  # string columns as objects, as pandas users meet them
    items = set(pq.read_table(data["items"].files[0].path).column("item_code").to_pylist())
    units = pd.DataFrame([u.__dict__ for u in unit_rows(PERIOD.end)]).rename(columns={"code": "unit_code"})
    began = time.perf_counter()
    t = frame[(frame.submitted_at >= "2022-03-01") & (frame.submitted_at < "2022-04-01")]
    t = t.merge(units, on="unit_code", how="left", indicator="_m")
    unit_code = t.unit_code.astype("string")
    conditions = [
        unit_code.isna() | (unit_code.str.strip() == ""),
        t._m == "left_only",
        t.county.isna(),
        ~t.item_code.isin(items),
        ~t.channel.isin(["mobile", "web", "counter"]),
        ~t.outcome.isin(["completed", "refused", "withdrawn", "pending"]),
        t.visits.isna() | (t.visits < 0),
        t.completed_at.notna() & (t.completed_at < t.submitted_at),
    ]
    reason = np.select([c.fillna(False).to_numpy(bool) for c in conditions], REASONS, default="")
    t = t.assign(reason=reason)
    ok = t[t.reason == ""]
    decided = ok.completed_at.notna() & ok.outcome.isin(["completed", "refused"])
    secs = (ok.completed_at - ok.submitted_at).dt.total_seconds()
    ok = ok.assign(
        mobile=ok.channel == "mobile",
        online=ok.channel.isin(["mobile", "web"]),
        one_visit=ok.visits <= 1,
        zero_visit=ok.visits == 0,
        decided=decided,
        secs=secs.where(decided),
    )
    grouped = ok.groupby("county")
    county = grouped.agg(
        tx=("tx_id", "size"),
        mobile=("mobile", "sum"),
        online=("online", "sum"),
        one_visit=("one_visit", "sum"),
        zero_visit=("zero_visit", "sum"),
        decided=("decided", "sum"),
    )
    county["time_p50"] = grouped.secs.quantile(0.5)
    county["time_p90"] = grouped.secs.quantile(0.9)
    rejected = t[t.reason != ""].groupby("reason").size()  # noqa: F841 - part of the work
    for level in ("city", "province"):
        ok[ok.decided].groupby(level).secs.quantile([0.5, 0.9])
    seconds = time.perf_counter() - began
    return len(frame), seconds, county.to_dict("index")


def timed(fn: Any, *args: Any, repeat: int = 2) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        began = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - began)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=30_000_000)
    parser.add_argument("--spark-rows", type=int, default=3_000_000)
    parser.add_argument("--pandas-rows", type=int, default=5_000_000)
    parser.add_argument("--keep", help="generate into this folder and keep it")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lantu-bench-pipelines-"))
    try:
        big = work / "big"
        if not (big / "SYNTHETIC.md").exists():
            began = time.perf_counter()
            gen(big, args.rows)
            print(f"generated {args.rows:,} synthetic transactions in {time.perf_counter() - began:.1f} s → {big}")
        data = sources(big)
        size = sum(f.bytes for f in data["transactions"].files)
        print(f"data: {args.rows:,} rows, {size / 1e9:.2f} GB Parquet; {os.cpu_count()} CPUs")

        t_scan, n_scan = timed(scan_ceiling, data)
        t_pipe, result = timed(pipeline, data)
        t_hand, hand = timed(hand_sql, big, data)
        n = result.rows_in_scope
        assert n == n_scan == args.rows
        # Same numbers: every county's counts and quantiles, and the rejections.
        by_unit = {row[0]: row for row in hand["county"]}
        for unit, metrics in result.metrics["county"].items():
            row = by_unit[unit]
            assert metrics["tx"] == row[2 + len(REASONS)], unit
            assert math.isclose(metrics["time_p90"], row[-1], rel_tol=1e-12), unit
        hand_rejected = {r: sum(row[2 + i] for row in hand["county"]) for i, r in enumerate(REASONS)}
        assert {r: c for r, c in hand_rejected.items() if c} == result.rejected

        n_pd, t_pd, _pd_county = pandas_run(data, min(args.pandas_rows, n))
        print()
        print("| what | rows | seconds | million rows/s | vs hand SQL |")
        print("|---|---:|---:|---:|---:|")
        for label, rows, seconds in (
            ("DuckDB scan ceiling (sum the same columns)", n, t_scan),
            ("hand-written DuckDB SQL", n, t_hand),
            ("Ibis pipeline on DuckDB (gov_services)", n, t_pipe),
            (f"pandas (first {n_pd:,} rows)", n_pd, t_pd),
        ):
            print(
                f"| {label} | {rows:,} | {seconds:.2f} | {rows / seconds / 1e6:.2f} | {(t_hand / n) / (seconds / rows):.2f}× |"
            )
        print()
        print(f"pipeline / hand SQL throughput: {t_hand / t_pipe:.2f}× (goal ≥ 0.7×)")
        print(f"pipeline / pandas throughput (per row): {(n / t_pipe) / (n_pd / t_pd):.1f}× (goal ≥ 20×)")
        print(f"rejected rows: {result.rejected}")

        if args.spark_rows:
            small = work / "small"
            if not (small / "SYNTHETIC.md").exists():
                gen(small, args.spark_rows)
            sdata = sources(small)
            t_duck, duck = timed(pipeline, sdata)
            session = engine.local_spark(partitions=4)
            session.sparkContext.setLogLevel("ERROR")
            try:
                t_spark, sparked = timed(pipeline, sdata, "spark", session)
            finally:
                session.stop()
            same = duck.rejected == sparked.rejected and [
                (v.indicator, v.level, v.unit_code, v.value) for v in duck.values
            ] == [(v.indicator, v.level, v.unit_code, v.value) for v in sparked.values]
            print()
            print(
                f"Spark local[*] on {args.spark_rows:,} rows: {t_spark:.2f} s ({args.spark_rows / t_spark / 1e6:.2f} M rows/s); "
                f"DuckDB {t_duck:.2f} s ({args.spark_rows / t_duck / 1e6:.2f} M rows/s); same values: {same}"
            )
            assert same
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
