"""The audit trail cannot be rewritten, and every change leaves its audit row(s).

Append-only: the application refuses to change or delete audit rows on every database
(model and queryset), and on PostgreSQL a row trigger refuses raw UPDATE and DELETE too.
Every kind of change (values, targets, indicators, methods, tasks, users, roles) is made through
its service and must leave exactly the expected audit rows, with the actor who made it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from lantu.accounts.models import AuditEvent, AuditImmutableError, RoleAssignment
from lantu.accounts.services import assign_role, create_user, revoke_role, set_user_password
from lantu.assessment.services import create_method_version
from lantu.framework.services import TargetSpec, set_target, update_indicator
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services.approval import approve_values, submit_values
from lantu.tasks.services import EvidenceFile, ReportSpec, TaskSpec, create_task, report_progress, update_task
from tests.assessment.conftest import LIGHT_META, LIGHT_METHOD

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"
RAW_SQL = {
    "update": "UPDATE accounts_auditevent SET reason = 'rewritten' WHERE id = %s",
    "delete": "DELETE FROM accounts_auditevent WHERE id = %s",
}


def latest_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None  # the session's loaders wrote plenty
    return event


@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).update(reason="x"), id="queryset-update"),
        pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).delete(), id="queryset-delete"),
        pytest.param(lambda e: AuditEvent.objects.all().delete(), id="delete-all"),
        pytest.param(lambda e: e.save(), id="instance-save"),
        pytest.param(lambda e: e.delete(), id="instance-delete"),
        pytest.param(lambda e: AuditEvent.objects.bulk_update([e], ["reason"]), id="bulk-update"),
    ],
)
def test_the_application_refuses_to_change_audit_rows(attempt: Callable[[AuditEvent], Any]) -> None:
    event = latest_event()
    before = (event.reason, AuditEvent.objects.count())
    event.reason = "rewritten"
    with pytest.raises(AuditImmutableError), transaction.atomic():
        attempt(event)
    assert (AuditEvent.objects.get(pk=event.pk).reason, AuditEvent.objects.count()) == before


@pytest.mark.skipif(not POSTGRES, reason="the database trigger exists on PostgreSQL")
@pytest.mark.parametrize("statement", sorted(RAW_SQL))
def test_postgresql_refuses_raw_sql_update_and_delete(statement: str) -> None:
    event = latest_event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RAW_SQL[statement], [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason


@pytest.mark.skipif(not POSTGRES, reason="the database trigger exists on PostgreSQL")
def test_postgresql_refuses_an_update_of_every_row() -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET actor_label = 'nobody'")
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(actor_label="nobody").exists()


# ---- every change leaves its audit rows ---------------------------------------------------------

ROUND = "AUD2022"


def _round(make_round: Any) -> None:
    make_round(ROUND, ["DE_TOTAL"], ["330106"], levels=1)


def _record(reporter: Any) -> None:
    record_values(reporter, [ValueEntry("DE_TOTAL", "330106", "2022", Decimal(3000))], round_code=ROUND)


def _task(system: Any) -> None:
    create_task(system, TaskSpec(code="AUD1", programme_code="DZJ", title_zh="审计任务", lead_org_unit="330106"))


class World:
    """The personas and fixtures a case may need."""

    def __init__(self, system: Any, make_user: Any, make_round: Any, settings: Any, tmp_path: Any) -> None:
        self.system = system
        self.make_user = make_user
        self.make_round = make_round
        settings.MEDIA_ROOT = tmp_path


def case_record(w: World) -> tuple[Callable[[], Any], Any]:
    _round(w.make_round)
    reporter = w.make_user("aud_reporter", "unit_reporter", org_unit="330106")
    return lambda: _record(reporter), reporter


def case_submit(w: World) -> tuple[Callable[[], Any], Any]:
    _round(w.make_round)
    reporter = w.make_user("aud_reporter", "unit_reporter", org_unit="330106")
    _record(reporter)
    return lambda: submit_values(reporter, ROUND, "330106"), reporter


def case_approve(w: World) -> tuple[Callable[[], Any], Any]:
    _round(w.make_round)
    reporter = w.make_user("aud_reporter", "unit_reporter", org_unit="330106")
    approver = w.make_user("aud_approver", "approver", org_unit="330100")
    _record(reporter)
    submit_values(reporter, ROUND, "330106")
    return lambda: approve_values(approver, ROUND, "330106"), approver


def case_target(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    spec = TargetSpec("FIBRE_SHARE", "330000", 2022, ">", Decimal(95), "%")
    return lambda: set_target(admin, spec, reason="提高目标"), admin


def case_indicator(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    return lambda: update_indicator(admin, "DE_TOTAL", {"source": "省统计局、省经信厅"}, reason="口径调整"), admin


def case_method(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    create_method_version(admin, "AUDM", "方法", LIGHT_META, LIGHT_METHOD)
    changed = [dict(r) for r in LIGHT_META]
    changed[0]["weight"] = "2"
    return lambda: create_method_version(admin, "AUDM", "方法", changed, LIGHT_METHOD, reason="权重调整"), admin


def case_task_create(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    return lambda: _task(admin), admin


def case_task_update(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    _task(admin)
    spec = TaskSpec(code="AUD1", programme_code="DZJ", title_zh="审计任务（新）", lead_org_unit="330106")
    return lambda: update_task(admin, spec, reason="改名"), admin


def case_task_progress(w: World) -> tuple[Callable[[], Any], Any]:
    _task(w.system)
    reporter = w.make_user("aud_reporter", "unit_reporter", org_unit="330106")
    spec = ReportSpec("AUD1", dt.date(2024, 6, 30), Decimal(30), "进展", [EvidenceFile("a.pdf", b"%PDF-1.4")])
    return lambda: report_progress(reporter, spec), reporter


def case_user_create(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    return lambda: create_user(admin, "aud_new", "Correct-Horse-Battery-42"), admin


def case_password(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    w.make_user("aud_other")
    return lambda: set_user_password(admin, "aud_other", "Correct-Horse-Battery-42"), admin


def case_role_assign(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    w.make_user("aud_other")
    return lambda: assign_role(admin, "aud_other", "leader"), admin


def case_role_revoke(w: World) -> tuple[Callable[[], Any], Any]:
    admin = w.make_user("aud_admin", "programme_admin")
    w.make_user("aud_other", "leader")
    assignment = RoleAssignment.objects.get(user__username="aud_other")
    return lambda: revoke_role(admin, assignment.pk, reason="调岗"), admin


#: case → the (action, object type) of the audit rows it must leave, in order.
CASES: dict[str, tuple[Callable[[World], tuple[Callable[[], Any], Any]], list[tuple[str, str]]]] = {
    "values-record": (case_record, [("monitoring.values.record", "monitoring.datavalue")]),
    "values-submit": (case_submit, [("monitoring.values.submit", "monitoring.reportinground")]),
    "values-approve": (case_approve, [("monitoring.values.approve", "monitoring.reportinground")]),
    "target-set": (case_target, [("framework.target.set", "framework.target")]),
    "indicator-edit": (case_indicator, [("framework.indicator.update", "framework.indicator")]),
    "method-version": (case_method, [("assessment.method.create", "assessment.assessmentmethod")]),
    "task-create": (case_task_create, [("tasks.task.create", "tasks.task")]),
    "task-update": (case_task_update, [("tasks.task.update", "tasks.task")]),
    "task-progress": (case_task_progress, [("tasks.progress.report", "tasks.progressreport")]),
    "user-create": (case_user_create, [("accounts.user.create", "auth.user")]),
    "password-change": (case_password, [("accounts.user.password", "auth.user")]),
    "role-assign": (case_role_assign, [("accounts.role.assign", "accounts.roleassignment")]),
    "role-revoke": (case_role_revoke, [("accounts.role.revoke", "accounts.roleassignment")]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_kind_of_change_leaves_its_audit_rows(
    name: str, system: Any, make_user: Any, make_round: Any, settings: Any, tmp_path: Any
) -> None:
    build, expected = CASES[name]
    change, actor = build(World(system, make_user, make_round, settings, tmp_path))
    last = latest_event().pk
    change()
    rows = list(AuditEvent.objects.filter(pk__gt=last).order_by("id"))
    assert [(r.action, r.object_type) for r in rows] == expected
    assert all(r.actor_id == actor.pk and r.actor_label == actor.get_username() for r in rows)


def test_a_password_change_is_audited_without_the_password(system: Any, make_user: Any) -> None:
    make_user("aud_other")
    set_user_password(system, "aud_other", "Correct-Horse-Battery-42")
    event = latest_event()
    assert event.after == {"password": "changed"}
    assert "Correct-Horse" not in str(event.before) + str(event.after) + event.reason
