"""Pages of appraisal (绩效考评) and third-party evaluation (第三方评估).

Thin views: reads go through :mod:`lantu.assessment.selectors`, writes through the services; a
refused input comes back as the services' problems. Who sees what is the selectors' rule (office:
all; evaluators: their assessments; readers of values: published ones); others get 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from lantu.accounts.permissions import user_of
from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError
from lantu.assessment import selectors, services
from lantu.assessment.assembly import PeerGroup, peer_groups, units_for
from lantu.assessment.export import export_workbook
from lantu.assessment.models import Assessment, AssessmentRun, AssessmentStatus, UnitResult
from lantu.web.refusals import raise_if_denied

REFUSED = (InvalidInput, NotFound, PermissionDeniedError, Conflict)


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _refusal(exc: Exception) -> list[str]:
    if isinstance(exc, InvalidInput):
        return [p.message(english=_english()) for p in exc.problems]
    return [str(exc)]


def _get(request: HttpRequest, code: str) -> Assessment:
    try:
        return selectors.assessment_for(request.user, code)
    except NotFound as exc:
        raise Http404 from exc


def _nav(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    """What the assessment pages' navigation needs: which role links to show."""
    return {
        "is_office": selectors.is_office(request.user),
        "is_evaluator": selectors.is_evaluator_of(request.user, assessment),
    }


