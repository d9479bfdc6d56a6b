"""The evaluation report: the method (with its hash), the ranking with rank intervals, the change
against last year, the rubric and its review, written as HTML (stored as a snapshot when published)
and as plain text."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from lantu.assessment import selectors
from lantu.assessment.models import Assessment, AssessmentRun


def render_report(assessment: Assessment, run: AssessmentRun) -> tuple[str, str]:
    """(HTML, text) of the report for ``run``; always in Chinese, the report's language of record."""
    framework = selectors.framework_of(assessment.method)
    tree = framework.tree
    pillars = list(tree.children(tree.root))
    results = selectors.results(run)
    accepted = [s for s in selectors.latest_scores(assessment) if selectors.score_state(s) == "accepted"]
    context = {
        "assessment": assessment,
        "run": run,
        "method": assessment.method,
        "results": results,
        "pillars": [(p, framework.names[p]) for p in pillars],
        "rows": [
            {
                "r": r,
                "pillar_scores": [r.scores.get(p) for p in pillars],
                "change": (r.previous_rank - r.rank) if r.rank is not None and r.previous_rank is not None else None,
            }
            for r in results
        ],
        "meta": [
            {
                "code": c,
                "name": framework.names[c],
                "parent": tree.nodes[c].parent or "",
                "weight": tree.nodes[c].weight,
                "level": tree.nodes[c].level,
                "source": str(framework.sources.get(c, "")),
            }
            for c in tree.order
        ],
        "rubric": selectors.rubric(assessment),
        "accepted": len(accepted),
        "evaluators": sorted({s.actor_label for s in accepted}),
        "declarations": selectors.all_declarations(assessment),
    }
    with translation.override("zh-hans"):
        html = render_to_string("web/assessment/_report_body.html", context)
    lines = [
        f"{assessment.title_zh}（{assessment.year}年）评估报告",
        f"方法：{assessment.method}，SHA-256 {assessment.method.sha256}",
        f"计算：第{run.number}次；稳健性：权重扰动±{int(run.robustness.get('noise', 0) * 100)}%，"
        f"{run.robustness.get('runs', 0)}次",
        "",
        "排名\t单位\t得分\t排名区间\t上年排名",
    ]
    for r in results:
        interval = f"{r.rank_low:.0f}–{r.rank_high:.0f}" if r.rank_low is not None and r.rank_high is not None else "—"
        score = f"{r.score:.1f}" if r.score is not None else "—"
        lines.append(f"{r.rank or '—'}\t{r.unit_name}\t{score}\t{interval}\t{r.previous_rank or '—'}")
    if assessment.is_demo:
        lines.insert(0, "示例数据：本报告基于程序生成的示例数据，并非真实评估结果。")
    return html, "\n".join(lines)
