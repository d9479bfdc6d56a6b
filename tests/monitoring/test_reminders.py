"""Round reminders go out on the reminder days and after the deadline, to units not done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.models import Notification
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services.approval import submit_values
from lantu.monitoring.services.rounds import RoundSpec, create_round, send_reminders, set_round_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(system: Any) -> str:
    create_round(
        system,
        RoundSpec(
            code="R2022",
            programme_code="DZJ",
            title_zh="2022年度填报",
            period="2022",
            opens_on=dt.date(2023, 1, 1),
            deadline=dt.date(2023, 3, 31),
            indicator_codes=["GDP"],
            org_unit_codes=["330106", "330110"],
            reminder_days="7,1",
        ),
    )
    set_round_status(system, "R2022", "open")
    return "R2022"


def test_reminders_on_reminder_days_and_after_deadline(
    open_round: str,
    system: Any,
    county_reporter: Any,
    other_county_reporter: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    record_values(county_reporter, [ValueEntry("GDP", "330106", "2022", Decimal(1))], round_code=open_round)
    submit_values(county_reporter, open_round, "330106")
    assert send_reminders(system, open_round, dt.date(2023, 3, 20)).reminded_units == []  # 11 days left
    with django_capture_on_commit_callbacks(execute=True):
        result = send_reminders(system, open_round, dt.date(2023, 3, 24))  # 7 days left
    assert (result.reminded_units, result.days_left) == (["330110"], 7)
    note = Notification.objects.get(user=other_county_reporter)
    assert "距截止还有 7 天" in note.subject
    assert not Notification.objects.filter(user=county_reporter, subject__contains="填报提醒").exists()
    with django_capture_on_commit_callbacks(execute=True):
        late = send_reminders(system, open_round, dt.date(2023, 4, 2))
    assert late.reminded_units == ["330110"]
    assert Notification.objects.filter(user=other_county_reporter, subject__contains="已逾期 2 天").exists()


def test_closed_round_sends_nothing(open_round: str, system: Any) -> None:
    set_round_status(system, open_round, "closed")
    assert send_reminders(system, open_round, dt.date(2023, 3, 24)).reminded_units == []
