"""Ranking units by an indicator's value: direction-aware, ties share a rank, missing values last.

Ranks are "competition" ranks (1, 2, 2, 4): two units with the same value share a rank and the
next unit's rank counts both. A unit without a value gets no rank and is listed after every
ranked unit, in the order it was given.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from lantu.core.periods import Period

__all__ = ["Ranked", "change", "previous_period", "rank"]

K = TypeVar("K", bound=Hashable)
Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Ranked(Generic[K]):
    key: K
    value: Decimal | None
    rank: int | None  # None: no value


def rank(values: Sequence[tuple[K, Decimal | None]], direction: Direction = "higher") -> list[Ranked[K]]:
    """Rank ``(key, value)`` pairs; the best value is rank 1.

    ``direction`` says which end is best: ``"higher"`` (more is better) or ``"lower"``.
    Units with equal values keep the order they were given in.

    >>> [(r.key, r.rank) for r in rank([("a", Decimal(5)), ("b", Decimal(9)), ("c", Decimal(5)), ("d", None)])]
    [('b', 1), ('a', 2), ('c', 2), ('d', None)]
    >>> [(r.key, r.rank) for r in rank([("a", Decimal(5)), ("b", Decimal(9)), ("c", None)], "lower")]
    [('a', 1), ('b', 2), ('c', None)]
    """
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    present = [(i, key, value) for i, (key, value) in enumerate(values) if value is not None]
    sign = -1 if direction == "higher" else 1
    # Sorting by (signed value, original position) keeps ties in the given order.
    present.sort(key=lambda item: (sign * item[2], item[0]))
    ranked: list[Ranked[K]] = []
    previous: Decimal | None = None
    current_rank = 0
    for position, (_, key, value) in enumerate(present, start=1):
        if previous is None or value != previous:
            current_rank = position
            previous = value
        ranked.append(Ranked(key, value, current_rank))
    ranked.extend(Ranked(key, None, None) for key, value in values if value is None)
    return ranked


def change(value: Decimal | None, before: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """The change on the previous period: (difference, percent of the previous value).

    The percentage is None when the previous value is zero or negative (it would mislead).

    >>> change(Decimal(110), Decimal(100))
    (Decimal('10'), Decimal('10.0'))
    >>> change(Decimal(5), Decimal(0))
    (Decimal('5'), None)
    >>> change(None, Decimal(3))
    (None, None)
    """
    if value is None or before is None:
        return None, None
    difference = value - before
    pct = difference / before * 100 if before > 0 else None
    return difference, pct


def previous_period(period: Period) -> Period:
    """The period just before: the year, quarter or month before.

    >>> str(previous_period(Period("quarter", 2022, 1))), str(previous_period(Period("month", 2022, 3)))
    ('2021Q4', '2022-02')
    >>> str(previous_period(Period("year", 2022, 1)))
    '2021'
    """
    if period.kind == "year":
        return Period("year", period.year - 1, 1)
    last = 4 if period.kind == "quarter" else 12
    if period.index == 1:
        return Period(period.kind, period.year - 1, last)
    return Period(period.kind, period.year, period.index - 1)
