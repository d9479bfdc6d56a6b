"""`lantu exchange export|import|mapping load`: the same functions as the API."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

console = Console()


def cmd_export(args: argparse.Namespace) -> int:
    from lantu.exchange.exports import export
    from lantu.monitoring.cli import _actor

    data = export(
        _actor(args),
        args.format,
        indicators=args.indicator or None,
        period=args.period,
        org_unit=args.org_unit,
        basis=args.basis,
        system=args.system,
    )
    Path(args.out).write_bytes(data)
    console.print(f"已导出 (exported) {args.format} → {args.out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from lantu.core.exchange import FormatError
    from lantu.exchange.imports import import_payload
    from lantu.monitoring.cli import _actor

    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]错误 (error):[/] 文件不存在 (no such file): {path}")
        return 2
    try:
        result = import_payload(
            _actor(args), args.format, path.read_bytes(), system=args.system, dry_run=args.dry_run, source=args.source
        )
    except FormatError as exc:
        console.print(f"[red]错误 (error):[/] {exc}")
        return 2
    verb = "校验通过，未写入 (checked, nothing written)" if result.dry_run else "已导入 (imported)"
    console.print(f"{verb}: {result.written} 个新版本 (new versions), {result.unchanged} 个未变化 (unchanged)")
    return 0


def cmd_mapping_load(args: argparse.Namespace) -> int:
    from lantu.exchange.services import load_mappings
    from lantu.monitoring.cli import _actor

    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]错误 (error):[/] 文件不存在 (no such file): {path}")
        return 2
    count = load_mappings(_actor(args), args.system, path.read_bytes())
    console.print(f"已载入映射 (mappings loaded): {count} 行 (rows) → {args.system}")
    return 0


def register(sub: Any) -> None:
    """Add `lantu exchange …` to the `lantu` parser."""
    p_exchange = sub.add_parser("exchange", help="SDMX and DHIS2 exchange: export, import, mapping tables")
    verbs = p_exchange.add_subparsers(dest="exchange_command", required=True)

    p_export = verbs.add_parser("export", help="export values as SDMX-ML, SDMX-CSV, DHIS2 JSON or ADX")
    p_export.add_argument("format", choices=["sdmx", "sdmx-csv", "dhis2", "adx"])
    p_export.add_argument("--indicator", action="append", help="indicator code (repeatable)")
    p_export.add_argument("--period")
    p_export.add_argument("--org-unit", help="GB/T 2260 code: this unit and the units below it")
    p_export.add_argument("--basis", choices=["approved", "preliminary"], default="approved")
    p_export.add_argument("--system", help="mapping table (DHIS2 formats)")
    p_export.add_argument("--out", required=True)
    p_export.add_argument("--as", dest="as_user")
    p_export.set_defaults(func=cmd_export)

    p_import = verbs.add_parser("import", help="import SDMX-CSV, DHIS2 JSON or ADX as drafts (all or nothing)")
    p_import.add_argument("file")
    p_import.add_argument("--format", required=True, choices=["sdmx-csv", "dhis2", "adx"])
    p_import.add_argument("--system", help="mapping table (DHIS2 formats)")
    p_import.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    p_import.add_argument("--source", default="", help="where the figures come from")
    p_import.add_argument("--as", dest="as_user")
    p_import.set_defaults(func=cmd_import)

    p_mapping = verbs.add_parser("mapping", help="mapping tables")
    mapping_verbs = p_mapping.add_subparsers(dest="mapping_command", required=True)
    p_load = mapping_verbs.add_parser("load", help="load kind,lantu_code,external_code[,active] rows")
    p_load.add_argument("file")
    p_load.add_argument("--system", required=True)
    p_load.add_argument("--as", dest="as_user")
    p_load.set_defaults(func=cmd_mapping_load)
