"""`lantu import values`, `lantu export values`, `lantu template`, `lantu rollup`.

Thin: each command reads its arguments, calls the same functions the web pages and the API
call, and prints. The acting user is ``--as USERNAME`` (checked like any user) or, by default,
the command line itself as a system actor, which is recorded in the audit log as ``cli``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

console = Console()


def _actor(args: argparse.Namespace) -> Any:
    from django.contrib.auth import get_user_model

    from lantu.accounts.permissions import SystemActor
    from lantu.accounts.service import NotFound

    if args.as_user:
        user = get_user_model().objects.filter(username=args.as_user, is_active=True).first()
        if user is None:
            raise NotFound("用户", args.as_user)
        return user
    return SystemActor("cli")


def cmd_import_values(args: argparse.Namespace) -> int:
    from lantu.monitoring.files import import_file

    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]错误 (error):[/] 文件不存在 (no such file): {path}")
        return 2
    with console.status(f"正在导入 (importing) {path.name} …"):
        result = import_file(
            _actor(args),
            path.name,
            path.read_bytes(),
            round_code=args.round,
            dry_run=args.dry_run,
            source=args.source or path.name,
            approved=args.approved,
            demo=False,
        )
    verb = "校验通过，未写入 (checked, nothing written)" if result.dry_run else "已导入 (imported)"
    console.print(f"{verb}: {result.written} 个新版本 (new versions), {result.unchanged} 个未变化 (unchanged)")
    for flag in result.flags:
        indicator, unit, period = flag.cell
        console.print(f"[yellow]提示 (warning):[/] {indicator} {unit} {period}: {flag.message_zh}")
    return 0


def cmd_export_values(args: argparse.Namespace) -> int:
    from lantu.monitoring.files import export_csv

    data = export_csv(_actor(args), indicators=args.indicator or (), period=args.period, basis=args.basis)
    if args.out:
        Path(args.out).write_bytes(data)
        rows = data.count(b"\n") - 1
        console.print(f"已导出 (exported) {rows} 行 (rows) → {args.out}")
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from lantu.monitoring.files import template

    out = Path(args.out or f"{args.round}-{args.org_unit}.xlsx")
    out.write_bytes(template(args.round, args.org_unit))
    console.print(f"模板已生成 (template written) → {out}")
    return 0


def cmd_rollup(args: argparse.Namespace) -> int:
    from lantu.monitoring.services.aggregates import rebuild_aggregates

    with console.status("正在汇总 (rolling up) …"):
        counts = rebuild_aggregates(_actor(args), args.programme)
    console.print(f"已重算汇总值 (aggregates rebuilt): {counts}")
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    import datetime as dt

    from lantu.monitoring.models import ReportingRound, RoundStatus
    from lantu.monitoring.services.rounds import send_reminders
    from lantu.tasks.services.reminders import send_task_reminders

    today = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    for code in ReportingRound.objects.filter(status=RoundStatus.OPEN).values_list("code", flat=True):
        result = send_reminders(_actor(args), code, today)
        if result.reminded_units:
            console.print(f"{code}: 已提醒 (reminded) {len(result.reminded_units)} 个单位, {result.days_left} 天")
    # The task list's supervision reminders and late notices go out with the same daily run.
    tasks = send_task_reminders(_actor(args), today)
    for task_code, lines in tasks.sent.items():
        console.print(
            f"{task_code}: {'；'.join(lines)} → {', '.join(tasks.recipients[task_code]) or '（无接收人 no recipient）'}"
        )
    return 0


def register(sub: Any) -> None:
    """Add the monitoring commands to the `lantu` parser."""
    p_import = sub.add_parser("import", help="import values from a CSV or a filled Excel template")
    p_import.add_argument("what", choices=["values"])
    p_import.add_argument("file")
    p_import.add_argument("--round", help="the reporting round the values belong to")
    p_import.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    p_import.add_argument("--approved", action="store_true", help="record as approved (published statistics)")
    p_import.add_argument("--source", default="", help="where the figures come from")
    p_import.add_argument("--as", dest="as_user", help="act as this user (default: the command line)")
    p_import.set_defaults(func=cmd_import_values)

    p_export = sub.add_parser("export", help="export values as CSV (the import format)")
    p_export.add_argument("what", choices=["values"])
    p_export.add_argument("--indicator", action="append", help="indicator code (repeatable)")
    p_export.add_argument("--period")
    p_export.add_argument("--basis", choices=["approved", "preliminary"], default="approved")
    p_export.add_argument("--out", help="file to write (default: standard output)")
    p_export.add_argument("--as", dest="as_user")
    p_export.set_defaults(func=cmd_export_values)

    p_template = sub.add_parser("template", help="the Excel template of one unit in one round")
    p_template.add_argument("round")
    p_template.add_argument("org_unit")
    p_template.add_argument("--out")
    p_template.set_defaults(func=cmd_template)

    p_rollup = sub.add_parser("rollup", help="recompute all stored aggregates of a programme")
    p_rollup.add_argument("--programme", default="DZJ")
    p_rollup.add_argument("--as", dest="as_user")
    p_rollup.set_defaults(func=cmd_rollup)

    p_remind = sub.add_parser(
        "remind", help="send the reporting and task reminders due today (run daily, e.g. from cron)"
    )
    p_remind.add_argument("--date", help="pretend today is this date (YYYY-MM-DD)")
    p_remind.add_argument("--as", dest="as_user")
    p_remind.set_defaults(func=cmd_remind)
