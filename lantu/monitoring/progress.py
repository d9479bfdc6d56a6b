"""Where an indicator stands against its target for one unit: read-only, from stored values.

Official figures use approved values (and aggregates of approved values); the preliminary
basis uses the latest entered versions, and says so. The maths is in :mod:`lantu.core.progress`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, QuerySet, Value, When

from lantu.core import progress as core
from lantu.core.periods import parse_period
from lantu.core.units import convert
from lantu.framework import selectors as framework
from lantu.framework.models import Baseline, Indicator, Target
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


@dataclass
class Inputs:
    """The stored rows one indicator's progress is computed from, for one unit and basis."""

    series: list[Point] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)  # current versions, see framework.current
    baselines: list[Baseline] = field(default_factory=list)  # every version


def _series_rows(indicator_ids: list[int], unit: OrgUnit, basis: str) -> QuerySet[Aggregate, tuple[Any, ...]]:
    """Aggregates and reported values of the unit as one query: (indicator, period, value, demo, origin)."""
    aggregates = Aggregate.objects.filter(indicator_id__in=indicator_ids, org_unit=unit, basis=basis).values_list(
        "indicator_id",
        "period",
        "value",
        "is_demo",
        Case(When(computed=True, then=Value("computed")), default=Value("aggregate"), output_field=CharField()),
    )
    version = "approved" if basis == Basis.APPROVED else "current"
    reported = (
        ValueState.objects.filter(indicator_id__in=indicator_ids, org_unit=unit, **{f"{version}__isnull": False})
        .values_list("indicator_id", "period", f"{version}__value", f"{version}__is_demo", Value("reported"))
        .order_by()
    )
    # UNION ALL keeps both; reported rows come last and so win over an aggregate of the same period.
    return aggregates.order_by().union(reported, all=True)


def load(indicators: list[Indicator], unit: OrgUnit, basis: str = Basis.APPROVED) -> dict[int, Inputs]:
    """Read what :func:`compute` needs for many indicators at once, in three queries.

    Targets and baselines come with their org unit; each target is given its indicator from
    ``indicators`` (so the indicator needs ``programme`` loaded for the baseline rule).
    """
    by_id = {i.pk: i for i in indicators}
    found: dict[int, Inputs] = {pk: Inputs() for pk in by_id}
    ids = list(by_id)
    targets: dict[int, list[Target]] = {pk: [] for pk in ids}
    for target in Target.objects.filter(indicator_id__in=ids, org_unit=unit).select_related("org_unit"):
        target.indicator = by_id[target.indicator_id]
        targets[target.indicator_id].append(target)
    for pk, versions in targets.items():
        found[pk].targets = framework.current(versions)
    for baseline in Baseline.objects.filter(indicator_id__in=ids, org_unit=unit).select_related("org_unit"):
        found[baseline.indicator_id].baselines.append(baseline)
    points: dict[int, dict[str, Point]] = {pk: {} for pk in ids}
    rows = sorted(_series_rows(ids, unit, basis), key=lambda r: r[4] == "reported")
    for indicator_id, period, value, is_demo, origin in rows:
        points[indicator_id][period] = Point(period, _fractional_year(period), value, origin, is_demo)
    for pk, by_period in points.items():
        found[pk].series = sorted(by_period.values(), key=lambda p: p.year)
    return found


def series_for(indicator: Indicator, unit: OrgUnit, basis: str = Basis.APPROVED) -> list[Point]:
    """The unit's values over time: reported where there is one, else aggregate or computed."""
    return load([indicator], unit, basis)[indicator.pk].series


def _baseline(
    indicator: Indicator, target: Target, baselines: list[Baseline], series: list[Point]
) -> tuple[Point | None, str]:
    """The path's starting point, and where it came from (said on the page)."""
    year = target.baseline_year
    recorded = [b for b in framework.current(baselines) if year is None or b.year == year]
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
    return compute(indicator, unit, load([indicator], unit, basis)[indicator.pk], basis=basis, tolerance=tolerance)


def compute(
    indicator: Indicator, unit: OrgUnit, inputs: Inputs, *, basis: str = Basis.APPROVED, tolerance: float = 0.1
) -> IndicatorProgress:
    """The progress of one indicator from rows already read by :func:`load`; no queries."""
    result = IndicatorProgress(indicator=indicator, org_unit=unit, basis=basis)
    result.series = inputs.series
    result.latest = result.series[-1] if result.series else None
    targets = inputs.targets
    if not targets:
        result.notes.append("该单位没有设定目标")
        return result
    if not result.series:
        result.notes.append("暂无数据")
    target = targets[-1]
    result.target = target
    result.baseline, result.baseline_source = _baseline(indicator, target, inputs.baselines, result.series)
    threshold = framework.resolved_threshold(target, inputs.baselines)
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
