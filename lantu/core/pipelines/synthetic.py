"""A generator of realistic **synthetic** operational records (合成数据, not real records).

Everything written here is invented by a seeded :class:`numpy.random.Generator`; the same seed
and sizes give the same files, byte for byte. The shapes follow what such records look like,
so the pipelines and their benchmarks meet realistic data:

* **service transactions** (政务服务办件): county sizes are skewed (a lognormal weight per
  county, so a few districts carry much of the load), months are seasonal (a dip at the Spring
  Festival in February, a peak before the year end) and grow slowly; the channel mix trends from
  the counter to mobile (掌上办) over the months and differs by county; items are chosen by a
  Zipf-like popularity; an item can be handled on mobile only from the month it was enabled;
  visits in person are mostly 0 online and 1 at the counter; processing times are lognormal
  around a median of the item; outcomes are mostly completed, some refused, withdrawn or pending;
* **5G/4G base-station register** (基站台账, as exported on the last day, with the codes valid
  then): stations per county by its weight, 5G stations
  commissioned from mid-2019 on a rising curve, a few decommissioned;
* **broadband subscriber records** (宽带用户): access type (fibre, copper, cable) by start date,
  fibre's share rising, some subscriptions ended.

A small share of rows is deliberately wrong (no unit, a completion before the submission, an
unknown item, a decommissioning before the commissioning …) so the pipelines' row checks have
something to reject. A file ``SYNTHETIC.md`` in the output folder says what the data is; runs
over such a folder are recorded as demo data (示例数据).

Layout of the output folder::

    SYNTHETIC.md
    items.parquet                               item_code, name_zh, mobile_since
    transactions/month=2020-01/part-0.parquet   tx_id, item_code, unit_code, channel, visits,
                                                submitted_at, completed_at, outcome
    base_stations.parquet                       station_id, unit_code, technology,
                                                commissioned_on, decommissioned_on
    subscribers.parquet                         subscriber_id, unit_code, access, started_on, ended_on
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ORG_UNITS_CSV = Path(__file__).resolve().parents[2] / "orgunits" / "data" / "zhejiang_org_units.csv"
MARKER = "SYNTHETIC.md"

CHANNELS = ("mobile", "web", "counter")
OUTCOMES = ("completed", "refused", "withdrawn", "pending")
TECHNOLOGIES = ("4G", "5G")
ACCESS = ("fibre", "copper", "cable")


@dataclass(frozen=True)
class UnitSpan:
    """A county-level org-unit record: its code and the days it is valid (``None`` = open)."""

    code: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Sizes:
    """How much to generate."""

    transactions: int = 1_000_000
    start: str = "2020-01"  # first month
    months: int = 36
    items: int = 1500
    stations: int = 150_000
    subscribers: int = 500_000
    dirty: float = 0.001  # share of deliberately wrong rows in each table


def county_spans(path: Path = ORG_UNITS_CSV) -> list[UnitSpan]:
    """The county-level records of the shipped org-unit file, read without Django.

    >>> spans = county_spans()
    >>> sum(s.valid_on(dt.date(2022, 12, 31)) for s in spans)
    90
    """

    def day(text: str) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    with path.open(encoding="utf-8", newline="") as handle:
        return [
            UnitSpan(row["code"], day(row["valid_from"]), day(row["valid_to"]))
            for row in csv.DictReader(handle)
            if row["level"] == "county"
        ]


def unit_rows(day: dt.date, path: Path = ORG_UNITS_CSV) -> list[Any]:
    """The engine's org-unit map for a period ending on ``day``, from the shipped file (no Django).

    The application builds the same map from the database (``lantu.pipelines.services``).

    >>> rows = {r.code: r for r in unit_rows(dt.date(2022, 12, 31))}
    >>> rows["330104"].county is None, rows["330114"].city
    (True, '330100')
    """
    from lantu.core.pipelines.engine import UnitRow

    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    by_key = {r["key"]: r for r in records}

    def valid(r: dict[str, str]) -> bool:
        return (not r["valid_from"] or dt.date.fromisoformat(r["valid_from"]) <= day) and (
            not r["valid_to"] or day <= dt.date.fromisoformat(r["valid_to"])
        )

    out: dict[str, UnitRow] = {}
    for r in records:
        if r["level"] != "county":
            continue
        if valid(r):
            city = by_key[r["parent_key"]]
            out[r["code"]] = UnitRow(r["code"], r["code"], city["code"], by_key[city["parent_key"]]["code"])
        else:
            out.setdefault(r["code"], UnitRow(r["code"], None, None, None))
    return sorted(out.values(), key=lambda u: u.code)


def month_list(start: str, months: int) -> list[dt.date]:
    """First days of ``months`` consecutive months from ``start`` (``YYYY-MM``).

    >>> [d.isoformat() for d in month_list("2021-11", 3)]
    ['2021-11-01', '2021-12-01', '2022-01-01']
    """
    year, month = (int(part) for part in start.split("-"))
    out = []
    for offset in range(months):
        y, m = divmod(month - 1 + offset, 12)
        out.append(dt.date(year + y, m + 1, 1))
    return out


def _month_end(first: dt.date) -> dt.date:
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _weights(codes: Sequence[str], seed: int) -> dict[str, float]:
    """A lognormal size per county code, fixed by the seed (independent of the order given)."""
    rng = np.random.default_rng([seed, 7])
    ordered = sorted(set(codes))
    sizes = rng.lognormal(mean=0.0, sigma=0.8, size=len(ordered))
    return dict(zip(ordered, sizes.tolist(), strict=True))


def _season(first: dt.date, index: int) -> float:
    """Seasonality and growth: a February dip (Spring Festival), a year-end peak, 1 % a month."""
    factor = {1: 0.95, 2: 0.7, 3: 1.05, 12: 1.15}.get(first.month, 1.0)
    return factor * (1.01**index)


def _dict_array(values: Sequence[str], indices: np.ndarray[Any, Any], nulls: np.ndarray[Any, Any] | None = None) -> Any:
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32), mask=nulls), pa.array(list(values)))


def _write_marker(out: Path, seed: int, sizes: Sizes) -> None:
    text = (
        "# 合成数据 — synthetic data\n\n"
        "这些记录由 Lantu 的生成器（lantu/core/pipelines/synthetic.py）随机生成，不是真实的业务记录。\n"
        "These records were generated at random by Lantu's generator (lantu/core/pipelines/synthetic.py);\n"
        "they are not real operational records. Values computed from them are demo data (示例数据).\n\n"
        f"```json\n{json.dumps({'seed': seed, **sizes.__dict__}, indent=2)}\n```\n"
    )
    (out / MARKER).write_text(text, encoding="utf-8")


def generate(
    out: Path,
    sizes: Sizes = Sizes(),
    *,
    seed: int = 2019,
    spans: Sequence[UnitSpan] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Write every table into ``out``; return the number of rows written per table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tick = progress or (lambda _name, _done, _total: None)
    out.mkdir(parents=True, exist_ok=True)
    _write_marker(out, seed, sizes)
    spans = list(spans) if spans is not None else county_spans()
    weights = _weights([s.code for s in spans], seed)
    months = month_list(sizes.start, sizes.months)

    # The item catalogue: Zipf-like popularity, a median processing time, a month from which
    # the item can be handled on mobile (a growing share of items; some never).
    rng = np.random.default_rng([seed, 1])
    n_items = sizes.items
    item_codes = [f"ITEM{i:05d}" for i in range(1, n_items + 1)]
    popularity = 1.0 / np.arange(1, n_items + 1) ** 1.1
    popularity = rng.permutation(popularity)
    popularity /= popularity.sum()
    item_median_s = np.exp(rng.uniform(np.log(1800), np.log(5 * 86400), n_items))
    enable_at = rng.uniform(-0.6, 1.3, n_items)  # fraction of the span; < 0 already enabled, > 1 never
    mobile_since_index = np.floor(enable_at * len(months)).astype(np.int64)
    mobile_since = [
        None if idx >= len(months) else (months[max(idx, 0)].strftime("%Y-%m")) for idx in mobile_since_index.tolist()
    ]
    pq.write_table(
        pa.table(
            {
                "item_code": item_codes,
                "name_zh": [f"合成事项{i:05d}" for i in range(1, n_items + 1)],
                "mobile_since": mobile_since,
            }
        ),
        out / "items.parquet",
    )

    # Transactions, month by month.
    seasons = np.array([_season(m, i) for i, m in enumerate(months)])
    per_month = np.floor(sizes.transactions * seasons / seasons.sum()).astype(np.int64)
    per_month[-1] += sizes.transactions - int(per_month.sum())
    biases = np.random.default_rng([seed, 3]).normal(0, 0.08, len(weights)).tolist()
    county_mobile_bias = dict(zip(sorted(weights), biases, strict=True))
    next_id = 1
    written = 0
    for index, first in enumerate(months):
        n = int(per_month[index])
        end = _month_end(first)
        live = [s.code for s in spans if s.valid_on(end)]
        p = np.array([weights[c] for c in live])
        p /= p.sum()
        mrng = np.random.default_rng([seed, 100, index])
        unit_idx = mrng.choice(len(live), size=n, p=p)
        item_idx = mrng.choice(n_items, size=n, p=popularity)
        # Channel: mobile share trends from about 35 % to 75 % over the span, by county;
        # items not yet enabled on mobile go to the web or the counter.
        progress_share = index / max(len(months) - 1, 1)
        bias = np.array([county_mobile_bias[c] for c in live])[unit_idx]
        p_mobile = np.clip(0.35 + 0.4 * progress_share + bias, 0.05, 0.95)
        p_web = 0.15
        draw = mrng.random(n)
        channel = np.where(draw < p_mobile, 0, np.where(draw < p_mobile + p_web, 1, 2))
        enabled = mobile_since_index[item_idx] <= index
        channel = np.where((channel == 0) & ~enabled, np.where(mrng.random(n) < 0.5, 1, 2), channel)
        # Visits in person: online mostly none, the counter mostly one.
        v = mrng.random(n)
        visits_online = np.where(v < 0.9, 0, np.where(v < 0.99, 1, 2))
        visits_counter = np.where(v < 0.85, 1, np.where(v < 0.97, 2, 3))
        visits = np.where(channel == 2, visits_counter, visits_online).astype(np.int16)
        # Times: submitted uniformly within the month; processing lognormal around the item's median.
        month_seconds = (end - first).days * 86400 + 86400
        base = np.datetime64(first.isoformat(), "s")
        submitted = base + mrng.integers(0, month_seconds, size=n).astype("timedelta64[s]")
        duration = np.maximum(60, item_median_s[item_idx] * mrng.lognormal(0.0, 0.9, size=n)).astype(np.int64)
        duration = np.where(channel == 2, duration * 1.3, duration).astype(np.int64)
        o = mrng.random(n)
        outcome = np.where(o < 0.9, 0, np.where(o < 0.94, 1, np.where(o < 0.96, 2, 3)))
        completed = submitted + duration.astype("timedelta64[s]")
        open_case = outcome >= 2  # withdrawn, pending: no completion time
        # Deliberately wrong rows.
        bad = mrng.random(n)
        third = sizes.dirty / 3
        no_unit = bad < third
        backwards = (bad >= third) & (bad < 2 * third)
        unknown_item = (bad >= 2 * third) & (bad < sizes.dirty)
        completed = np.where(backwards, submitted - np.timedelta64(3600, "s"), completed)
        open_case &= ~backwards
        codes = np.array([*item_codes, "ITEM99999"])
        item_idx = np.where(unknown_item, n_items, item_idx)
        table = pa.table(
            {
                "tx_id": pa.array(np.arange(next_id, next_id + n, dtype=np.int64)),
                "item_code": _dict_array(codes.tolist(), item_idx),
                "unit_code": _dict_array(live, unit_idx, no_unit),
                "channel": _dict_array(CHANNELS, channel),
                "visits": pa.array(visits),
                "submitted_at": pa.array(submitted.astype("datetime64[us]")),
                "completed_at": pa.array(completed.astype("datetime64[us]"), mask=open_case),
                "outcome": _dict_array(OUTCOMES, outcome),
            }
        )
        folder = out / "transactions" / f"month={first:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet", row_group_size=1 << 20)
        next_id += n
        written += n
        tick("transactions", written, sizes.transactions)

    counts = {"items": n_items, "transactions": written}
    counts["base_stations"] = _stations(out, sizes, seed, spans, weights, months)
    tick("base_stations", counts["base_stations"], counts["base_stations"])
    counts["subscribers"] = _subscribers(out, sizes, seed, spans, weights, months)
    tick("subscribers", counts["subscribers"], counts["subscribers"])
    return counts


def _unit_draw(
    rng: np.random.Generator, spans: Sequence[UnitSpan], weights: dict[str, float], day: dt.date, n: int
) -> tuple[list[str], np.ndarray[Any, Any]]:
    """A county code for each of ``n`` register rows, by weight, among the codes valid on ``day``.

    A register is exported on one day and carries the codes valid then (registers are recoded
    when counties are redrawn), so it suits periods ending after the last redistricting.
    """
    live = [s.code for s in spans if s.valid_on(day)]
    p = np.array([weights[c] for c in live])
    p /= p.sum()
    return live, rng.choice(len(live), size=n, p=p)


def _stations(
    out: Path, sizes: Sizes, seed: int, spans: Sequence[UnitSpan], weights: dict[str, float], months: list[dt.date]
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, 2])
    n = sizes.stations
    last = np.datetime64(_month_end(months[-1]).isoformat(), "D")
    is_5g = rng.random(n) < 0.45
    # 4G from 2014 evenly; 5G from 2019-06 on a rising (quadratic) curve up to the last month.
    start_4g = np.datetime64("2014-01-01", "D")
    start_5g = np.datetime64("2019-06-01", "D")
    span_4g = int((last - start_4g).astype(int))
    span_5g = max(int((last - start_5g).astype(int)), 1)
    offset = np.where(is_5g, np.sqrt(rng.random(n)) * span_5g, rng.random(n) * span_4g).astype(np.int64)
    commissioned = np.where(is_5g, start_5g, start_4g) + offset.astype("timedelta64[D]")
    ended = rng.random(n) < 0.03
    decommissioned = commissioned + rng.integers(30, 2000, n).astype("timedelta64[D]")
    bad = rng.random(n)
    third = sizes.dirty / 3
    no_unit = bad < third
    backwards = (bad >= third) & (bad < 2 * third)
    unknown_tech = (bad >= 2 * third) & (bad < sizes.dirty)
    decommissioned = np.where(backwards, commissioned - np.timedelta64(10, "D"), decommissioned)
    ended |= backwards
    codes, unit_idx = _unit_draw(rng, spans, weights, _month_end(months[-1]), n)
    tech = np.where(unknown_tech, 2, is_5g.astype(np.int64))
    pq.write_table(
        pa.table(
            {
                "station_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
                "unit_code": _dict_array(codes, unit_idx, no_unit),
                "technology": _dict_array([*TECHNOLOGIES, "6G?"], tech),
                "commissioned_on": pa.array(commissioned.astype("datetime64[D]")),
                "decommissioned_on": pa.array(decommissioned.astype("datetime64[D]"), mask=~ended),
            }
        ),
        out / "base_stations.parquet",
    )
    return n


def _subscribers(
    out: Path, sizes: Sizes, seed: int, spans: Sequence[UnitSpan], weights: dict[str, float], months: list[dt.date]
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng([seed, 4])
    n = sizes.subscribers
    first = np.datetime64("2010-01-01", "D")
    last = np.datetime64(_month_end(months[-1]).isoformat(), "D")
    span = int((last - first).astype(int))
    started = first + (np.sqrt(rng.random(n)) * span).astype(np.int64).astype("timedelta64[D]")
    # Fibre's share of new subscriptions rises from 30 % (2010) to 98 % (the last day).
    position = (started - first).astype(np.int64) / span
    p_fibre = 0.3 + 0.68 * position
    draw = rng.random(n)
    access = np.where(draw < p_fibre, 0, np.where(draw < p_fibre + (1 - p_fibre) * 0.6, 1, 2))
    # Copper and cable subscriptions end more often (many move to fibre).
    p_end = np.where(access == 0, 0.05, 0.45)
    ended = rng.random(n) < p_end
    ended_on = started + rng.integers(60, 3000, n).astype("timedelta64[D]")
    bad = rng.random(n)
    third = sizes.dirty / 3
    no_unit = bad < third
    backwards = (bad >= third) & (bad < 2 * third)
    unknown_access = (bad >= 2 * third) & (bad < sizes.dirty)
    ended_on = np.where(backwards, started - np.timedelta64(1, "D"), ended_on)
    ended |= backwards
    codes, unit_idx = _unit_draw(rng, spans, weights, _month_end(months[-1]), n)
    access = np.where(unknown_access, 3, access)
    pq.write_table(
        pa.table(
            {
                "subscriber_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
                "unit_code": _dict_array(codes, unit_idx, no_unit),
                "access": _dict_array([*ACCESS, "unknown"], access),
                "started_on": pa.array(started.astype("datetime64[D]")),
                "ended_on": pa.array(ended_on.astype("datetime64[D]"), mask=~ended),
            }
        ),
        out / "subscribers.parquet",
        row_group_size=1 << 20,
    )
    return n
