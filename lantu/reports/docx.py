"""The report as a Word document (python-docx), the format government offices edit: a cover, a
contents field (Word fills it on opening, or with F9), headings, paragraphs, tables with units and
sources, and the charts as PNG images."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from lantu.reports.content import Report

FONT = "Noto Sans CJK SC"


def _east_asian_font(style: object, name: str = FONT) -> None:
    """Set a style's Latin and East Asian font (python-docx sets only the Latin one)."""
    font = style.font  # type: ignore[attr-defined]
    font.name = name
    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _toc(document: object) -> None:
    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-2" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown_until_updated = OxmlElement("w:t")
    shown_until_updated.text = "（目录：在 Word 中右键“更新域”或按 F9 生成）"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown_until_updated, end):
        run._r.append(element)


def render_docx(report: Report) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
        _east_asian_font(document.styles[name])
    document.styles["Normal"].font.size = Pt(10.5)

    document.add_paragraph(report.title, style="Title")
    document.add_paragraph(report.subtitle)
    facts = document.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for label, value in report.cover:
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = label, value
    if report.is_demo:
        notice = document.add_paragraph().add_run(report.demo_notice)
        notice.bold = True
        notice.font.color.rgb = RGBColor(0x9C, 0x42, 0x21)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("目录", style="Heading 1")
    _toc(document)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    width = section.page_width - section.left_margin - section.right_margin
    for part in report.sections:
        document.add_heading(part.title, level=1)
        for paragraph in part.paragraphs:
            document.add_paragraph(paragraph)
        for chart in part.charts:
            document.add_picture(io.BytesIO(chart.png()), width=width)
            document.add_paragraph(chart.title + (f"。{chart.caption}" if chart.caption else ""), style="Caption")
        for t in part.tables:
            document.add_heading(t.title, level=2)
            table = document.add_table(rows=1, cols=len(t.header))
            table.style = "Table Grid"
            for cell, name in zip(table.rows[0].cells, t.header, strict=True):
                cell.text = name
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in t.cells:
                cells = table.add_row().cells
                for cell, (text, _) in zip(cells, row, strict=True):
                    cell.text = text
            document.add_paragraph(f"单位：{t.units_text}", style="Caption")
            document.add_paragraph(f"来源：{t.source}" + (f"。{t.note}" if t.note else ""), style="Caption")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
