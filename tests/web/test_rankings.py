"""The rankings table: order by the indicator's direction, ties, units without a value, change, scope."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.framework.models import Indicator
from lantu.monitoring.rankings import ranking
from lantu.monitoring.services import ValueEntry, record_values
from lantu.orgunits.selectors import resolve_org_unit

pytestmark = pytest.mark.django_db

HANGZHOU = "330100"


@pytest.fixture
def values(system: Any) -> None:
    entries = [
        ValueEntry("DE_TOTAL", "330106", "2021", Decimal(250), "亿元"),
        ValueEntry("DE_TOTAL", "330106", "2022", Decimal(300), "亿元"),
        ValueEntry("DE_TOTAL", "330108", "2022", Decimal(500), "亿元"),
        ValueEntry("DE_TOTAL", "330109", "2022", Decimal(300), "亿元"),
        ValueEntry("NET_TOTAL", "330106", "2022", Decimal(10), "个"),
        ValueEntry("NET_TOTAL", "330108", "2022", Decimal(30), "个"),
        ValueEntry("NET_TOTAL", "330109", "2022", Decimal(20), "个"),
    ]
    record_values(system, entries, approved=True)


def _ranked(code: str) -> list[tuple[str, int | None]]:
    found = ranking(Indicator.objects.get(code=code), "2022", parent=resolve_org_unit(HANGZHOU), level="county")
    return [(r.unit.code, r.rank) for r in found.rows]


@pytest.mark.usefixtures("values")
def test_higher_is_better_with_a_tie_and_missing_units_last() -> None:
    rows = _ranked("DE_TOTAL")
    assert rows[:3] == [("330108", 1), ("330106", 2), ("330109", 2)]
    assert len(rows) > 3
    assert all(rank is None for _, rank in rows[3:])


@pytest.mark.usefixtures("values")
def test_lower_is_better_when_the_indicator_says_so() -> None:
    assert _ranked("NET_TOTAL")[:3] == [("330106", 1), ("330109", 2), ("330108", 3)]


@pytest.mark.usefixtures("values")
def test_change_on_the_previous_period() -> None:
    found = ranking(Indicator.objects.get(code="DE_TOTAL"), "2022", parent=resolve_org_unit(HANGZHOU), level="county")
    xihu = next(r for r in found.rows if r.unit.code == "330106")
    assert found.previous == "2021"
    assert xihu.difference == Decimal(50)
    assert xihu.change_pct == Decimal(20)
    assert next(r for r in found.rows if r.unit.code == "330108").difference is None


@pytest.mark.usefixtures("values")
def test_page_lists_ranks_values_and_not_reported(client: Client, city_approver: Any) -> None:
    client.force_login(city_approver)
    response = client.get(f"/rankings/?indicator=DE_TOTAL&period=2022&level=county&parent={HANGZHOU}")
    assert response.status_code == 200
    page = response.content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    codes = re.findall(r"<code>(\d{6})</code>", body)
    assert codes[:3] == ["330108", "330106", "330109"]
    assert "未报送" in body
    assert "+50亿元（+20.0%）" in body
    assert "2022年" in page
    assert 'aria-sort="ascending"' in page  # an accessible sortable table


@pytest.mark.usefixtures("values")
def test_page_bounded_queries_for_every_county(client: Client, leader: Any, django_assert_max_num_queries: Any) -> None:
    client.force_login(leader)
    with django_assert_max_num_queries(20):
        response = client.get("/rankings/?indicator=DE_TOTAL&period=2022&level=county")
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") > 80  # every county-level unit of the province


def test_bad_period_is_refused_in_words(client: Client, leader: Any) -> None:
    client.force_login(leader)
    response = client.get("/rankings/?indicator=DE_TOTAL&period=2022Q9")
    assert response.status_code == 422
    assert "不是有效的报告期" in response.content.decode()


def test_needs_login_and_the_parents_scope(client: Client, county_reporter: Any, city_approver: Any) -> None:
    assert client.get("/rankings/").status_code == 302
    client.force_login(county_reporter)
    assert client.get("/rankings/").status_code == 404  # the province is outside a county's scope
    client.force_login(city_approver)
    assert client.get("/rankings/").status_code == 404
    assert client.get(f"/rankings/?parent={HANGZHOU}&level=county").status_code == 200
