"""Ranks with ties and missing scores (lantu.core.index.ranks), COINr's rank(-x, ties = "min", na = "keep")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantu.core.index.model import IndexInputError
from lantu.core.index.ranks import rank, rank_within

NAN = np.nan


def test_min_ties_are_competition_ranks() -> None:
    assert rank(np.array([10.0, 30.0, 20.0, 30.0, 5.0])).tolist() == [4.0, 1.0, 3.0, 1.0, 5.0]


def test_average_and_dense_ties() -> None:
    x = np.array([10.0, 30.0, 20.0, 30.0, 5.0])
    assert rank(x, "average").tolist() == [4.0, 1.5, 3.0, 1.5, 5.0]
    assert rank(x, "dense").tolist() == [3.0, 1.0, 2.0, 1.0, 4.0]


def test_missing_scores_have_no_rank_and_do_not_take_a_place() -> None:
    got = rank(np.array([NAN, 2.0, 7.0, NAN, 2.0]))
    assert np.isnan(got[[0, 3]]).all()
    assert got[[1, 2, 4]].tolist() == [2.0, 1.0, 2.0]
    assert np.isnan(rank(np.array([NAN, NAN]))).all()
    assert rank(np.array([NAN, 1.0]), "dense")[1] == 1.0


def test_ranks_broadcast_over_runs() -> None:
    runs = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [1.0, 1.0, NAN]])
    assert rank(runs).tolist()[:2] == [[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]]
    assert rank(runs)[2, :2].tolist() == [1.0, 1.0]


def test_unknown_ties_method_is_refused() -> None:
    with pytest.raises(IndexInputError) as err:
        rank(np.array([1.0]), "first")
    assert err.value.code == "unknown_method"
    assert "first" in err.value.message_zh


def test_ranks_within_groups() -> None:
    got = rank_within(np.array([1.0, 5.0, 3.0, 2.0, 9.0]), ("甲", "乙", "甲", None, "乙"))
    assert got[[0, 1, 2, 4]].tolist() == [2.0, 2.0, 1.0, 1.0]
    assert np.isnan(got[3])


scores = st.lists(st.one_of(st.none(), st.integers(-20, 20)), min_size=1, max_size=25).map(
    lambda xs: np.array([NAN if v is None else float(v) for v in xs])
)


@given(scores, st.sampled_from(["min", "average", "dense"]))
def test_ranks_do_not_change_under_a_strictly_increasing_transform(x: np.ndarray, ties: str) -> None:
    transformed = np.exp(x / 7.0) * 3.0 + 1.0
    np.testing.assert_array_equal(rank(x, ties), rank(transformed, ties))


@given(scores)
def test_min_rank_is_one_plus_the_number_of_better_scores(x: np.ndarray) -> None:
    got = rank(x)
    for i, v in enumerate(x):
        if np.isnan(v):
            assert np.isnan(got[i])
        else:
            assert got[i] == 1 + np.sum(x[~np.isnan(x)] > v)


@settings(deadline=None)
@given(scores)
def test_average_ranks_match_scipy(x: np.ndarray) -> None:
    from scipy.stats import rankdata

    present = ~np.isnan(x)
    expected = rankdata(-x[present], method="average")
    np.testing.assert_allclose(rank(x, "average")[present], expected)
