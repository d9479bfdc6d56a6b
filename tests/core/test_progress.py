"""Tests for lantu.core.progress."""

from __future__ import annotations

import doctest
import math
import operator
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lantu.core import progress
from lantu.core.errors import LantuValueError
from lantu.core.progress import (
    Comparator,
    Direction,
    PathKind,
    ProgressError,
    TargetPath,
    assess,
    attain,
    compare,
    path_kind_for,
    project,
)
from lantu.core.units import UnitError, format_cn

COMPARATORS: tuple[Comparator, ...] = (">=", ">", "<=", "<", "=")
KINDS: tuple[PathKind, ...] = ("linear", "compound")


def test_doctests() -> None:
    result = doctest.testmod(progress)
    assert result.attempted >= 2
    assert result.failed == 0


def shown(value: float, unit: str) -> str:
    """Format a number the way the module promises to."""
    return format_cn(Decimal(str(round(value, 6))), unit)


# --- TargetPath -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_expected_is_exact_at_the_end_points(kind: PathKind) -> None:
    path = TargetPath(2017, 27200.0, 2022, 54400.0, kind=kind)
    assert path.expected(2017) == 27200.0
    assert path.expected(2022) == 54400.0


def test_expected_linear_midpoint_and_fractional_years() -> None:
    path = TargetPath(2017, 100.0, 2022, 200.0)
    assert path.expected(2019.5) == 150.0
    assert path.expected(2017.25) == pytest.approx(105.0)
    assert path.expected(2021) == pytest.approx(180.0)


def test_expected_compound_doubling_has_constant_growth() -> None:
    path = TargetPath(2017, 100.0, 2022, 200.0, kind="compound")
    assert path.expected(2019.5) == pytest.approx(100 * 2**0.5, rel=1e-12)
    assert path.expected(2018) == pytest.approx(100 * 2**0.2, rel=1e-12)
    assert path.expected(2020.75) == pytest.approx(100 * 2 ** (3.75 / 5), rel=1e-12)
    # Constant growth: each year multiplies by the same factor.
    ratios = [path.expected(year + 1) / path.expected(year) for year in range(2017, 2022)]
    assert ratios == pytest.approx([2**0.2] * 5, rel=1e-12)


def test_expected_decreasing_path() -> None:
    path = TargetPath(2020, 0.5, 2025, 0.4)
    assert path.expected(2022.5) == pytest.approx(0.45)


@pytest.mark.parametrize("kind", KINDS)
def test_expected_clamps_outside_the_range(kind: PathKind) -> None:
    path = TargetPath(2017, 100.0, 2022, 200.0, kind=kind)
    assert path.expected(2000) == 100.0
    assert path.expected(2016.99) == 100.0
    assert path.expected(2022.01) == 200.0
    assert path.expected(2100) == 200.0


@pytest.mark.parametrize(("baseline", "target"), [(0.0, 200.0), (-5.0, 200.0), (100.0, 0.0), (100.0, -1.0)])
def test_compound_refuses_non_positive_values(baseline: float, target: float) -> None:
    with pytest.raises(ProgressError) as caught:
        TargetPath(2017, baseline, 2022, target, kind="compound")
    error = caught.value
    assert error.code == "compound_not_positive"
    assert isinstance(error, LantuValueError)
    assert "正数" in str(error)
    assert "positive" in error.message_en
    assert str(target) in error.message_en


def test_linear_accepts_non_positive_values() -> None:
    assert TargetPath(2017, -5.0, 2022, 0.0).expected(2019.5) == pytest.approx(-2.5)


