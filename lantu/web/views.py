"""Page views: thin, they read through selectors and render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from lantu.accounts.service import NotFound
from lantu.core.units import format_cn
from lantu.framework import selectors
from lantu.framework.display import describe_target
from lantu.monitoring.models import DataValue


def overview(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The programme overview: the six key tasks, their goals, and every target with its source."""
    programme = selectors.programme(code) if code else selectors.programmes().first()
    if programme is None:
        raise Http404("no programme")
    language = translation.get_language() or "zh-hans"
    rows: dict[int, list[dict[str, object]]] = {}
    for indicator in selectors.indicators(programme).filter(is_supporting=False):
        targets = selectors.current(indicator.targets.all())
        rows.setdefault(indicator.goal_id, []).append(
            {
                "indicator": indicator,
                "targets": [{"target": t, "text": describe_target(t, language)} for t in targets],
            }
        )
    tree = selectors.area_tree(programme)
    stack = list(tree)
    while stack:  # hang each goal's indicator rows on the goal for the template
        node = stack.pop()
        for goal in node.goals:
            goal.rows = rows.get(goal.pk, [])  # type: ignore[attr-defined]
        stack.extend(node.children)
    context = {
        "programme": programme,
        "tree": tree,
        "has_demo": DataValue.objects.filter(is_demo=True).exists(),
        "office": programme.office.select_related("department").order_by("-role", "department__code"),
    }
    return render(request, "web/overview.html", context)


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    """Every target of the programme for one unit: where it stands, on approved or preliminary data."""
    from lantu.accounts.permissions import has_perm
    from lantu.monitoring.models import Basis
    from lantu.monitoring.progress import progress_for
    from lantu.orgunits.selectors import resolve_org_unit

    basis = request.GET.get("basis", Basis.APPROVED)
    if basis not in Basis.values:
        basis = Basis.APPROVED
    try:
        unit = resolve_org_unit(request.GET.get("org_unit", "330000"))
    except NotFound as exc:
        raise Http404 from exc
    if not has_perm(request.user, "values.read", org_unit=unit):
        raise Http404
    programme = selectors.programmes().first()
    if programme is None:
        raise Http404
    language = translation.get_language() or "zh-hans"
    rows: list[dict[str, Any]] = []
    for indicator in selectors.indicators(programme).filter(is_supporting=False):
        p = progress_for(indicator, unit, basis=basis)
        rows.append(
            {
                "p": p,
                "target_text": describe_target(p.target, language) if p.target else "",
                "latest": format_cn(p.latest.value, indicator.unit) if p.latest else "",
                "expected": format_cn(Decimal(str(round(p.expected, 4))), indicator.unit)
                if p.expected is not None
                else "",
                "threshold": format_cn(p.threshold, indicator.unit) if p.threshold is not None else "",
            }
        )
    context = {
        "programme": programme,
        "unit": unit,
        "basis": basis,
        "rows": rows,
        "has_demo": any(r["p"].is_demo for r in rows),
    }
    return render(request, "web/progress.html", context)
