"""The report download buttons in Chromium: the monitoring report from the cockpit and the assessment
report from the assessment page, each as PDF, Excel and Word, opened and read back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, log_in

pytestmark = pytest.mark.browser
#: A report is built on request (charts included): generous, but never asserted as a time.
DOWNLOAD_TIMEOUT = 120_000
ASSESSMENT = "DEMO-CITY-2023"


def _download(page: Page, link_name: str, within: str) -> tuple[str, bytes]:
    """Click a download link; the suggested file name and the bytes Chromium saved."""
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT) as info:
        page.locator(within).get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    assert download.failure() is None
    path = download.path()
    assert path is not None
    return download.suggested_filename, Path(path).read_bytes()


def _pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is not installed"
    pdf = tmp_path / name
    pdf.write_bytes(data)
    done = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _check(fmt: str, name: str, data: bytes, tmp_path: Path, words: list[str], sheets: list[str]) -> None:
    if fmt == "pdf":
        assert name.endswith(".pdf")
        assert data.startswith(b"%PDF")
        text = _pdf_text(data, tmp_path, name)
        for word in words:
            assert word in re.sub(r"\s+", "", text), word
    elif fmt == "xlsx":
        assert name.endswith(".xlsx")
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in sheets:
            assert sheet in workbook.sheetnames, (sheet, workbook.sheetnames)
        cover = "\n".join(str(c) for row in workbook["封面"].iter_rows(values_only=True) for c in row if c)
        assert words[0] in cover
    else:
        assert name.endswith(".docx")
        text = _docx_text(data)
        for word in words:
            assert word in text, word


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "docx"])
def test_monitoring_report_buttons_on_the_cockpit(page: Page, live_url: str, tmp_path: Path, fmt: str) -> None:
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    page.goto(live_url + "/")
    buttons = page.locator("p.report-downloads")
    expect(buttons).to_contain_text("下载监测报告")
    link = {"pdf": "PDF", "xlsx": "Excel", "docx": "Word"}[fmt]
    name, data = _download(page, link, "p.report-downloads")
    _check(fmt, name, data, tmp_path, ["深化数字浙江", "监测报告"], ["封面", "指标进展", "各市指标"])


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "docx"])
def test_assessment_report_buttons_on_the_assessment_page(page: Page, live_url: str, tmp_path: Path, fmt: str) -> None:
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    page.goto(f"{live_url}/assessments/{ASSESSMENT}/")
    expect(page.locator("p.report-downloads")).to_contain_text("下载评估报告")
    link = {"pdf": "PDF", "xlsx": "Excel", "docx": "Word"}[fmt]
    name, data = _download(page, link, "p.report-downloads")
    _check(fmt, name, data, tmp_path, ["评估报告", "杭州市"], ["封面", "排名", "分项得分"])
