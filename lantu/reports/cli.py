"""`lantu report monitoring|assessment --period 2023 [--assessment CODE] --format pdf|xlsx|docx --out FILE`.

Thin: builds the report with :mod:`lantu.reports.content` (as a system actor: the command line may
read everything, on the basis asked for) and renders it, with a rich progress bar.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lantu.core.problems import InvalidInput

console = Console()
FORMATS = ("pdf", "xlsx", "docx")


def render(report: object, fmt: str) -> bytes:
    from lantu.reports.content import Report

    assert isinstance(report, Report)
    if fmt == "pdf":
        from lantu.reports.pdf import render_pdf

        return render_pdf(report)
    if fmt == "xlsx":
        from lantu.reports.xlsx import render_xlsx

        return render_xlsx(report)
    from lantu.reports.docx import render_docx

    return render_docx(report)


def cmd_report(args: argparse.Namespace) -> int:
    from lantu.accounts.permissions import SystemActor
    from lantu.reports import content

    if args.kind == "assessment" and not args.assessment:
        raise InvalidInput.one("assessment", "评估报告需要 --assessment 代码", "--assessment CODE is required")
    actor = SystemActor("cli")
    steps = 6 if args.kind == "monitoring" else 3
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("读取数据", total=steps + 1)

        def step(name: str) -> None:
            bar.update(task, description=name, advance=1)

        if args.kind == "monitoring":
            report = content.monitoring_report(
                actor, args.period, programme_code=args.programme, basis=args.basis, step=step
            )
        else:
            report = content.assessment_report(actor, args.assessment, step=step)
        bar.update(task, description=f"生成 {args.format.upper()}")
        data = render(report, args.format)
        bar.update(task, completed=steps + 1, description="完成")
    out = Path(args.out or f"{report.slug}.{args.format}")
    out.write_bytes(data)
    console.print(f"已写入 {out}（{len(data):,} 字节）" + ("；含示例数据" if report.is_demo else ""))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="the monitoring or assessment report as PDF, Excel or Word")
    p.add_argument("kind", choices=("monitoring", "assessment"))
    p.add_argument("--period", default=None, help="2023 or 2023Q4 (monitoring report)")
    p.add_argument("--assessment", default=None, help="assessment code (assessment report)")
    p.add_argument("--programme", default=None, help="programme code (default: the first)")
    p.add_argument("--basis", default="approved", choices=("approved", "preliminary"))
    p.add_argument("--format", default="pdf", choices=FORMATS)
    p.add_argument("--out", default=None, help="output file (default: <kind>-<period>.<format>)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.kind == "monitoring" and not args.period:
        raise InvalidInput.one("period", "监测报告需要 --period（如 2023 或 2023Q4）", "--period is required")
    return cmd_report(args)
