"""The supervision list: late and slipping tasks first, notices from the programme office only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from lantu.accounts.models import AuditEvent, Notification
from lantu.tasks.services import TaskSpec, add_task_milestone, create_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_task(system: Any) -> None:
    today = dt.date.today()
    create_task(
        system,
        TaskSpec(
            code="LATE1",
            programme_code="DZJ",
            title_zh="逾期的测试任务",
            lead_org_unit="330106",
            start=today - dt.timedelta(days=200),
            deadline=today + dt.timedelta(days=100),
        ),
    )
    add_task_milestone(system, "LATE1", "方案", today - dt.timedelta(days=3))


def test_lists_late_tasks_and_sends_a_notice(
    client: Client, late_task: None, admin_user: Any, county_reporter: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lantu.accounts.notifications.transaction.on_commit", lambda send: send())
    client.force_login(admin_user)
    page = client.get("/tasks/supervision/").content.decode()
    assert 'id="sv-LATE1"' in page
    assert "尚未通知" in page
    assert "T02" not in page  # no deadline: grey, not on the list
    response = client.post("/tasks/supervision/", {"task": "LATE1", "message": "请本周报送"})
    assert response.status_code == 302
    assert Notification.objects.filter(user=county_reporter, body="请本周报送").exists()
    assert "督办通知" in client.get("/tasks/supervision/").content.decode()


def test_empty_notice_is_refused_and_others_cannot_send(
    client: Client, late_task: None, admin_user: Any, county_reporter: Any
) -> None:
    client.force_login(admin_user)
    page = client.post("/tasks/supervision/", {"task": "LATE1", "message": " "}, follow=True).content.decode()
    assert "请填写督办意见" in page
    client.force_login(county_reporter)
    page = client.get("/tasks/supervision/").content.decode()
    assert "督办意见" not in page
    assert client.post("/tasks/supervision/", {"task": "LATE1", "message": "x"}).status_code == 403
    assert not AuditEvent.objects.filter(action="tasks.task.supervise").exists()
