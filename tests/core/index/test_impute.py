"""Imputation: COINr's column, group, row (by unit) and panel methods, with hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from lantu.core.index.impute import impute
from lantu.core.index.model import IndexInputError, Node, Table, Tree

NAN = np.nan


def tree(*directions: int) -> Tree:
    return Tree.build(
        [Node("I", "I", None, 1, 1, 2)] + [Node(f"x{j}", f"x{j}", "I", 1, d, 1) for j, d in enumerate(directions)]
    )


def pillars() -> Tree:
    return Tree.build(
        [
            Node("I", "I", None, 1, 1, 3),
            Node("P", "P", "I", 1, 1, 2),
            Node("Q", "Q", "I", 1, 1, 2),
            Node("a", "a", "P", 1, 1, 1),
            Node("b", "b", "P", 1, 1, 1),
            Node("c", "c", "Q", 1, 1, 1),
        ]
    )


def test_indicator_mean_and_median() -> None:
    table = Table(("A", "B", "C", "D"), ("x0",), np.array([[1.0], [2.0], [6.0], [NAN]]))
    assert impute(table, tree(1), method="mean").table.values[3, 0] == 3.0  # (1 + 2 + 6) / 3
    result = impute(table, tree(1), method="median")
    assert result.table.values[3, 0] == 2.0
    assert result.notes == ["按指标中位数插补1个缺失值"]


def test_group_mean_and_median_use_the_unit_group_only() -> None:
    values = np.array([[1.0], [3.0], [NAN], [10.0], [20.0], [60.0], [NAN], [NAN], [NAN]])
    groups = {"city": ("杭州", "杭州", "杭州", "宁波", "宁波", "宁波", "宁波", "", "温州")}
    table = Table(tuple("ABCDEFGHI"), ("x0",), values, groups)
    mean = impute(table, tree(1), method="group_mean", group="city").table.values[:, 0]
    assert mean[2] == 2.0
    assert mean[6] == 30.0
    assert np.isnan(mean[7])
    assert np.isnan(mean[8])
    median = impute(table, tree(1), method="group_median", group="city")
    assert median.table.values[6, 0] == 20.0
    assert median.notes[0] == "按组内中位数插补2个缺失值，仍缺失2个"


def test_unit_mean_works_on_minmax_scaled_values_with_directions() -> None:
    # a = [0, 5, 10] (direction 1) → [0, .5, 1]; b = [100, ?, 300] (direction -1) → -b scaled:
    # (-b + 300) / 200 = [1, ?, 0]. Row B: mean of present = .5 → -b = .5 * 200 - 300 = -200 → b = 200.
    table = Table(("A", "B", "C"), ("x0", "x1"), np.array([[0.0, 100.0], [5.0, NAN], [10.0, 300.0]]))
    assert impute(table, tree(1, -1), method="unit_mean").table.values[1, 1] == 200.0
    # without scaling the unit's plain mean is taken: 5
    assert impute(table, tree(1, -1), method="unit_mean", normalise_first=False).table.values[1, 1] == 5.0


def test_unit_mean_within_pillars_with_group_level() -> None:
    table = Table(("A", "B", "C"), ("a", "b", "c"), np.array([[0.0, 0.0, 0.0], [NAN, 0.25, 1.0], [1.0, 1.0, 0.5]]))
    everything = impute(table, pillars(), method="unit_mean").table.values[1, 0]
    within = impute(table, pillars(), method="unit_mean", group_level=2).table.values[1, 0]
    assert everything == pytest.approx((0.25 + 1.0) / 2)  # scaled b .25, c 1.0 → a = .625 (range 0..1)
    assert within == 0.25  # only b is in pillar P
    # a pillar with no value for the unit stays missing
    gap = Table(("A", "B", "C"), ("a", "b", "c"), np.array([[0.0, 0.0, 0.0], [NAN, NAN, 1.0], [1.0, 1.0, 0.5]]))
    result = impute(gap, pillars(), method="unit_mean", group_level=2)
    assert np.isnan(result.table.values[1, 0])
    assert "1个单位" in result.notes[1]


def test_column_methods_work_year_by_year_in_a_panel() -> None:
    table = Table(
        ("A", "B", "A", "B"), ("x0",), np.array([[1.0], [NAN], [10.0], [NAN]]), years=(2021, 2021, 2022, 2022)
    )
    assert impute(table, tree(1), method="mean").table.values[:, 0].tolist() == [1.0, 1.0, 10.0, 10.0]


def panel() -> Table:
    # unit A over 2018..2022 with gaps; B observed once (2019)
    units = ("A",) * 5 + ("B",) * 5
    years = (2018, 2019, 2020, 2021, 2022) * 2
    a = [NAN, 10.0, NAN, NAN, 40.0]
    b = [NAN, 7.0, NAN, NAN, NAN]
    return Table(units, ("x0",), np.array(a + b)[:, None], years=years)


def test_latest_carries_the_last_observation_forward_within_max_time() -> None:
    out = impute(panel(), tree(1), method="latest").table.values[:, 0]
    np.testing.assert_array_equal(out, [NAN, 10, 10, 10, 40, NAN, 7, 7, 7, 7])
    out = impute(panel(), tree(1), method="latest", max_time=1).table.values[:, 0]
    np.testing.assert_array_equal(out, [NAN, 10, 10, NAN, 40, NAN, 7, 7, NAN, NAN])


def test_constant_and_linear_interpolation_hold_the_ends() -> None:
    out = impute(panel(), tree(1), method="constant").table.values[:, 0]
    np.testing.assert_array_equal(out, [10, 10, 10, 10, 40, 7, 7, 7, 7, 7])
    # linear between 2019 (10) and 2022 (40): 2020 → 20, 2021 → 30; 2018 holds 10
    result = impute(panel(), tree(1), method="linear")
    np.testing.assert_array_equal(result.table.values[:5, 0], [10, 10, 20, 30, 40])
    assert np.isnan(result.table.values[5:, 0]).sum() == 4
    assert "B/x0" in result.notes[-1]
    out = impute(panel(), tree(1), method="linear_constant").table.values[:, 0]
    np.testing.assert_array_equal(out, [10, 10, 20, 30, 40, 7, 7, 7, 7, 7])


def test_nothing_to_impute_is_said_so() -> None:
    table = Table(("A",), ("x0",), np.array([[1.0]]))
    assert impute(table, tree(1)).notes == ["没有缺失值，无需插补"]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"method": "knn"}, "unknown_method"),
        ({"method": "group_mean"}, "bad_option"),
        ({"method": "group_mean", "group": "province"}, "unknown_group"),
        ({"method": "latest"}, "bad_option"),
        ({"method": "unit_mean", "group_level": 9}, "bad_option"),
        ({"by": "row"}, "unknown_option"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], code: str) -> None:
    table = Table(("A", "B"), ("x0",), np.array([[1.0], [NAN]]))
    with pytest.raises(IndexInputError) as excinfo:
        impute(table, tree(1), **options)
    assert excinfo.value.code == code


def test_an_indicator_without_any_value_is_refused() -> None:
    table = Table(("A", "B"), ("x0", "x1"), np.array([[1.0, NAN], [2.0, NAN]]))
    with pytest.raises(IndexInputError) as excinfo:
        impute(table, tree(1, 1), method="mean")
    assert excinfo.value.code == "indicator_no_data"
    assert excinfo.value.params["code"] == "x1"
    with pytest.raises(IndexInputError) as excinfo:
        impute(Table(("A", "B"), ("x0", "x1"), np.array([[1.0, 3.0], [NAN, 3.0]])), tree(1, 1), method="unit_mean")
    assert excinfo.value.code == "constant_indicator"