@pytest.mark.parametrize("target_year", [2017, 2016])
def test_target_year_must_follow_baseline(target_year: int) -> None:
    with pytest.raises(ProgressError) as caught:
        TargetPath(2017, 1.0, target_year, 2.0)
    assert caught.value.code == "bad_years"
    assert "2017" in str(caught.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(bad: float) -> None:
    with pytest.raises(ProgressError, match="不是有限数"):
        TargetPath(2017, bad, 2022, 2.0)
    with pytest.raises(ProgressError, match="不是有限数"):
        TargetPath(2017, 1.0, 2022, 2.0).expected(bad)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ProgressError) as caught:
        TargetPath(2017, 1.0, 2022, 2.0, kind="exponential")  # type: ignore[arg-type]
    assert caught.value.code == "bad_choice"
    assert "linear、compound" in str(caught.value)


def test_path_kind_for() -> None:
    assert path_kind_for(True) == "compound"
    assert path_kind_for(False) == "linear"


# --- assess -----------------------------------------------------------------------

# Higher is better: 0 → 100 over 2017–2022, so 60 is expected in 2020 and the yellow band is 10 wide.
UP = TargetPath(2017, 0.0, 2022, 100.0)
# Lower is better: 100 → 50, so 70 is expected in 2020 and the yellow band is 5 wide.
DOWN = TargetPath(2017, 100.0, 2022, 50.0)


@pytest.mark.parametrize(
    ("path", "direction", "value", "light", "gap"),
    [
        (UP, "higher", 60.0, "green", 0.0),
        (UP, "higher", 65.0, "green", 5.0),
        (UP, "higher", 55.0, "yellow", -5.0),
        (UP, "higher", 50.0, "yellow", -10.0),
        (UP, "higher", 49.9, "red", -10.1),
        (UP, "higher", 10.0, "red", -50.0),
        (DOWN, "lower", 70.0, "green", 0.0),
        (DOWN, "lower", 65.0, "green", 5.0),
        (DOWN, "lower", 73.0, "yellow", -3.0),
        (DOWN, "lower", 75.0, "yellow", -5.0),
        (DOWN, "lower", 75.1, "red", -5.1),
        (DOWN, "lower", 100.0, "red", -30.0),
    ],
)
def test_traffic_light(path: TargetPath, direction: Direction, value: float, light: str, gap: float) -> None:
    result = assess(path, value, 2020, direction)
    assert result.expected == pytest.approx(60.0 if direction == "higher" else 70.0)
    assert result.light == light
    assert result.gap == pytest.approx(gap)


@pytest.mark.parametrize(("path", "direction"), [(UP, "higher"), (DOWN, "lower")])
def test_no_value_is_grey(path: TargetPath, direction: Direction) -> None:
    result = assess(path, None, 2020, direction)
    assert result.light == "grey"
    assert result.gap is None
    assert result.progress_pct is None
    assert result.expected == pytest.approx(60.0 if direction == "higher" else 70.0)
    assert "灰" in result.rule_zh
    assert "grey" in result.rule_en


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("year", [2017.0, 2018.3, 2019.5, 2021.9, 2022.0])
def test_exactly_on_the_path_is_green(kind: PathKind, year: float) -> None:
    path = TargetPath(2017, 0.1, 2022, 0.3, kind=kind)
    for direction in ("higher", "lower"):
        assert assess(path, path.expected(year), year, direction).light == "green"
    # Float noise below REL_TOL does not turn an on-path value yellow.
    assert assess(path, path.expected(year) * (1 - 1e-12), year, "higher").light == "green"


def test_wrong_side_of_the_path_for_the_other_direction() -> None:
    # 65 is ahead when higher is better and behind when lower is better.
    assert assess(UP, 65.0, 2020, "higher").light == "green"
    assert assess(UP, 65.0, 2020, "lower").light == "yellow"
    assert assess(UP, 75.0, 2020, "lower").light == "red"


def test_tolerance_is_set_by_the_programme() -> None:
    assert assess(UP, 45.0, 2020, "higher").light == "red"
    wide = assess(UP, 45.0, 2020, "higher", tolerance=0.2)
    assert wide.light == "yellow"
    assert "20%" in wide.rule_zh
    assert "20%" in wide.rule_en
    strict = assess(UP, 59.0, 2020, "higher", tolerance=0)
    assert strict.light == "red"


