"""Progress towards programme targets: expected paths, traffic lights, trend projections and attainment.

A target such as "数字经济规模2022年达到4万亿元" fixes a threshold for a year. Between the
baseline and the target year the programme expects the indicator to move along a
:class:`TargetPath`; :func:`assess` compares a reported value with that path and gives a
traffic light, :func:`project` extrapolates the trend to the target year, and :func:`attain`
judges a target year that has passed. Texts come in Chinese and English, numbers formatted
with :func:`~lantu.core.units.format_cn`.
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal, get_args

from lantu.core.errors import LantuValueError
from lantu.core.units import convert, format_cn, get_unit

__all__ = [
    "REL_TOL",
    "Attainment",
    "Comparator",
    "Direction",
    "Light",
    "PathKind",
    "Progress",
    "ProgressError",
    "Projection",
    "TargetPath",
    "assess",
    "attain",
    "compare",
    "path_kind_for",
    "project",
]

PathKind = Literal["linear", "compound"]
Direction = Literal["higher", "lower"]
Comparator = Literal[">=", ">", "<=", "<", "="]
Light = Literal["green", "yellow", "red", "grey"]

#: Relative tolerance under which two values count as equal: far finer than any reported
#: precision, far coarser than float rounding noise such as 0.1 + 0.2 != 0.3.
REL_TOL = 1e-9
# Absolute counterpart for values near zero, where a relative tolerance shrinks to nothing.
_ABS_TOL = 1e-9
# math.exp raises OverflowError above this instead of returning inf.
_MAX_EXP = 709.0
_NO_DATA = (
    "数据不足，无法推算：至少需要两个不同年份的数据。",
    "There is not enough data to project: at least two values in different years are needed.",
)
_OUT_OF_RANGE = (
    "按趋势外推的结果超出数值范围，无法推算。",
    "The trend runs beyond the range of numbers; nothing is projected.",
)


class ProgressError(LantuValueError):
    """A target path, comparator, tolerance or data point was refused."""

    templates_zh: ClassVar[Mapping[str, str]] = {
        "bad_choice": "参数 {name} 的取值“{value}”无效，应为：{allowed}",
        "not_finite": "参数 {name} 的值“{value}”不是有限数",
        "bad_years": "目标年份{target_year}须晚于基期年份{baseline_year}",
        "compound_not_positive": (
            "按倍数（恒定增速）设定的目标要求基期值和目标值均为正数，现为基期值{baseline_value}、目标值{target_value}"
        ),
        "bad_tolerance": "容差须为非负有限数，现为{tolerance}",
    }
    templates_en: ClassVar[Mapping[str, str]] = {
        "bad_choice": "{name} must be one of {allowed}, not {value!r}",
        "not_finite": "{name} {value} is not a finite number",
        "bad_years": "the target year {target_year} must come after the baseline year {baseline_year}",
        "compound_not_positive": (
            "a compound (multiple-of-baseline) path needs positive baseline and target values; "
            "got baseline {baseline_value} and target {target_value}"
        ),
        "bad_tolerance": "the tolerance must be a non-negative finite number, not {tolerance}",
    }


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    # Literal types only protect type-checked callers; YAML files and forms are not.
    if value not in allowed:
        raise ProgressError("bad_choice", {"name": name, "value": value, "allowed": allowed})


def _finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ProgressError("not_finite", {"name": name, "value": value})


def _tolerance(value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ProgressError("bad_tolerance", {"tolerance": value})


def _close(a: float, b: float, abs_tol: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=abs_tol)


@dataclass(frozen=True)
class TargetPath:
    """The path a programme expects an indicator to follow from its baseline to its target.

    Attributes
    ----------
    baseline_year, baseline_value : int, float
        Where the path starts.
    target_year, target_value : int, float
        Where it ends; ``target_value`` is the resolved threshold of the target.
    kind : {"linear", "compound"}
        ``"linear"`` moves in equal yearly steps; ``"compound"`` grows at a constant rate,
        which is how "double the 2017 value" reads. Compound needs both values positive.

    Raises
    ------
    ProgressError
        ``bad_choice``, ``not_finite``, ``bad_years`` or ``compound_not_positive``.
    """

    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    kind: PathKind = "linear"

    def __post_init__(self) -> None:
        _choice("kind", self.kind, get_args(PathKind))
        _finite("baseline_value", self.baseline_value)
        _finite("target_value", self.target_value)
        if not self.target_year > self.baseline_year:
            raise ProgressError("bad_years", {"baseline_year": self.baseline_year, "target_year": self.target_year})
        if self.kind == "compound" and not (self.baseline_value > 0 and self.target_value > 0):
            raise ProgressError(
                "compound_not_positive", {"baseline_value": self.baseline_value, "target_value": self.target_value}
            )

    def expected(self, year: float) -> float:
        """Return the value on the path at a (possibly fractional) year.

        Before the baseline year the path is the baseline value; after the target year it is the
        target value, since the programme expects the target to be held once reached.

        >>> TargetPath(2017, 100.0, 2022, 200.0).expected(2019.5)
        150.0
        >>> round(TargetPath(2017, 100.0, 2022, 200.0, kind="compound").expected(2019.5), 4)
        141.4214
        """
        _finite("year", year)
        start, end = self.baseline_value, self.target_value
        if year <= self.baseline_year:
            return start
        if year >= self.target_year:
            return end
        share = (year - self.baseline_year) / (self.target_year - self.baseline_year)
        if self.kind == "compound":
            # Interpolating logarithms gives a constant growth rate, and cannot overflow the way
            # (end / start) ** share can.
            value = math.exp(math.log(start) + share * (math.log(end) - math.log(start)))
        else:
            value = start + share * (end - start)
        # Rounding can overshoot an end point by an ulp; clamping keeps the path monotone.
        return min(max(value, min(start, end)), max(start, end))


def path_kind_for(has_baseline_multiple: bool) -> PathKind:
    """Choose ``"compound"`` for a target stated as a multiple of its baseline, else ``"linear"``.

    >>> path_kind_for(True), path_kind_for(False)
    ('compound', 'linear')
    """
    return "compound" if has_baseline_multiple else "linear"


@dataclass(frozen=True)
class Progress:
    """Where a reported value stands against its :class:`TargetPath` (see :func:`assess`)."""

    expected: float
    progress_pct: float | None
    gap: float | None
    light: Light
    rule_zh: str
    rule_en: str


def _rules(direction: Direction, tolerance: float) -> tuple[str, str]:
    pct = f"{round(tolerance * 100, 4):g}%"
    if direction == "higher":
        return (
            f"绿：达到或超过进度目标；黄：落后不超过目标距离的{pct}；红：落后更多；灰：暂无数据",
            f"green: on or ahead of the expected path; yellow: behind by at most {pct} of the "
            "baseline-to-target distance; red: further behind; grey: no data",
        )
    return (
        f"绿：达到或低于进度目标；黄：高于进度目标不超过目标距离的{pct}；红：高出更多；灰：暂无数据",
        f"green: at or below the expected path; yellow: above it by at most {pct} of the "
        "baseline-to-target distance; red: further above; grey: no data",
    )


def assess(
    path: TargetPath, value: float | None, year: float, direction: Direction, tolerance: float = 0.1
) -> Progress:
    """Compare a value with where the path expects it to be in ``year``.

    The traffic light rule:

    - green: on or ahead of the path (for ``direction="lower"``: at or below it); a value
      within :data:`REL_TOL` of the path counts as on it;
    - yellow: behind by no more than ``tolerance`` × \\|target - baseline\\| (the programme sets
      the tolerance, 10% by default); so when target equals baseline any shortfall is red;
    - red: further behind;
    - grey: no value, so nothing to judge (``gap`` and ``progress_pct`` are then None).

    ``gap`` is signed so that positive means ahead; ``progress_pct`` is the share of the
    baseline→target distance covered (100 = target reached, may be negative or above 100).

    Raises
    ------
    ProgressError
        ``bad_choice``, ``not_finite`` or ``bad_tolerance``.

    >>> result = assess(TargetPath(2017, 0.0, 2022, 100.0), 95.0, 2022, "higher")
    >>> result.light, result.gap, result.progress_pct
    ('yellow', -5.0, 95.0)
    """
    _choice("direction", direction, get_args(Direction))
    _tolerance(tolerance)
    expected = path.expected(year)
    rule_zh, rule_en = _rules(direction, tolerance)
    if value is None:
        return Progress(expected, None, None, "grey", rule_zh, rule_en)
    _finite("value", value)
    distance = path.target_value - path.baseline_value
    progress_pct = None if distance == 0 else (value - path.baseline_value) / distance * 100
    gap = value - expected if direction == "higher" else expected - value
    allowance = tolerance * abs(distance)
    light: Light
    if gap >= 0 or _close(value, expected):
        light = "green"
    elif -gap <= allowance or _close(-gap, allowance):
        light = "yellow"
    else:
        light = "red"
    return Progress(expected, progress_pct, gap, light, rule_zh, rule_en)


def _fmt(value: float, unit: str) -> str:
    # Six decimals drop float noise (0.30000000000000004) before Decimal makes it look meaningful.
    return format_cn(Decimal(str(round(value, 6))), unit or "无")


def _year(year: float) -> str:
    return str(int(year)) if year.is_integer() else f"{year:g}"


def _step(slope: float, unit: str) -> tuple[str, str]:
    """Describe a yearly change; a change of a percentage is in percentage points, not percent."""
    size = abs(slope)
    if unit and get_unit(unit).dimension == "ratio":
        points = format_cn(convert(Decimal(str(round(size, 6))), unit, "%"), "无")
        zh, en = f"{points}个百分点", f"{points} percentage points"
    else:
        zh = en = _fmt(size, unit)
    if slope >= 0:
        return f"年均增加{zh}", f"rising by {en} a year"
    return f"年均减少{zh}", f"falling by {en} a year"


def _relation(value: float, threshold: float, unit: str) -> tuple[str, str]:
    target = _fmt(threshold, unit)
    if _close(value, threshold, _ABS_TOL):
        return f"与目标{target}持平", f"level with the target of {target}"
    if value > threshold:
        return f"高于目标{target}", f"above the target of {target}"
    return f"低于目标{target}", f"below the target of {target}"


def _meets(value: float, comparator: Comparator, threshold: float, tolerance_abs: float) -> bool:
    # Values equal up to rounding satisfy ">=", "<=" and "=", never the strict comparators.
    if _close(value, threshold, tolerance_abs):
        return comparator in (">=", "<=", "=")
    return compare(value, comparator, threshold)


@dataclass(frozen=True)
class Projection:
    """A target-year value extrapolated from a series (see :func:`project`)."""

    value: float | None
    method: Literal["linear", "compound"]
    rate: float | None
    will_meet: bool | None
    explanation_zh: str
    explanation_en: str


def _fit(xs: list[float], ys: list[float], at: float) -> tuple[float, float]:
    """Fit a least-squares line; return its slope and its value at ``at``."""
    # Centring on the means keeps the sums small: squaring raw years near 2000 loses digits.
    x_mean, y_mean = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    sxx = math.fsum((x - x_mean) * (x - x_mean) for x in xs)
    sxy = math.fsum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx if sxx > 0 else math.nan
    return slope, y_mean + slope * (at - x_mean)


def project(
    series: Sequence[tuple[float, float]],
    target_year: int,
    comparator: Comparator,
    threshold: float,
    *,
    method: Literal["linear", "compound"] = "linear",
    unit: str = "",
) -> Projection:
    """Project the ``target_year`` value from the trend of ``(year, value)`` points.

    ``"linear"`` fits a least-squares line; ``"compound"`` fits one to log(value), i.e. a constant
    annual growth rate, and falls back to linear (saying so) when a value is not positive.
    ``rate`` is the slope per year or the growth rate. An observed target-year value is used
    as is (the last one if repeated). With fewer than two distinct years nothing is projected.
    ``will_meet`` applies ``comparator`` and ``threshold``, values within :data:`REL_TOL` counting
    as equal. Numbers in the explanations are formatted with :func:`~lantu.core.units.format_cn`.

    Raises
    ------
    ProgressError
        ``bad_choice`` or ``not_finite``.
    UnitError
        ``unknown_unit``.

    >>> project([(2017, 27000.0), (2021, 37000.0)], 2022, ">=", 40000.0, unit="亿元").explanation_zh
    '按2017—2021年数据的线性趋势（年均增加2500亿元）推算，2022年约为3.95万亿元，低于目标4万亿元，预计无法完成。'
    """
    _choice("comparator", comparator, get_args(Comparator))
    _choice("method", method, ("linear", "compound"))
    _finite("threshold", threshold)
    if unit:
        get_unit(unit)  # refuse an unknown unit even when there is nothing to format
    points = [(float(x), float(y)) for x, y in series]
    for x, y in points:
        _finite("year", x)
        _finite("value", y)
    observed = [y for x, y in points if x == target_year]
    xs = [x for x, _ in points]
    note_zh = note_en = ""
    about_zh, about_en = "约", "about "
    if observed:
        value, rate = observed[-1], None
        meets = _meets(value, comparator, threshold, _ABS_TOL)
        how_zh, how_en = "数据中已有该年数据，以实际值为准", "The series already has this year's value, used as is"
        about_zh, about_en = "实际值", ""  # observed, so not "about"
        verdict_zh, verdict_en = ("已完成", "met") if meets else ("未完成", "missed")
    elif len(set(xs)) < 2:
        return Projection(None, method, None, None, *_NO_DATA)
    else:
        if method == "compound" and any(y <= 0 for _, y in points):
            method = "linear"
            note_zh = "数据中有非正数，无法按增长率推算，改按线性趋势推算。"
            note_en = "Some values are not positive, so no growth rate can be fitted; a linear trend is used instead. "
        if method == "compound":
            slope, at_target = _fit(xs, [math.log(y) for _, y in points], target_year)
            # math.exp raises rather than returning inf; an explosive trend is reported below.
            fine = slope < _MAX_EXP and at_target < _MAX_EXP
            value, rate = (math.exp(at_target), math.expm1(slope)) if fine else (math.inf, math.inf)
        else:
            rate, value = _fit(xs, [y for _, y in points], target_year)
        if not (math.isfinite(value) and math.isfinite(rate)):
            # Only absurd inputs (years a hair apart, values spanning hundreds of orders) get here.
            return Projection(None, method, None, None, note_zh + _OUT_OF_RANGE[0], note_en + _OUT_OF_RANGE[1])
        first, last = _year(min(xs)), _year(max(xs))
        if method == "compound":
            how_zh = f"按{first}—{last}年数据的年均增长率{rate * 100:.1f}%推算"
            how_en = f"At the average annual growth rate of {rate * 100:.1f}% over {first}–{last}"
        else:
            step_zh, step_en = _step(rate, unit)
            how_zh = f"按{first}—{last}年数据的线性趋势（{step_zh}）推算"
            how_en = f"On the linear trend over {first}–{last} ({step_en})"
        meets = _meets(value, comparator, threshold, _ABS_TOL)
        verdict_zh, verdict_en = (
            ("预计能够完成", "likely to be met") if meets else ("预计无法完成", "likely to be missed")
        )
    rel_zh, rel_en = _relation(value, threshold, unit)
    shown = _fmt(value, unit)
    explanation_zh = f"{note_zh}{how_zh}，{target_year}年{about_zh}为{shown}，{rel_zh}，{verdict_zh}。"
    explanation_en = (
        f"{note_en}{how_en}: the {target_year} value is {about_en}{shown}, {rel_en}, so the target is {verdict_en}."
    )
    return Projection(value, method, rate, meets, explanation_zh, explanation_en)


_OPERATORS: Mapping[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": lambda a, b: _close(a, b),
}


def compare(value: float, comparator: Comparator, threshold: float) -> bool:
    """Apply a target's comparator; ``"="`` allows a relative difference of :data:`REL_TOL`.

    >>> compare(0.1 + 0.2, "=", 0.3), compare(80.0, ">", 80.0)
    (True, False)
    """
    _choice("comparator", comparator, get_args(Comparator))
    return _OPERATORS[comparator](value, threshold)


@dataclass(frozen=True)
class Attainment:
    """Whether a target was met in its year (see :func:`attain`)."""

    met: bool
    margin: float
    margin_pct: float | None
    text_zh: str
    text_en: str


def attain(
    value: float, comparator: Comparator, threshold: float, *, unit: str = "", tolerance_abs: float = 1e-9
) -> Attainment:
    """Judge an actual value against a target's comparator and threshold.

    Values within ``tolerance_abs`` or :data:`REL_TOL` of the threshold count as equal to it, so
    a computed 92.99999999999 meets "≥ 93" and does not meet "> 93". ``margin`` is positive when
    better than the threshold (for "=", minus the distance to it); ``margin_pct`` is the margin in
    percent of \\|threshold\\|, None when the threshold is 0.

    Raises
    ------
    ProgressError
        ``bad_choice``, ``not_finite`` or ``bad_tolerance``.
    UnitError
        ``unknown_unit``.

    >>> attain(38400.0, ">=", 40000.0, unit="亿元").text_zh
    '未完成：实际值3.84万亿元，距目标4万亿元差1600亿元（4.0%）'
    """
    _choice("comparator", comparator, get_args(Comparator))
    _finite("value", value)
    _finite("threshold", threshold)
    _tolerance(tolerance_abs)
    met = _meets(value, comparator, threshold, tolerance_abs)
    if comparator in (">=", ">"):
        margin = value - threshold
    elif comparator in ("<=", "<"):
        margin = threshold - value
    else:
        margin = -abs(value - threshold)
    margin_pct = None if threshold == 0 else margin / abs(threshold) * 100
    v, t, m = _fmt(value, unit), _fmt(threshold, unit), _fmt(abs(margin), unit)
    p_zh = "" if margin_pct is None else f"（{abs(margin_pct):.1f}%）"
    p_en = "" if margin_pct is None else f" ({abs(margin_pct):.1f}%)"
    if _close(value, threshold, tolerance_abs):
        strict_zh, strict_en = ("高于", "exceeded") if comparator == ">" else ("低于", "undercut")
        zh = f"实际值{v}，与目标{t}持平" + ("" if met else f"，但目标要求严格{strict_zh}该值")
        en = f"actual {v}, level with the target of {t}" + ("" if met else f", which must be strictly {strict_en}")
    elif comparator == "=":
        zh, en = f"实际值{v}，与目标{t}相差{m}{p_zh}", f"actual {v}, {m} away from the target of {t}{p_en}"
    elif comparator in (">=", ">"):
        zh = f"实际值{v}，超出目标{m}{p_zh}" if met else f"实际值{v}，距目标{t}差{m}{p_zh}"
        en = f"actual {v}, {m} {'above' if met else 'short of'} the target of {t}{p_en}"
    else:
        zh = f"实际值{v}，比目标{t}{'低' if met else '高'}{m}{p_zh}"
        en = f"actual {v}, {m} {'below' if met else 'over'} the target of {t}{p_en}"
    return Attainment(
        met, margin, margin_pct, f"{'已完成' if met else '未完成'}：{zh}", f"{'Met' if met else 'Not met'}: {en}"
    )
