"""The task API: filters, create/update (office only), progress with files, milestones, status, import/export."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client

from lantu.tasks.models import ProgressReport, Task
from lantu.tasks.services import TaskSpec, add_task_milestone, create_task

pytestmark = pytest.mark.django_db
API = "/api/v1/tasks"


@pytest.fixture
def xihu_task(system: Any) -> Task:
    task = create_task(
        system,
        TaskSpec(
            "XH1",
            "DZJ",
            "西湖区任务",
            lead_org_unit="330106",
            start=dt.date(2024, 1, 1),
            deadline=dt.date(2030, 12, 31),
        ),
    )
    add_task_milestone(system, "XH1", "方案印发", dt.date(2024, 3, 31))
    return task


def test_anonymous_is_refused(client: Client) -> None:
    assert client.get(API).status_code == 401


def test_list_with_filters_and_detail(client: Client, leader: Any, xihu_task: Task) -> None:
    client.force_login(leader)
    red = client.get(API, {"light": "red"}).json()
    assert "XH1" in [t["code"] for t in red]
    assert {t["light"] for t in red} == {"red"}  # T15 too: its 2022 deadline is past
    (xh1,) = [t for t in red if t["code"] == "XH1"]
    assert xh1["milestones"][0]["light"] == "red"
    assert {t["code"] for t in client.get(API, {"unit": "dept:FGW"}).json()} == {"T01"}
    detail = client.get(f"{API}/T16").json()
    assert detail["subtasks"] == ["T16_1", "T16_2", "T16_3"]
    assert client.get(f"{API}/NOPE").status_code == 404


def test_create_and_update_are_for_the_office(client: Client, admin_user: Any, county_reporter: Any) -> None:
    body = {"code": "API1", "title_zh": "接口任务", "lead_department": "DSJ", "deadline": "2025-12-31"}
    client.force_login(county_reporter)
    assert client.post(API, body, content_type="application/json").status_code == 403
    client.force_login(admin_user)
    created = client.post(API, body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["lead_department"] == "DSJ"
    changed = client.put(
        f"{API}/API1", body | {"start": "2025-01-01", "reason": "补开始日期"}, content_type="application/json"
    )
    assert changed.json()["start"] == "2025-01-01"


def test_bad_input_answers_422_with_every_problem(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    client.post(API, {"code": "A", "title_zh": "甲"}, content_type="application/json")
    client.post(API, {"code": "B", "title_zh": "乙", "parent": "A"}, content_type="application/json")
    response = client.put(
        f"{API}/A",
        {
            "code": "A",
            "title_zh": "甲",
            "parent": "B",
            "start": "2025-06-01",
            "deadline": "2025-01-01",
            "lead_department": "NOPE",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["detail"]}
    assert fields == {"parent", "deadline", "lead_department"}
    assert all(p["message_zh"] and p["message_en"] for p in response.json()["detail"])


def test_report_with_files_milestone_and_status(
    client: Client, county_reporter: Any, xihu_task: Task, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(county_reporter)
    pdf = io.BytesIO(b"%PDF-1.4 x")
    pdf.name = "a.pdf"
    response = client.post(
        f"{API}/XH1/reports", {"as_of": "2024-06-30", "progress_pct": "50", "text": "进展", "files": [pdf]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["reports"][0]["evidence"][0]["name"] == "a.pdf"
    too_big = io.BytesIO(b"%PDF" + b"0" * (20 * 1024 * 1024))
    too_big.name = "big.pdf"
    refused = client.post(
        f"{API}/XH1/reports", {"as_of": "2024-07-31", "progress_pct": "60", "text": "x", "files": [too_big]}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "files[1]"
    assert ProgressReport.objects.count() == 1
    milestone = xihu_task.milestones.get()
    done = client.post(
        f"{API}/XH1/milestones/{milestone.pk}/done", {"done_on": "2024-03-30"}, content_type="application/json"
    )
    assert done.json()["milestones"][0]["done_on"] == "2024-03-30"
    status = client.post(f"{API}/XH1/status", {"status": "done"}, content_type="application/json")
    assert status.status_code == 422


def _sheet(rows: list[list[object]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["序号", "重点任务", "牵头单位", "完成时限"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "清单.xlsx"
    return out


def test_import_preview_commit_and_export(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    preview = client.post(f"{API}/import", {"file": _sheet([["1", "甲", "省经信厅", "2025年底"]]), "dry_run": "true"})
    assert preview.status_code == 200
    assert preview.json()["rows"][0]["action"] == "create"
    assert not Task.objects.filter(code="QD-1").exists()
    bad = client.post(f"{API}/import", {"file": _sheet([["1", "甲", "某某局", "2025年底"]])})
    assert bad.status_code == 422
    assert bad.json()["detail"][0] == {
        "row": 2,
        "field": "牵头单位",
        "message_zh": "未知单位“某某局”：不是部门或现行行政区划的名称",
        "message_en": "unknown unit '某某局'",
    }
    done = client.post(f"{API}/import", {"file": _sheet([["1", "甲", "省经信厅", "2025年底"]])})
    assert done.json()["created"] == 1
    export = client.get(f"{API}/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert ws is not None
    assert "QD-1" in [c.value for c in ws["G"]]