def test_before_the_baseline_year_the_baseline_is_expected() -> None:
    result = assess(UP, 0.0, 2015, "higher")
    assert result.expected == 0.0
    assert result.light == "green"


def test_target_equal_to_baseline() -> None:
    # "Keep fibre share at 93%": no distance, so no percentage and no yellow band.
    path = TargetPath(2020, 93.0, 2022, 93.0)
    assert assess(path, 93.0, 2021, "higher").progress_pct is None
    assert assess(path, 93.0, 2021, "higher").light == "green"
    assert assess(path, 92.9, 2021, "higher").light == "red"


@pytest.mark.parametrize(
    ("path", "value", "pct"),
    [
        (UP, 100.0, 100.0),
        (UP, 50.0, 50.0),
        (UP, 120.0, 120.0),
        (UP, -10.0, -10.0),
        (DOWN, 50.0, 100.0),
        (DOWN, 75.0, 50.0),
        (DOWN, 40.0, 120.0),
    ],
)
def test_progress_pct(path: TargetPath, value: float, pct: float) -> None:
    direction: Direction = "higher" if path is UP else "lower"
    assert assess(path, value, 2022, direction).progress_pct == pytest.approx(pct)


def test_rule_texts() -> None:
    higher = assess(UP, 60.0, 2020, "higher")
    assert higher.rule_zh.startswith("绿：达到或超过进度目标；黄：落后不超过目标距离的10%；红：落后更多")
    assert "10%" in higher.rule_en
    assert "behind" in higher.rule_en
    lower = assess(DOWN, 60.0, 2020, "lower")
    assert "低于" in lower.rule_zh
    assert "10%" in lower.rule_zh
    assert "below" in lower.rule_en


def test_assess_refuses_bad_arguments() -> None:
    with pytest.raises(ProgressError) as caught:
        assess(UP, 1.0, 2020, "up")  # type: ignore[arg-type]
    assert caught.value.code == "bad_choice"
    for tolerance in (-0.1, math.nan, math.inf):
        with pytest.raises(ProgressError) as caught:
            assess(UP, 1.0, 2020, "higher", tolerance=tolerance)
        assert caught.value.code == "bad_tolerance"
    with pytest.raises(ProgressError) as caught:
        assess(UP, math.nan, 2020, "higher")
    assert caught.value.code == "not_finite"


# --- project ------------------------------------------------------------------------

LINE = [(2017.0, 10.0), (2018.0, 12.0), (2019.0, 14.0), (2020.0, 16.0), (2021.0, 18.0)]


def test_linear_projection_of_exact_line() -> None:
    result = project(LINE, 2022, ">=", 20.0)
    assert result.method == "linear"
    assert result.value == pytest.approx(20.0, rel=1e-12)
    assert result.rate == pytest.approx(2.0, rel=1e-12)
    assert result.will_meet is True


def test_linear_projection_is_least_squares() -> None:
    # Scattered points: the least-squares line through (0,1), (1,3), (2,2) is y = 1.5 + 0.5 x.
    result = project([(2020, 1.0), (2021, 3.0), (2022, 2.0)], 2025, ">=", 0.0)
    assert result.rate == pytest.approx(0.5)
    assert result.value == pytest.approx(1.5 + 0.5 * 5)


def test_compound_projection_of_exact_geometric_series() -> None:
    series = [(float(year), 100.0 * 1.1 ** (year - 2017)) for year in range(2017, 2022)]
    result = project(series, 2022, ">", 150.0, method="compound")
    assert result.method == "compound"
    assert result.value == pytest.approx(100.0 * 1.1**5, rel=1e-12)
    assert result.rate == pytest.approx(0.1, rel=1e-12)
    assert result.will_meet is True
    assert "10.0%" in result.explanation_zh
    assert "10.0%" in result.explanation_en


