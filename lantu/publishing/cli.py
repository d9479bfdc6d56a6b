"""`lantu publish due [--now ISO]` and `lantu publish list`.

``due`` publishes the scheduled versions whose embargo has passed; run it every minute (cron or a
systemd timer), since a version becomes public only when it is published. Thin: it calls
:func:`lantu.publishing.services.publish_due`, as a system actor (audited as ``cli``) unless ``--as``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


def _actor(args: argparse.Namespace) -> Any:
    from lantu.monitoring.cli import _actor as actor

    return actor(args)


def cmd_due(args: argparse.Namespace) -> int:
    from lantu.accounts.service import InvalidInput
    from lantu.publishing.services import publish_due

    now = None
    if args.now:
        try:
            now = dt.datetime.fromisoformat(args.now)
        except ValueError:
            raise InvalidInput.one("now", f"时间“{args.now}”无效（ISO 8601）", "--now: not an ISO 8601 time") from None
        if now.tzinfo is None:
            raise InvalidInput.one("now", "时间须带时区，如 2024-05-01T09:00+08:00", "--now needs a time zone")
    published = publish_due(_actor(args), now=now)
    for version in published:
        console.print(f"已发布 (published): {version.dataset.code} v{version.number}")
    if not published:
        console.print("没有到期的版本 (nothing due)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from lantu.publishing.selectors import office_datasets

    table = Table("数据集 dataset", "名称 title", "版本 version", "状态 status", "发布时间 embargo / published")
    for dataset in office_datasets():
        versions = sorted(dataset.versions.all(), key=lambda v: -v.number)
        if not versions:
            table.add_row(dataset.code, dataset.title_zh, "—", "—", "—")
        for version in versions:
            moment = version.published_at or version.embargo_at
            table.add_row(
                dataset.code,
                dataset.title_zh,
                f"v{version.number}",
                version.status,
                moment.isoformat() if moment else "—",
            )
    console.print(table)
    return 0


def register(sub: Any) -> None:
    """Add `lantu publish …` to the `lantu` parser."""
    p_publish = sub.add_parser("publish", help="open data: publish versions whose embargo has passed, list datasets")
    publish_sub = p_publish.add_subparsers(dest="publish_command", required=True)
    p_due = publish_sub.add_parser("due", help="publish scheduled versions whose embargo has passed (run each minute)")
    p_due.add_argument("--now", help="the time to compare embargoes with (ISO 8601 with zone; default: now)")
    p_due.add_argument("--as", dest="as_user", help="act as this user (default: the command line)")
    p_due.set_defaults(func=cmd_due)
    p_list = publish_sub.add_parser("list", help="datasets and their versions with status")
    p_list.set_defaults(func=cmd_list)
