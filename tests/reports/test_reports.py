"""Reports: content from live (demo) data, the three renderers, the CLI and the download views.

The done-when check renders the monitoring report as PDF, turns page 1 into a PNG with pdftoppm
(saved to var/screenshots/report-page1.png) and checks it is not blank.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from lantu.accounts.permissions import SystemActor
from lantu.accounts.service import NotFound
from lantu.assessment.models import Assessment
from lantu.core.problems import InvalidInput
from lantu.reports import charts, content
from lantu.reports.docx import render_docx
from lantu.reports.pdf import render_pdf
from lantu.reports.xlsx import render_xlsx

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (make install) missing")


@pytest.fixture
def monitoring(demo_values: None) -> content.Report:
    return content.monitoring_report(AnonymousUser(), "2023")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# -- content ---------------------------------------------------------------------------------


def test_monitoring_content_from_demo_values(monitoring: content.Report) -> None:
    r = monitoring
    assert r.title == "深化数字浙江建设监测报告"
    assert r.period == "2023"
    assert r.basis == "approved"
    assert r.is_demo
    assert "示例数据" in r.demo_notice
    assert r.status_counts["approved"] > 0
    assert r.status_counts["draft"] == 0
    assert r.contents == [
        "一、主要指标进展",
        "二、各市情况",
        "三、任务清单落实情况",
        "四、重大项目推进情况",
        "五、方法说明",
    ]
    keys = [t.key for t in r.tables]
    assert keys == ["指标进展", "各市指标", "任务清单", "重大项目"]
    headline = r.tables[0]
    assert len(headline.rows) == 7  # the seven headline targets of the seed
    assert all(len(row) == len(headline.header) == len(headline.units) for row in headline.rows)
    latest = {row[1]: row[5] for row in headline.rows}
    assert set(latest.values()) <= {"2023", "2022", ""}
    cities = r.tables[1]
    assert len(cities.rows) == 11
    assert {row[0] for row in cities.rows} >= {"杭州市", "宁波市", "丽水市"}
    assert "省内各市" not in cities.units
    assert cities.units[:2] == ["", ""]
    assert all(cities.units[2:])
    assert any(row[0] == "T01" for row in r.tables[2].rows)
    assert [c.svg.startswith("<svg") for c in r.charts] == [True] * len(r.charts)
    assert any("<path" in c.svg and "杭州市" in c.svg for c in r.charts)  # the map


def test_a_period_cuts_later_values(demo_values: None) -> None:
    r = content.monitoring_report(AnonymousUser(), "2022Q4")
    assert r.period == "2022Q4"
    assert "第四季度" in r.subtitle
    assert {row[5] for row in r.tables[0].rows} <= {"2022", "2021", "2020", "2019", "2018", "2017", ""}


def test_bad_periods_are_refused_with_a_message() -> None:
    with pytest.raises(InvalidInput) as exc:
        content.parse_report_period("2023-04")
    assert "年度" in exc.value.problems[0].message_zh
    with pytest.raises(InvalidInput):
        content.parse_report_period("二〇二三")


def test_preliminary_needs_values_read(demo_values: None, leader: Any) -> None:
    assert content.monitoring_report(AnonymousUser(), "2023", basis="preliminary").basis == "approved"
    assert content.monitoring_report(leader, "2023", basis="preliminary").basis == "preliminary"


def test_assessment_content(demo_assessment: Assessment) -> None:
    r = content.assessment_report(SystemActor("system:test"), demo_assessment.code)
    assert r.is_demo
    assert "未发布" in r.subtitle
    assert [t.key for t in r.tables] == ["排名", "分项得分", "指标体系"]
    assert len(r.tables[0].rows) == 11
    notes = " ".join(r.sections[-1].paragraphs)
    assert demo_assessment.method.sha256 in notes


def test_unpublished_assessment_is_not_found_for_readers(demo_assessment: Assessment, leader: Any) -> None:
    with pytest.raises(NotFound):
        content.assessment_report(leader, demo_assessment.code)


# -- charts ----------------------------------------------------------------------------------


def test_charts_are_svg_and_png() -> None:
    bar = charts.bar_chart("进度", ["甲", "乙"], [50.0, None], unit="%", reference=100.0)
    assert "无数据" in bar
    assert "甲" in bar
    line = charts.line_chart(
        "值",
        [charts.LinePoint(2020, 1), charts.LinePoint(2021, 2)],
        [charts.LinePoint(2019, 0.5), charts.LinePoint(2022, 3)],
    )
    assert line.count("<path") == 2
    png = charts.to_png(line)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_choropleth_colours_by_value_with_a_legend() -> None:
    geo = charts.load_geojson()
    svg = charts.choropleth("图", geo, {"330100": 10.0, "330200": 20.0, "330300": None}, "%")
    assert svg.count("<path") == len(geo["features"]) == 11
    assert charts.SCALE[0] in svg
    assert charts.SCALE[-1] in svg
    assert charts.NO_DATA in svg
    assert "图例（%）" in svg


# -- renderers -------------------------------------------------------------------------------


@needs_poppler
def test_pdf_has_pages_chinese_text_and_a_non_blank_first_page(monitoring: content.Report, tmp_path: Path) -> None:
    data = render_pdf(monitoring)
    assert data.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 5
    text = _pdf_text(data, tmp_path)
    for words in ("深化数字浙江建设监测报告", "目录", "主要指标进展", "示例数据", "杭州市", "第 2 页"):
        assert words in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(path), str(tmp_path / "page1")],
        check=True,
    )
    from PIL import Image

    image = Image.open(tmp_path / "page1.png").convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:200]) / (image.width * image.height)
    assert dark > 0.005  # title, facts and the demo notice: not a blank page
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "page1.png", shots / "report-page1.png")


def test_xlsx_has_one_sheet_per_table_with_units_and_sources(monitoring: content.Report) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render_xlsx(monitoring)))
    assert wb.sheetnames == ["封面", "指标进展", "各市指标", "任务清单", "重大项目", "图表"]
    cover = [c for row in wb["封面"].iter_rows(values_only=True) for c in row if c]
    assert "深化数字浙江建设监测报告" in cover
    assert any("示例数据" in str(c) for c in cover)
    assert any("已审核" in str(c) for c in cover)
    ws = wb["各市指标"]
    assert ws["A2"].value == "城市"
    assert str(ws["C3"].value).startswith("单位：")
    assert isinstance(ws["C4"].value, float)  # numbers stay numbers
    assert any(str(row[0]).startswith("来源：") for row in ws.iter_rows(values_only=True) if row[0])
    assert getattr(wb["图表"], "_images", None)  # the charts as pictures


def test_docx_has_headings_tables_and_pictures(monitoring: content.Report) -> None:
    from docx import Document

    doc = Document(io.BytesIO(render_docx(monitoring)))
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == ["目录", *monitoring.contents]
    assert len(doc.tables) == 1 + len(monitoring.tables)  # the cover facts, then each table
    assert doc.tables[2].rows[0].cells[0].text == "城市"
    assert len(doc.inline_shapes) == len(monitoring.charts)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "单位：" in body
    assert "来源：" in body
    assert "示例数据" in body
    assert "TOC" in doc.element.xml  # the contents field


@needs_poppler
def test_assessment_pdf(demo_assessment: Assessment, tmp_path: Path) -> None:
    data = render_pdf(content.assessment_report(SystemActor("system:test"), demo_assessment.code))
    text = _pdf_text(data, tmp_path)
    assert "评估报告" in text
    assert "SHA-256" in text
    assert "杭州市" in text


# -- CLI and views ---------------------------------------------------------------------------


def test_cli_writes_a_report(demo_values: None, tmp_path: Path) -> None:
    from lantu.cli import main

    out = tmp_path / "m.xlsx"
    assert main(["report", "monitoring", "--period", "2023", "--format", "xlsx", "--out", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"
    assert main(["report", "monitoring", "--period", "2023-13", "--format", "pdf"]) == 2
    assert main(["report", "assessment", "--format", "pdf"]) == 2


def test_monitoring_download_view(demo_values: None, client: Client) -> None:
    response = client.get("/reports/monitoring.docx?period=2023")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert response["Content-Disposition"] == 'attachment; filename="monitoring-2023.docx"'
    assert client.get("/reports/monitoring.pdf?period=2023-99").status_code == 400
    assert client.get("/reports/monitoring.txt?period=2023").status_code == 404


def test_assessment_download_view_follows_the_pages(
    demo_assessment: Assessment, client: Client, admin_user: Any, leader: Any
) -> None:
    url = f"/reports/assessment/{demo_assessment.code}.xlsx"
    assert client.get(url).status_code == 404
    client.force_login(leader)
    assert client.get(url).status_code == 404  # not published yet
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="assessment-{demo_assessment.code}.xlsx"'


def test_download_buttons_on_the_pages(demo_assessment: Assessment, client: Client, admin_user: Any) -> None:
    page = client.get("/").content.decode()
    assert "/reports/monitoring.pdf?period=" in page
    client.force_login(admin_user)
    page = client.get(f"/assessments/{demo_assessment.code}/").content.decode()
    assert f"/reports/assessment/{demo_assessment.code}.docx" in page
