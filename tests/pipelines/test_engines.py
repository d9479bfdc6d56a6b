"""The shipped pipelines give the same numbers on DuckDB and on Spark (local mode), on fixed-seed data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from lantu.core.periods import parse_period
from lantu.core.pipelines import engine
from lantu.core.pipelines.definitions import PIPELINES
from lantu.core.pipelines.synthetic import unit_rows

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::ResourceWarning")]

RUNS = [
    ("gov_services", "2022-02"),
    ("gov_service_items", "2022"),
    ("fiveg_stations", "2022"),
    ("fibre_users", "2022Q1"),
]


def both(name: str, period_text: str, folder: Path, spark: Any) -> tuple[engine.RunResult, engine.RunResult]:
    pipeline = PIPELINES[name]
    period = parse_period(period_text)
    sources = {
        s.name: engine.resolve_source(pipeline, s.name, str(folder / s.default_path), period) for s in pipeline.sources
    }
    units = unit_rows(period.end)
    duck = engine.run(pipeline, period, sources, units, engine="duckdb")
    sparked = engine.run(pipeline, period, sources, units, engine="spark", spark=spark)
    return duck, sparked


@pytest.mark.parametrize(("name", "period"), RUNS)
def test_duckdb_and_spark_agree(name: str, period: str, synthetic_dir: Path, spark: Any) -> None:
    duck, sparked = both(name, period, synthetic_dir, spark)
    assert duck.rows_in_scope == sparked.rows_in_scope > 0
    assert duck.rejected == sparked.rejected
    assert duck.rejected
    assert duck.metrics.keys() == sparked.metrics.keys()
    for level, units in duck.metrics.items():
        assert units.keys() == sparked.metrics[level].keys()
        for unit, metrics in units.items():
            other = sparked.metrics[level][unit]
            for key, value in metrics.items():
                if isinstance(value, float):
                    assert math.isclose(value, other[key], rel_tol=1e-9, abs_tol=1e-9), (level, unit, key)
                else:
                    assert value == other[key], (level, unit, key)
    assert [(v.indicator, v.level, v.unit_code, v.value) for v in duck.values] == [
        (v.indicator, v.level, v.unit_code, v.value) for v in sparked.values
    ]
    assert len(duck.values) >= 90
