"""The report as an Excel workbook (openpyxl): a cover sheet (title, facts, approval status, demo
notice, contents, method notes), then one sheet per table with its units row and its source, and a
"图表" sheet with the charts as PNG images."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lantu.reports.content import Cell, Report

BOLD = Font(bold=True)
HEAD = PatternFill("solid", fgColor="EEF2F6")
DEMO = Font(bold=True, color="9C4221")


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", name)[:28] or "表"
    found, n = base, 2
    while found in used:
        found, n = f"{base[:26]}{n}", n + 1
    used.add(found)
    return found


def _value(cell: Cell) -> str | int | float | None:
    """Numbers stay numbers (Decimal as float, which Excel stores anyway)."""
    if isinstance(cell, Decimal):
        return float(cell)
    return cell


def render_xlsx(report: Report, charts: bool = True) -> bytes:
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = "封面"
    used = {"封面"}
    cover.append([report.title])
    cover["A1"].font = Font(bold=True, size=16)
    cover.append([report.subtitle])
    cover.append([])
    for label, value in report.cover:
        cover.append([label, value])
        cover.cell(cover.max_row, 1).font = BOLD
    if report.is_demo:
        cover.append([])
        cover.append([report.demo_notice])
        cover.cell(cover.max_row, 1).font = DEMO
    cover.append([])
    cover.append(["目录"])
    cover.cell(cover.max_row, 1).font = BOLD
    for section in report.sections:
        cover.append([section.title, "、".join(t.title for t in section.tables)])
    for section in report.sections:
        if section.paragraphs:
            cover.append([])
            cover.append([section.title])
            cover.cell(cover.max_row, 1).font = BOLD
            for paragraph in section.paragraphs:
                cover.append(["", paragraph])
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 100

    for table in report.tables:
        ws = wb.create_sheet(_sheet_name(table.key, used))
        ws.append([table.title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(table.header)
        for cell in ws[2]:
            cell.font, cell.fill = BOLD, HEAD
        ws.append([f"单位：{u}" if u else "" for u in table.units])
        for cell in ws[3]:
            cell.font = Font(italic=True, color="52606D")
        for row in table.rows:
            ws.append([_value(c) for c in row])
        ws.append([])
        ws.append([f"来源：{table.source}"])
        if table.note:
            ws.append([table.note])
        if report.is_demo:
            ws.append([report.demo_notice])
            ws.cell(ws.max_row, 1).font = DEMO
        ws.freeze_panes = "A4"
        for i, name in enumerate(table.header, start=1):
            longest = max([len(str(name)), *(len(str(r[i - 1] or "")) for r in table.rows)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest * 1.8 + 2))
        for row in ws.iter_rows(min_row=4, max_row=3 + len(table.rows)):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    if charts and report.charts:
        ws = wb.create_sheet(_sheet_name("图表", used))
        at = 1
        for chart in report.charts:
            ws.cell(at, 1, chart.title).font = BOLD
            image = Image(io.BytesIO(chart.png()))
            image.width, image.height = image.width // 2, image.height // 2
            ws.add_image(image, f"A{at + 1}")
            at += int(image.height / 20) + 3
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
