"""GET /api/v1/maps/{indicator}: values by unit for the map, with the map file and the periods."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def gdp(system: Any) -> None:
    figures = {"330106": 2000, "330113": 4000, "330112": 600}
    record_values(
        system, [ValueEntry("GDP", c, "2022", Decimal(v)) for c, v in figures.items()], approved=True, demo=True
    )
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(2500))])  # a newer draft


def test_it_lists_hangzhou_districts_with_values_units_and_shapes(client: Client, leader: Any, gdp: None) -> None:
    client.force_login(leader)
    response = client.get("/api/v1/maps/GDP?period=2022&parent=330100&basis=approved")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["map_url"] == "/static/maps/330100.json"
    assert body["parent"] == {
        "code": "330100",
        "name_zh": "杭州市",
        "name_en": "Hangzhou",
        "level": "city",
        "parent_code": "330000",
    }
    assert body["periods"] == ["2022"]
    assert body["unit"] == "亿元"
    assert body["shapes_as_of"] == "2017-01-01"
    assert body["is_demo"] is True
    children = {c["name_zh"]: c for c in body["children"]}
    assert children["西湖区"]["value"] == 2000  # approved, not the draft
    assert children["西湖区"]["text"] == "2000亿元"
    assert children["西湖区"]["has_shape"] is True
    assert children["临平区"] == {
        "code": "330113",
        "key": "330113",
        "name_zh": "临平区",
        "name_en": "Linping District",
        "value": 4000,
        "text": "4000亿元",
        "unit": "亿元",
        "origin": "reported",
        "is_demo": True,
        "has_shape": False,
        "shape_name": None,
        "drillable": False,
    }
    assert children["临安区"]["shape_name"] == "临安市"
    assert children["桐庐县"]["value"] is None
    old = {o["name"]: o["now_in"] for o in body["old_shapes"]}
    assert sorted(old["余杭区"]) == ["临平区", "余杭区"]


def test_preliminary_basis_and_province_level(client: Client, leader: Any, gdp: None) -> None:
    client.force_login(leader)
    body = client.get("/api/v1/maps/GDP?period=2022&parent=330100&basis=preliminary").json()
    assert next(c for c in body["children"] if c["code"] == "330106")["value"] == 2500
    province = client.get("/api/v1/maps/GDP").json()  # latest period, the province's cities, approved
    assert province["period"] == "2022"
    assert province["map_url"] == "/static/maps/330000.json"
    assert province["parent"]["parent_code"] is None
    hangzhou = next(c for c in province["children"] if c["code"] == "330100")
    assert hangzhou["drillable"] is True
    assert hangzhou["origin"] == "aggregate"
    assert hangzhou["value"] == 6600


def test_reading_needs_login_and_scope_like_the_progress_endpoint(
    client: Client, county_reporter: Any, city_approver: Any, gdp: None
) -> None:
    assert client.get("/api/v1/maps/GDP?period=2022").status_code == 401
    client.force_login(county_reporter)
    assert client.get("/api/v1/maps/GDP?period=2022&parent=330100").status_code == 404
    client.force_login(city_approver)
    assert client.get("/api/v1/maps/GDP?period=2022&parent=330100").status_code == 200
    assert client.get("/api/v1/maps/GDP?period=2022&parent=330000").status_code == 404


def test_bad_input_is_named(client: Client, leader: Any) -> None:
    client.force_login(leader)
    assert client.get("/api/v1/maps/NO_SUCH").status_code == 404
    bad = client.get("/api/v1/maps/GDP?period=2022年")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "period"
    basis = client.get("/api/v1/maps/GDP?basis=draft")
    assert basis.status_code == 422
    assert basis.json()["detail"][0]["message_en"] == "basis is approved or preliminary"
