"""Monte Carlo robustness of an index: rank intervals, rank changes, Sobol indices, fast and generic paths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lantu.core.index import pipeline, robustness
from lantu.core.index.method import Method, parse_method
from lantu.core.index.model import IndexInputError, Node, Table, Tree
from lantu.core.index.pipeline import build
from lantu.core.index.robustness import Choice, Drop, Factor, WeightNoise, run

# Min-max onto [1, 100] keeps every value positive, so the geometric mean is defined.
METHOD = parse_method("version: 1\nsteps:\n  - normalise: {method: minmax, low: 1, high: 100}\n")


def framework() -> Tree:
    """Index ← P1 (a, b, c), P2 (d, e), P3 (f alone): three levels, weights not all equal."""
    return Tree.build(
        [
            Node("I", "指数", None, 1, 1, 3),
            Node("P1", "支柱一", "I", 2, 1, 2),
            Node("P2", "支柱二", "I", 1, 1, 2),
            Node("P3", "支柱三", "I", 1, 1, 2),
            Node("a", "a", "P1", 1, 1, 1),
            Node("b", "b", "P1", 2, 1, 1),
            Node("c", "c", "P1", 1, -1, 1),
            Node("d", "d", "P2", 1, 1, 1),
            Node("e", "e", "P2", 3, 1, 1),
            Node("f", "f", "P3", 1, 1, 1),
        ]
    )


def data(units: int = 12, seed: int = 3) -> Table:
    rng = np.random.default_rng(seed)
    values = rng.uniform(1, 10, size=(units, 6))
    return Table(tuple(f"U{i:02d}" for i in range(units)), ("a", "b", "c", "d", "e", "f"), values)


def test_same_seed_same_result_and_another_seed_differs() -> None:
    factors: list[Factor] = [WeightNoise(fraction=0.3), Choice("aggregate", "method", ("arithmetic", "geometric"))]
    one = run(data(), framework(), METHOD, factors, n=50, seed=7)
    two = run(data(), framework(), METHOD, factors, n=50, seed=7)
    three = run(data(), framework(), METHOD, factors, n=50, seed=8)
    np.testing.assert_array_equal(one.scores, two.scores)
    np.testing.assert_array_equal(one.design, two.design)
    assert not np.array_equal(one.scores, three.scores)


def test_nominal_is_the_pipeline_build_and_intervals_hold_it() -> None:
    table, tree = data(), framework()
    result = run(table, tree, METHOD, [WeightNoise(level=2, fraction=0.2)], n=300, seed=1)
    nominal = build(table, tree, METHOD)
    np.testing.assert_array_equal(result.nominal_score, nominal.index.values[:, 0])
    np.testing.assert_array_equal(result.nominal_rank, nominal.ranks.column("I"))
    assert result.units == table.units
    assert result.n_runs == 300
    assert result.scores.shape == result.ranks.shape == (300, 12)
    assert np.all(result.rank_low <= result.nominal_rank)
    assert np.all(result.nominal_rank <= result.rank_high)
    assert np.all(result.rank_low <= result.median_rank)
    assert np.all(result.median_rank <= result.rank_high)
    # The noise moves somebody: the analysis is not vacuous.
    assert np.any(result.rank_high > result.rank_low)
    assert np.all(result.sd_score > 0)
    assert result.rebuilds == 1  # weight noise alone never rebuilds: one normalisation for all runs
    assert result.sensitivity is None  # UA only


def test_zero_noise_collapses_every_interval_onto_the_nominal_rank() -> None:
    result = run(data(), framework(), METHOD, [WeightNoise(fraction=0.0)], n=40, seed=2)
    np.testing.assert_array_equal(result.rank_low, result.nominal_rank)
    np.testing.assert_array_equal(result.rank_high, result.nominal_rank)
    np.testing.assert_array_equal(result.median_rank, result.nominal_rank)
    np.testing.assert_allclose(result.scores, np.broadcast_to(result.nominal_score, result.scores.shape), atol=1e-12)
    np.testing.assert_allclose(result.sd_score, 0, atol=1e-12)
    assert np.all(result.mean_abs_rank_change == 0)
    assert all(row.unchanged == 1.0 and row.distribution == {0: 40} for row in result.rank_changes())


def weights_of_run(result: robustness.Robustness, i: int, nominal: dict[str, float]) -> dict[str, float]:
    """The weights run ``i`` used: nominal × the multipliers of every weight-noise factor."""
    out = dict(nominal)
    for value in result.describe(i).values():
        if isinstance(value, dict) and all(isinstance(v, float) for v in value.values()):
            for code, multiplier in value.items():
                out[code] *= multiplier
    return out


def method_with(base: Method, weights: dict[str, float], aggregate: dict[str, Any]) -> Method:
    steps = "".join(f"  - {s.name}: {dict(s.options)!r}\n" for s in base.steps if s.name not in ("weight", "aggregate"))
    text = f"version: 1\nsteps:\n{steps}  - weight: {{method: manual, weights: {weights!r}}}\n  - aggregate: {aggregate!r}\n"
    return parse_method(text.replace("'", '"'))


def test_fast_path_scores_equal_a_full_pipeline_build_of_the_same_run() -> None:
    table, tree = data(), framework()
    factors: list[Factor] = [
        WeightNoise(level=1, fraction=0.25),
        WeightNoise(codes=("P1", "P2"), fraction=0.5),
        Choice("aggregate", "method", ("arithmetic", "geometric", "harmonic")),
    ]
    result = run(table, tree, METHOD, factors, n=30, seed=11)
    nominal = dict(build(table, tree, METHOD).weights)
    for i in range(0, 30, 7):
        chosen = result.describe(i)["aggregate.method"]
        assert isinstance(chosen, str)
        rebuilt = build(table, tree, method_with(METHOD, weights_of_run(result, i, nominal), {"method": chosen}))
        np.testing.assert_allclose(result.scores[i], rebuilt.index.values[:, 0], rtol=1e-12)
        np.testing.assert_array_equal(result.ranks[i], rebuilt.ranks.column("I"))


def test_generic_path_builds_once_per_distinct_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    method = parse_method(
        "version: 1\nsteps:\n  - treat: {method: winsorise}\n  - normalise: {method: minmax, low: 1, high: 100}\n"
    )
    calls: list[Method] = []
    real_build = pipeline.build

    def counting_build(table: Table, tree: Tree, method: Method | None = None, **kw: Any) -> Any:
        assert method is not None
        calls.append(method)
        return real_build(table, tree, method, **kw)

    monkeypatch.setattr(robustness, "build", counting_build)
    factors: list[Factor] = [
        Choice("normalise", "high", (100, 200)),
        Choice("treat", "max_points", (1, 2, 3)),
        WeightNoise(fraction=0.2),
    ]
    result = run(data(30), framework(), method, factors, n=120, seed=4)
    assert result.n_runs == 120
    assert result.configurations == 6  # 2 × 3, every one drawn among 120 runs
    # The nominal build, plus every configuration but the one equal to the nominal method
    # (high 100 is the nominal normalisation, but no treat value equals "no max_points").
    assert len(calls) == result.rebuilds == 1 + 6
    # Each run's scores are those of its configuration's build (weights aside): high 200 doubles
    # the normalised scale, so such runs score higher than the nominal (high 100) ones on average.
    high = np.array([result.describe(i)["normalise.high"] for i in range(120)])
    assert np.nanmean(result.scores[high == 200]) > np.nanmean(result.scores[high == 100])


def test_dropping_an_indicator_changes_the_tree() -> None:
    table, tree = data(), framework()
    result = run(table, tree, METHOD, [Drop(("b", "P2"))], n=60, seed=5)
    assert result.rebuilds == 3  # nominal, without b, without P2 (d and e with it)
    for target_drop, expected_tree in (("b", tree.without(["b"])), ("P2", tree.without(["P2"]))):
        assert "b" not in expected_tree.nodes or "P2" not in expected_tree.nodes
        rows = [i for i in range(60) if result.describe(i)["drop b/P2"] == target_drop]
        assert rows, "the draw should pick every alternative among 60 runs"
        expected = build(table, expected_tree, METHOD).index.values[:, 0]
        for i in rows:
            np.testing.assert_allclose(result.scores[i], expected, rtol=1e-12)
    kept = [i for i in range(60) if result.describe(i)["drop b/P2"] is None]
    np.testing.assert_allclose(result.scores[kept], np.broadcast_to(result.nominal_score, (len(kept), 12)))
    # Without keep_all every run drops something.
    only = run(table, tree, METHOD, [Drop(("f",), keep_all=False)], n=10, seed=5)
    assert {only.describe(i)["drop f"] for i in range(10)} == {"f"}
    assert not np.allclose(only.scores[0], only.nominal_score)


def test_sobol_gives_all_variance_to_the_only_factor_that_matters() -> None:
    # f sits alone under P3, so its weight (relative within P3) cannot change anything; the data
    # have no outliers, so the winsorisation limit changes nothing either; the aggregation method
    # is the only factor that moves the ranks.
    method = parse_method(
        "version: 1\nsteps:\n  - treat: {method: winsorise}\n  - normalise: {method: minmax, low: 1, high: 100}\n"
    )
    factors: list[Factor] = [
        WeightNoise(codes=("f",), fraction=0.5),
        Choice("aggregate", "method", ("arithmetic", "geometric")),
        Choice("treat", "max_points", (1, 3)),
    ]
    table = data(40, seed=12)
    result = run(table, framework(), method, factors, n=1024, seed=3, analysis="SA", n_boot=200)
    assert result.n_runs == 1024 * (3 + 2)
    s = result.sensitivity
    assert s is not None
    assert s.first_interval is not None
    assert s.total_interval is not None
    assert np.ptp(result.mean_abs_rank_change) > 0  # the output varies
    # The factors that do nothing: total exactly 0 (y_A equals y_AB there), first ≈ 0.
    np.testing.assert_array_equal(s.total[[0, 2]], 0.0)
    np.testing.assert_allclose(s.first[[0, 2]], 0.0, atol=0.1)
    assert np.all(s.first_interval[0, [0, 2]] <= 0.0)
    assert np.all(s.first_interval[1, [0, 2]] >= 0.0)
    # The aggregation method: S1 ≈ ST ≈ 1, inside the bootstrap intervals.
    assert s.total[1] == pytest.approx(1.0, abs=0.1)
    assert s.first[1] == pytest.approx(1.0, abs=0.15)
    assert s.total_interval[0, 1] <= 1.0 <= s.total_interval[1, 1]
    assert s.first_interval[0, 1] <= 1.0 <= s.first_interval[1, 1]
    # Per unit, the same story: the units whose rank varies owe it to the aggregation method.
    assert result.unit_sensitivity is not None
    assert result.unit_sensitivity.first.shape == (3, 40)
    np.testing.assert_allclose(result.mean_unit_total, [0.0, 1.0, 0.0], atol=0.1)


def test_sa_statistics_use_the_a_and_b_runs_as_coinr() -> None:
    factors: list[Factor] = [WeightNoise(fraction=0.3), Choice("aggregate", "method", ("arithmetic", "geometric"))]
    result = run(data(), framework(), METHOD, factors, n=20, seed=9, analysis="SA")
    assert result.n_runs == 80
    base = result.ranks[:40]
    np.testing.assert_array_equal(result.median_rank, np.median(base, axis=0))
    np.testing.assert_array_equal(result.rank_low, np.quantile(base, 0.05, axis=0))
    # COINr's output for the indices: mean |rank - nominal| over units, for every run.
    np.testing.assert_allclose(result.mean_abs_rank_change, np.mean(np.abs(result.ranks - result.nominal_rank), axis=1))
    assert sum(result.rank_changes()[0].distribution.values()) == 40


def test_rank_change_table() -> None:
    result = run(data(), framework(), METHOD, [WeightNoise(fraction=0.6)], n=200, seed=13)
    rows = result.rank_changes()
    assert [r.unit for r in rows] == list(result.units)
    for j, row in enumerate(rows):
        shifts = result.ranks[:, j] - result.nominal_rank[j]
        assert sum(row.distribution.values()) == 200
        assert row.distribution == {int(v): int(np.sum(shifts == v)) for v in np.unique(shifts)}
        assert row.mean_abs_shift == pytest.approx(np.mean(np.abs(shifts)))
        assert row.best_shift == shifts.min()
        assert row.worst_shift == shifts.max()
        assert row.unchanged == pytest.approx(np.mean(shifts == 0))
        assert row.unchanged <= row.within_1 <= row.within_3 <= 1
        assert row.low <= row.median <= row.high


def test_a_unit_screened_out_has_no_rank_in_those_runs() -> None:
    table = data()
    values = table.values.copy()
    values[0, :3] = np.nan  # U00 has half its data: kept at a 0.4 threshold, dropped at 0.6
    table = table.with_values(values)
    result = run(table, framework(), METHOD, [Choice("screen", "dat_thresh", (0.4, 0.6))], n=40, seed=1)
    thresholds = np.array([result.describe(i)["screen.dat_thresh"] for i in range(40)])
    assert np.all(np.isnan(result.ranks[thresholds == 0.6, 0]))
    assert not np.any(np.isnan(result.ranks[thresholds == 0.4, 0]))
    # The others are ranked among 11 units when U00 is out.
    assert np.nanmax(result.ranks[thresholds == 0.6]) == 11


@pytest.mark.parametrize(
    ("factors", "code", "fragment"),
    [
        ([], "bad_option", "no factor"),
        ([WeightNoise(codes=("zz",))], "unknown_code", "zz"),
        ([WeightNoise(fraction=1.5)], "bad_option", "fraction"),
        ([WeightNoise(level=7)], "bad_option", "level"),
        ([Choice("normalize", "method", ("zscore",))], "unknown_step", "normalize"),
        ([Choice("normalise", "metod", ("zscore",))], "unknown_option", "metod"),
        ([Choice("normalise", "method", ())], "bad_option", "normalise"),
        ([Choice("aggregate", "power", (1, 2))], "unknown_option", "power"),
        ([Drop(("I",))], "bad_option", "I"),
        ([Drop(("zz",))], "unknown_code", "zz"),
    ],
)
def test_bad_factors_are_refused_naming_what_is_wrong(factors: list[Any], code: str, fragment: str) -> None:
    with pytest.raises(IndexInputError) as caught:
        run(data(), framework(), METHOD, factors, n=10, seed=1)
    assert caught.value.code == code
    assert fragment in caught.value.message_zh
    assert fragment in caught.value.message_en


def test_a_panel_is_refused() -> None:
    table = Table(("A", "B"), ("a", "b", "c", "d", "e", "f"), np.ones((2, 6)), years=(2021, 2022))
    with pytest.raises(IndexInputError, match="panel"):
        run(table, framework(), METHOD, [WeightNoise()], n=10, seed=1)
