"""Aggregation kernels and the tree aggregation (lantu.core.index.aggregate), checked by hand against COINr's rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lantu.core.index.aggregate import (
    aggregate,
    aggregate_values,
    contributions,
    effective_weights,
    method_name,
)
from lantu.core.index.model import IndexInputError, Node, Table, Tree

NAN = np.nan


def tree3() -> Tree:
    """Index ← P (a, b), Q (c) ; weights P 2, Q 1 ; a 1, b 3."""
    return Tree.build(
        [
            Node("I", "指数", None, 1, 1, 3),
            Node("P", "支柱P", "I", 2, 1, 2),
            Node("Q", "支柱Q", "I", 1, 1, 2),
            Node("a", "a", "P", 1, 1, 1),
            Node("b", "b", "P", 3, 1, 1),
            Node("c", "c", "Q", 1, 1, 1),
        ]
    )


def table(rows: list[list[float]], units: tuple[str, ...] | None = None) -> Table:
    units = units or tuple(f"u{i}" for i in range(len(rows)))
    return Table(units, ("a", "b", "c"), np.array(rows, dtype=np.float64))


# --- kernels: hand-computed references ------------------------------------------------------


def test_weighted_arithmetic_mean() -> None:
    got = aggregate_values(np.array([[0.2, 0.6, 1.0]]), np.array([1.0, 2.0, 3.0]))
    assert got[0] == pytest.approx(4.4 / 6, abs=1e-15)


def test_missing_children_drop_their_weight_and_the_rest_is_rescaled() -> None:
    got = aggregate_values(np.array([[0.2, NAN, 1.0]]), np.array([1.0, 2.0, 3.0]))
    assert got[0] == pytest.approx((0.2 * 1 + 1.0 * 3) / 4, abs=1e-15)


def test_all_children_missing_gives_nan_never_zero() -> None:
    for method in ("arithmetic", "geometric", "harmonic"):
        assert np.isnan(aggregate_values(np.array([[NAN, NAN]]), np.array([1.0, 1.0]), method)[0])
    assert np.isnan(aggregate_values(np.array([[NAN, NAN]]), np.array([1.0, 1.0]), "genmean", p=2)[0])


def test_only_zero_weight_children_present_gives_nan() -> None:
    assert np.isnan(aggregate_values(np.array([[NAN, 0.5]]), np.array([1.0, 0.0]))[0])


def test_geometric_harmonic_and_generalised_means() -> None:
    assert aggregate_values(np.array([[1.0, 8.0]]), np.array([2.0, 1.0]), "geometric")[0] == pytest.approx(2.0)
    assert aggregate_values(np.array([[1.0, 4.0]]), np.array([1.0, 1.0]), "harmonic")[0] == pytest.approx(1.6)
    assert aggregate_values(np.array([[1.0, 4.0]]), np.array([1.0, 1.0]), "genmean", p=2)[0] == pytest.approx(
        math.sqrt(8.5)
    )
    assert aggregate_values(np.array([[1.0, 4.0]]), np.array([1.0, 1.0]), "genmean", p=-1)[0] == pytest.approx(1.6)
    # missing values are skipped and weights re-scaled for every mean
    assert aggregate_values(np.array([[NAN, 1.0, 8.0]]), np.array([5.0, 2.0, 1.0]), "geometric")[0] == pytest.approx(
        2.0
    )
    assert aggregate_values(np.array([[1.0, NAN, 4.0]]), np.array([1.0, 9.0, 1.0]), "harmonic")[0] == pytest.approx(1.6)


def test_coinr_names_are_accepted() -> None:
    assert method_name("a_amean") == "arithmetic"
    assert method_name("a_copeland") == "copeland"
    with pytest.raises(IndexInputError) as err:
        method_name("median")
    assert err.value.code == "unknown_method"
    assert "median" in err.value.message_en


def test_copeland_by_hand_equal_and_unequal_weights() -> None:
    x = np.array([[3.0, 1.0, 2.0], [1.0, 3.0, 2.0], [2.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    assert aggregate_values(x, np.ones(3), "copeland").tolist() == [1.0, 1.0, 1.0, -3.0]
    assert aggregate_values(x, np.array([2.0, 1.0, 1.0]), "copeland").tolist() == [3.0, -1.0, 1.0, -3.0]


def _coinr_copeland(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """A literal re-statement of COINr's outrankMatrix + a_copeland loops (upper triangle, 1 - upper below).

    The comparison with 0.5 allows float noise: R sums in extended precision, so a pair that is
    exactly tied in theory (e.g. weights 1/6 + 1/6 + 1/2 + 1/6 over 2) stays at 0.5 there.
    """
    n = x.shape[0]
    w = w / np.nansum(w)
    orm = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            orm[i, j] = w[x[i] > x[j]].sum() + w[x[i] == x[j]].sum() / 2
            orm[j, i] = 1 - orm[i, j]
    out = np.where(orm > 0.5 + 1e-12, 1.0, np.where(orm < 0.5 - 1e-12, -1.0, 0.0))
    np.fill_diagonal(out, 0.0)
    return np.asarray(out.sum(axis=1))


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(2, 9), st.integers(1, 4)), elements=st.sampled_from([0.0, 0.5, 1.0])),
    st.data(),
)
def test_copeland_matches_coinr_loops(x: np.ndarray, data: st.DataObject) -> None:
    w = np.array(data.draw(st.lists(st.sampled_from([1.0, 2.0, 3.0]), min_size=x.shape[1], max_size=x.shape[1])))
    # a few missing values (never a whole row: those are left out here, a documented deviation)
    holes = data.draw(hnp.arrays(np.bool_, x.shape))
    holes[:, 0] = False
    x = np.where(holes, NAN, x)
    np.testing.assert_array_equal(aggregate_values(x, w, "copeland"), _coinr_copeland(x, w))


def test_copeland_unit_without_data_is_nan() -> None:
    got = aggregate_values(np.array([[1.0], [NAN], [0.0]]), np.ones(1), "copeland")
    assert got[0] == 1.0
    assert got[2] == -1.0
    assert np.isnan(got[1])


def test_data_availability_threshold() -> None:
    x = np.array([[0.2, NAN, NAN], [0.2, 0.4, NAN]])
    got = aggregate_values(x, np.ones(3), dat_thresh=0.5)
    assert np.isnan(got[0])
    assert got[1] == pytest.approx(0.3)
    assert aggregate_values(x, np.ones(3), dat_thresh=0.3)[0] == pytest.approx(0.2)
    # below the threshold COINr never calls the mean, so a bad value there is no error
    assert np.isnan(aggregate_values(np.array([[0.0, NAN, NAN]]), np.ones(3), "geometric", dat_thresh=0.5)[0])
    with pytest.raises(IndexInputError):
        aggregate_values(x, np.ones(3), dat_thresh=1.5)


def test_domain_errors_name_the_aggregate_unit_and_child() -> None:
    tree = tree3()
    t = table([[0.5, 0.5, 0.5], [0.5, 0.0, 0.5]], ("甲", "乙"))
    with pytest.raises(IndexInputError) as err:
        aggregate(t, tree, "geometric")
    assert err.value.code == "agg_nonpositive"
    assert err.value.params["code"] == "P"
    assert err.value.params["unit"] == "乙"
    assert err.value.params["child"] == "b"
    assert "乙" in err.value.message_zh
    assert "b" in err.value.message_zh
    with pytest.raises(IndexInputError) as err:
        aggregate(t, tree, "harmonic")
    assert err.value.code == "agg_zero"
    with pytest.raises(IndexInputError) as err:
        aggregate_values(np.array([[-1.0, 1.0]]), np.ones(2), "genmean", p=0.5, code="P")
    assert err.value.code == "agg_undefined"
    with pytest.raises(IndexInputError) as err:
        aggregate_values(np.array([[1.0, 1.0]]), np.ones(2), "genmean", p=0)
    assert err.value.code == "agg_undefined"
    with pytest.raises(IndexInputError) as err:
        aggregate_values(np.array([[1.0, 1.0]]), np.ones(2), "genmean")
    assert err.value.code == "missing_option"
    with pytest.raises(IndexInputError) as err:
        aggregate_values(np.array([[1.0, 1.0]]), np.array([1.0, -1.0]), children=("x", "y"))
    assert err.value.code == "bad_weight"
    assert err.value.params["code"] == "y"
    # harmonic accepts negative values, as COINr does
    assert aggregate_values(np.array([[-1.0, 2.0]]), np.ones(2), "harmonic")[0] == pytest.approx(2 / (-1 + 0.5))


def test_batches_broadcast_without_a_loop() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((90, 6))
    x[rng.random((90, 6)) < 0.1] = NAN
    w = rng.random((50, 6))
    got = aggregate_values(x, w)
    assert got.shape == (50, 90)
    for r in (0, 17, 49):
        np.testing.assert_allclose(got[r], aggregate_values(x, w[r]), rtol=0, atol=1e-15)
    both = aggregate_values(np.broadcast_to(x, (4, 90, 6)), w[:4], "geometric")
    np.testing.assert_allclose(both[2], aggregate_values(x, w[2], "geometric"), atol=1e-15)
    cop = aggregate_values(x, w[:3], "copeland")
    np.testing.assert_array_equal(cop[1], aggregate_values(x, w[1], "copeland"))


# --- properties -----------------------------------------------------------------------------

positive = st.floats(0.01, 100, allow_nan=False)
weight = st.floats(0.1, 10, allow_nan=False)


@given(positive, st.lists(weight, min_size=1, max_size=8), st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_mean_of_equal_values_is_that_value(v: float, w: list[float], method: str) -> None:
    x = np.full((1, len(w)), v)
    assert aggregate_values(x, np.array(w), method)[0] == pytest.approx(v, rel=1e-12)
    assert aggregate_values(x, np.array(w), "genmean", p=3)[0] == pytest.approx(v, rel=1e-12)


@given(st.data(), st.sampled_from(["arithmetic", "geometric", "harmonic", "genmean", "copeland"]))
def test_permuting_children_with_their_weights_changes_nothing(data: st.DataObject, method: str) -> None:
    k = data.draw(st.integers(1, 6))
    x = data.draw(hnp.arrays(np.float64, (5, k), elements=st.one_of(positive, st.just(NAN))))
    w = np.array(data.draw(st.lists(weight, min_size=k, max_size=k)))
    perm = np.array(data.draw(st.permutations(list(range(k)))))
    a = aggregate_values(x, w, method, p=2)
    b = aggregate_values(x[:, perm], w[perm], method, p=2)
    np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


@given(st.data(), st.sampled_from(["arithmetic", "geometric", "harmonic", "genmean"]))
def test_a_missing_child_is_the_same_as_leaving_it_out(data: st.DataObject, method: str) -> None:
    k = data.draw(st.integers(2, 6))
    x = data.draw(hnp.arrays(np.float64, (4, k), elements=positive))
    w = np.array(data.draw(st.lists(weight, min_size=k, max_size=k)))
    drop = data.draw(st.integers(0, k - 1))
    holed = x.copy()
    holed[:, drop] = NAN
    keep = [j for j in range(k) if j != drop]
    np.testing.assert_allclose(
        aggregate_values(holed, w, method, p=-2), aggregate_values(x[:, keep], w[keep], method, p=-2), rtol=1e-12
    )


@given(st.data())
def test_generalised_mean_with_p_one_is_the_arithmetic_mean(data: st.DataObject) -> None:
    k = data.draw(st.integers(1, 6))
    x = data.draw(hnp.arrays(np.float64, (3, k), elements=st.one_of(positive, st.just(NAN))))
    w = np.array(data.draw(st.lists(weight, min_size=k, max_size=k)))
    np.testing.assert_allclose(aggregate_values(x, w, "genmean", p=1), aggregate_values(x, w), rtol=1e-12)


# --- the tree -------------------------------------------------------------------------------


def test_aggregate_every_level_by_hand() -> None:
    t = table([[0.2, 0.6, 1.0], [0.4, NAN, 0.1], [NAN, NAN, 0.3]])
    out = aggregate(t, tree3())
    assert out.codes == ("P", "Q", "I")
    assert out.units == t.units
    p0 = (0.2 + 3 * 0.6) / 4  # 0.5
    np.testing.assert_allclose(out.values[0], [p0, 1.0, (2 * p0 + 1.0) / 3])
    np.testing.assert_allclose(out.values[1], [0.4, 0.1, (2 * 0.4 + 0.1) / 3])
    assert np.isnan(out.values[2, 0])
    assert out.values[2, 2] == pytest.approx(0.3)  # P missing: Q alone carries the index


def test_methods_weights_and_thresholds_by_level_or_code() -> None:
    t = table([[1.0, 8.0, 2.0]])
    out = aggregate(t, tree3(), {2: "geometric", "I": "arithmetic"}, weights={"a": 3.0, "b": 1.0})
    p = math.exp((3 * math.log(1.0) + math.log(8.0)) / 4)
    np.testing.assert_allclose(out.values[0], [p, 2.0, (2 * p + 2.0) / 3])
    out = aggregate(t, tree3(), "genmean", p={"default": 2, "I": 1})
    pp = math.sqrt((1 + 3 * 64) / 4)
    np.testing.assert_allclose(out.values[0], [pp, 2.0, (2 * pp + 2) / 3])
    holes = table([[1.0, NAN, 2.0]])
    assert np.isnan(aggregate(holes, tree3(), dat_thresh={2: 0.6}).values[0, 0])


def test_aggregate_refuses_bad_input() -> None:
    with pytest.raises(IndexInputError) as err:
        aggregate(Table(("u",), ("a", "b"), np.ones((1, 2))), tree3())
    assert err.value.code == "missing_column"
    assert err.value.params["code"] == "c"
    with pytest.raises(IndexInputError) as err:
        aggregate(table([[1.0, 1.0, 1.0]]), tree3(), {"Z": "geometric"})
    assert err.value.code == "unknown_code"
    with pytest.raises(IndexInputError) as err:
        aggregate(table([[1.0, 1.0, 1.0]]), tree3(), "mode")
    assert err.value.code == "unknown_method"
    with pytest.raises(IndexInputError) as err:
        aggregate(table([[1.0, 1.0, 1.0]]), tree3(), weights={"zz": 1.0})
    assert err.value.code == "unknown_code"


def test_effective_weights() -> None:
    assert effective_weights(tree3()) == pytest.approx(
        {"I": 1.0, "P": 2 / 3, "Q": 1 / 3, "a": 1 / 6, "b": 0.5, "c": 1 / 3}
    )


def test_contributions_by_hand() -> None:
    t = table([[0.2, 0.6, 1.0], [0.4, NAN, 0.1]], ("甲", "乙"))
    got = contributions(t, tree3(), None, "甲")
    assert got == pytest.approx({"a": 2 / 3 * 1 / 4 * 0.2, "b": 2 / 3 * 3 / 4 * 0.6, "c": 1 / 3 * 1.0})
    got = contributions(t, tree3(), None, "乙")  # b missing: a carries all of P
    assert got == pytest.approx({"a": 2 / 3 * 0.4, "c": 1 / 3 * 0.1})
    assert sum(got.values()) == pytest.approx(aggregate(t, tree3()).column("I")[1], abs=1e-15)


def test_contributions_refuse_other_methods_and_unknown_units() -> None:
    t = table([[0.2, 0.6, 1.0]], ("甲",))
    with pytest.raises(IndexInputError) as err:
        contributions(t, tree3(), None, "甲", method="geometric")
    assert err.value.code == "arithmetic_only"
    assert "geometric" in err.value.message_en
    with pytest.raises(IndexInputError) as err:
        contributions(t, tree3(), None, "丙")
    assert err.value.code == "unknown_unit"


def test_contributions_of_a_unit_without_index_is_empty() -> None:
    t = table([[NAN, NAN, NAN]], ("甲",))
    assert contributions(t, tree3(), None, "甲") == {}


@settings(deadline=None)
@given(
    hnp.arrays(np.float64, (1, 3), elements=st.one_of(st.floats(0, 1), st.just(NAN))),
    st.lists(weight, min_size=5, max_size=5),
    st.sampled_from([None, 0.5]),
)
def test_contributions_sum_to_the_index(values: np.ndarray, w: list[float], thresh: float | None) -> None:
    t = Table(("u",), ("a", "b", "c"), values)
    weights = dict(zip(["P", "Q", "a", "b", "c"], w, strict=True))
    index = aggregate(t, tree3(), weights=weights, dat_thresh=thresh).column("I")[0]
    got = contributions(t, tree3(), weights, "u", dat_thresh=thresh)
    if np.isnan(index):
        assert got == {}
    else:
        assert sum(got.values()) == pytest.approx(index, abs=1e-12)
