"""The map page: a choropleth of one indicator by city or county, with the same data as a table."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from lantu.accounts.permissions import has_perm
from lantu.accounts.service import InvalidInput, NotFound
from lantu.api.maps import map_out
from lantu.core.numbers import format_period
from lantu.core.periods import parse_period
from lantu.framework import selectors
from lantu.monitoring.mapdata import PROVINCE, map_data, map_index
from lantu.monitoring.models import Basis
from lantu.orgunits.selectors import resolve_org_unit

DEFAULT_INDICATOR = "DE_TOTAL"


def _labels() -> dict[str, Any]:
    """The map script's words, in the page's language."""
    return {
        "noData": gettext("暂无数据"),
        "demo": gettext("示例数据"),
        "oldShape": gettext("2017年底图"),
        "nowIn": gettext("该区域现属"),
        "back": gettext("返回全省"),
        "loading": gettext("正在加载地图…"),
        "failed": gettext("地图加载失败"),
        "origin": {"reported": gettext("上报"), "aggregate": gettext("汇总"), "computed": gettext("按公式计算")},
        "points": gettext("重大项目"),
        "max": gettext("高"),
        "min": gettext("低"),
    }


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """Who may read values of the parent unit sees its children's values (as on the progress page)."""
    programme = selectors.programmes().first()
    if programme is None:
        raise Http404("no programme")
    indicators = list(selectors.indicators(programme))
    codes = {i.code for i in indicators}
    code = request.GET.get("indicator") or (DEFAULT_INDICATOR if DEFAULT_INDICATOR in codes else "")
    if code not in codes:
        code = indicators[0].code if indicators else ""
    basis = request.GET.get("basis", Basis.APPROVED)
    if basis not in Basis.values:
        basis = Basis.APPROVED
    parent_code = request.GET.get("parent") or PROVINCE
    try:
        parent = resolve_org_unit(parent_code)
    except NotFound as exc:
        raise Http404 from exc
    if not has_perm(request.user, "values.read", org_unit=parent):
        raise Http404
    problems: list[str] = []
    data = None
    try:
        data = map_data(code, request.GET.get("period") or None, parent_code, basis)
    except NotFound as exc:
        raise Http404 from exc
    except InvalidInput as exc:
        problems = [p.message_zh for p in exc.problems]
    language = translation.get_language() or "zh-hans"
    periods = sorted({*data.periods, data.period}, key=lambda p: parse_period(p).end) if data else []

    def link(**changes: str) -> str:
        query = {"indicator": code, "period": data.period if data else "", "basis": basis, "parent": parent_code}
        query.update(changes)
        return "?" + urlencode(query)

    rows: list[dict[str, Any]] = []
    if data:
        rows = [{"c": c, "drill": link(parent=c.unit.code) if c.has_map else ""} for c in data.children]
    index = map_index()
    context = {
        "indicators": indicators,
        "code": code,
        "basis": basis,
        "parent": data.parent if data else parent,
        "data": data,
        "rows": rows,
        "periods": [{"value": p, "text": format_period(p, language)} for p in reversed(periods)],
        "period_text": format_period(data.period, language) if data else "",
        "labels": _labels(),
        "problems": problems,
        "province_link": link(parent=PROVINCE) if parent_code != PROVINCE else "",
        "payload": map_out(data).model_dump(mode="json") if data else None,
        "shapes_year": index.shapes_as_of.year,
        "sources": index.sources,
    }
    return render(request, "web/map.html", context, status=422 if problems else 200)
