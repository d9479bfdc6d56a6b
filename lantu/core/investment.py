"""Investment completion of major projects and its roll-up by city, area or any other group.

Amounts are :class:`~decimal.Decimal` in one unit (the caller's; Lantu uses 亿元). A project's
completed investment is the sum of its reported periods up to a date; the completion rate is
completed / planned. A group's rate is its completed total over the planned total of the projects
that have a plan — projects without a planned investment are counted but cannot enter a rate, and
the group says how many there are, so a rate is never silently computed over part of a list.

>>> from decimal import Decimal as D
>>> rows = [ProjectFigures("P1", D(10), D(4), ("杭州市", "TECH")), ProjectFigures("P2", D(30), D(6), ("杭州市", "GOV"))]
>>> rollup(rows, 0)["杭州市"].rate
Decimal('0.25')
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["GroupTotals", "ProjectFigures", "completion_rate", "cumulative", "rollup"]


def completion_rate(planned: Decimal | None, completed: Decimal) -> Decimal | None:
    """Completed over planned; None when there is no positive plan to compare with.

    >>> completion_rate(Decimal(8), Decimal(2))
    Decimal('0.25')
    >>> completion_rate(None, Decimal(2)) is None
    True
    """
    if planned is None or planned <= 0:
        return None
    return completed / planned


def cumulative(amounts: Mapping[str, Decimal], periods_up_to: Iterable[str]) -> Decimal:
    """Sum the reported amounts of the given periods (the caller chooses which periods count)."""
    wanted = set(periods_up_to)
    return sum((a for p, a in amounts.items() if p in wanted), Decimal(0))


@dataclass(frozen=True)
class ProjectFigures:
    """What the roll-up needs of one project: its plan, completion and group keys."""

    code: str
    planned: Decimal | None
    completed: Decimal
    keys: tuple[Hashable, ...]
    is_platform: bool = False


@dataclass
class GroupTotals:
    """Totals of one group of projects."""

    projects: int = 0
    platforms: int = 0
    planned: Decimal = Decimal(0)
    completed: Decimal = Decimal(0)
    #: completed investment of the projects that have a plan (the rate's numerator)
    completed_planned: Decimal = Decimal(0)
    without_plan: int = 0
    codes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.planned, self.completed_planned) if self.planned else None


def rollup(projects: Sequence[ProjectFigures], key_index: int) -> dict[Hashable, GroupTotals]:
    """Totals per value of ``keys[key_index]`` (e.g. 0 = city, 1 = area); None keys form their own group."""
    groups: dict[Hashable, GroupTotals] = {}
    for p in projects:
        g = groups.setdefault(p.keys[key_index], GroupTotals())
        g.projects += 1
        g.platforms += int(p.is_platform)
        g.completed += p.completed
        g.codes.append(p.code)
        if p.planned is None or p.planned <= 0:
            g.without_plan += 1
        else:
            g.planned += p.planned
            g.completed_planned += p.completed
    return groups
