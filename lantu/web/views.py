"""Page views: thin, they read through selectors and render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

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
