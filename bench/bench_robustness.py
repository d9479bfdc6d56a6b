"""Robustness analysis of a composite index: how fast the Monte Carlo rebuilds run.

Synthetic data (generated here with a seeded RNG; labelled synthetic, not real figures). Goals of
issue 6, against COINr's "a few seconds" for a typical sensitivity analysis:

(a) 600 rebuilds of a 51 units × 49 indicators index (49 indicators in 8 pillars in 2 sub-indices),
    varying the weights (±25 %) and the aggregation method (arithmetic / geometric): < 0.5 s;
(b) 10,000 runs of 90 units × 60 indicators, weights noise + aggregation: < 10 s;
(c) a generic-path run: 200 runs varying the normalisation method, the winsorisation limit and
    the weights (every distinct configuration is a full pipeline build); no goal.

Each case is timed end to end (nominal build, sampling, every rebuild, ranks, statistics and,
for a sensitivity analysis, the Sobol indices with 100 bootstrap resamples); the figure is the
median of ``--repeat`` runs after one warm-up.

    .venv/bin/python bench/bench_robustness.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from lantu.core.index.method import Method, parse_method
from lantu.core.index.model import Node, Table, Tree
from lantu.core.index.pipeline import build
from lantu.core.index.robustness import Analysis, Choice, Factor, Robustness, WeightNoise, run

GOAL_A = 0.5
GOAL_B = 10.0


def synthetic(units: int, indicators: int, pillars: int, subindices: int, seed: int) -> tuple[Table, Tree]:
    """A synthetic index: skewed positive indicators (some "less is better"), a few gaps."""
    rng = np.random.default_rng(seed)
    nodes = [Node("INDEX", "综合指数（合成）", None, 1.0, 1, 4)]
    nodes += [Node(f"S{s + 1}", f"分指数{s + 1}", "INDEX", 1.0, 1, 3) for s in range(subindices)]
    nodes += [Node(f"P{p + 1}", f"支柱{p + 1}", f"S{p * subindices // pillars + 1}", 1.0, 1, 2) for p in range(pillars)]
    codes = [f"x{i + 1:02d}" for i in range(indicators)]
    for i, code in enumerate(codes):
        weight = float(rng.integers(1, 4))
        direction = -1 if i % 7 == 3 else 1
        nodes.append(Node(code, f"指标{code}", f"P{i * pillars // indicators + 1}", weight, direction, 1))
    # Correlated indicators: a latent "development" level per unit plus noise, log-normal.
    latent = rng.normal(size=(units, 1))
    values = np.exp(0.6 * latent + rng.normal(scale=0.8, size=(units, indicators))) * 100
    values[rng.random(values.shape) < 0.02] = np.nan  # 2 % gaps
    table = Table(tuple(f"U{u + 1:03d}" for u in range(units)), tuple(codes), values)
    return table, Tree.build(nodes)


def timed(func: Callable[[], Robustness], repeat: int) -> tuple[float, Robustness]:
    result = func()  # warm-up: imports and caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (default 5)")
    args = parser.parse_args()

    # Min-max onto [1, 100] so the geometric mean is defined (COINr's advice too); gaps are
    # left missing and aggregation re-scales the weights of the present children.
    fast_method = parse_method("version: 1\nsteps:\n  - normalise: {method: minmax, low: 1, high: 100}\n")
    fast: list[Factor] = [
        WeightNoise(fraction=0.25),
        Choice("aggregate", "method", ("arithmetic", "geometric")),
    ]
    generic_method = parse_method(
        "version: 1\nsteps:\n  - impute: {method: mean}\n  - treat: {method: winsorise}\n"
        "  - normalise: {method: minmax, low: 1, high: 100}\n"
    )
    generic: list[Factor] = [
        WeightNoise(fraction=0.25),
        Choice(
            "normalise", None, ({"method": "minmax", "low": 1, "high": 100}, {"method": "zscore", "mean": 50, "sd": 10})
        ),
        Choice("treat", "max_points", (1, 2, 3, 4, 5)),
    ]
    small = synthetic(51, 49, 8, 2, seed=20261128)
    large = synthetic(90, 60, 8, 2, seed=20261129)

    def case(
        data: tuple[Table, Tree], method: Method, factors: list[Factor], n: int, analysis: Analysis
    ) -> Callable[[], Robustness]:
        table, tree = data
        return lambda: run(table, tree, method, factors, n=n, seed=1, analysis=analysis)

    rows: list[tuple[str, float, Robustness, str]] = []
    cases: list[tuple[str, tuple[Table, Tree], Method, list[Factor], int, Analysis, float | None]] = [
        (
            "(a) 51 × 49, SA (Saltelli, N = 150): weights ±25 % + arithmetic/geometric",
            small,
            fast_method,
            fast,
            150,
            "SA",
            GOAL_A,
        ),
        ("(a) 51 × 49, UA: weights ±25 % + arithmetic/geometric", small, fast_method, fast, 600, "UA", GOAL_A),
        (
            "(b) 90 × 60, SA (Saltelli, N = 2,500): weights ±25 % + arithmetic/geometric",
            large,
            fast_method,
            fast,
            2500,
            "SA",
            GOAL_B,
        ),
        ("(b) 90 × 60, UA: weights ±25 % + arithmetic/geometric", large, fast_method, fast, 10_000, "UA", GOAL_B),
        (
            "(c) 51 × 49, UA, generic path: normalisation × winsorisation limit × weights",
            small,
            generic_method,
            generic,
            200,
            "UA",
            None,
        ),
    ]
    for name, data, method, factors, n, analysis, goal in cases:
        seconds, result = timed(case(data, method, factors, n, analysis), args.repeat)
        verdict = "—" if goal is None else ("met" if seconds < goal else "not met") + f" (< {goal:g} s)"
        rows.append((name, seconds, result, verdict))

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, NumPy {np.__version__}")
    print("Synthetic data (seeded RNG), not real figures.\n")
    print("| case | runs | full pipeline builds | time (median) | per run | goal |")
    print("|---|---|---|---|---|---|")
    for name, seconds, result, verdict in rows:
        print(
            f"| {name} | {result.n_runs:,} | {result.rebuilds} | {seconds:.3f} s | "
            f"{seconds / result.n_runs * 1e6:,.0f} µs | {verdict} |"
        )
    # For scale: what the naive way (one full pipeline build per run) would cost for (a).
    table, tree = small
    times = []
    for _ in range(20):
        start = time.perf_counter()
        build(table, tree, fast_method)
        times.append(time.perf_counter() - start)
    one = statistics.median(times)
    print(
        f"\nFor scale: one full `pipeline.build` of (a) takes {one * 1000:.1f} ms (median of 20), so 600 "
        f"rebuilds one by one would take about {600 * one:.1f} s."
    )
    sa = rows[0][2]
    if sa.sensitivity is not None:
        print("\nSobol indices of (a) SA (output: mean absolute rank change, 90 % bootstrap intervals):\n")
        print("| factor | S1 | S1 interval | ST | ST interval |")
        print("|---|---|---|---|---|")
        s = sa.sensitivity
        assert s.first_interval is not None
        assert s.total_interval is not None
        for i, label in enumerate(sa.factors):
            print(
                f"| {label} | {s.first[i]:.2f} | {s.first_interval[0, i]:.2f}–{s.first_interval[1, i]:.2f} | "
                f"{s.total[i]:.2f} | {s.total_interval[0, i]:.2f}–{s.total_interval[1, i]:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
