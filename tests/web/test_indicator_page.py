"""The indicator page: definition and its history, targets and versions, chart data, breakdown, scope."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.framework.services import TargetSpec, set_target, update_indicator
from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def values(system: Any) -> None:
    record_values(
        system,
        [
            ValueEntry("DE_TOTAL", "330000", "2017", Decimal(20658), "亿元"),
            ValueEntry("DE_TOTAL", "330000", "2020", Decimal(30218), "亿元"),
            ValueEntry("DE_TOTAL", "330106", "2020", Decimal(300), "亿元"),
            ValueEntry("DE_TOTAL", "330108", "2020", Decimal(500), "亿元"),
        ],
        approved=True,
    )
    record_values(system, [ValueEntry("DE_TOTAL", "330110", "2020", Decimal(700), "亿元")], demo=True, approved=True)


def _chart(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="indicator-chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


@pytest.mark.usefixtures("values")
def test_shows_definition_targets_series_and_breakdown(client: Client, leader: Any) -> None:
    client.force_login(leader)
    response = client.get("/indicators/DE_TOTAL/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "数字经济总量" in page
    assert "越高越好" in page
    assert "省统计局" in page
    assert "≥ 4万亿元，且 ≥ 2017年的2倍" in page
    assert "3.02万亿元" in page
    assert "2020年" in page
    chart = _chart(page)
    assert [p["value"] for p in chart["series"]] == [20658.0, 30218.0]
    assert chart["path"][0] == {"x": 2017, "value": 20658.0}
    assert chart["path"][-1]["x"] == 2022
    assert chart["path"][-1]["value"] == pytest.approx(41316.0)
    assert chart["projection"]
    assert chart["projection"][-1]["x"] == 2022.0
    # Breakdown by city for the latest period: 杭州市 is the sum of its counties.
    body = page[page.index('id="cap-breakdown"') :]
    assert "杭州市" in body
    assert "1500亿元" in body
    assert "未报送" in body
    assert "示例数据" in page  # one of the values is demo data


@pytest.mark.usefixtures("values")
def test_city_breaks_down_by_county_and_links_to_units(client: Client, leader: Any) -> None:
    client.force_login(leader)
    page = client.get("/indicators/DE_TOTAL/?org_unit=330100").content.decode()
    body = page[page.index('id="cap-breakdown"') :]
    codes = re.findall(r"<code>(\d{6})</code>", body[: body.index("</tbody>")])
    assert codes[:3] == ["330110", "330108", "330106"]
    assert 'href="/org-units/330106/"' in body
    assert "分县（市、区）" in page


def test_definition_history_says_who_when_why(client: Client, leader: Any, system: Any) -> None:
    update_indicator(system, "DE_TOTAL", {"source": "省统计局、省经信厅"}, reason="口径调整")
    client.force_login(leader)
    page = client.get("/indicators/DE_TOTAL/").content.decode()
    history = page[page.index('id="h-history"') :]
    assert "v2" in history
    assert "口径调整" in history
    assert "system:test" in history
    assert "数据来源" in history  # which field changed
    assert "首次登记" in history


def test_target_versions_are_listed(client: Client, leader: Any, system: Any) -> None:
    set_target(system, TargetSpec("FIBRE_SHARE", "330000", 2022, ">", Decimal(95), "%"), reason="提高目标")
    client.force_login(leader)
    page = client.get("/indicators/FIBRE_SHARE/").content.decode()
    targets = page[page.index('id="h-targets"') : page.index('id="h-history"')]
    assert "&gt; 95%" in targets
    assert "&gt; 93%" in targets
    assert "提高目标" in targets


def test_english_page(client: Client, leader: Any) -> None:
    client.force_login(leader)
    client.cookies["django_language"] = "en"
    page = client.get("/indicators/DE_TOTAL/").content.decode()
    assert '<html lang="en">' in page
    assert "Size of the digital economy" in page


def test_needs_login_and_scope(client: Client, county_reporter: Any) -> None:
    assert client.get("/indicators/DE_TOTAL/").status_code == 302
    client.force_login(county_reporter)
    assert client.get("/indicators/DE_TOTAL/").status_code == 404
    assert client.get("/indicators/DE_TOTAL/?org_unit=330110").status_code == 404
    assert client.get("/indicators/DE_TOTAL/?org_unit=330106").status_code == 200
    assert client.get("/indicators/NOPE/?org_unit=330106").status_code == 404


@pytest.mark.usefixtures("values")
def test_bounded_queries(client: Client, leader: Any, django_assert_max_num_queries: Any) -> None:
    client.force_login(leader)
    with django_assert_max_num_queries(25):
        assert client.get("/indicators/DE_TOTAL/").status_code == 200
