"""The cockpit (驾驶舱), the home page: thin, it reads :func:`lantu.monitoring.cockpit.cockpit` and renders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from lantu.accounts.service import NotFound
from lantu.core.numbers import format_period
from lantu.core.units import format_cn
from lantu.framework.display import describe_target
from lantu.monitoring.cockpit import Headline, cockpit
from lantu.monitoring.models import Basis
from lantu.web.maps import DEFAULT_INDICATOR


def _number(value: Decimal | float | None, unit: str) -> str:
    if value is None:
        return ""
    # Six decimals drop float noise before format_cn rounds for display.
    return format_cn(value if isinstance(value, Decimal) else Decimal(str(round(value, 6))), unit)


def _row(h: Headline, english: bool, language: str) -> dict[str, Any]:
    """What the page and the chart show for one headline indicator, numbers already formatted."""
    p = h.p
    unit = p.indicator.unit
    return {
        "h": h,
        "code": p.indicator.code,
        "name": p.indicator.name_en if english and p.indicator.name_en else p.indicator.name_zh,
        "light": p.light,
        "status": p.status,
        "target": describe_target(p.target, language) if p.target else "",
        "target_year": p.target.year if p.target else None,
        "latest": _number(p.latest.value, unit) if p.latest else "",
        "latest_period": format_period(p.latest.period, language) if p.latest else "",
        "expected": _number(p.expected, unit),
        "progress_pct": None if p.progress_pct is None else round(p.progress_pct, 1),
        "expected_pct": None if h.expected_pct is None else round(h.expected_pct, 1),
        "shortfall_pct": None if h.shortfall_pct is None else round(h.shortfall_pct, 1),
        "is_demo": p.is_demo,
    }


def home(request: HttpRequest) -> HttpResponse:
    """Every headline target for the province (or ``?org_unit=``), lights, late tasks, returned values."""
    language = translation.get_language() or "zh-hans"
    english = language.startswith("en")
    basis = request.GET.get("basis", Basis.APPROVED)
    try:
        found = cockpit(request.user, org_unit_code=request.GET.get("org_unit") or None, basis=basis)
    except NotFound as exc:
        raise Http404 from exc
    cards = []
    chart: list[dict[str, Any]] = []
    for card in found.cards:
        rows = [_row(h, english, language) for h in card.headlines]
        cards.append({"area": card.area, "rows": rows, "height": 48 + 40 * len(rows)})
        chart.append(
            {
                "area": card.area.code,
                "rows": [
                    {k: r[k] for k in ("code", "name", "light", "progress_pct", "expected_pct", "latest", "target")}
                    for r in rows
                ],
            }
        )
    off_track = [_row(h, english, language) for h in found.off_track]
    context = {
        "c": found,
        "cards": cards,
        "off_track": off_track,
        "chart": {"cards": chart, "counts": found.counts, "english": english},
        "latest_period": format_period(found.latest_period, language) if found.latest_period else "",
        "can_read": found.can_preliminary,
        # The map shows the map page's default indicator, taken from the headlines already loaded.
        "map_indicator": next(
            (h.p.indicator for h in found.headlines if h.p.indicator.code == DEFAULT_INDICATOR), None
        ),
    }
    return render(request, "web/cockpit.html", context)
