"""The report as PDF: a Django template (``reports/report.html``) → HTML → WeasyPrint.

A4 pages with page numbers, a cover, contents with page numbers, charts inline as SVG; the font
family is "Noto Sans CJK SC" (Debian's ``fonts-noto-cjk``, installed by ``make install``).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from lantu.reports.content import Report


def render_html(report: Report) -> str:
    sections: list[dict[str, Any]] = [
        {
            "title": s.title,
            "paragraphs": s.paragraphs,
            "charts": s.charts,
            "tables": [
                {
                    "title": t.title,
                    "header": t.header,
                    "cells": t.cells,
                    "units_text": t.units_text,
                    "source": t.source,
                    "note": t.note,
                }
                for t in s.tables
            ],
        }
        for s in report.sections
    ]
    with translation.override("zh-hans"):
        return render_to_string("reports/report.html", {"report": report, "sections": sections})


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=render_html(report)).write_pdf()
    return pdf
