"""Generated data with a fixed seed (small, so the Spark tests stay quick) and one local Spark session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lantu.core.pipelines.synthetic import Sizes, generate

SEED = 20240301
SIZES = Sizes(transactions=30_000, start="2022-01", months=3, items=300, stations=4_000, subscribers=20_000)


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic records for 2022-01..2022-03 (the generator's deliberate errors included)."""
    out = tmp_path_factory.mktemp("synthetic")
    generate(out, SIZES, seed=SEED)
    return out


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local SparkSession for the whole test session, stopped at the end."""
    pytest.importorskip("pyspark")
    from lantu.core.pipelines.engine import local_spark

    session = local_spark(partitions=2, memory="1g")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def write_transactions(folder: Path, rows: list[dict[str, Any]], items: list[str]) -> Path:
    """A hand-made data folder: ``transactions/month=2022-03/part-0.parquet`` and ``items.parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    month = folder / "transactions" / "month=2022-03"
    month.mkdir(parents=True)
    base = {
        "tx_id": 0,
        "item_code": "A",
        "unit_code": "330106",
        "channel": "mobile",
        "visits": 0,
        "submitted_at": dt.datetime(2022, 3, 10, 9, 0),
        "completed_at": dt.datetime(2022, 3, 10, 10, 0),
        "outcome": "completed",
    }
    full = [{**base, "tx_id": i + 1, **row} for i, row in enumerate(rows)]
    schema = pa.schema(
        [
            ("tx_id", pa.int64()),
            ("item_code", pa.string()),
            ("unit_code", pa.string()),
            ("channel", pa.string()),
            ("visits", pa.int16()),
            ("submitted_at", pa.timestamp("us")),
            ("completed_at", pa.timestamp("us")),
            ("outcome", pa.string()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(full, schema=schema), month / "part-0.parquet")
    pq.write_table(pa.table({"item_code": items}), folder / "items.parquet")
    return folder