@pytest.mark.parametrize(
    ("comparator", "threshold", "will_meet"),
    [
        (">=", 20.0, True),
        (">=", 20.5, False),
        (">", 19.5, True),
        (">", 20.0, False),
        ("<=", 20.0, True),
        ("<=", 19.5, False),
        ("<", 20.5, True),
        ("<", 20.0, False),
        ("=", 20.0, True),
        ("=", 20.5, False),
    ],
)
def test_will_meet_for_each_comparator(comparator: Comparator, threshold: float, will_meet: bool) -> None:
    assert project(LINE, 2022, comparator, threshold).will_meet is will_meet


@pytest.mark.parametrize("series", [[], [(2020.0, 5.0)], [(2020.0, 5.0), (2020.0, 6.0)]])
def test_fewer_than_two_years_is_not_enough(series: list[tuple[float, float]]) -> None:
    result = project(series, 2022, ">=", 1.0)
    assert result.value is None
    assert result.rate is None
    assert result.will_meet is None
    assert "数据不足，无法推算" in result.explanation_zh
    assert "not enough data to project" in result.explanation_en


@pytest.mark.parametrize("series", [[(2022.0, 41200.0)], [(2020.0, 39000.0), (2021.0, 40000.0), (2022.0, 41200.0)]])
def test_observed_target_year_value_is_used(series: list[tuple[float, float]]) -> None:
    result = project(series, 2022, ">=", 40000.0, method="compound", unit="亿元")
    assert result.value == 41200.0
    assert result.rate is None
    assert result.will_meet is True
    assert "2022年实际值为4.12万亿元" in result.explanation_zh
    assert "约" not in result.explanation_zh
    assert "已完成" in result.explanation_zh
    assert "already" in result.explanation_en
    assert "4.12万亿元" in result.explanation_en


def test_observed_target_year_value_below_target() -> None:
    result = project([(2021, 80.0), (2022, 79.0)], 2022, ">", 80.0, unit="%")
    assert result.will_meet is False
    assert "低于目标80%" in result.explanation_zh
    assert "未完成" in result.explanation_zh


def test_compound_explanation_formats_numbers() -> None:
    # A digital economy in 亿元 growing too slowly to reach 4万亿元 in 2022.
    series = [(2017.0, 27000.0), (2018.0, 29000.0), (2019.0, 31500.0), (2020.0, 33000.0), (2021.0, 35500.0)]
    result = project(series, 2022, ">=", 40000.0, method="compound", unit="亿元")
    assert result.value is not None
    assert result.rate is not None
    assert 35500 < result.value < 40000
    assert result.will_meet is False
    value_text = shown(result.value, "亿元")
    assert value_text.endswith("万亿元")
    assert result.explanation_zh == (
        f"按2017—2021年数据的年均增长率{result.rate * 100:.1f}%推算，2022年约为{value_text}，"
        "低于目标4万亿元，预计无法完成。"
    )
    assert value_text in result.explanation_en
    assert "4万亿元" in result.explanation_en
    assert "missed" in result.explanation_en


def test_linear_explanation_shows_the_yearly_step() -> None:
    result = project([(2017, 27000.0), (2021, 37000.0)], 2022, ">=", 39000.0, unit="亿元")
    assert result.will_meet is True
    assert "年均增加2500亿元" in result.explanation_zh
    assert "3.95万亿元" in result.explanation_zh
    assert "高于目标3.9万亿元，预计能够完成" in result.explanation_zh
    assert "rising by 2500亿元 a year" in result.explanation_en
    falling = project([(2020, 0.5), (2021, 0.45)], 2025, "<=", 0.3)
    assert "年均减少0.05" in falling.explanation_zh
    assert "falling by 0.05 a year" in falling.explanation_en


def test_percentage_trend_is_in_percentage_points() -> None:
    result = project([(2019, 70.0), (2020, 74.0), (2021, 78.0)], 2022, ">", 80.0, unit="%")
    assert result.value == pytest.approx(82.0)
    assert "年均增加4个百分点" in result.explanation_zh
    assert "4 percentage points" in result.explanation_en
    assert "82%" in result.explanation_zh


