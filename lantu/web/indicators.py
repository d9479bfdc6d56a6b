"""The indicator page: definition and its history, targets, the time series against the target path, and
the breakdown by city (or county) for the latest period."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from lantu.accounts.service import InvalidInput
from lantu.core import progress as core
from lantu.core.numbers import format_period
from lantu.core.units import format_cn
from lantu.framework.display import describe_target
from lantu.framework.models import DEFINITION_FIELDS, Baseline, Indicator, IndicatorVersion, Target
from lantu.framework.selectors import current
from lantu.monitoring.models import Basis
from lantu.monitoring.progress import IndicatorProgress, progress_for
from lantu.monitoring.rankings import ranking
from lantu.orgunits.models import Level
from lantu.web.rankings import readable_unit, table_rows

PROVINCE = "330000"


def _basis(request: HttpRequest) -> str:
    basis = request.GET.get("basis", Basis.APPROVED)
    return basis if basis in Basis.values else Basis.APPROVED


def _history(indicator: Indicator) -> list[dict[str, Any]]:
    """Each definition version, newest first, with the fields it changed from the one before."""
    versions = list(
        IndicatorVersion.objects.filter(indicator=indicator).select_related("created_by").order_by("version")
    )
    labels = {name: str(getattr(Indicator._meta.get_field(name), "verbose_name", name)) for name in DEFINITION_FIELDS}
    rows: list[dict[str, Any]] = []
    before: dict[str, Any] = {}
    for v in versions:
        changed = [labels.get(k, k) for k in DEFINITION_FIELDS if before and v.definition.get(k) != before.get(k)]
        rows.append({"v": v, "who": v.created_by.get_username() if v.created_by else v.actor_label, "changed": changed})
        before = v.definition
    return rows[::-1]


def _targets(indicator: Indicator, language: str) -> list[dict[str, Any]]:
    """Current targets with their wording, each with every version of its (unit, year), newest first."""
    rows = list(
        Target.objects.filter(indicator=indicator).select_related("org_unit", "created_by").order_by("year", "version")
    )
    for t in rows:
        t.indicator = indicator
    versions: dict[tuple[int, int], list[Target]] = defaultdict(list)
    for t in rows:
        versions[(t.org_unit_id, t.year)].append(t)
    found = []
    for t in current(rows):
        found.append(
            {
                "target": t,
                "text": describe_target(t, language),
                "versions": [
                    {
                        "t": v,
                        "text": gettext("撤销") if v.withdrawn else describe_target(v, language),
                        "who": v.created_by.get_username() if v.created_by else v.actor_label,
                    }
                    for v in reversed(versions[(t.org_unit_id, t.year)])
                ],
            }
        )
    return found


def _chart(p: IndicatorProgress, language: str) -> dict[str, Any]:
    """What indicator.js draws: values, the target path from the baseline, the projection."""
    unit = p.indicator.unit
    english = language.startswith("en")
    series = [
        {"x": pt.year, "period": format_period(pt.period, language), "value": float(pt.value), "demo": pt.is_demo}
        for pt in p.series
    ]
    path: list[dict[str, Any]] = []
    if p.target is not None and p.threshold is not None and p.baseline is not None:
        base = p.baseline
        try:
            line = core.TargetPath(
                int(base.year),
                float(base.value),
                p.target.year,
                float(p.threshold),
                core.path_kind_for(p.target.baseline_multiple is not None),
            )
        except core.ProgressError:
            line = None
        if line is not None:
            path = [{"x": y, "value": line.expected(y)} for y in range(line.baseline_year, line.target_year + 1)]
    projection: list[dict[str, Any]] = []
    proj, latest, target = p.projection, p.latest, p.target
    # Once the target year has data the verdict replaces the projection, so nothing is drawn.
    if (
        p.attainment is None
        and proj is not None
        and proj.value is not None
        and latest is not None
        and target is not None
        and latest.year < target.year
    ):
        projection = [{"x": latest.year, "value": float(latest.value)}, {"x": float(target.year), "value": proj.value}]
    return {
        "unit": unit,
        "series": series,
        "path": path,
        "projection": projection,
        "threshold": float(p.threshold) if p.threshold is not None else None,
        "labels": {
            "values": gettext("实际值"),
            "path": gettext("目标路径"),
            "projection": gettext("预测"),
            "target": gettext("目标"),
            "demo": gettext("示例数据"),
        },
        "english": english,
    }


def _fmt(value: Decimal | float | None, unit: str) -> str:
    if value is None:
        return ""
    return format_cn(value if isinstance(value, Decimal) else Decimal(str(round(value, 4))), unit)


@login_required
def indicator_page(request: HttpRequest, code: str) -> HttpResponse:
    """One indicator for one unit (default the province, ``?org_unit=``) on one basis (``?basis=``)."""
    indicator = (
        Indicator.objects.select_related(
            "programme", "goal", "goal__area", "department", "numerator", "denominator", "weight_indicator"
        )
        .filter(code=code)
        .first()
    )
    if indicator is None:
        raise Http404
    unit = readable_unit(request, request.GET.get("org_unit", PROVINCE))
    basis = _basis(request)
    language = translation.get_language() or "zh-hans"
    p = progress_for(indicator, unit, basis=basis)
    breakdown = None
    problems: list[str] = []
    if unit.level != Level.COUNTY:
        try:
            breakdown = ranking(indicator, request.GET.get("period") or None, parent=unit, basis=basis)
        except InvalidInput as exc:
            problems = [pr.message_zh for pr in exc.problems]
    baselines = current(Baseline.objects.filter(indicator=indicator).select_related("org_unit"))
    context = {
        "indicator": indicator,
        "unit": unit,
        "basis": basis,
        "p": p,
        "latest": _fmt(p.latest.value if p.latest else None, indicator.unit),
        "expected": _fmt(p.expected, indicator.unit),
        "threshold": _fmt(p.threshold, indicator.unit),
        "projected": _fmt(p.projection.value if p.projection else None, indicator.unit),
        "series_rows": [{"pt": pt, "text": _fmt(pt.value, indicator.unit)} for pt in reversed(p.series)],
        "chart": _chart(p, language),
        "history": _history(indicator),
        "targets": _targets(indicator, language),
        "baselines": [{"b": b, "text": format_cn(b.value, b.unit)} for b in baselines],
        "breakdown": breakdown,
        "breakdown_rows": table_rows(breakdown, language) if breakdown else [],
        "child_level": Level.CITY if unit.level == Level.PROVINCE else Level.COUNTY,
        "problems": problems,
        "has_demo": p.is_demo or (breakdown is not None and breakdown.is_demo),
    }
    return render(request, "web/indicator.html", context)
