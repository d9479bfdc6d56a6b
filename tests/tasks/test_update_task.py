"""Editing a task: every bad input of the issue refused with its field, nothing partial, audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, PermissionDeniedError
from lantu.tasks.models import Task
from lantu.tasks.services import TaskSpec, add_task_milestone, create_task, update_task

pytestmark = pytest.mark.django_db

D = dt.date


def spec(code: str = "X1", **kw: Any) -> TaskSpec:
    return TaskSpec(**({"code": code, "programme_code": "DZJ", "title_zh": "测试任务"} | kw))


def test_update_changes_fields_and_links_with_audit(system: Any) -> None:
    create_task(system, spec(lead_department="FGW", start=D(2022, 1, 1), deadline=D(2022, 12, 31)))
    update_task(
        system,
        spec(title_zh="新名称", lead_department="DSJ", cooperating_departments=["JXT"], deadline=D(2023, 6, 30)),
        reason="调整",
    )
    task = Task.objects.get(code="X1")
    assert (task.title_zh, task.lead_department.code, task.deadline, task.start) == (  # type: ignore[union-attr]
        "新名称",
        "DSJ",
        D(2023, 6, 30),
        None,
    )
    event = AuditEvent.objects.filter(action="tasks.task.update").get()
    assert event.before is not None
    assert event.after is not None
    assert event.before["title_zh"] == "测试任务"
    assert event.after["cooperating_departments"] == ["JXT"]
    assert event.reason == "调整"


def test_update_with_nothing_new_writes_no_audit(system: Any) -> None:
    create_task(system, spec(deadline=D(2022, 12, 31)))
    update_task(system, spec(deadline=D(2022, 12, 31)))
    assert not AuditEvent.objects.filter(action="tasks.task.update").exists()


def test_deadline_before_start_is_refused(system: Any) -> None:
    create_task(system, spec())
    with pytest.raises(InvalidInput) as info:
        update_task(system, spec(title_zh="改名", start=D(2022, 6, 1), deadline=D(2022, 1, 1)))
    assert [p.field for p in info.value.problems] == ["deadline"]
    assert Task.objects.get(code="X1").title_zh == "测试任务"  # nothing partial


def test_milestone_outside_its_task_is_refused_when_added_and_when_dates_move(system: Any) -> None:
    create_task(system, spec(start=D(2022, 1, 1), deadline=D(2022, 12, 31)))
    with pytest.raises(InvalidInput, match="晚于任务完成时限"):
        add_task_milestone(system, "X1", "验收", D(2023, 1, 15))
    with pytest.raises(InvalidInput, match="早于任务开始日期"):
        add_task_milestone(system, "X1", "调研", D(2021, 12, 1))
    add_task_milestone(system, "X1", "方案", D(2022, 6, 30))
    with pytest.raises(InvalidInput) as info:
        update_task(system, spec(start=D(2022, 1, 1), deadline=D(2022, 5, 31)))
    assert info.value.problems[0].field == "due"
    assert "方案" in info.value.problems[0].message_zh


def test_parent_cycles_are_refused(system: Any) -> None:
    create_task(system, spec("A"))
    create_task(system, spec("B", parent_code="A"))
    create_task(system, spec("C", parent_code="B"))
    for parent in ("A", "C"):
        with pytest.raises(InvalidInput) as info:
            update_task(system, spec("A", parent_code=parent))
        assert info.value.problems[0].field == "parent"
        assert "循环" in info.value.problems[0].message_zh
    assert Task.objects.get(code="A").parent is None
    update_task(system, spec("C", parent_code="A"))  # moving within the tree is fine
    assert Task.objects.get(code="C").parent.code == "A"  # type: ignore[union-attr]


def test_sub_task_dates_stay_within_the_parent(system: Any) -> None:
    create_task(system, spec("P", start=D(2022, 1, 1), deadline=D(2022, 12, 31)))
    with pytest.raises(InvalidInput, match="晚于上级任务"):
        create_task(system, spec("S", parent_code="P", deadline=D(2023, 3, 31)))
    create_task(system, spec("S", parent_code="P", deadline=D(2022, 9, 30)))
    with pytest.raises(InvalidInput, match="子任务“S”"):
        update_task(system, spec("P", start=D(2022, 1, 1), deadline=D(2022, 6, 30)))


def test_unknown_units_and_links_are_named(system: Any) -> None:
    create_task(system, spec())
    with pytest.raises(InvalidInput) as info:
        update_task(system, spec(lead_department="NOPE", cooperating_org_units=["999999"], area_codes=["ZZ"]))
    assert {p.field for p in info.value.problems} == {"lead_department", "cooperating_org_units", "areas"}


def test_only_the_office_updates(system: Any, county_reporter: Any) -> None:
    create_task(system, spec(lead_org_unit="330106"))
    with pytest.raises(PermissionDeniedError):
        update_task(county_reporter, dataclasses.replace(spec(lead_org_unit="330106"), title_zh="x"))
