"""Task-list pages: filters (HTMX), timeline, scorecard, detail with forms and evidence, import, export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client

from lantu.tasks.models import ProgressReport, Task, TaskMilestone
from lantu.tasks.services import EvidenceFile, ReportSpec, TaskSpec, add_task_milestone, create_task, report_progress

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def xihu_task(system: Any) -> Task:
    task = create_task(
        system,
        TaskSpec(
            "XH1", "DZJ", "西湖区数字化改革", lead_org_unit="330106", start=D(2024, 1, 1), deadline=D(2030, 12, 31)
        ),
    )
    add_task_milestone(system, "XH1", "方案印发", D(2024, 3, 31))
    return task


def test_list_filters_by_light_and_unit_and_answers_htmx_with_the_table(
    client: Client, leader: Any, xihu_task: Task
) -> None:
    client.force_login(leader)
    page = client.get("/tasks/").content.decode()
    assert "督办规则" in page
    assert "XH1" in page
    assert 'hx-get="/tasks/"' in page
    red = client.get("/tasks/?light=red", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in red  # the table only
    assert "XH1" in red
    assert "T02" not in red
    by_unit = client.get("/tasks/?unit=dept:FGW").content.decode()
    assert "T01" in by_unit
    assert "XH1" not in by_unit
    assert "XH1" not in client.get("/tasks/?status=done").content.decode()


def test_timeline_has_bars_and_the_same_as_a_table(client: Client, leader: Any, xihu_task: Task) -> None:
    client.force_login(leader)
    page = client.get("/tasks/timeline/").content.decode()
    assert 'class="gantt-bar light-red"' in page
    assert "时间轴（表格）" in page
    assert "方案印发 2024年3月31日" in page


def test_scorecard_counts_per_lead(client: Client, leader: Any, xihu_task: Task) -> None:
    client.force_login(leader)
    page = client.get("/tasks/units/").content.decode()
    row = page.split('id="unit-unit:330106"')[1].split("</tr>")[0]
    assert "西湖区" in row
    assert ">1</a>" in row  # one red task, linked to the filtered list


def test_lead_reports_progress_with_evidence_and_downloads_it(
    client: Client, county_reporter: Any, xihu_task: Task, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(county_reporter)
    page = client.get("/tasks/XH1/").content.decode()
    assert "报送进展" in page
    assert "标记完成" in page
    pdf = io.BytesIO(b"%PDF-1.4 test")
    pdf.name = "方案.pdf"
    response = client.post(
        "/tasks/XH1/",
        {"action": "report", "as_of": "2024-06-30", "progress_pct": "40", "text": "方案已印发", "files": pdf},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task__code="XH1")
    assert report.progress_pct == Decimal(40)
    page = client.get("/tasks/XH1/").content.decode()
    assert "40.0%" in page
    assert "方案.pdf" in page
    evidence = report.evidence.get()
    download = client.get(f"/tasks/evidence/{evidence.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"  # type: ignore[attr-defined]


def test_bad_report_shows_errors_by_field_and_writes_nothing(
    client: Client, county_reporter: Any, xihu_task: Task
) -> None:
    client.force_login(county_reporter)
    exe = io.BytesIO(b"MZ")
    exe.name = "run.exe"
    response = client.post(
        "/tasks/XH1/", {"action": "report", "as_of": "2024-06-30", "progress_pct": "140", "text": "", "files": exe}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="err-progress_pct"' in page
    assert 'id="err-files"' in page
    assert 'id="err-text"' in page
    assert "run.exe" in page
    assert not ProgressReport.objects.exists()


def test_milestone_done_and_status(client: Client, county_reporter: Any, xihu_task: Task) -> None:
    client.force_login(county_reporter)
    milestone = TaskMilestone.objects.get(task__code="XH1")
    done = client.post("/tasks/XH1/", {"action": "milestone", "milestone": milestone.pk, "done_on": "2024-03-30"})
    assert done.status_code == 302
    refused = client.post("/tasks/XH1/", {"action": "status", "status": "done", "done_on": ""})
    assert refused.status_code == 422
    assert "完成任务需要填写完成日期" in refused.content.decode()
    ok = client.post("/tasks/XH1/", {"action": "status", "status": "done", "done_on": "2024-04-01"})
    assert ok.status_code == 302
    assert Task.objects.get(code="XH1").status == "done"


def test_others_see_no_forms_and_no_evidence(
    client: Client, county_reporter: Any, other_county_reporter: Any, xihu_task: Task, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    report = report_progress(
        county_reporter, ReportSpec("XH1", D(2024, 6, 30), Decimal(10), "x", [EvidenceFile("a.pdf", b"%PDF-x")])
    )
    client.force_login(other_county_reporter)
    page = client.get("/tasks/XH1/").content.decode()
    assert "报送进展" not in page
    assert "a.pdf" in page
    assert "/tasks/evidence/" not in page
    assert client.get(f"/tasks/evidence/{report.evidence.get().pk}/").status_code == 404
    refused = client.post("/tasks/XH1/", {"action": "status", "status": "suspended"})
    assert refused.status_code == 404  # another unit's record, as in the API (not a form error)
    assert Task.objects.get(code="XH1").status == "in_progress"


def _sheet(rows: list[list[object]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["序号", "工作内容", "责任单位", "配合单位", "时间节点", "进展情况"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "清单.xlsx"
    return out


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_import_previews_then_confirms(client: Client, admin_user: Any, var_dir: Path) -> None:
    client.force_login(admin_user)
    before = Task.objects.count()
    preview = client.post(
        "/tasks/import/", {"file": _sheet([["1", "建设数据平台", "省大数据局", "", "2025年底前", ""]])}
    ).content.decode()
    assert "新建 1 项" in preview
    assert "QD-1" in preview
    assert Task.objects.count() == before  # nothing before the confirmation
    checksum = preview.split('name="checksum" value="')[1].split('"')[0]
    assert (var_dir / "uploads" / "qingdan" / f"{checksum}.xlsx").is_file()  # kept server-side until confirmed
    done = client.post("/tasks/import/", {"checksum": checksum, "confirm": "1"})
    assert done.status_code == 302
    assert not list((var_dir / "uploads" / "qingdan").iterdir())
    assert Task.objects.get(code="QD-1").lead_department.code == "DSJ"  # type: ignore[union-attr]


def test_import_preview_lists_row_errors_and_offers_no_confirm(client: Client, admin_user: Any, var_dir: Path) -> None:
    client.force_login(admin_user)
    page = client.post(
        "/tasks/import/", {"file": _sheet([["1", "甲", "不存在的局", "", "2025年底前", ""]])}
    ).content.decode()
    assert "未知单位“不存在的局”" in page
    assert 'id="row-2"' in page
    assert "确认导入" not in page


def test_confirm_needs_an_upload_of_this_session(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    assert client.post("/tasks/import/", {"checksum": "0" * 64, "confirm": "1"}).status_code == 404


def test_import_page_is_for_the_office_only(client: Client, county_reporter: Any) -> None:
    client.force_login(county_reporter)
    assert client.get("/tasks/import/").status_code == 404


def test_export_is_an_xlsx_in_the_qingdan_layout(client: Client, leader: Any) -> None:
    client.force_login(leader)
    response = client.get("/tasks/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws is not None
    assert [c.value for c in ws[2]][:6] == ["序号", "任务", "责任单位", "配合单位", "时间节点", "进展情况"]
    assert ws["B3"].value == "研究制定数字浙江建设任务清单，明确时间节点和责任单位"
