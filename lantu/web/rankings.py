"""The rankings page: cities or counties ranked by one indicator in one period, direction-aware."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from lantu.accounts.permissions import has_perm
from lantu.accounts.service import InvalidInput, NotFound
from lantu.core.numbers import format_period
from lantu.core.units import format_cn, get_unit
from lantu.framework import selectors
from lantu.monitoring.models import Basis
from lantu.monitoring.rankings import Ranking
from lantu.monitoring.rankings import ranking as rank_units
from lantu.orgunits.models import Level, OrgUnit
from lantu.orgunits.selectors import resolve_org_unit

DEFAULT_INDICATOR = "DE_TOTAL"
PROVINCE = "330000"


def readable_unit(request: HttpRequest, code: str) -> OrgUnit:
    """The unit ``code`` names, if the user may read its values (the progress page's rule); else 404."""
    try:
        unit = resolve_org_unit(code)
    except NotFound as exc:
        raise Http404 from exc
    if not has_perm(request.user, "values.read", org_unit=unit):
        raise Http404
    return unit


def _signed(value: Decimal, unit: str, english: bool) -> str:
    sign = "+" if value > 0 else ""
    if get_unit(unit).dimension == "ratio":
        # A change of a share is in percentage points, not per cent.
        points = format_cn(value, "%").removesuffix("%")
        return f"{sign}{points} {'pp' if english else '个百分点'}"
    return sign + format_cn(value, unit)


def table_rows(found: Ranking, language: str) -> list[dict[str, Any]]:
    """The ranking's rows with their texts in the page's style (values as in Chinese reports)."""
    english = language.startswith("en")
    unit = found.indicator.unit
    rows = []
    for r in found.rows:
        change = ""
        if r.difference is not None:
            change = _signed(r.difference, unit, english)
            if r.change_pct is not None and get_unit(unit).dimension != "ratio":
                change += f"（{'+' if r.change_pct > 0 else ''}{r.change_pct:.1f}%）"
        rows.append(
            {
                "r": r,
                "text": format_cn(r.value.value, unit) if r.value else "",
                "sort": str(r.value.value) if r.value else "",
                "change": change,
                "change_sort": str(r.difference) if r.difference is not None else "",
                "before": format_cn(r.before.value, unit) if r.before else "",
            }
        )
    return rows


@login_required
def rankings_page(request: HttpRequest) -> HttpResponse:
    """``?indicator=&period=&level=city|county&parent=&basis=``; values.read on the parent, as the progress page."""
    programme = selectors.programmes().first()
    if programme is None:
        raise Http404("no programme")
    indicators = list(selectors.indicators(programme))
    by_code = {i.code: i for i in indicators}
    code = request.GET.get("indicator") or DEFAULT_INDICATOR
    indicator = by_code.get(code) or (indicators[0] if indicators else None)
    if indicator is None:
        raise Http404
    level = request.GET.get("level") or Level.CITY
    if level not in (Level.CITY, Level.COUNTY):
        level = Level.CITY
    basis = request.GET.get("basis", Basis.APPROVED)
    if basis not in Basis.values:
        basis = Basis.APPROVED
    parent = readable_unit(request, request.GET.get("parent") or PROVINCE)
    language = translation.get_language() or "zh-hans"
    problems: list[str] = []
    found = None
    try:
        found = rank_units(indicator, request.GET.get("period") or None, parent=parent, level=level, basis=basis)
    except InvalidInput as exc:
        problems = [p.message_zh if not language.startswith("en") else p.message_en for p in exc.problems]
    periods = list(reversed(found.periods)) if found else []
    if found and found.period not in periods:
        periods.insert(0, found.period)
    query = {"indicator": indicator.code, "level": level, "basis": basis, "parent": parent.code}
    context = {
        "indicators": indicators,
        "indicator": indicator,
        "level": level,
        "basis": basis,
        "parent": parent,
        "ranking": found,
        "rows": table_rows(found, language) if found else [],
        "periods": [{"value": p, "text": format_period(p, language)} for p in periods],
        "problems": problems,
        "level_links": {lv: "?" + urlencode({**query, "level": lv}) for lv in (Level.CITY, Level.COUNTY)},
    }
    return render(request, "web/rankings.html", context, status=422 if problems else 200)