def test_compound_falls_back_to_linear_for_non_positive_values() -> None:
    result = project([(2019, -2.0), (2020, 0.0), (2021, 2.0)], 2022, ">=", 4.0, method="compound")
    assert result.method == "linear"
    assert result.value == pytest.approx(4.0)
    assert result.rate == pytest.approx(2.0)
    assert "改按线性趋势推算" in result.explanation_zh
    assert "not positive" in result.explanation_en


def test_fractional_years_in_the_series() -> None:
    result = project([(2021.0, 10.0), (2021.5, 11.0)], 2022, ">=", 12.0)
    assert result.value == pytest.approx(12.0)
    assert "2021—2021.5" in result.explanation_zh


def test_explosive_trend_projects_nothing() -> None:
    result = project([(2021.0, 1e-300), (2021.001, 1e300)], 2030, ">=", 1.0, method="compound")
    assert result.value is None
    assert result.will_meet is None
    assert "无法推算" in result.explanation_zh


def test_project_refuses_bad_arguments() -> None:
    with pytest.raises(ProgressError):
        project(LINE, 2022, "≥", 1.0)  # type: ignore[arg-type]
    with pytest.raises(ProgressError):
        project(LINE, 2022, ">=", 1.0, method="cubic")  # type: ignore[arg-type]
    with pytest.raises(ProgressError):
        project([(2020, math.nan), (2021, 1.0)], 2022, ">=", 1.0)
    with pytest.raises(UnitError):
        project([], 2022, ">=", 1.0, unit="furlongs")


# --- attain and compare -------------------------------------------------------------


def test_attained_with_margin() -> None:
    result = attain(41200.0, ">=", 40000.0, unit="亿元")
    assert result.met is True
    assert result.margin == pytest.approx(1200.0)
    assert result.margin_pct == pytest.approx(3.0)
    assert result.text_zh == "已完成：实际值4.12万亿元，超出目标1200亿元（3.0%）"
    assert result.text_en == "Met: actual 4.12万亿元, 1200亿元 above the target of 4万亿元 (3.0%)"


def test_not_attained_with_shortfall() -> None:
    result = attain(38400.0, ">=", 40000.0, unit="亿元")
    assert result.met is False
    assert result.margin == pytest.approx(-1600.0)
    assert result.margin_pct == pytest.approx(-4.0)
    assert result.text_zh == "未完成：实际值3.84万亿元，距目标4万亿元差1600亿元（4.0%）"
    assert result.text_en.startswith("Not met: actual 3.84万亿元, 1600亿元 short of the target")


def test_attainment_of_an_upper_limit() -> None:
    met = attain(1.2, "<=", 1.5, unit="%")
    assert met.met is True
    assert met.margin == pytest.approx(0.3)
    assert met.margin_pct == pytest.approx(20.0)
    assert met.text_zh == "已完成：实际值1.2%，比目标1.5%低0.3%（20.0%）"
    missed = attain(1.8, "<", 1.5, unit="%")
    assert missed.met is False
    assert missed.margin == pytest.approx(-0.3)
    assert missed.text_zh == "未完成：实际值1.8%，比目标1.5%高0.3%（20.0%）"
    assert "over the target" in missed.text_en


def test_attainment_of_equality() -> None:
    met = attain(0.1 + 0.2, "=", 0.3)
    assert met.met is True
    assert "持平" in met.text_zh
    missed = attain(0.35, "=", 0.3)
    assert missed.met is False
    assert missed.margin == pytest.approx(-0.05)
    assert "相差0.05" in missed.text_zh


def test_strict_comparator_is_not_met_at_the_threshold() -> None:
    result = attain(80.0, ">", 80.0, unit="%")
    assert result.met is False
    assert result.margin == 0.0
    assert "严格高于" in result.text_zh
    assert "strictly exceeded" in result.text_en
    assert attain(80.0, ">=", 80.0).met is True