def fmt(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def _rank_rows(run: AssessmentRun | None) -> list[dict[str, Any]]:
    """Ranking rows with the rank interval drawn as a whisker over 1..N (percent positions)."""
    if run is None:
        return []
    found = selectors.results(run)
    n = max(len(found), 2)

    def pos(rank: float | None) -> float:
        return 0.0 if rank is None else round(100 * (rank - 1) / (n - 1), 1)

    rows = []
    for r in found:
        change = None
        if r.rank is not None and r.previous_rank is not None:
            change = r.previous_rank - r.rank  # positive: moved up
        low, high = r.rank_low, r.rank_high
        rows.append(
            {
                "r": r,
                "score": fmt(r.score),
                "interval": f"{fmt(low, 0)}–{fmt(high, 0)}" if low is not None and high is not None else "—",
                "left": pos(low),
                "width": max(pos(high) - pos(low), 1.0) if low is not None and high is not None else 0,
                "dot": pos(r.rank),
                "median": fmt(r.rank_median, 1),
                "change": change,
            }
        )
    return rows


def _names(assessment: Assessment) -> dict[str, str]:
    framework = selectors.framework_of(assessment.method)
    return dict(framework.names)


def _group_name(group: PeerGroup | None) -> str:
    if group is None:
        return ""
    return group.name_en if _english() else group.name_zh


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    found = list(selectors.visible(request.user).order_by("-year", "code"))
    groups = peer_groups()
    return render(
        request,
        "web/assessment/list.html",
        {
            "assessments": [
                {"a": a, "group": _group_name(groups.get(a.peer_group)) if a.peer_group else ""} for a in found
            ],
            "is_office": selectors.is_office(request.user),
            "has_demo": any(a.is_demo for a in found),
        },
    )


@login_required
def assessment_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Rankings: score, rank, rank interval (whisker), median rank, last year's rank and the change."""
    assessment = _get(request, code)
    run = selectors.current_run(assessment)
    framework = selectors.framework_of(assessment.method)
    group = peer_groups().get(assessment.peer_group) if assessment.peer_group else None
    pillars = list(framework.tree.children(framework.tree.root))
    return render(
        request,
        "web/assessment/detail.html",
        {
            "assessment": assessment,
            "run": run,
            "rows": _rank_rows(run),
            "pillars": [(c, framework.names[c]) for c in pillars],
            "group": group,
            **_nav(request, assessment),
            "report": selectors.latest_report(assessment),
            "statuses": AssessmentStatus,
            "next_status": {"drafting": "scoring", "scoring": "review", "review": "scoring"}.get(assessment.status),
        },
    )


@login_required
@require_POST
def assessment_action(request: HttpRequest, code: str) -> HttpResponse:
    """Office actions from the assessment page: compute again, or move the status."""
    assessment = _get(request, code)
    action = request.POST.get("action", "")
    try:
        if action == "run":
            run = services.run_assessment(request.user, assessment.code)
            messages.success(request, gettext("已重新计算（第 %(n)s 次）。") % {"n": run.number})
        elif action == "status":
            services.set_status(request.user, assessment.code, request.POST.get("status", ""))
            messages.success(request, gettext("状态已更新。"))
        else:
            raise Http404
    except REFUSED as exc:
        raise_if_denied(exc)
        for text in _refusal(exc):
            messages.error(request, text)
    return HttpResponseRedirect(reverse("assessment", args=[assessment.code]))


@login_required
def method_page(request: HttpRequest, code: str) -> HttpResponse:
    """The method as published with the results: META tree, YAML, hash and version history."""
    assessment = _get(request, code)
    method = assessment.method
    framework = selectors.framework_of(method)
    tree = framework.tree
    rows = []

    def walk(node: str, depth: int) -> None:
        n = tree.nodes[node]
        rows.append(
            {
                "code": node,
                "name": n.name,
                "level": n.level,
                "weight": n.weight,
                "direction": n.direction,
                "depth": depth,
                "indent": depth * 1.25,
                "source": str(framework.sources[node]) if node in framework.sources else "",
            }
        )
        for child in tree.children(node):
            walk(child, depth + 1)

    walk(tree.root, 0)
    run = selectors.current_run(assessment)
    return render(
        request,
        "web/assessment/method.html",
        {
            "assessment": assessment,
            "method": method,
            "rows": rows,
            "history": selectors.method_history(method.code),
            "rubric": selectors.rubric(assessment),
            "run": run,
            "weights": sorted((run.weights or {}).items()) if run else [],
            **_nav(request, assessment),
        },
    )


@login_required
def unit_page(request: HttpRequest, code: str, unit: str) -> HttpResponse:
    """One unit: pillar scores as a radar (numbers also in a table) and the contribution breakdown."""
    assessment = _get(request, code)
    run = selectors.current_run(assessment)
    if run is None:
        raise Http404
    result: UnitResult | None = run.results.filter(unit_code=unit).first()
    if result is None:
        raise Http404
    framework = selectors.framework_of(assessment.method)
    tree = framework.tree
    pillars = list(tree.children(tree.root))
    all_results = list(run.results.all())
    means = {
        p: (sum(v) / len(v) if (v := [r.scores.get(p) for r in all_results if r.scores.get(p) is not None]) else None)
        for p in pillars
    }
    inputs = run.inputs
    row_index = inputs["units"].index(unit) if unit in inputs["units"] else None
    raw = {c: inputs["values"][row_index][i] if row_index is not None else None for i, c in enumerate(inputs["codes"])}
    contributions = sorted(
        ((c, v) for c, v in result.contributions.items() if v is not None), key=lambda kv: -abs(kv[1])
    )
    levels = [
        {
            "code": c,
            "name": framework.names.get(c, c),
            "score": fmt(result.scores.get(c)),
            "rank": fmt(result.ranks.get(c), 0),
        }
        for c in tree.aggregates
    ]
    chart = {
        "indicators": [{"name": framework.names[p], "max": 100} for p in pillars],
        "unit": [result.scores.get(p) for p in pillars],
        "mean": [means[p] for p in pillars],
        "contributions": [{"name": framework.names.get(c, c), "value": v} for c, v in contributions],
        "labels": {
            "unit": result.unit_name,
            "mean": gettext("各单位平均"),
            "contribution": gettext("对总得分的贡献"),
        },
    }
    return render(
        request,
        "web/assessment/unit.html",
        {
            "assessment": assessment,
            "result": result,
            "pillars": [
                {"name": framework.names[p], "score": fmt(result.scores.get(p)), "mean": fmt(means[p])} for p in pillars
            ],
            "levels": levels,
            "contributions": [
                {
                    "code": c,
                    "name": framework.names.get(c, c),
                    "value": fmt(v, 2),
                    "raw": fmt(raw.get(c), 2),
                    "source": str(framework.sources[c]) if c in framework.sources else "",
                }
                for c, v in contributions
            ],
            "chart": chart,
            "total": fmt(result.score),
            **_nav(request, assessment),
        },
    )


def _cell(item: Any, score: Any) -> dict[str, Any]:
    """One rubric item of one unit on the evaluator's page: the latest score, its state and evidence."""
    return {
        "item": item,
        "score": score,
        "state": selectors.score_state(score) if score is not None else "",
        "evidence": "\n".join(
            str(e.get("url") or f"evidence:{e.get('evidence')}") for e in (score.evidence if score else [])
        ),
    }


def _evaluator_context(request: HttpRequest, assessment: Assessment, errors: list[str]) -> dict[str, Any]:
    user = user_of(request.user)
    assert user is not None
    units = units_for(assessment)
    declared = selectors.declarations(assessment, user.pk)
    scores = {(s.unit_code, s.item.code): s for s in selectors.latest_scores(assessment, user.pk)}
    items = selectors.rubric(assessment)
    rows = []
    for unit in units:
        d = declared.get(unit.code)
        rows.append(
            {
                "unit": unit,
                "declaration": d,
                "can_score": d is not None and not d.has_conflict,
                "items": [_cell(item, scores.get((unit.code, item.code))) for item in items],
            }
        )
    return {
        "assessment": assessment,
        "rows": rows,
        "items": items,
        "errors": errors,
        "open": assessment.status in (AssessmentStatus.SCORING, AssessmentStatus.REVIEW),
        "submissions": [s for s in selectors.submissions(assessment) if s.submission.evaluator_id == user.pk],
    }


@login_required
def evaluate_page(request: HttpRequest, code: str) -> HttpResponse:
    """The evaluator's page: declarations of conflicts per unit, rubric scores with evidence and comments, submit."""
    assessment = _get(request, code)
    if not selectors.is_evaluator_of(request.user, assessment):
        raise PermissionDenied  # the assessment is visible (else _get answered 404); the page is not theirs
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        unit = request.POST.get("unit", "")
        try:
            if action == "declare":
                services.declare_conflict(
                    request.user,
                    assessment.code,
                    unit,
                    has_conflict=request.POST.get("conflict") == "yes",
                    statement=request.POST.get("statement", ""),
                )
                messages.success(request, gettext("声明已保存。"))
            elif action == "score":
                services.score_item(
                    request.user,
                    assessment.code,
                    unit,
                    request.POST.get("item", ""),
                    request.POST.get("score", ""),
                    comment=request.POST.get("comment", ""),
                    evidence=request.POST.get("evidence", "").split(),
                )
                messages.success(request, gettext("评分已保存。"))
            elif action == "submit":
                services.submit_scores(request.user, assessment.code)
                messages.success(request, gettext("评分已提交，等待规划办公室审核。"))
            else:
                raise Http404
            return HttpResponseRedirect(reverse("assessment-evaluate", args=[assessment.code]) + f"#unit-{unit}")
        except REFUSED as exc:
            raise_if_denied(exc)
            errors = _refusal(exc)
    context = _evaluator_context(request, assessment, errors)
    return render(request, "web/assessment/evaluate.html", context, status=422 if errors else 200)


@login_required
def review_page(request: HttpRequest, code: str) -> HttpResponse:
    """The programme office: accept or return evaluators' submissions, declarations, publish."""
    assessment = _get(request, code)
    if not selectors.is_office(request.user):
        raise PermissionDenied  # visible assessment, not the office
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "review":
                services.review_submission(
                    request.user,
                    assessment.code,
                    int(request.POST.get("submission", "0") or 0),
                    request.POST.get("decision", ""),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, gettext("审核结论已保存。"))
            elif action == "assign":
                services.assign_evaluator(request.user, assessment.code, request.POST.get("username", "").strip())
                messages.success(request, gettext("已指派评估员。"))
            elif action == "publish":
                services.publish_assessment(request.user, assessment.code)
                messages.success(request, gettext("评估已发布，报告已生成。"))
                return HttpResponseRedirect(reverse("assessment-report", args=[assessment.code]))
            else:
                raise Http404
            return HttpResponseRedirect(reverse("assessment-review", args=[assessment.code]))
        except REFUSED as exc:
            raise_if_denied(exc)
            errors = _refusal(exc)
    return render(
        request,
        "web/assessment/review.html",
        {
            "assessment": assessment,
            "submissions": selectors.submissions(assessment),
            "declarations": selectors.all_declarations(assessment),
            "evaluators": assessment.evaluators.select_related("evaluator"),
            "unreviewed": selectors.unreviewed(assessment),
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@login_required
def report_page(request: HttpRequest, code: str) -> HttpResponse:
    """The evaluation report as published (a stored snapshot), printable; a preview before publication."""
    assessment = _get(request, code)
    report = selectors.latest_report(assessment)
    preview = None
    if report is None:
        from lantu.assessment.report import render_report

        run = selectors.current_run(assessment)
        if run is None:
            raise Http404
        preview, _ = render_report(assessment, run)
    return render(
        request,
        "web/assessment/report.html",
        {"assessment": assessment, "report": report, "preview": preview, **_nav(request, assessment)},
    )


@login_required
def export(request: HttpRequest, code: str) -> HttpResponse:
    """Every table of the assessment as one Excel workbook."""
    assessment = _get(request, code)
    data = export_workbook(assessment, include_scores=selectors.is_office(request.user))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.code}.xlsx"'
    return response
