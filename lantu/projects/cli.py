"""`lantu projects list|rollup`, `lantu projects investment import FILE.csv`, `lantu policies list`.

Thin: the commands read arguments and files, call the selectors and services the pages and the
API call, and print with rich. The acting user is ``--as USERNAME`` or, by default, the command
line itself as a system actor (recorded in the audit log as ``cli``).
"""

from __future__ import annotations

import argparse
import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from lantu.core.problems import InvalidInput, Problem

if TYPE_CHECKING:
    from lantu.projects.services import InvestmentRow

console = Console()

#: Accepted header names (Chinese or English, any case) → the field they fill.
COLUMNS: dict[str, str] = {
    "项目代码": "project",
    "project": "project",
    "报告期": "period",
    "period": "period",
    "完成投资": "amount",
    "完成投资（亿元）": "amount",
    "完成投资(亿元)": "amount",
    "amount": "amount",
    "说明": "note",
    "note": "note",
}
REQUIRED = ("project", "period", "amount")
MAX_BYTES = 10 * 1024 * 1024


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # What Chinese Excel writes for "CSV (comma delimited)".
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput.one(
                "", "无法识别文件编码：请另存为 UTF-8 CSV", "the file is neither UTF-8 nor GB18030 text"
            ) from None


def read_investment_csv(data: bytes) -> list[InvestmentRow]:
    """Read an investment file: header row (Chinese or English names), then one row per period.

    Row numbers are those a spreadsheet shows: the header is row 1. Unknown or missing
    columns are refused with every problem at once.
    """
    from lantu.projects.services import InvestmentRow

    if len(data) > MAX_BYTES:
        raise InvalidInput.one("", "文件过大（上限 10 MB）", "the file is larger than 10 MB")
    reader = csv.reader(io.StringIO(_decode(data)))
    try:
        header = next(reader, [])
        names = [COLUMNS.get(h.strip().lower(), COLUMNS.get(h.strip(), "")) for h in header]
        problems = [
            Problem(h.strip(), f"未知列“{h.strip()}”", f"unknown column {h.strip()!r}", 1)
            for h, n in zip(header, names, strict=True)
            if h.strip() and not n
        ]
        problems += [
            Problem(field, f"缺少“{field}”列", f"the column {field!r} is missing", 1)
            for field in REQUIRED
            if field not in names
        ]
        if problems:
            raise InvalidInput(problems)
        rows = []
        for number, fields in enumerate(reader, start=2):
            if not any(f.strip() for f in fields):
                continue
            values = {n: f.strip() for n, f in zip(names, fields, strict=False) if n}
            rows.append(
                InvestmentRow(
                    number,
                    values.get("project", ""),
                    values.get("period", ""),
                    values.get("amount", ""),
                    values.get("note", ""),
                )
            )
    except csv.Error as exc:
        raise InvalidInput.one("", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}", reader.line_num) from None
    return rows


def _actor(args: argparse.Namespace) -> Any:
    from lantu.monitoring.cli import _actor as monitoring_actor

    return monitoring_actor(args)


def _money(value: Decimal | None) -> str:
    from lantu.core.units import format_cn

    return "—" if value is None else format_cn(value, "亿元")


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _filters(args: argparse.Namespace) -> Any:
    from lantu.projects.selectors import ProjectFilters

    platform = {"yes": True, "no": False}.get(args.platform or "")
    return ProjectFilters(area=args.area or "", unit=args.unit or "", status=args.status or "", platform=platform)


def cmd_list(args: argparse.Namespace) -> int:
    from lantu.projects import selectors

    found = selectors.rows(selectors.filtered(_filters(args)))
    table = Table(title=f"重大项目 (major projects): {len(found)}")
    for name in ("代码 code", "名称 name", "所在地 location", "领域 area", "计划 planned", "完成 done", "完成率 rate"):
        table.add_column(name, overflow="fold", no_wrap=name.startswith("代码"))
    table.add_column("状态 status", overflow="fold")
    for r in found:
        p = r.project
        name = p.name_zh + (" [示例数据 demo]" if p.is_demo else "") + (" [万亩千亿]" if p.is_platform else "")
        table.add_row(
            p.code,
            name,
            p.org_unit.name_zh if p.org_unit else "—",
            p.area.name_zh if p.area else "—",
            _money(p.planned_investment),
            _money(r.completed),
            _rate(r.rate),
            p.get_status_display(),
        )
    console.print(table)
    return 0


