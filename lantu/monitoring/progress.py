"""Where an indicator stands against its target for one unit: read-only, from stored values.

Official figures use approved values (and aggregates of approved values); the preliminary
basis uses the latest entered versions, and says so. The maths is in :mod:`lantu.core.progress`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lantu.core import progress as core
from lantu.core.periods import parse_period
from lantu.core.units import convert
from lantu.framework import selectors as framework
from lantu.framework.models import Indicator, Target
from lantu.monitoring.models import Aggregate, Basis, ValueState
from lantu.orgunits.models import OrgUnit


@dataclass(frozen=True)
class Point:
    period: str
    year: float
    value: Decimal
    origin: str  # "reported", "aggregate" or "computed"
    is_demo: bool


@dataclass
class IndicatorProgress:
    """Everything the progress endpoint and the cockpit show for one indicator and unit."""

    indicator: Indicator
    org_unit: OrgUnit
    basis: str
    target: Target | None = None
    threshold: Decimal | None = None
    baseline: Point | None = None
    baseline_source: str = ""
    latest: Point | None = None
    series: list[Point] = field(default_factory=list)
    expected: float | None = None
    progress_pct: float | None = None
    light: str = "grey"
    rule_zh: str = ""
    rule_en: str = ""
    projection: core.Projection | None = None
    attainment: core.Attainment | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """met / not_met for a target year that has data; else the traffic light."""
        if self.attainment is not None:
            return "met" if self.attainment.met else "not_met"
        return self.light

    @property
    def is_demo(self) -> bool:
        return any(p.is_demo for p in self.series)


def _fractional_year(period: str) -> float:
    p = parse_period(period)
    if p.kind == "year":
        return float(p.year)
    # A quarter or month counts at its end, as a share of the year.
    return p.year + (p.end.timetuple().tm_yday / (366 if p.end.year % 4 == 0 else 365)) - 1


def series_for(indicator: Indicator, unit: OrgUnit, basis: str = Basis.APPROVED) -> list[Point]:
    """The unit's values over time: reported where there is one, else aggregate or computed."""
    points: dict[str, Point] = {}
    for agg in Aggregate.objects.filter(indicator=indicator, org_unit=unit, basis=basis):
        origin = "computed" if agg.computed else "aggregate"
        points[agg.period] = Point(agg.period, _fractional_year(agg.period), agg.value, origin, agg.is_demo)
    states = ValueState.objects.filter(indicator=indicator, org_unit=unit).select_related("current", "approved")
    for state in states:
        version = state.approved if basis == Basis.APPROVED else state.current
        if version is not None:
            points[state.period] = Point(
                state.period, _fractional_year(state.period), version.value, "reported", version.is_demo
            )
    return sorted(points.values(), key=lambda p: p.year)


def _baseline(indicator: Indicator, unit: OrgUnit, target: Target, series: list[Point]) -> tuple[Point | None, str]:
    """The path's starting point, and where it came from (said on the page)."""
    baselines = framework.current(indicator.baselines.filter(org_unit=unit))
    year = target.baseline_year
    recorded = [b for b in baselines if year is None or b.year == year]
    if recorded:
        b = recorded[-1]
        value = convert(b.value, b.unit, indicator.unit)
        return Point(str(b.year), float(b.year), value, "reported", False), "基期值（登记）"
    if year is not None:
        found = next((p for p in series if p.period == str(year)), None)
        return found, f"{year}年数据值" if found else ""
    start = indicator.programme.start_year
    before = [p for p in series if p.year <= start]
    if before:
        return before[-1], "规划开始前最近一期数据"
    return (series[0], "最早一期数据") if series else (None, "")


def progress_for(
    indicator: Indicator, unit: OrgUnit, *, basis: str = Basis.APPROVED, tolerance: float = 0.1
) -> IndicatorProgress:
    """Baseline, target, latest value, expected-by-now, light, projection and attainment."""
    result = IndicatorProgress(indicator=indicator, org_unit=unit, basis=basis)
    result.series = series_for(indicator, unit, basis)
    result.latest = result.series[-1] if result.series else None
    targets = framework.current(indicator.targets.filter(org_unit=unit).select_related("org_unit", "indicator"))
    if not targets:
        result.notes.append("该单位没有设定目标")
        return result
    if not result.series:
        result.notes.append("暂无数据")
    target = targets[-1]
    result.target = target
    result.baseline, result.baseline_source = _baseline(indicator, unit, target, result.series)
    baselines = list(indicator.baselines.filter(org_unit=unit))
    threshold = framework.resolved_threshold(target, baselines)
    if threshold is None and target.baseline_multiple is not None and result.baseline is not None:
        # The multiple is resolved from the base-year data value when no baseline is registered.
        parts = [result.baseline.value * target.baseline_multiple]
        stated = framework.target_value_in_indicator_unit(target)
        if stated is not None:
            parts.append(stated)
        threshold = max(parts) if target.comparator in (">=", ">", "=") else min(parts)
    if threshold is None:
        result.notes.append("目标依赖的基期值缺失，无法计算")
        return result
    result.threshold = threshold
    comparator: core.Comparator = target.comparator  # type: ignore[assignment]
    direction: core.Direction = indicator.direction  # type: ignore[assignment]
    observed = [(p.year, float(p.value)) for p in result.series if p.year <= target.year]
    kind = core.path_kind_for(target.baseline_multiple is not None)
    result.projection = core.project(
        observed, target.year, comparator, float(threshold), method=kind, unit=indicator.unit
    )
    at_target = next((p for p in result.series if p.period == str(target.year)), None)
    if at_target is not None:
        result.attainment = core.attain(float(at_target.value), comparator, float(threshold), unit=indicator.unit)
    base = result.baseline
    if result.latest is not None and base is not None and base.period == result.latest.period:
        # Judging a value against a path that starts at that very value says nothing.
        result.notes.append("只有一期数据，无法判断进度")
    elif result.latest is not None and base is not None and base.year < target.year:
        try:
            path = core.TargetPath(int(base.year), float(base.value), target.year, float(threshold), kind)
        except core.ProgressError as exc:
            result.notes.append(exc.message_zh)
        else:
            assessed = core.assess(path, float(result.latest.value), result.latest.year, direction, tolerance)
            result.expected = assessed.expected
            result.progress_pct = assessed.progress_pct
            result.light = assessed.light
            result.rule_zh, result.rule_en = assessed.rule_zh, assessed.rule_en
    if result.attainment is not None:
        # Once the target year has data, the verdict on it is the light: later years do not
        # turn a missed target green.
        result.light = "green" if result.attainment.met else "red"
        result.rule_zh = "目标年已有数据：完成为绿，未完成为红"
        result.rule_en = "The target year has data: green if met, red if not"
    return result
