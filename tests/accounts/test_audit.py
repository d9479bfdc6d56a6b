"""The audit log is append-only: the application refuses, and PostgreSQL refuses by trigger."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from lantu.accounts.models import AuditEvent, AuditImmutableError
from lantu.accounts.services import assign_role, create_user

pytestmark = pytest.mark.django_db


def test_service_changes_leave_audit_rows(system: Any) -> None:
    create_user(system, "new_person", "x", check_password=False)
    assign_role(system, "new_person", "leader")
    actions = list(AuditEvent.objects.order_by("-id").values_list("action", flat=True)[:2])
    assert actions == ["accounts.role.assign", "accounts.user.create"]


def test_application_refuses_update_and_delete() -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.reason = "rewritten"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_raw_sql() -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    for sql in (
        "UPDATE accounts_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
