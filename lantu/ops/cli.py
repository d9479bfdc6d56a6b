"""`lantu backup FILE` and `lantu restore FILE [--replace]`: operator commands.

Whoever runs them has the server's shell, so they act as the command line (audited as
``cli``); the work is done by :mod:`lantu.ops.services`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lantu.cli import console, progress_bar


def _run(action: Callable[[Callable[[str, int], Callable[[int], None]]], Any]) -> Any:
    from lantu.accounts.service import InvalidInput

    try:
        with progress_bar() as progress:

            def step(description: str, total: int) -> Callable[[int], None]:
                task = progress.add_task(description, total=total)
                return lambda n: progress.advance(task, n)

            return action(step)
    except InvalidInput as exc:
        # Operators read either language: say it in both.
        for problem in exc.problems:
            console.print(f"[red]错误 (error):[/] {problem.message_zh} ({problem.message_en})")
        return None


def cmd_backup(args: argparse.Namespace) -> int:
    from lantu.accounts.permissions import SystemActor
    from lantu.ops.services import backup_database

    path = Path(args.file)
    if path.exists() and not args.overwrite:
        console.print(f"[red]错误 (error):[/] 文件已存在 (file exists; use --overwrite): {path}")
        return 2
    manifest = _run(lambda step: backup_database(SystemActor("cli"), path, step=step))
    if manifest is None:
        return 2
    rows = sum(t.rows for t in manifest.tables)
    console.print(
        f"已备份 (backed up) {len(manifest.tables)} 个数据表 (tables), {rows} 行 (rows), "
        f"{len(manifest.files)} 个文件 (files) → {path}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from lantu.accounts.permissions import SystemActor
    from lantu.ops.services import restore_database

    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]错误 (error):[/] 文件不存在 (no such file): {path}")
        return 2
    manifest = _run(lambda step: restore_database(SystemActor("cli"), path, replace=args.replace, step=step))
    if manifest is None:
        return 2
    rows = sum(t.rows for t in manifest.tables)
    console.print(
        f"已恢复 (restored) {rows} 行 (rows), {len(manifest.files)} 个文件 (files) "
        f"← {path} (Lantu {manifest.lantu_version}, {manifest.engine}, {manifest.created_at})"
    )
    return 0


def register(sub: Any) -> None:
    """Add `lantu backup` and `lantu restore` to the `lantu` parser."""
    p_backup = sub.add_parser("backup", help="write the whole database to a portable archive (zip)")
    p_backup.add_argument("file")
    p_backup.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p_backup.set_defaults(func=cmd_backup)
    p_restore = sub.add_parser("restore", help="load an archive into an empty, migrated database (all or nothing)")
    p_restore.add_argument("file")
    p_restore.add_argument(
        "--replace", action="store_true", help="delete everything in the database first (not only an empty one)"
    )
    p_restore.set_defaults(func=cmd_restore)
