"""/api/v1/projects: list with filters, detail, create/update, investment, milestones, status, roll-up, points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.projects.models import InvestmentReport, MajorProject
from lantu.projects.services import ProjectSpec, create_project, record_investment

pytestmark = pytest.mark.django_db
API = "/api/v1/projects"


@pytest.fixture
def xihu(system: Any) -> MajorProject:
    """A platform project in 西湖区 (杭州市), 10 亿元 planned, 3 亿元 done in 2023."""
    project = create_project(
        system,
        ProjectSpec(
            code="P_XIHU",
            programme_code="DZJ",
            name_zh="西湖数字平台",
            area_code="TECH",
            org_unit="330106",
            longitude=Decimal("120.13"),
            latitude=Decimal("30.26"),
            planned_investment=Decimal(10),
            start=dt.date(2023, 1, 1),
            end=dt.date(2026, 12, 31),
            is_platform=True,
            is_demo=True,
        ),
    )
    record_investment(system, "P_XIHU", "2023", Decimal(3))
    return project


@pytest.fixture
def ningbo(system: Any) -> MajorProject:
    return create_project(
        system,
        ProjectSpec(code="P_NB", programme_code="DZJ", name_zh="宁波云中心", area_code="CLOUD", org_unit="330200"),
    )


def test_list_filters_by_unit_area_status_and_platform(
    client: Client, leader: Any, xihu: MajorProject, ningbo: MajorProject
) -> None:
    client.force_login(leader)

    def codes(query: str) -> set[str]:
        return {p["code"] for p in client.get(API + query).json()}

    assert {"P_XIHU", "P_NB", "P_ZJLAB"} <= codes("")
    assert codes("?unit=330100") == {"P_XIHU"}
    assert codes("?area=TECH") == {"P_XIHU", "P_ZJLAB"}  # P_ZJLAB sits in TECH too
    assert codes("?platform=true") == {"P_XIHU"}
    assert codes("?status=completed") == set()
    body = client.get(API + "/P_XIHU").json()
    assert body["completed_investment"] == 3
    assert body["completion_rate"] == pytest.approx(0.3)
    assert body["city"] == "330100"
    assert body["investment_by_period"] == {"2023": 3}
    assert body["is_demo"] is True


def test_anonymous_is_refused_and_unknown_is_404(client: Client, leader: Any) -> None:
    assert client.get(API).status_code == 401
    client.force_login(leader)
    assert client.get(API + "/NOPE").status_code == 404


def test_create_and_update_through_the_services(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    payload = {"code": "P_NEW", "name_zh": "新项目", "org_unit": "330106", "planned_investment": 12.5}
    created = client.post(API, payload, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["planned_investment"] == 12.5
    payload |= {"name_zh": "新项目（二期）", "reason": "更名"}
    updated = client.put(API + "/P_NEW", payload, content_type="application/json")
    assert updated.status_code == 200, updated.content
    assert MajorProject.objects.get(code="P_NEW").name_zh == "新项目（二期）"


def test_bad_project_is_422_with_every_problem_and_nothing_written(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    before = MajorProject.objects.count()
    bad = {"code": "P_ZJLAB", "name_zh": " ", "area": "NOPE", "start": "2024-01-01", "end": "2023-01-01"}
    response = client.post(API, bad, content_type="application/json")
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["detail"]}
    assert fields == {"code", "name_zh", "area", "end"}
    assert all(p["message_zh"] and p["message_en"] for p in response.json()["detail"])
    assert MajorProject.objects.count() == before


def test_a_reporter_may_not_create(client: Client, county_reporter: Any) -> None:
    client.force_login(county_reporter)
    response = client.post(API, {"code": "P_X", "name_zh": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_investment_by_the_projects_unit_only(
    client: Client, county_reporter: Any, other_county_reporter: Any, xihu: MajorProject
) -> None:
    client.force_login(county_reporter)
    answer = client.post(
        API + "/P_XIHU/investment", {"period": "2023", "amount": "3.5", "note": "更正"}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["report"]["version"] == 2
    same = client.post(API + "/P_XIHU/investment", {"period": "2023", "amount": 3.5}, content_type="application/json")
    assert same.json() == {"written": False, "report": None}
    bad = client.post(
        API + "/P_XIHU/investment", {"period": "2023Q5", "amount": "很多"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "amount"
    history = client.get(API + "/P_XIHU/investment").json()
    assert [(h["period"], h["version"], h["amount"]) for h in history] == [("2023", 2, 3.5), ("2023", 1, 3)]
    client.force_login(other_county_reporter)
    outside = client.post(API + "/P_XIHU/investment", {"period": "2024", "amount": 1}, content_type="application/json")
    assert outside.status_code == 404  # another county's project is not even said to exist
    assert InvestmentReport.objects.filter(project=xihu).count() == 2


def test_milestones_and_status(client: Client, admin_user: Any, county_reporter: Any, xihu: MajorProject) -> None:
    client.force_login(admin_user)
    added = client.post(
        API + "/P_XIHU/milestones", {"name_zh": "主体完工", "due": "2024-06-30"}, content_type="application/json"
    )
    assert added.status_code == 201, added.content
    early = client.post(API + "/P_XIHU/status", {"status": "completed"}, content_type="application/json")
    assert early.status_code == 422
    assert "节点未完成" in early.json()["detail"][0]["message_zh"]
    client.force_login(county_reporter)
    done = client.post(
        API + f"/P_XIHU/milestones/{added.json()['id']}/done",
        {"done_on": "2024-06-20"},
        content_type="application/json",
    )
    assert done.json()["done_on"] == "2024-06-20"
    assert (
        client.post(API + "/P_XIHU/status", {"status": "completed"}, content_type="application/json").status_code == 403
    )
    client.force_login(admin_user)
    assert (
        client.post(API + "/P_XIHU/status", {"status": "completed"}, content_type="application/json").json()["status"]
        == "completed"
    )


def test_rollup_and_points(client: Client, leader: Any, xihu: MajorProject, ningbo: MajorProject) -> None:
    client.force_login(leader)
    rollup = client.get(API + "/rollup").json()
    cities = {g["name"]: g for g in rollup["by_city"]}
    assert cities["杭州市"]["planned"] == 10
    assert cities["杭州市"]["completion_rate"] == pytest.approx(0.3)
    assert cities["宁波市"]["without_plan"] == 1
    assert cities["宁波市"]["completion_rate"] is None
    assert rollup["total"]["without_plan"] == 2  # 宁波 and 之江实验室
    areas = {g["name"]: g for g in rollup["by_area"]}
    assert areas["数字科技创新"]["projects"] == 2
    assert areas["数字科技创新"]["platforms"] == 1
    assert areas["云上浙江"]["projects"] == 1
    points = client.get(API + "/points").json()
    assert [p["code"] for p in points] == ["P_XIHU"]
    assert points[0]["lon"] == pytest.approx(120.13)
    assert points[0]["is_demo"] is True
    assert points[0]["url"] == "/projects/P_XIHU/"
