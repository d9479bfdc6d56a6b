"""Benchmark of the pure roll-up engine (lantu.core.rollup) on a synthetic province panel.

Run with ``.venv/bin/python bench/bench_rollup.py``. No Django: the engine is a pure core.

The panel: 1 province, 11 cities and 90 counties (102 units), 200 indicators (60% sum, 15% mean,
10% weighted_mean, 10% ratio_of_sums, 5% formula) and 40 quarters. Counties report about 87% of
their values; cities and the province report about 30% of the sums and means, as official figures
that win over the aggregates. Timings are medians; the data are fixed by a seed.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from lantu.core.rollup import Cell, Engine, Rule, Unit

SEED = 20240409
CITIES = 11
COUNTIES = 90
INDICATORS = 200
QUARTERS = 40


def build_units() -> list[Unit]:
    units = [Unit("330000", None)]
    for city in range(CITIES):
        units.append(Unit(f"33{city + 1:02d}00", "330000"))
    for county in range(COUNTIES):
        city = county % CITIES
        units.append(Unit(f"33{city + 1:02d}{county // CITIES + 1:02d}", f"33{city + 1:02d}00"))
    return units


def build_rules(rng: random.Random) -> list[Rule]:
    sums = [f"S{k:03d}" for k in range(120)]
    rules = [Rule(code, "sum") for code in sums]
    rules += [Rule(f"M{k:03d}", "mean") for k in range(30)]
    rules += [Rule(f"W{k:03d}", "weighted_mean", weight=rng.choice(sums)) for k in range(20)]
    for k in range(20):
        numerator, denominator = rng.sample(sums, 2)
        rules.append(Rule(f"R{k:03d}", "ratio_of_sums", numerator=numerator, denominator=denominator, scale=100))
    for k in range(10):
        a, b, c = rng.sample(sums, 3)
        rules.append(Rule(f"F{k:03d}", "none", formula=f"100 * ({a} + {b}) / {c}"))
    # Shuffled, so the engine has to find the dependency order itself.
    rng.shuffle(rules)
    return rules


def build_reported(rng: random.Random, units: list[Unit], rules: list[Rule], periods: list[str]) -> dict[Cell, float]:
    reported: dict[Cell, float] = {}
    for rule in rules:
        if rule.formula is not None:
            continue
        official = rule.aggregation in ("sum", "mean")
        for unit in units:
            county = len(unit.key) == 6 and not unit.key.endswith("00")
            share = 0.87 if county else (0.3 if official else 0.0)
            for period in periods:
                if rng.random() < share:
                    reported[rule.code, unit.key, period] = round(rng.uniform(1, 1000), 4)
    return reported


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> int:
    rng = random.Random(SEED)
    units = build_units()
    rules = build_rules(rng)
    periods = [f"{2015 + q // 4}Q{q % 4 + 1}" for q in range(QUARTERS)]
    reported = build_reported(rng, units, rules, periods)

    engine: Engine | None = None

    def build() -> None:
        nonlocal engine
        engine = Engine(units, rules, periods)

    build_seconds = min(timed(build) for _ in range(3))
    assert engine is not None
    cells = len(units) * len(rules) * len(periods)

    result = engine.rollup(reported)  # warm-up, and the base for the updates
    full = statistics.median(timed(lambda: engine.rollup(reported)) for _ in range(5))
    dense = result.arrays.reported.copy()
    arrays_only = statistics.median(timed(lambda: engine.rollup_arrays(dense)) for _ in range(5))

    # One changed value at a time: a new value, or a withdrawal, of a random reported cell.
    keys = list(reported)
    update_times: list[float] = []
    for _ in range(50):
        cell = rng.choice(keys)
        changed = dict(reported)
        if rng.random() < 0.8:
            changed[cell] = round(rng.uniform(1, 1000), 4)
        else:
            del changed[cell]
        start = time.perf_counter()
        engine.update(result, changed, [cell])
        update_times.append(time.perf_counter() - start)
    affected_sizes = [len(engine.affected([rng.choice(keys)])) for _ in range(50)]

    rows = [
        ("panel", f"{len(units)} units × {len(rules)} indicators × {len(periods)} quarters = {cells:,} cells"),
        ("reported values", f"{len(reported):,} ({len(reported) / cells:.0%} of cells)"),
        ("aggregates / formula values out", f"{len(result.aggregates):,} / {len(result.computed):,}"),
        ("build Engine (best of 3)", f"{build_seconds * 1000:.1f} ms"),
        ("full roll-up, dict in and out (median of 5)", f"{full * 1000:.0f} ms"),
        ("full roll-up, arrays in and out (median of 5)", f"{arrays_only * 1000:.1f} ms"),
        ("cells per second, dict / arrays", f"{cells / full:,.0f} / {cells / arrays_only:,.0f}"),
        ("one changed value: update (median of 50)", f"{statistics.median(update_times) * 1000:.1f} ms"),
        ("one changed value: update (max of 50)", f"{max(update_times) * 1000:.1f} ms"),
        ("cells affected by one change (median)", f"{statistics.median(affected_sizes):.0f}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"Lantu roll-up benchmark — Python {platform.python_version()}, NumPy {np.__version__}")
    print(f"{'':-<{width}}  {'':-<40}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
