"""The progress page: every target for a unit, approved figures by default, preliminary on request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db


def test_progress_page_shows_verdicts_and_the_switch(client: Client, leader: Any, system: Any) -> None:
    record_values(
        system,
        [
            ValueEntry("DE_TOTAL", "330000", "2017", Decimal(20658), "亿元"),
            ValueEntry("DE_TOTAL", "330000", "2022", Decimal("3.93"), "万亿元"),
            ValueEntry("GDP", "330000", "2022", Decimal(77715), "亿元"),
        ],
        approved=True,
    )
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("4.2"), "万亿元")])  # a newer draft
    client.force_login(leader)
    page = client.get("/progress/").content.decode()
    assert "正式数据" in page
    assert "未完成：实际值3.93万亿元" in page
    assert "4.13万亿元" in page  # the doubled 2017 value is the stricter threshold
    preliminary = client.get("/progress/?basis=preliminary").content.decode()
    assert "初步数据" in preliminary
    assert "已完成：实际值4.2万亿元" in preliminary


def test_progress_page_needs_login_and_scope(client: Client, county_reporter: Any) -> None:
    assert client.get("/progress/").status_code == 302
    client.force_login(county_reporter)
    assert client.get("/progress/").status_code == 404  # the province is outside a county's scope
    assert client.get("/progress/?org_unit=330106").status_code == 200
