"""`lantu assess method|create|run|publish|export …`.

Thin: each command calls the same services and selectors as the pages and the API. The acting
user is ``--as USERNAME`` or, by default, the command line as a system actor (audited as ``cli``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


def _actor(args: argparse.Namespace) -> Any:
    from lantu.monitoring.cli import _actor as actor

    return actor(args)


def cmd_run(args: argparse.Namespace) -> int:
    from lantu.assessment import selectors, services

    run = services.run_assessment(_actor(args), args.code)
    table = Table("排名 rank", "单位 unit", "得分 score", "排名区间 interval", "上年 last year")
    for r in selectors.results(run):
        interval = f"{r.rank_low:.0f}–{r.rank_high:.0f}" if r.rank_low is not None and r.rank_high is not None else "—"
        table.add_row(
            str(r.rank or "—"),
            r.unit_name,
            f"{r.score:.1f}" if r.score is not None else "—",
            interval,
            str(r.previous_rank or "—"),
        )
    console.print(table)
    for note in run.notes:
        console.print(f"  {note}")
    console.print(f"第 {run.number} 次计算 (run {run.number}); 方法 SHA-256 (method hash): {run.method_sha256}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from lantu.accounts.service import NotFound
    from lantu.assessment.export import export_workbook
    from lantu.assessment.models import Assessment

    assessment = Assessment.objects.select_related("method").filter(code=args.code).first()
    if assessment is None:
        raise NotFound("评估", args.code)
    Path(args.file).write_bytes(export_workbook(assessment, include_scores=True))
    console.print(f"已导出 (exported): {args.file}")
    return 0


def _text(path: str, field: str) -> str:
    """A file's text, UTF-8 (BOM allowed) or GB18030 (what Chinese Excel saves); anything else is refused."""
    from lantu.accounts.service import InvalidInput

    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    name = Path(path).name
    raise InvalidInput.one(
        field, f"无法识别文件“{name}”的编码：请另存为 UTF-8", f"{name} is neither UTF-8 nor GB18030 text"
    )


def _csv_rows(path: str, field: str = "meta") -> list[dict[str, str]]:
    """Rows of a UTF-8 (BOM allowed) or GB18030 CSV file as dicts keyed by the header."""
    import csv
    import io

    from lantu.accounts.service import InvalidInput

    reader = csv.DictReader(io.StringIO(_text(path, field)))
    try:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    except csv.Error as exc:
        raise InvalidInput.one(field, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}", reader.line_num) from None


def cmd_method(args: argparse.Namespace) -> int:
    from lantu.assessment import services

    for name in (args.meta, args.method):
        if not Path(name).is_file():
            console.print(f"[red]错误 (error):[/] 文件不存在 (no such file): {name}")
            return 2
    meta: list[dict[str, Any]] = []
    for row in _csv_rows(args.meta):
        # Empty cells are absent values (a root has no parent, an aggregate no source).
        meta.append({k: v for k, v in row.items() if v != ""})
    method = services.create_method_version(
        _actor(args), args.code, args.name, meta, _text(args.method, "method"), reason=args.reason
    )
    console.print(
        f"方法 {method.code} 第 {method.version} 版 (method version {method.version}); SHA-256 {method.sha256}"
    )
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from lantu.assessment import services

    rubric = [
        services.RubricSpec(
            code=row.get("code", ""),
            text_zh=row.get("text", "") or row.get("text_zh", ""),
            max_score=Decimal(row.get("max_score", "0") or "0"),
            weight=Decimal(row.get("weight", "1") or "1"),
        )
        for row in (_csv_rows(args.rubric, "rubric") if args.rubric else [])
    ]
    assessment = services.create_assessment(
        _actor(args),
        services.AssessmentSpec(
            code=args.code,
            programme_code=args.programme,
            title_zh=args.title,
            year=args.year,
            subject=args.subject,
            method_code=args.method,
            method_version=args.version,
            peer_group=args.peer_group or "",
            rubric=rubric,
        ),
    )
    for username in args.evaluator or []:
        services.assign_evaluator(_actor(args), assessment.code, username)
    console.print(f"已创建评估 (assessment created): {assessment.code}，{len(rubric)} 个评分项 (rubric items)")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from lantu.assessment import services

    report = services.publish_assessment(_actor(args), args.code)
    console.print(f"已发布 (published): {args.code}；报告第 {report.version} 版 (report version {report.version})")
    return 0


def register(sub: Any) -> None:
    """Add `lantu assess …` to the `lantu` parser."""
    p_assess = sub.add_parser("assess", help="appraisal (绩效考评): compute an assessment, export every table")
    assess_sub = p_assess.add_subparsers(dest="assess_command", required=True)
    p_run = assess_sub.add_parser("run", help="assemble the data, build the index, rank intervals; store a new run")
    p_run.add_argument("code")
    p_run.add_argument("--as", dest="as_user", help="act as this user (default: the command line)")
    p_run.set_defaults(func=cmd_run)
    p_export = assess_sub.add_parser("export", help="write every table of an assessment to an .xlsx workbook")
    p_export.add_argument("code")
    p_export.add_argument("file")
    p_export.set_defaults(func=cmd_export)
    p_method = assess_sub.add_parser(
        "method", help="store a new method version from META.csv (with a source column) and METHOD.yaml"
    )
    p_method.add_argument("code")
    p_method.add_argument("--name", required=True, help="the method's name (Chinese)")
    p_method.add_argument("--meta", required=True, help="META.csv: code,name,parent,weight,direction,level,source")
    p_method.add_argument("--method", required=True, help="METHOD.yaml (the steps, as for `lantu index build`)")
    p_method.add_argument("--reason", default="", help="why this version (kept with it)")
    p_method.add_argument("--as", dest="as_user")
    p_method.set_defaults(func=cmd_method)
    p_create = assess_sub.add_parser("create", help="create an assessment of cities, counties or departments")
    p_create.add_argument("code")
    p_create.add_argument("--title", required=True)
    p_create.add_argument("--year", type=int, required=True)
    p_create.add_argument("--subject", required=True, choices=["cities", "counties", "departments"])
    p_create.add_argument("--method", required=True, help="method code")
    p_create.add_argument("--version", type=int, help="method version (default: the latest)")
    p_create.add_argument("--peer-group", help="e.g. mountain26 (山区26县), see lantu/assessment/data/peer_groups.yaml")
    p_create.add_argument("--rubric", help="RUBRIC.csv: code,text,max_score,weight")
    p_create.add_argument("--programme", default="DZJ")
    p_create.add_argument("--evaluator", action="append", help="assign this evaluator (repeatable)")
    p_create.add_argument("--as", dest="as_user")
    p_create.set_defaults(func=cmd_create)
    p_publish = assess_sub.add_parser(
        "publish", help="publish (every score reviewed): freeze the method, write the report"
    )
    p_publish.add_argument("code")
    p_publish.add_argument("--as", dest="as_user")
    p_publish.set_defaults(func=cmd_publish)
