"""Normalisation: COINr's n_* formulas after multiplying by direction; divisions by zero are refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lantu.core.index.model import IndexInputError, Node, Table, Tree
from lantu.core.index.normalise import normalise, normalise_column

NAN = np.nan


def tree(*directions: int, targets: tuple[float | None, ...] = ()) -> Tree:
    nodes = [Node("I", "I", None, 1, 1, 2)]
    for j, d in enumerate(directions):
        target = targets[j] if j < len(targets) else None
        nodes.append(Node(f"x{j}", f"x{j}", "I", 1, d, 1, target=target))
    return Tree.build(nodes)


def col(values: list[float], method: str, direction: int = 1, **options: object) -> list[float]:
    out = normalise_column(np.array(values), code="x", direction=direction, method=method, options=options)
    return [round(float(v), 12) if not np.isnan(v) else v for v in out]


def test_minmax_default_range_and_custom_range() -> None:
    # (x - min) / (max - min) * (high - low) + low
    assert col([2, 4, 10, NAN], "minmax")[:3] == [0.0, 25.0, 100.0]
    assert col([2, 4, 10], "minmax", low=1, high=11) == [1.0, 3.5, 11.0]


def test_direction_is_applied_before_scaling() -> None:
    # x * -1 = [-2, -4, -10]: min -10, max -2
    assert col([2, 4, 10], "minmax", direction=-1) == [100.0, 75.0, 0.0]


def test_zscore_uses_the_sample_standard_deviation() -> None:
    # mean 4, sd(n-1) = sqrt(((2-4)^2 + 0 + 2^2) / 2) = 2
    assert col([2, 4, 6], "zscore") == [-1.0, 0.0, 1.0]
    assert col([2, 4, 6], "zscore", mean=100, sd=10) == [90.0, 100.0, 110.0]


def test_rank_borda_and_percentile_rank_share_the_lowest_rank_on_ties() -> None:
    values = [10, 20, 20, 40, NAN]
    assert col(values, "rank")[:4] == [1.0, 2.0, 2.0, 4.0]
    assert col(values, "borda")[:4] == [0.0, 1.0, 1.0, 3.0]
    # (rank - 1) / (n_available - 1) = [0, 1, 1, 3] / 3
    assert col(values, "prank")[:4] == [0.0, round(1 / 3, 12), round(1 / 3, 12), 1.0]
    assert np.isnan(col(values, "prank")[4])


def test_goalposts_truncate_and_scale_and_flip_for_negative_direction() -> None:
    # (x - lower) / (upper - lower), truncated to [0, 1], times scale
    assert col([-5, 5, 15], "goalposts", lower=0, upper=10, scale=1) == [0.0, 0.5, 1.0]
    assert col([-5, 5, 15], "goalposts", lower=0, upper=10, scale=100, trunc=False) == [-50.0, 50.0, 150.0]
    # COINr's example n_goalposts(1, c(0, 10, 1), direction = -1) = 0.9: (upper - x) / (upper - lower)
    assert col([1, 12], "goalposts", direction=-1, lower=0, upper=10, scale=1) == [0.9, 0.0]
    out = normalise_column(
        np.array([1.0, 5.0]),
        code="a",
        direction=1,
        method="goalposts",
        options={"goalposts": {"a": [0, 20]}, "scale": 1},
    )
    assert out.tolist() == [0.05, 0.25]


def test_distance_to_target_reference_maximum_and_fraction_of_maximum() -> None:
    # dist2targ, direction 1: (x - min) / (target - min)
    out = normalise_column(np.array([2.0, 4, 6, 8]), code="x", direction=1, method="dist2targ", options={}, target=6)
    assert out.tolist() == [0.0, 0.5, 1.0, 1.5]
    # direction -1: x' = -x, target' = -3, min' = -8: (x' + 8) / 5; capped at 1 with cap_max
    out = normalise_column(
        np.array([2.0, 4, 6, 8]), code="x", direction=-1, method="dist2targ", options={"cap_max": True}, target=3
    )
    assert [round(v, 12) for v in out] == [1.0, 0.8, 0.4, 0.0]
    assert col([2, 4, 6, 10], "dist2max") == [0.0, 0.25, 0.5, 1.0]  # 1 - (max - x) / (max - min)
    assert col([2, 4, 8], "fracmax") == [0.25, 0.5, 1.0]  # x / max
    # dist2ref: 1 - (x_ref - x) / (x_ref - min) with x_ref = 6 (row 2)
    out = normalise_column(
        np.array([2.0, 4, 6, 10]), code="x", direction=1, method="dist2ref", options={}, reference_row=2
    )
    assert out.tolist() == [0.0, 0.5, 1.0, 2.0]


@pytest.mark.parametrize("method", ["minmax", "zscore", "dist2max"])
def test_a_constant_indicator_is_refused(method: str) -> None:
    with pytest.raises(IndexInputError) as excinfo:
        normalise(Table(("A", "B"), ("x0",), np.array([[3.0], [3.0]])), tree(1), method=method)
    assert excinfo.value.code == "constant_indicator"
    assert excinfo.value.params == {"code": "x0", "method": method}
    assert "除以0" in excinfo.value.message_zh


def test_other_divisions_by_zero_are_refused_by_name() -> None:
    table = Table(("A", "B", "C"), ("x0",), np.array([[0.0], [-1.0], [0.0]]))
    with pytest.raises(IndexInputError) as excinfo:
        normalise(table, tree(1), method="fracmax")
    assert excinfo.value.code == "max_zero"
    with pytest.raises(IndexInputError) as excinfo:
        normalise(table, tree(1, targets=(-1.0,)), method="dist2targ")
    assert excinfo.value.code == "target_at_min"
    with pytest.raises(IndexInputError) as excinfo:
        normalise(table, tree(1), method="dist2targ")
    assert excinfo.value.code == "missing_target"
    with pytest.raises(IndexInputError) as excinfo:
        normalise(table, tree(1), method="dist2ref", reference="B")
    assert excinfo.value.code == "reference_at_min"
    with pytest.raises(IndexInputError) as excinfo:
        normalise(table, tree(1), method="dist2ref", reference="Z")
    assert excinfo.value.code == "unknown_unit"
    with pytest.raises(IndexInputError) as excinfo:
        normalise(Table(("A",), ("x0",), np.array([[NAN]])), tree(1))
    assert excinfo.value.code == "indicator_no_data"


def test_targets_come_from_meta_or_the_option_and_exceptions_per_indicator() -> None:
    table = Table(("A", "B", "C"), ("x0", "x1"), np.array([[0.0, 1.0], [5.0, 2.0], [10.0, 3.0]]))
    t = tree(1, 1, targets=(5.0, None))
    result = normalise(table, t, method="dist2targ", targets={"x1": 2.0})
    assert result.table.values.tolist() == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    result = normalise(table, t, indicators={"x1": {"method": "rank"}})
    assert result.table.values.tolist() == [[0.0, 1.0], [50.0, 2.0], [100.0, 3.0]]
    assert any("单独设定" in n for n in result.notes)


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"method": "minimax"}, "unknown_method"),
        ({"low": "zero"}, "bad_option"),
        ({"colour": 1}, "unknown_option"),
        ({"method": "zscore", "sd": 0}, "bad_option"),
        ({"indicators": {"nope": {"method": "rank"}}}, "bad_option"),
        ({"method": "goalposts"}, "bad_option"),
        ({"method": "dist2targ", "targets": {"x0": 5}, "cap_max": "yes"}, "bad_option"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], code: str) -> None:
    table = Table(("A", "B"), ("x0",), np.array([[1.0], [2.0]]))
    with pytest.raises(IndexInputError) as excinfo:
        normalise(table, tree(1), **options)
    assert excinfo.value.code == code


@given(
    arrays(np.float64, st.integers(2, 30), elements=st.floats(-1e6, 1e6)),
    st.floats(-100, 100),
    st.floats(1, 100),
    st.sampled_from([1, -1]),
)
def test_minmax_maps_onto_the_range_and_keeps_order(x: np.ndarray, low: float, width: float, direction: int) -> None:
    if np.ptp(x) == 0:
        return
    y = normalise_column(x, code="x", direction=direction, method="minmax", options={"low": low, "high": low + width})
    assert np.isclose(y.min(), low)
    assert np.isclose(y.max(), low + width)
    order = np.argsort(direction * x, kind="stable")
    assert np.all(np.diff(y[order]) >= -1e-9 * width)
