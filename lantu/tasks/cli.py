"""`lantu tasks import FILE [--dry-run]`, `lantu tasks export FILE`, `lantu tasks list [--light red]`.

Thin: each command calls the same services and selectors as the pages and the API. The acting
user is ``--as USERNAME`` or, by default, the command line as a system actor (audited as ``cli``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


def _actor(args: argparse.Namespace) -> Any:
    from lantu.monitoring.cli import _actor as actor

    return actor(args)


def cmd_import(args: argparse.Namespace) -> int:
    from lantu.tasks.services.qingdan import import_task_list, preview_task_list

    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]错误 (error):[/] 文件不存在 (no such file): {path}")
        return 2
    data = path.read_bytes()
    if args.dry_run:
        result = preview_task_list(_actor(args), args.programme, data, prefix=args.prefix)
        for row in result.rows:
            for p in row.problems:
                console.print(f"[red]错误 (error):[/] 第 {p.row} 行 (row {p.row}), {p.field}: {p.message_zh}")
        for p in result.problems:
            if p.row is None:
                console.print(f"[red]错误 (error):[/] {p.message_zh}")
        verb = "校验完成，未写入 (checked, nothing written)"
        if result.problems:
            console.print(f"{verb}: {len(result.problems)} 个问题 (problems)")
            return 2
    else:
        result = import_task_list(_actor(args), args.programme, data, prefix=args.prefix)
        verb = "已导入 (imported)"
    console.print(
        f"{verb}: 新建 {result.created} (created), 更新 {result.updated} (updated), "
        f"未变化 {result.unchanged} (unchanged)"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from lantu.tasks.selectors import export_task_list

    Path(args.file).write_bytes(export_task_list(args.programme))
    console.print(f"已导出 (exported): {args.file}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from lantu.tasks import selectors

    filters = selectors.TaskFilters(
        area=args.area or "",
        unit=args.unit or "",
        status=args.status or "",
        light=args.light or "",
        programme=args.programme,
    )
    found = selectors.filtered_rows(filters, dt.date.today())
    table = Table("代码 code", "任务 task", "牵头 lead", "完成时限 deadline", "进度 %", "督办 light", "说明 why")
    for row in found:
        t = row.task
        table.add_row(
            t.code,
            t.title_zh,
            selectors.lead_name(t),
            t.deadline.isoformat() if t.deadline else "",
            str(t.progress_pct) if t.progress_pct is not None else "",
            row.colour,
            row.reason_zh,
        )
    console.print(table)
    console.print(f"共 {len(found)} 项 ({len(found)} tasks)")
    return 0


def register(sub: Any) -> None:
    """Add `lantu tasks …` to the `lantu` parser."""
    p_tasks = sub.add_parser("tasks", help="the task list: import and export the 清单 sheet, list with lights")
    tasks_sub = p_tasks.add_subparsers(dest="tasks_command", required=True)

    p_import = tasks_sub.add_parser("import", help="import a task list sheet (.xlsx, 清单 layout), all or nothing")
    p_import.add_argument("file")
    p_import.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    p_import.add_argument("--programme", default="DZJ")
    p_import.add_argument("--prefix", default="QD", help="code prefix for rows without a 任务代码 (QD-1, QD-1-1 …)")
    p_import.add_argument("--as", dest="as_user", help="act as this user (default: the command line)")
    p_import.set_defaults(func=cmd_import)

    p_export = tasks_sub.add_parser("export", help="write the task list as an .xlsx sheet in the 清单 layout")
    p_export.add_argument("file")
    p_export.add_argument("--programme", default="DZJ")
    p_export.set_defaults(func=cmd_export)

    p_list = tasks_sub.add_parser("list", help="list tasks with their supervision lights")
    p_list.add_argument("--light", choices=["red", "yellow", "green", "grey"])
    p_list.add_argument("--status", choices=["not_started", "in_progress", "done", "suspended"])
    p_list.add_argument("--area", help="area code")
    p_list.add_argument("--unit", help="dept:CODE or unit:CODE (lead or cooperating)")
    p_list.add_argument("--programme", default="")
    p_list.set_defaults(func=cmd_list)
