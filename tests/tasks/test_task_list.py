"""The task list: the seed's tasks, bad input refused, progress reports with evidence, closing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, NotFound
from lantu.tasks.loader import DEFAULT_TASKS
from lantu.tasks.models import Evidence, ProgressReport, Task, TaskMilestone
from lantu.tasks.services import (
    EvidenceFile,
    ReportSpec,
    TaskSpec,
    add_task_milestone,
    complete_milestone,
    create_task,
    report_progress,
    set_task_status,
)

pytestmark = pytest.mark.django_db
SEED = (Path(__file__).resolve().parents[2] / "lantu/framework/data/seed_digital_zhejiang.txt").read_text("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_default_list_quotes_the_seed_and_names_leads_only_where_it_does() -> None:
    data = yaml.safe_load(DEFAULT_TASKS.read_text(encoding="utf-8"))
    assert all(squash(t["source_text"]) in squash(SEED) for t in data["tasks"])
    t01 = Task.objects.get(code="T01")
    assert t01.lead_department is not None
    assert t01.lead_department.short_name_zh == "省发展改革委"
    assert {d.code for d in t01.cooperating_departments.all()} == {"JXT", "KJT", "DSJ"}
    assert Task.objects.exclude(code="T01").filter(lead_department__isnull=False).count() == 0
    assert Task.objects.get(code="T15").deadline == dt.date(2022, 12, 31)
    assert Task.objects.get(code="T16").subtasks.count() == 3


def spec(**kw: Any) -> TaskSpec:
    base: dict[str, Any] = {"code": "X1", "programme_code": "DZJ", "title_zh": "测试任务"}
    return TaskSpec(**(base | kw))


def test_bad_task_input_lists_every_problem_and_writes_nothing(system: Any) -> None:
    before = Task.objects.count()
    with pytest.raises(InvalidInput) as info:
        create_task(
            system,
            spec(start=dt.date(2022, 6, 1), deadline=dt.date(2022, 1, 1), area_codes=["NOPE"], lead_department="XX"),
        )
    assert {p.field for p in info.value.problems} == {"deadline", "areas", "lead_department"}
    assert Task.objects.count() == before


def test_reporter_of_the_lead_unit_reports_with_evidence(
    system: Any, make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    create_task(system, spec(lead_org_unit="330106", deadline=dt.date(2030, 12, 31)))
    reporter = make_user("xh", "unit_reporter", org_unit="330106")
    pdf = b"%PDF-1.4 evidence"
    report = report_progress(
        reporter,
        ReportSpec("X1", dt.date(2024, 6, 30), Decimal(40), "完成方案编制", [EvidenceFile("方案.pdf", pdf)]),
    )
    evidence = Evidence.objects.get(report=report)
    assert evidence.sha256 == hashlib.sha256(pdf).hexdigest()
    assert Path(evidence.file.path).read_bytes() == pdf  # stored as a file, outside the database
    assert str(tmp_path) in evidence.file.path
    task = Task.objects.get(code="X1")
    assert (task.progress_pct, task.status) == (Decimal(40), "in_progress")
    assert AuditEvent.objects.filter(action="tasks.progress.report").exists()


def test_evidence_type_and_size_are_checked(system: Any, make_user: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    create_task(system, spec(lead_org_unit="330106"))
    reporter = make_user("xh", "unit_reporter", org_unit="330106")
    with pytest.raises(InvalidInput) as info:
        report_progress(
            reporter,
            ReportSpec(
                "X1",
                dt.date(2024, 6, 30),
                Decimal(120),
                "x",
                [EvidenceFile("run.exe", b"MZ"), EvidenceFile("big.pdf", b"0" * (20 * 1024 * 1024 + 1))],
            ),
        )
    assert [p.field for p in info.value.problems] == ["files[1]", "files[2]", "progress_pct"]
    assert not ProgressReport.objects.exists()
    assert not list(tmp_path.rglob("*.*"))


def test_other_units_may_not_report(system: Any, make_user: Any) -> None:
    create_task(system, spec(lead_org_unit="330106"))
    other = make_user("yh", "unit_reporter", org_unit="330110")
    with pytest.raises(NotFound):
        report_progress(other, ReportSpec("X1", dt.date(2024, 6, 30), Decimal(10), "x"))
    dept = make_user("dsj", "department_reporter", department="DSJ")
    with pytest.raises(NotFound):
        report_progress(dept, ReportSpec("X1", dt.date(2024, 6, 30), Decimal(10), "x"))


def test_closing_needs_every_milestone_done(system: Any, make_user: Any) -> None:
    create_task(system, spec(lead_department="DSJ", start=dt.date(2024, 1, 1), deadline=dt.date(2024, 12, 31)))
    milestone = add_task_milestone(system, "X1", "方案印发", dt.date(2024, 3, 31), "实施方案")
    owner = make_user("dsj", "department_reporter", department="DSJ")
    with pytest.raises(InvalidInput, match="1 个时间节点未完成"):
        set_task_status(owner, "X1", "done", done_on=dt.date(2024, 12, 1))
    complete_milestone(owner, "X1", milestone.pk, dt.date(2024, 3, 30))
    with pytest.raises(NotFound):
        complete_milestone(owner, "X1", milestone.pk, dt.date(2024, 3, 30))  # only once
    task = set_task_status(owner, "X1", "done", done_on=dt.date(2024, 12, 1), reason="验收通过")
    assert (task.status, task.progress_pct, TaskMilestone.objects.get().done_on) == (
        "done",
        Decimal(100),
        dt.date(2024, 3, 30),
    )


def test_media_root_is_under_var() -> None:
    assert str(settings.MEDIA_ROOT).startswith(str(settings.VAR_DIR))
