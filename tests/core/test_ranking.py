"""Ranking units: direction, ties, missing values (lantu.core.ranking)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantu.core.periods import Period
from lantu.core.ranking import change, previous_period, rank

D = Decimal


def test_higher_is_better_ties_share_a_rank_and_the_next_skips() -> None:
    found = rank([("a", D(5)), ("b", D(9)), ("c", D(5)), ("d", D(1))])
    assert [(r.key, r.rank) for r in found] == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]


def test_lower_is_better_reverses_the_order() -> None:
    found = rank([("a", D(5)), ("b", D(9)), ("c", D(1))], "lower")
    assert [(r.key, r.rank) for r in found] == [("c", 1), ("a", 2), ("b", 3)]


def test_missing_values_come_last_without_a_rank_in_the_given_order() -> None:
    found = rank([("x", None), ("a", D(2)), ("y", None), ("b", D(3))])
    assert [(r.key, r.rank) for r in found] == [("b", 1), ("a", 2), ("x", None), ("y", None)]


def test_nothing_to_rank() -> None:
    assert rank([]) == []
    assert [r.rank for r in rank([("a", None)])] == [None]


def test_a_bad_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        rank([("a", D(1))], "up")  # type: ignore[arg-type]


@given(
    st.lists(st.one_of(st.none(), st.integers(-5, 5).map(Decimal)), max_size=30), st.sampled_from(["higher", "lower"])
)
def test_ranks_are_competition_ranks(values: list[Decimal | None], direction: str) -> None:
    found = rank(list(enumerate(values)), direction)  # type: ignore[arg-type]
    assert sorted(r.key for r in found) == list(range(len(values)))
    ranked = [r for r in found if r.rank is not None]
    for r in ranked:
        assert r.value is not None
        better = sum(
            1
            for o in ranked
            if o.value is not None and (o.value > r.value if direction == "higher" else o.value < r.value)
        )
        assert r.rank == better + 1
    assert all(r.rank is None for r in found[len(ranked) :])


def test_change_and_percent() -> None:
    assert change(D(110), D(100)) == (D(10), D(10))
    assert change(D(90), D(-10)) == (D(100), None)
    assert change(D(1), None) == (None, None)


@pytest.mark.parametrize(
    ("period", "before"),
    [
        (Period("year", 2022, 1), "2021"),
        (Period("quarter", 2022, 1), "2021Q4"),
        (Period("quarter", 2022, 3), "2022Q2"),
        (Period("month", 2022, 1), "2021-12"),
        (Period("month", 2022, 10), "2022-09"),
    ],
)
def test_previous_period(period: Period, before: str) -> None:
    assert str(previous_period(period)) == before
