"""Outlier treatment: COINr's Treat() defaults (skew/kurtosis test, winsorisation, log fallback)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from lantu.core.index.model import IndexInputError, Node, Table, Tree
from lantu.core.index.treat import TreatSpec, kurtosis, skewness, treat, treat_column


def tree(n: int = 1) -> Tree:
    return Tree.build([Node("I", "I", None, 1, 1, 2)] + [Node(f"x{j}", f"x{j}", "I", 1, 1, 1) for j in range(n)])


@given(st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=40))
def test_skewness_and_kurtosis_are_the_type_2_sample_estimators(values: list[float]) -> None:
    x = np.array(values)
    if np.ptp(x) < 1e-3:
        return
    # e1071 type 2 = Excel SKEW/KURT = scipy with bias=False (kurtosis as excess over 3)
    assert skewness(x) == pytest.approx(stats.skew(x, bias=False), rel=1e-9, abs=1e-9)
    assert kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-9, abs=1e-9)


def test_missing_values_are_left_out_of_the_statistics() -> None:
    x = np.array([1.0, 2.0, np.nan, 4.0, 10.0])
    assert skewness(x) == pytest.approx(stats.skew([1, 2, 4, 10], bias=False))
    assert np.isnan(skewness(np.array([1.0, 2.0, np.nan])))
    assert np.isnan(kurtosis(np.array([1.0, 2.0, 3.0])))


def test_a_passing_indicator_is_not_touched() -> None:
    x = np.arange(1.0, 11.0)
    result = treat_column(x, TreatSpec())
    assert result.passes
    assert result.winsorised_high == 0
    assert result.transform is None
    np.testing.assert_array_equal(result.values, x)


def test_winsorisation_replaces_the_extreme_until_the_test_passes() -> None:
    # COINr's example x <- c(1:10, 30, 100): skew 3.0632 ≥ 2 and kurtosis 9.7414 ≥ 3.5 fail; 100 → 30
    # gives skew 1.7120 < 2, which passes (one point).
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    result = treat_column(x, TreatSpec())
    assert result.values.tolist() == [*range(1, 11), 30, 30]
    assert (result.winsorised_high, result.winsorised_low, result.transform) == (1, 0, None)
    assert result.skew_before == pytest.approx(3.0632410342394985, abs=1e-12)
    assert result.skew_after == pytest.approx(1.7120380600890506, abs=1e-12)


def test_tied_extremes_move_together_and_count_as_points() -> None:
    # 40 zeros and 1..6: 6→5, (5,5)→4, (4,4,4)→3, (3,3,3,3)→2, (2,)*5→1: five points at the top
    # after the fifth step, where kurtosis 3.29 < 3.5 passes.
    x = np.array([0.0] * 40 + [1, 2, 3, 4, 5, 6])
    result = treat_column(x, TreatSpec())
    assert result.values.tolist() == [0.0] * 40 + [1.0] * 6
    assert result.winsorised_high == 5
    assert result.passes


def test_low_outliers_are_winsorised_at_the_bottom() -> None:
    x = -np.array([*range(1, 11), 30, 100], dtype=float)
    result = treat_column(x, TreatSpec())
    assert result.values.tolist()[-2:] == [-30.0, -30.0]
    assert (result.winsorised_high, result.winsorised_low) == (0, 1)


def test_log_fallback_applies_to_the_original_values_when_winsorising_is_not_enough() -> None:
    # 60 zeros and 1..10 still fail after 5 points, so log_CT: ln(x - min + 0.01 (max - min))
    x = np.array([0.0] * 60 + list(range(1, 11)))
    result = treat_column(x, TreatSpec())
    np.testing.assert_allclose(result.values, np.log(x + 0.1), rtol=0, atol=1e-15)
    assert result.transform == "log_CT"
    assert result.winsorised_high == 0  # the winsorised values were discarded
    combined = treat_column(x, TreatSpec(combine=True))
    assert combined.winsorised_high == 5
    assert combined.values.max() == pytest.approx(np.log(5 + 0.01 * 5))


def test_other_fallbacks() -> None:
    x = np.array([0.0] * 60 + list(range(1, 11)))
    np.testing.assert_allclose(treat_column(x, TreatSpec(fallback="log_ct_orig")).values, np.log(x + 1))
    np.testing.assert_allclose(treat_column(x, TreatSpec(fallback="log_ct_plus")).values, np.log(x + 0.1))
    y = -x  # negative skew: -ln(max + a - y)
    np.testing.assert_allclose(treat_column(y, TreatSpec(fallback="log_ct_plus")).values, -np.log(0 + 0.1 - y))
    np.testing.assert_allclose(
        treat_column(x, TreatSpec(fallback="boxcox", boxcox_lambda=0.5)).values, ((x + 1) ** 0.5 - 1) / 0.5
    )
    kept = treat_column(x, TreatSpec(fallback="none"))
    assert kept.transform is None
    assert kept.winsorised_high == 5
    assert not kept.passes


def test_max_points_limit_and_force() -> None:
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    none = treat_column(x, TreatSpec(max_points=0, fallback="none"))
    np.testing.assert_array_equal(none.values, x)
    forced = treat_column(np.arange(1.0, 11.0), TreatSpec(force=True, max_points=2))
    # skew 0 → top: 10 → 9; then the skew is negative → bottom: 1 → 2 (COINr warns that forcing can
    # switch sides); one point each side makes two.
    assert forced.values.tolist() == [2.0, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    assert (forced.winsorised_high, forced.winsorised_low) == (1, 1)


def test_too_few_or_constant_values_are_left_untreated() -> None:
    assert treat_column(np.array([1.0, 100.0, np.nan]), TreatSpec()).skipped == "too_few"
    assert treat_column(np.array([5.0, 5.0, 5.0, 5.0]), TreatSpec()).skipped == "undefined"
    # winsorising 100 → 2 then (2, 2) → 1 leaves a constant column: COINr errors and keeps the original
    x = np.array([1.0] * 14 + [2, 100])
    result = treat_column(x, TreatSpec())
    assert result.skipped == "undefined"
    np.testing.assert_array_equal(result.values, x)


def test_treat_step_notes_and_per_indicator_exceptions() -> None:
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    table = Table(tuple("ABCDEFGHIJKL"), ("x0", "x1"), np.column_stack([x, x]))
    result = treat(table, tree(2), indicators={"x1": "none"})
    assert result.table.column("x0")[-1] == 30.0
    assert result.table.column("x1")[-1] == 100.0
    assert result.notes == ["指标“x0”：高端缩尾1个值（偏度3.063→1.712，峰度9.741→1.816）"]
    result = treat(table, tree(2), method="none")
    assert "未处理" in result.notes[0]


def test_panel_years_are_treated_separately() -> None:
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    table = Table(
        tuple("ABCDEFGHIJKL") * 2,
        ("x0",),
        np.concatenate([x, np.arange(1.0, 13.0)])[:, None],
        years=(2021,) * 12 + (2022,) * 12,
    )
    result = treat(table, tree())
    assert result.table.values[11, 0] == 30.0
    assert result.table.values[23, 0] == 12.0
    assert "2021年" in result.notes[0]


@pytest.mark.parametrize(
    "options",
    [
        {"max_points": -1},
        {"max_points": 2.5},
        {"fallback": "sqrt"},
        {"skew": 0},
        {"fallback": "boxcox"},
        {"winmax": 5},
        {"indicators": {"x0": 3}},
        {"indicators": {"zz": "none"}},
    ],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    table = Table(("A", "B"), ("x0",), np.array([[1.0], [2.0]]))
    with pytest.raises(IndexInputError):
        treat(table, tree(), **options)
