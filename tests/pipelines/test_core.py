"""The pure engine on DuckDB: row checks counted by reason, exact shares, the quantile definition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lantu.core.periods import parse_period
from lantu.core.pipelines import engine
from lantu.core.pipelines.definitions import GOV_SERVICES, PIPELINES
from lantu.core.pipelines.synthetic import Sizes, generate, unit_rows
from tests.pipelines.conftest import write_transactions

MARCH = parse_period("2022-03")


def run_march(folder: Path) -> engine.RunResult:
    sources = {
        s.name: engine.resolve_source(GOV_SERVICES, s.name, str(folder / s.default_path), MARCH)
        for s in GOV_SERVICES.sources
    }
    return engine.run(GOV_SERVICES, MARCH, sources, unit_rows(MARCH.end))


def hours(h: float) -> dt.datetime:
    return dt.datetime(2022, 3, 10, 9, 0) + dt.timedelta(hours=h)


def test_rejected_rows_are_counted_by_their_first_reason(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"unit_code": None},
        {"unit_code": ""},
        {"unit_code": "999999"},
        {"unit_code": "330104"},  # 江干区: abolished on 2021-04-09, so not valid on 2022-03-31
        {"item_code": "NOPE"},
        {"item_code": "NOPE", "unit_code": None},  # counted once, under the first reason (null_unit)
        {"channel": "fax"},
        {"outcome": "lost"},
        {"visits": -1},
        {"completed_at": hours(-1)},
        {"submitted_at": dt.datetime(2022, 4, 1, 0, 0), "unit_code": None},  # outside the period: not counted
        {},
        {"channel": "counter", "visits": 1, "completed_at": hours(3)},
    ]
    result = run_march(write_transactions(tmp_path, rows, ["A"]))
    assert result.rows_in_scope == 12
    assert result.rejected == {
        "null_unit": 3,
        "unknown_unit": 1,
        "unit_not_valid": 1,
        "unknown_item": 1,
        "unknown_channel": 1,
        "unknown_outcome": 1,
        "bad_visits": 1,
        "completed_before_submitted": 1,
    }
    assert result.metrics["county"]["330106"]["tx"] == 2


def test_shares_are_exact_and_quantiles_interpolate_between_ranks(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"completed_at": hours(1), "channel": "mobile", "visits": 0},
        {"completed_at": hours(2), "channel": "web", "visits": 0},
        {"completed_at": hours(3), "channel": "counter", "visits": 1},
        {"completed_at": hours(4), "channel": "counter", "visits": 2},
        {"completed_at": None, "outcome": "pending", "channel": "mobile", "visits": 0},
        {"completed_at": hours(100), "outcome": "withdrawn", "channel": "mobile", "visits": 0},
    ]
    result = run_march(write_transactions(tmp_path, rows, ["A"]))
    values = {(v.indicator, v.level, v.unit_code): v.value for v in result.values}
    assert values[("GOV_TX_TOTAL", "county", "330106")] == Decimal(6)
    assert values[("GOV_TX_MOBILE_SHARE", "county", "330106")] == Decimal("50.000000")
    assert values[("GOV_TX_ONLINE_SHARE", "county", "330106")] == Decimal("66.666667")
    assert values[("GOV_TX_ONE_VISIT_SHARE", "county", "330106")] == Decimal("83.333333")
    assert values[("GOV_TX_ZERO_VISIT_SHARE", "county", "330106")] == Decimal("66.666667")
    # Decided transactions only (completed/refused): 1, 2, 3, 4 hours.
    assert values[("GOV_TX_TIME_MEDIAN", "county", "330106")] == Decimal("2.500000")
    # position (n-1)·0.9 = 2.7: 3 h + 0.7 × (4 h - 3 h)
    assert values[("GOV_TX_TIME_P90", "county", "330106")] == Decimal("3.700000")
    # The same figures for the city and the province, computed from the records.
    assert values[("GOV_TX_TIME_MEDIAN", "city", "330100")] == Decimal("2.500000")
    assert values[("GOV_TX_TIME_P90", "province", "330000")] == Decimal("3.700000")
    assert ("GOV_TX_MOBILE_SHARE", "city", "330100") not in values  # shares roll up in monitoring


def test_threshold_failures_name_the_reason(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [{"unit_code": None}] * 2 + [{}] * 98
    result = run_march(write_transactions(tmp_path, rows, ["A"]))
    assert result.threshold_failures(GOV_SERVICES) == [("null_unit", 2, 0.01)]
    rows = [{"unit_code": None}, *([{}] * 99)]
    assert run_march(write_transactions(tmp_path / "ok", rows, ["A"])).threshold_failures(GOV_SERVICES) == []


def test_missing_columns_and_files_stop_the_run(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pytest.raises(engine.PipelineError, match="transactions"):
        engine.resolve_source(GOV_SERVICES, "transactions", str(tmp_path / "nothing"), MARCH)
    folder = tmp_path / "transactions" / "month=2022-03"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"tx_id": [1]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"item_code": ["A"]}), tmp_path / "items.parquet")
    with pytest.raises(engine.PipelineError, match="unit_code"):
        run_march(tmp_path)


def test_month_partitions_outside_the_period_are_not_read(synthetic_dir: Path) -> None:
    source = engine.resolve_source(GOV_SERVICES, "transactions", str(synthetic_dir / "transactions"), MARCH)
    assert [Path(f.path).parent.name for f in source.files] == ["month=2022-03"]
    assert all(len(f.sha256) == 64 for f in source.files)


def test_generator_is_deterministic_and_labelled(tmp_path: Path) -> None:
    sizes = Sizes(transactions=2_000, start="2022-01", months=2, items=50, stations=100, subscribers=100)
    generate(tmp_path / "a", sizes, seed=7)
    generate(tmp_path / "b", sizes, seed=7)
    for name in ("transactions/month=2022-02/part-0.parquet", "base_stations.parquet", "subscribers.parquet"):
        assert engine.sha256_of(tmp_path / "a" / name) == engine.sha256_of(tmp_path / "b" / name)
    assert "synthetic" in (tmp_path / "a" / "SYNTHETIC.md").read_text(encoding="utf-8")


def test_every_shipped_pipeline_documents_its_outputs() -> None:
    for pipeline in PIPELINES.values():
        assert pipeline.outputs
        for output in pipeline.outputs:
            assert output.definition_zh
            assert output.definition_en
        assert len(pipeline.fingerprint()) == 64
