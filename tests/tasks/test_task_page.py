"""The task list page: every task with its supervision light and the rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantu.tasks import selectors
from lantu.tasks.models import Task
from lantu.tasks.services import TaskSpec, add_task_milestone, create_task

pytestmark = pytest.mark.django_db


def test_overdue_milestone_is_red_and_named(system: Any) -> None:
    create_task(system, TaskSpec("X1", "DZJ", "测试任务", start=dt.date(2024, 1, 1), deadline=dt.date(2024, 12, 31)))
    add_task_milestone(system, "X1", "方案印发", dt.date(2024, 3, 31))
    row = selectors.light_of(Task.objects.get(code="X1"), dt.date(2024, 4, 12))
    assert row.colour == "red"
    assert "方案印发" in row.reason_zh
    assert "12" in row.reason_zh


def test_task_without_deadline_is_grey() -> None:
    row = selectors.light_of(Task.objects.get(code="T02"), dt.date(2024, 1, 1))
    assert (row.colour, row.reason_zh) == ("grey", "未设完成时限，无法督办")


def test_page_lists_tasks_with_lights_in_few_queries(client: Client, leader: Any) -> None:
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/tasks/").content.decode()
    assert "研究制定数字浙江建设任务清单" in page
    assert "督办规则" in page
    assert "浙江省发展和改革委员会" in page or "省发展改革委" in page
    assert len(queries) <= 15
