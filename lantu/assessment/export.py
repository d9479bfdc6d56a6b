"""Every table of an assessment as one Excel workbook (openpyxl): results, scores and ranks per level,
contributions, raw inputs, weights, notes, rubric scores and reviews, and the statistical audit."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from lantu.assessment import selectors
from lantu.assessment.models import Assessment

DEMO_NOTE = "示例数据 (demo data): 本评估使用程序生成的示例数据，并非真实统计数据。"


def _sheet(book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], demo: bool) -> None:
    sheet = book.create_sheet(title[:31])
    if demo:
        sheet.append([DEMO_NOTE])
    sheet.append(list(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))


def export_workbook(assessment: Assessment, *, include_scores: bool) -> bytes:
    """The workbook's bytes. ``include_scores`` adds individual evaluators' scores and reviews
    (the programme office's view); others see the accepted means through the results."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    demo = assessment.is_demo
    framework = selectors.framework_of(assessment.method)
    names = framework.names
    run = selectors.current_run(assessment)
    _sheet(
        book,
        "评估 Assessment",
        ["项目 field", "值 value"],
        [
            ["代码 code", assessment.code],
            ["名称 title", assessment.title_zh],
            ["年度 year", assessment.year],
            ["对象 subject", assessment.get_subject_display()],
            ["比较组 peer group", assessment.peer_group or "—"],
            ["状态 status", assessment.get_status_display()],
            ["方法 method", str(assessment.method)],
            ["方法SHA-256 method hash", assessment.method.sha256],
            ["计算序号 run", run.number if run else "—"],
        ],
        demo,
    )
    tree = framework.tree
    _sheet(
        book,
        "方法 Method",
        ["code", "name", "parent", "weight", "direction", "level", "source"],
        [
            [
                c,
                names[c],
                tree.nodes[c].parent or "",
                tree.nodes[c].weight,
                tree.nodes[c].direction,
                tree.nodes[c].level,
                str(framework.sources.get(c, "")),
            ]
            for c in tree.order
        ],
        demo,
    )
    if run is not None:
        results = selectors.results(run)
        _sheet(
            book,
            "结果 Results",
            [
                "单位代码 unit",
                "单位 name",
                "得分 score",
                "排名 rank",
                "排名区间下限 low",
                "排名区间上限 high",
                "排名中位数 median",
                "上年排名 last year",
            ],
            [
                [r.unit_code, r.unit_name, r.score, r.rank, r.rank_low, r.rank_high, r.rank_median, r.previous_rank]
                for r in results
            ],
            demo,
        )
        levels = list(tree.aggregates)
        _sheet(
            book,
            "各层得分 Scores",
            ["单位代码 unit", "单位 name", *[f"{c} {names[c]}" for c in levels]],
            [[r.unit_code, r.unit_name, *[r.scores.get(c) for c in levels]] for r in results],
            demo,
        )
        _sheet(
            book,
            "各层排名 Ranks",
            ["单位代码 unit", "单位 name", *[f"{c} {names[c]}" for c in levels]],
            [[r.unit_code, r.unit_name, *[r.ranks.get(c) for c in levels]] for r in results],
            demo,
        )
        indicators = list(tree.indicators)
        _sheet(
            book,
            "贡献 Contributions",
            ["单位代码 unit", "单位 name", *[f"{c} {names[c]}" for c in indicators]],
            [[r.unit_code, r.unit_name, *[r.contributions.get(c) for c in indicators]] for r in results],
            demo,
        )
        inputs = run.inputs
        _sheet(
            book,
            "原始数据 Inputs",
            ["单位代码 unit", *[f"{c} ({inputs['sources'].get(c, '')})" for c in inputs["codes"]]],
            [[u, *row] for u, row in zip(inputs["units"], inputs["values"], strict=True)],
            demo,
        )
        _sheet(book, "权重 Weights", ["code", "weight"], sorted((run.weights or {}).items()), demo)
        _sheet(book, "计算说明 Notes", ["说明 note"], [[n] for n in run.notes], demo)
        for name, table in (run.audit_tables or {}).items():
            header = table.get("header", [])
            _sheet(book, f"审计 {name}", header, table.get("rows", []), demo)
    _sheet(
        book,
        "评分项 Rubric",
        ["code", "内容 text", "满分 max", "权重 weight", "支柱 pillar"],
        [[i.code, i.text_zh, float(i.max_score), float(i.weight), i.pillar] for i in selectors.rubric(assessment)],
        demo,
    )
    if include_scores:
        _sheet(
            book,
            "评分 Scores by evaluator",
            [
                "单位 unit",
                "评分项 item",
                "评估员 evaluator",
                "版本 version",
                "得分 score",
                "评语 comment",
                "佐证 evidence",
                "状态 state",
            ],
            [
                [
                    s.unit_code,
                    s.item.code,
                    s.actor_label,
                    s.version,
                    float(s.score),
                    s.comment,
                    " ".join(str(e.get("url") or f"evidence:{e.get('evidence')}") for e in s.evidence),
                    selectors.score_state(s),
                ]
                for s in selectors.latest_scores(assessment)
            ],
            demo,
        )
        _sheet(
            book,
            "审核 Reviews",
            [
                "提交 submission",
                "评估员 evaluator",
                "提交时间 submitted",
                "结论 decision",
                "意见 comment",
                "审核人 reviewer",
            ],
            [
                [
                    v.submission.number,
                    v.submission.actor_label,
                    v.submission.created_at.replace(tzinfo=None),
                    v.review.decision if v.review else "",
                    v.review.comment if v.review else "",
                    v.review.actor_label if v.review else "",
                ]
                for v in selectors.submissions(assessment)
            ],
            demo,
        )
        _sheet(
            book,
            "利益冲突声明 Declarations",
            ["单位 unit", "评估员 evaluator", "版本 version", "存在冲突 conflict", "说明 statement"],
            [
                [d.unit_code, d.actor_label, d.version, d.has_conflict, d.statement]
                for d in selectors.all_declarations(assessment)
            ],
            demo,
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