def cmd_rollup(args: argparse.Namespace) -> int:
    from lantu.projects import selectors

    result = selectors.rollup(selectors.rows(selectors.filtered(_filters(args))))
    groups = result.by_city if args.by == "city" else result.by_area
    title = "按地市 (by city)" if args.by == "city" else "按领域 (by area)"
    table = Table(title=f"重大项目投资 {title}")
    for name in ("分组 group", "项目 projects", "计划 planned", "完成 done", "完成率 rate", "无计划 no plan"):
        table.add_column(name, overflow="fold", no_wrap=name.startswith("代码"))
    for name, g in [*groups, ("合计 total", result.total)]:
        table.add_row(name, str(g.projects), _money(g.planned), _money(g.completed), _rate(g.rate), str(g.without_plan))
    console.print(table)
    if result.total.without_plan:
        console.print(
            f"{result.total.without_plan} 个项目没有计划总投资，不计入完成率 "
            f"({result.total.without_plan} projects have no planned investment and are left out of the rates)"
        )
    return 0


def cmd_import_investment(args: argparse.Namespace) -> int:
    from lantu.projects.services import import_investments

    path = Path(args.file)
    if not path.is_file():
        console.print(f"[red]错误 (error):[/] 文件不存在 (no such file): {path}")
        return 2
    rows = read_investment_csv(path.read_bytes())
    result = import_investments(_actor(args), rows)
    console.print(
        f"已导入 (imported): {result.written} 个新版本 (new versions), {result.unchanged} 个未变化 (unchanged)"
    )
    return 0


def cmd_policies(args: argparse.Namespace) -> int:
    from lantu.policies import selectors

    found = selectors.rows(selectors.filtered(status=args.status or "", area=args.area or "", issuer=args.issuer or ""))
    table = Table(title=f"政策 (policies): {len(found)}")
    for name in ("代码 code", "标题 title", "文号 number", "发文机关 issuer", "状态 status", "措施 measures", "已落地"):
        table.add_column(name, overflow="fold", no_wrap=name.startswith("代码"))
    for r in found:
        p = r.policy
        share = r.implemented_share
        table.add_row(
            p.code,
            p.title_zh + (" [示例数据 demo]" if p.is_demo else ""),
            p.doc_number or "—",
            p.issuer or (p.issuer_department.name_zh if p.issuer_department else "—"),
            p.get_status_display(),
            str(r.measures),
            "—" if share is None else f"{share * 100:.0f}%",
        )
    console.print(table)
    return 0


def _filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--area", help="area code (its sub-areas included)")
    parser.add_argument("--unit", help="org unit code (a city or county, and what lies in it)")
    parser.add_argument("--status", help="planned, under_construction, completed or suspended")
    parser.add_argument("--platform", choices=["yes", "no"], help="only (or no) “万亩千亿” platforms")


def register(sub: Any) -> None:
    """Add `lantu projects …` and `lantu policies …` to the `lantu` parser."""
    p_projects = sub.add_parser("projects", help="the major-project list (重大项目)")
    projects_sub = p_projects.add_subparsers(dest="projects_command", required=True)

    p_list = projects_sub.add_parser("list", help="projects with planned and completed investment")
    _filter_arguments(p_list)
    p_list.set_defaults(func=cmd_list)

    p_rollup = projects_sub.add_parser("rollup", help="investment by city or by area, with completion rates")
    p_rollup.add_argument("--by", choices=["city", "area"], default="city")
    _filter_arguments(p_rollup)
    p_rollup.set_defaults(func=cmd_rollup)

    p_investment = projects_sub.add_parser("investment", help="investment completed per period")
    investment_sub = p_investment.add_subparsers(dest="investment_command", required=True)
    p_import = investment_sub.add_parser(
        "import", help="import a CSV: 项目代码/project, 报告期/period, 完成投资/amount, 说明/note (all or nothing)"
    )
    p_import.add_argument("file")
    p_import.add_argument("--as", dest="as_user", help="act as this user (default: the command line)")
    p_import.set_defaults(func=cmd_import_investment)

    p_policies = sub.add_parser("policies", help="the policy system (政策体系)")
    policies_sub = p_policies.add_subparsers(dest="policies_command", required=True)
    p_plist = policies_sub.add_parser("list", help="policies with their measures put into effect")
    p_plist.add_argument("--status", help="drafting, issued, in_force or expired")
    p_plist.add_argument("--area", help="area code")
    p_plist.add_argument("--issuer", help="issuer (text) or drafting department code")
    p_plist.set_defaults(func=cmd_policies)
