"""GET /api/v1/indicators lists every quantitative target with the seed's numbers and units."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_lists_every_seed_target(client: Client) -> None:
    response = client.get("/api/v1/indicators?supporting=false")
    assert response.status_code == 200
    targets = {
        i["code"]: [(t["comparator"], t["value"], t["unit"], t["year"]) for t in i["targets"]] for i in response.json()
    }
    assert targets == {
        "DE_TOTAL": [(">=", 4, "万亿元", 2022)],
        "DE_GDP_SHARE": [(">=", 55, "%", 2022)],
        "GOV_MOBILE_SHARE": [(">=", 80, "%", 2022)],
        "NET_INTEGRATION": [(">=", 100, "%", 2022)],
        "INTERNET_PENETRATION": [(">", 80, "%", 2022)],
        "FIBRE_SHARE": [(">", 93, "%", 2022)],
        "INTERPROV_BANDWIDTH": [(">=", 60, "Tbps", 2022)],
    }


def test_digital_economy_target_carries_the_doubling(client: Client) -> None:
    (indicator,) = [i for i in client.get("/api/v1/indicators").json() if i["code"] == "DE_TOTAL"]
    (target,) = indicator["targets"]
    assert target["baseline_multiple"] == 2
    assert target["baseline_year"] == 2017
    assert target["value_in_indicator_unit"] == 40000
    assert indicator["unit"] == "亿元"
    assert target["display_zh"] == "≥ 4万亿元，且 ≥ 2017年的2倍"
    assert "4万亿元以上" in target["source_text"]


def test_names_in_both_languages(client: Client) -> None:
    for indicator in client.get("/api/v1/indicators").json():
        assert indicator["name_zh"]
        assert indicator["name_en"]


def test_list_uses_a_fixed_number_of_queries(client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/indicators").status_code == 200
    assert len(queries) <= 4


def test_one_indicator_with_history(client: Client) -> None:
    body = client.get("/api/v1/indicators/GDP").json()
    assert body["is_supporting"] is True
    assert [v["version"] for v in body["versions"]] == [1]


def test_unknown_indicator_is_404(client: Client) -> None:
    assert client.get("/api/v1/indicators/NOPE").status_code == 404


def test_area_tree(client: Client) -> None:
    tree = client.get("/api/v1/programmes/DZJ/areas").json()
    assert [a["code"] for a in tree] == ["TECH", "CLOUD", "DATA", "GOV", "ECON", "SOC"]
    gov = tree[3]
    assert len(gov["children"]) == 3
    assert any(g["code"] == "GOV_PLATFORMS" and len(g["milestones"]) == 3 for g in gov["goals"])


def test_openapi_document(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/indicators", "/api/v1/org-units", "/api/v1/departments", "/api/v1/programmes"} <= set(
        spec["paths"]
    )
