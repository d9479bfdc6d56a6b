"""GET /api/v1/org-units: the tree on a date, by level."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def names(client: Client, query: str) -> list[str]:
    response = client.get(f"/api/v1/org-units?{query}")
    assert response.status_code == 200
    return [u["name_zh"] for u in response.json()]


def test_2023_gives_102_units(client: Client) -> None:
    assert len(names(client, "date=2023-06-30")) == 102


def test_2020_has_jianggan_and_xiacheng_not_linping(client: Client) -> None:
    found = names(client, "date=2020-06-30")
    assert "江干区" in found
    assert "下城区" in found
    assert "临平区" not in found


def test_2016_has_linan_city(client: Client) -> None:
    assert "临安市" in names(client, "date=2016-06-30")


def test_level_filter(client: Client) -> None:
    assert len(names(client, "date=2023-06-30&level=city")) == 11
    assert len(names(client, "date=2023-06-30&level=county&parent=330100")) == 13


def test_bad_level_and_bad_date_are_422(client: Client) -> None:
    bad_level = client.get("/api/v1/org-units?level=village")
    assert bad_level.status_code == 422
    assert bad_level.json()["detail"][0]["field"] == "level"
    assert client.get("/api/v1/org-units?date=2020-13-01").status_code == 422


def test_one_code_has_two_records(client: Client) -> None:
    records = client.get("/api/v1/org-units/330102").json()
    assert [(r["valid_from"], r["valid_to"]) for r in records] == [(None, "2021-04-08"), ("2021-04-09", None)]
    assert records[0]["successors"] == ["330102@2021-04-09"]
    assert client.get("/api/v1/org-units/999999").status_code == 404


def test_departments_and_groups(client: Client) -> None:
    departments = {d["short_name_zh"] for d in client.get("/api/v1/departments").json()}
    assert {"省发展改革委", "省经信厅", "省科技厅", "省大数据局"} <= departments
    groups = client.get("/api/v1/groups").json()
    assert groups[0]["kind"] == "leading"
