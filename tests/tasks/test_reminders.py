"""Supervision reminders with a fixed clock: who is told, on which days, and only once a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lantu.accounts.models import AuditEvent, Notification
from lantu.tasks.services import TaskSpec, add_task_milestone, create_task, reminders, set_task_status

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2030, 6, 30)


@pytest.fixture
def unit_task(system: Any) -> Any:
    task = create_task(
        system,
        TaskSpec(
            code="R1", programme_code="DZJ", title_zh="西湖区数字化改革", lead_org_unit="330106", deadline=DEADLINE
        ),
    )
    add_task_milestone(system, "R1", "方案印发", dt.date(2030, 3, 31))
    return task


@pytest.fixture(autouse=True)
def deliver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications go out after the commit; the test transaction never commits, so run them now."""
    monkeypatch.setattr("lantu.accounts.notifications.transaction.on_commit", lambda send: send())


def send_task_reminders(actor: Any, day: dt.date) -> reminders.TaskReminders:
    return reminders.send_task_reminders(actor, day)


def told(username: str) -> list[str]:
    return list(Notification.objects.filter(user__username=username).values_list("body", flat=True))


def test_lead_is_reminded_30_7_and_1_days_before(system: Any, unit_task: Any, county_reporter: Any) -> None:
    for day, expected in (
        (dt.date(2030, 3, 1), "时间节点“方案印发”还有 30 天到期"),
        (dt.date(2030, 3, 24), "时间节点“方案印发”还有 7 天到期"),
        (dt.date(2030, 6, 29), "完成时限还有 1 天到期"),
    ):
        result = send_task_reminders(system, day)
        assert expected in result.sent["R1"][0] or expected in "；".join(result.sent["R1"])
    assert len(told("xihu_reporter")) == 3
    # a day that is no reminder day sends nothing
    assert send_task_reminders(system, dt.date(2030, 3, 2)).sent == {}


def test_late_notice_reaches_lead_and_supervisor_then_weekly(
    system: Any, unit_task: Any, county_reporter: Any, city_approver: Any, other_county_reporter: Any
) -> None:
    first_late = dt.date(2030, 4, 1)
    result = send_task_reminders(system, first_late)
    assert result.sent["R1"] == ["时间节点“方案印发”已逾期 1 天"]
    assert result.recipients["R1"] == ["hz_approver", "xihu_reporter"]  # the parent unit approves
    assert told("yuhang_reporter") == []
    # not again the next day, again a week after the first late day
    assert "R1" not in send_task_reminders(system, first_late + dt.timedelta(days=1)).sent
    assert send_task_reminders(system, first_late + dt.timedelta(days=7)).sent["R1"] == [
        "时间节点“方案印发”已逾期 8 天"
    ]
    assert len(told("hz_approver")) == 2


def test_department_lead_is_supervised_by_the_programme_office(system: Any, make_user: Any, admin_user: Any) -> None:
    create_task(
        system, TaskSpec(code="R2", programme_code="DZJ", title_zh="部门任务", lead_department="DSJ", deadline=DEADLINE)
    )
    make_user("dsj", "department_reporter", department="DSJ")
    result = send_task_reminders(system, DEADLINE + dt.timedelta(days=1))
    assert result.sent["R2"] == ["完成时限已逾期 1 天"]
    assert result.recipients["R2"] == ["dsj", "office_admin"]
    assert told("office_admin")[0].startswith("完成时限已逾期")


def test_same_day_twice_sends_once_and_is_audited(system: Any, unit_task: Any, county_reporter: Any) -> None:
    day = dt.date(2030, 3, 1)
    assert send_task_reminders(system, day).sent
    assert send_task_reminders(system, day).sent == {}
    assert len(told("xihu_reporter")) == 1
    event = AuditEvent.objects.get(action="tasks.task.remind")
    assert event.after is not None
    assert event.after["day"] == "2030-03-01"


def test_done_and_suspended_tasks_are_quiet(system: Any, unit_task: Any, county_reporter: Any) -> None:
    set_task_status(system, "R1", "suspended", reason="调整")
    assert send_task_reminders(system, dt.date(2030, 4, 1)).sent == {}


def test_queries_do_not_grow_with_milestones(system: Any, unit_task: Any) -> None:
    def count(day: dt.date) -> int:
        with CaptureQueriesContext(connection) as ctx:
            send_task_reminders(system, day)
        return len(ctx.captured_queries)

    quiet = dt.date(2030, 1, 2)
    before = count(quiet)
    for n in range(5):
        add_task_milestone(system, "R1", f"步骤{n}", dt.date(2030, 5, 1 + n))
    assert count(quiet) == before


def test_daily_remind_command_sends_task_reminders(
    unit_task: Any, county_reporter: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from lantu.cli import main

    assert main(["remind", "--date", "2030-04-01"]) == 0
    out = capsys.readouterr().out
    assert "R1" in out
    assert "已逾期 1 天" in out
    assert told("xihu_reporter") == ["时间节点“方案印发”已逾期 1 天。"]


def test_supervision_notice_reaches_lead_and_supervisor(
    system: Any, unit_task: Any, county_reporter: Any, city_approver: Any
) -> None:
    from lantu.accounts.service import InvalidInput
    from lantu.tasks.services.reminders import send_supervision_notice

    with pytest.raises(InvalidInput):
        send_supervision_notice(system, "R1", "  ")
    assert send_supervision_notice(system, "R1", "请于本周内报送进展") == ["hz_approver", "xihu_reporter"]
    assert told("hz_approver") == ["请于本周内报送进展"]
    assert AuditEvent.objects.filter(action="tasks.task.supervise").count() == 1
    with pytest.raises(InvalidInput):  # T02 has no lead: nobody to press
        send_supervision_notice(system, "T02", "请推进")
