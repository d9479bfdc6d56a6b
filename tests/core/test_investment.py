"""The investment roll-up core: sums, rates, and groups that cannot be rated."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lantu.core.investment import GroupTotals, ProjectFigures, completion_rate, cumulative, rollup

amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


def test_rate_needs_a_positive_plan() -> None:
    assert completion_rate(Decimal(0), Decimal(5)) is None
    assert completion_rate(None, Decimal(5)) is None
    assert completion_rate(Decimal(10), Decimal(15)) == Decimal("1.5")  # over-completion is shown, not capped


def test_cumulative_counts_only_the_chosen_periods() -> None:
    assert cumulative({"2022": Decimal(1), "2023": Decimal(2), "2024": Decimal(4)}, ["2022", "2023"]) == Decimal(3)
    assert cumulative({}, ["2022"]) == Decimal(0)


def test_projects_without_a_plan_are_counted_but_not_rated() -> None:
    groups = rollup(
        [
            ProjectFigures("A", Decimal(10), Decimal(5), ("杭州市",)),
            ProjectFigures("B", None, Decimal(100), ("杭州市",), is_platform=True),
        ],
        0,
    )
    g = groups["杭州市"]
    assert (g.projects, g.platforms, g.without_plan) == (2, 1, 1)
    assert g.completed == Decimal(105)
    assert g.rate == Decimal("0.5")  # B's money does not inflate A's rate
    assert GroupTotals().rate is None


@given(st.lists(st.tuples(st.one_of(st.none(), amounts), amounts, st.sampled_from(["a", "b", None])), max_size=30))
def test_groups_partition_the_list(items: list[tuple[Decimal | None, Decimal, str | None]]) -> None:
    projects = [ProjectFigures(str(i), p, c, (k,)) for i, (p, c, k) in enumerate(items)]
    groups = rollup(projects, 0)
    assert sum(g.projects for g in groups.values()) == len(projects)
    assert sum((g.completed for g in groups.values()), Decimal(0)) == sum((p.completed for p in projects), Decimal(0))
    assert sorted(c for g in groups.values() for c in g.codes) == sorted(p.code for p in projects)