def test_attainment_tolerance() -> None:
    # A computed 92.99999999999 is 93 up to rounding.
    assert attain(92.99999999999, ">=", 93.0).met is True
    assert attain(92.99, ">=", 93.0).met is False
    assert attain(92.99, ">=", 93.0, tolerance_abs=0.05).met is True
    with pytest.raises(ProgressError):
        attain(1.0, ">=", 1.0, tolerance_abs=-1.0)


def test_zero_threshold_has_no_percentage() -> None:
    result = attain(2.0, "<=", 0.0, unit="个")
    assert result.met is False
    assert result.margin_pct is None
    assert result.text_zh == "未完成：实际值2个，比目标0个高2个"


def test_attain_refuses_bad_arguments() -> None:
    with pytest.raises(ProgressError):
        attain(1.0, "==", 1.0)  # type: ignore[arg-type]
    with pytest.raises(ProgressError):
        attain(math.inf, ">=", 1.0)


def test_compare_examples() -> None:
    assert compare(80.0, ">=", 80.0)
    assert not compare(80.0, ">", 80.0)
    assert compare(0.1 + 0.2, "=", 0.3)
    assert not compare(0.31, "=", 0.3)
    with pytest.raises(ProgressError):
        compare(1.0, "!=", 1.0)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
positive = st.floats(min_value=1e-6, max_value=1e12, allow_nan=False)


@st.composite
def paths(draw: st.DrawFn) -> TargetPath:
    kind = draw(st.sampled_from(KINDS))
    values = positive if kind == "compound" else moderate
    baseline_year = draw(st.integers(1990, 2030))
    return TargetPath(baseline_year, draw(values), baseline_year + draw(st.integers(1, 30)), draw(values), kind=kind)


@given(paths(), st.floats(-50, 50), st.floats(-50, 50))
def test_expected_is_monotone(path: TargetPath, offset_a: float, offset_b: float) -> None:
    early, late = sorted((path.baseline_year + offset_a, path.baseline_year + offset_b))
    low, high = sorted((path.baseline_value, path.target_value))
    first, second = path.expected(early), path.expected(late)
    assert low <= first <= high
    assert low <= second <= high
    if path.target_value >= path.baseline_value:
        assert first <= second
    else:
        assert first >= second


@given(
    paths(),
    st.none() | finite,
    finite,
    st.sampled_from(["higher", "lower"]),
    st.floats(min_value=0, max_value=10),
)
def test_assess_never_raises_for_finite_inputs(
    path: TargetPath, value: float | None, year: float, direction: Direction, tolerance: float
) -> None:
    result = assess(path, value, year, direction, tolerance)
    assert result.light in ("green", "yellow", "red", "grey")
    assert (result.light == "grey") == (value is None)


@given(
    st.floats(-1e6, 1e6),
    st.floats(-1e4, 1e4),
    st.lists(st.integers(2000, 2030), min_size=2, max_size=12, unique=True),
    st.integers(2000, 2040),
)
def test_noiseless_line_is_projected_exactly(intercept: float, slope: float, years: list[int], target: int) -> None:
    assume(target not in years)
    series = [(float(year), intercept + slope * (year - 2000)) for year in years]
    result = project(series, target, ">=", 0.0)
    scale = max(1.0, abs(intercept), abs(slope) * 40)
    assert result.value == pytest.approx(intercept + slope * (target - 2000), abs=1e-9 * scale)
    assert result.rate == pytest.approx(slope, abs=1e-9 * scale)


OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@given(st.floats(), st.sampled_from(sorted(OPERATORS)), st.floats())
def test_compare_agrees_with_python_operators(value: float, comparator: Comparator, threshold: float) -> None:
    assert compare(value, comparator, threshold) == OPERATORS[comparator](value, threshold)


@given(finite, finite)
def test_compare_equality_is_tolerant_but_close(value: float, threshold: float) -> None:
    if value == threshold:
        assert compare(value, "=", threshold)
    if compare(value, "=", threshold):
        assert abs(value - threshold) <= 1e-9 * max(abs(value), abs(threshold))
