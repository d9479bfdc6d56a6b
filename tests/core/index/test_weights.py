"""Weights (lantu.core.index.weights): manual, equal, budget, PCA (COINr get_PCA), optimised (get_opt_weights)."""

from __future__ import annotations

import numpy as np
import pytest

from lantu.core.index.aggregate import aggregate
from lantu.core.index.audit import pairwise_correlation
from lantu.core.index.model import IndexInputError, Node, Table, Tree
from lantu.core.index.weights import first_component, weights

NAN = np.nan


def tree() -> Tree:
    return Tree.build(
        [
            Node("I", "指数", None, 1, 1, 3),
            Node("P", "支柱P", "I", 2, 1, 2),
            Node("Q", "支柱Q", "I", 1, 1, 2),
            Node("a", "a", "P", 1, 1, 1),
            Node("b", "b", "P", 3, 1, 1),
            Node("c", "c", "P", 4, 1, 1),
            Node("d", "d", "Q", 1, 1, 1),
            Node("e", "e", "Q", 1, 1, 1),
        ]
    )


def data(seed: int = 0, n: int = 40) -> Table:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    cols = [
        f + 0.3 * rng.normal(size=n),
        f + 0.6 * rng.normal(size=n),
        f + 1.0 * rng.normal(size=n),
        0.5 * f + rng.normal(size=n),
        0.5 * f + rng.normal(size=n),
    ]
    return Table(tuple(f"u{i}" for i in range(n)), ("a", "b", "c", "d", "e"), np.column_stack(cols))


def test_manual_weights_are_rescaled_within_each_parent() -> None:
    w = weights(tree(), data(), "manual")
    assert w == pytest.approx({"I": 1, "P": 2 / 3, "Q": 1 / 3, "a": 0.125, "b": 0.375, "c": 0.5, "d": 0.5, "e": 0.5})
    w = weights(tree(), data(), "manual", weights={"a": 4.0})
    assert w["a"] == pytest.approx(4 / 11)
    with pytest.raises(IndexInputError) as err:
        weights(tree(), data(), "manual", weights={"a": -1.0})
    assert err.value.code == "bad_weight"
    with pytest.raises(IndexInputError) as err:
        weights(tree(), data(), "manual", weights={"a": 0.0, "b": 0.0, "c": 0.0})
    assert err.value.code == "zero_weights"
    assert err.value.params["code"] == "P"


def test_equal_weights() -> None:
    w = weights(tree(), data(), "equal")
    assert w == pytest.approx({"I": 1, "P": 0.5, "Q": 0.5, "a": 1 / 3, "b": 1 / 3, "c": 1 / 3, "d": 0.5, "e": 0.5})


def test_budget_allocation_averages_the_experts_shares() -> None:
    points = {"a": [50, 20], "b": [30, 20], "c": [20, 60], "P": 70, "Q": 30}
    w = weights(tree(), data(), "budget", points=points)
    assert w["a"] == pytest.approx((0.5 + 0.2) / 2)
    assert w["b"] == pytest.approx((0.3 + 0.2) / 2)
    assert w["c"] == pytest.approx((0.2 + 0.6) / 2)
    assert w["P"] == pytest.approx(0.7)
    assert w["d"] == pytest.approx(0.5)  # no points under Q: META weights


def test_budget_allocation_refuses_gaps_and_unknown_codes() -> None:
    with pytest.raises(IndexInputError) as err:
        weights(tree(), data(), "budget", points={"a": 10, "b": 20})
    assert err.value.code == "budget_missing"
    assert err.value.params == {"code": "P", "child": "c"}
    assert "c" in err.value.message_zh
    with pytest.raises(IndexInputError) as err:
        weights(tree(), data(), "budget", points={"zz": 1})
    assert err.value.code == "unknown_code"
    with pytest.raises(IndexInputError) as err:
        weights(tree(), data(), "budget")
    assert err.value.code == "missing_option"
    with pytest.raises(IndexInputError):
        weights(tree(), data(), "budget", points={"a": [1, 2], "b": [1], "c": [1, 1]})


def test_unknown_method_and_option() -> None:
    with pytest.raises(IndexInputError) as err:
        weights(tree(), data(), "entropy")
    assert err.value.code == "unknown_method"
    with pytest.raises(IndexInputError):
        weights(tree(), data(), "equal", points={"a": 1})


def test_first_component_matches_the_correlation_matrix_eigenvector() -> None:
    x = data().values[:, :3]
    load, var = first_component(x)
    corr = np.corrcoef(x, rowvar=False)
    eigval, eigvec = np.linalg.eigh(corr)
    top = eigvec[:, -1]
    np.testing.assert_allclose(np.abs(load), np.abs(top), atol=1e-12)
    np.testing.assert_allclose(var, eigval[::-1], atol=1e-12)
    assert var.sum() == pytest.approx(3.0)  # scaled: total variance = number of variables


def test_pca_weights_are_first_component_loadings_within_each_parent() -> None:
    t = data()
    w = weights(tree(), t, "pca")
    load_p, _ = first_component(t.select(["a", "b", "c"]).values)
    load_p = load_p * np.sign(load_p.sum())
    np.testing.assert_allclose([w["a"], w["b"], w["c"]], load_p / load_p.sum(), atol=1e-12)
    assert w["a"] > w["c"]  # the least noisy indicator loads higher than the noisiest
    assert w["P"] == pytest.approx(2 / 3)  # level 1 only by default, as COINr
    # two positively correlated children: loadings are both 1/√2, so equal weights
    assert pairwise_correlation(t.column("d"), t.column("e"))[0] > 0
    assert w["d"] == pytest.approx(0.5)


def test_pca_drops_incomplete_rows_and_checks_the_data() -> None:
    t = data()
    holed = t.values.copy()
    holed[0, 0] = NAN
    w_holed = weights(tree(), t.with_values(holed), "pca")
    w_rows = weights(tree(), t.rows(np.arange(40) > 0), "pca")
    assert w_holed["a"] == pytest.approx(w_rows["a"])
    const = t.values.copy()
    const[:, 1] = 0.5
    with pytest.raises(IndexInputError) as err:
        weights(tree(), t.with_values(const), "pca")
    assert err.value.code == "pca_constant"
    assert err.value.params == {"code": "P", "child": "b"}
    few = t.values.copy()
    few[1:, 2] = NAN
    with pytest.raises(IndexInputError) as err:
        weights(tree(), t.with_values(few), "pca")
    assert err.value.code == "pca_rows"


def test_pca_negative_loading_is_refused_or_zeroed() -> None:
    t = data()
    flipped = t.values.copy()
    flipped[:, 2] = -flipped[:, 2]
    with pytest.raises(IndexInputError) as err:
        weights(tree(), t.with_values(flipped), "pca")
    assert err.value.code == "pca_negative"
    assert err.value.params["child"] == "c"
    w = weights(tree(), t.with_values(flipped), "pca", negative="zero")
    assert w["c"] == 0.0
    assert w["a"] + w["b"] == pytest.approx(1.0)


def test_pca_at_level_two_uses_the_aggregated_pillars() -> None:
    t = data()
    w = weights(tree(), t, "pca", level=[1, 2])
    # two positively correlated pillars: the first component of two scaled variables loads them equally
    assert w["P"] == pytest.approx(0.5)
    assert w["Q"] == pytest.approx(0.5)
    assert w["a"] == pytest.approx(weights(tree(), t, "pca")["a"])
    with pytest.raises(IndexInputError):
        weights(tree(), t, "pca", level=3)


def test_optimised_weights_balance_the_correlations_with_the_index() -> None:
    rng = np.random.default_rng(5)
    n = 60
    flat = Tree.build(
        [
            Node("I", "指数", None, 1, 1, 2),
            Node("x", "x", "I", 1, 1, 1),
            Node("y", "y", "I", 1, 1, 1),
            Node("z", "z", "I", 1, 1, 1),
        ]
    )
    t = Table(
        tuple(f"u{i}" for i in range(n)),
        ("x", "y", "z"),
        np.column_stack([rng.random(n), 0.2 * rng.random(n), 0.5 * rng.random(n)]),
    )

    def shares(w: dict[str, float]) -> np.ndarray:
        index = aggregate(t, flat, weights=w).column("I")
        r = np.array([pairwise_correlation(t.column(c), index)[0] for c in ("x", "y", "z")])
        return np.asarray(r / r.sum())

    before = shares(weights(flat, t, "equal"))
    assert np.abs(before - 1 / 3).max() > 0.1
    w = weights(flat, t, "optimise", level=1)
    np.testing.assert_allclose(shares(w), [1 / 3] * 3, atol=2e-3)
    assert w["y"] > w["z"] > w["x"]  # the narrow indicator needs the largest weight
    target = weights(flat, t, "optimise", level=1, target={"x": 2, "y": 1, "z": 1})
    np.testing.assert_allclose(shares(target), [0.5, 0.25, 0.25], atol=2e-3)
    info = weights(flat, t, "optimise", level=1, optype="infomax")
    index = aggregate(t, flat, weights=info).column("I")
    equal_index = aggregate(t, flat).column("I")
    total = sum(pairwise_correlation(t.column(c), index)[0] for c in "xyz")
    total_equal = sum(pairwise_correlation(t.column(c), equal_index)[0] for c in "xyz")
    assert total >= total_equal - 1e-9
    with pytest.raises(IndexInputError):
        weights(flat, t, "optimise", level=1, target={"q": 1})
