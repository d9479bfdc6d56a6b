"""The org-unit page (facts, redistricting links, indicators with lights) and the area page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db


def test_city_page_lists_children_and_indicators(client: Client, city_approver: Any, system: Any) -> None:
    record_values(system, [ValueEntry("DE_TOTAL", "330106", "2022", Decimal(300), "亿元")], approved=True)
    client.force_login(city_approver)
    response = client.get("/org-units/330100/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "杭州市" in page
    assert "地市级" in page
    assert 'href="/org-units/330000/"' in page  # the parent
    assert 'href="/org-units/330106/"' in page
    assert "西湖区" in page
    assert "钱塘区" in page  # children as they are today
    assert 'href="/indicators/DE_TOTAL/?org_unit=330100&amp;basis=approved"' in page
    assert "300亿元" in page
    assert "2022年" in page
    assert "未设目标" in page


def test_redistricted_unit_links_its_successors(client: Client, city_approver: Any) -> None:
    client.force_login(city_approver)
    page = client.get("/org-units/330104/").content.decode()
    assert "江干区" in page
    assert "已失效" in page
    assert "钱塘区" in page
    assert 'href="/org-units/330102@2021-04-09/"' in page
    new = client.get("/org-units/330102@2021-04-09/").content.decode()
    assert "前身" in new
    assert 'href="/org-units/330104/"' in new


def test_province_page_shows_lights_in_bounded_queries(
    client: Client, leader: Any, system: Any, django_assert_max_num_queries: Any
) -> None:
    record_values(
        system,
        [
            ValueEntry("DE_TOTAL", "330000", "2017", Decimal(20658), "亿元"),
            ValueEntry("DE_TOTAL", "330000", "2022", Decimal(42000), "亿元"),
        ],
        approved=True,
    )
    client.force_login(leader)
    with django_assert_max_num_queries(20):
        page = client.get("/org-units/330000/").content.decode()
    assert "light-green" in page
    assert "已完成" in page


def test_scope_hides_values_but_not_the_hierarchy(client: Client, county_reporter: Any) -> None:
    assert client.get("/org-units/330100/").status_code == 302
    client.force_login(county_reporter)
    page = client.get("/org-units/330110/").content.decode()
    assert "余杭区" in page
    assert "没有查看该单位数据的权限" in page
    assert "DE_TOTAL" not in page
    assert "没有查看" not in client.get("/org-units/330106/").content.decode()
    assert client.get("/org-units/999999/").status_code == 404


def test_area_page_goals_indicators_and_tasks(client: Client, leader: Any) -> None:
    page = client.get("/areas/ECON/").content.decode()  # public, like the overview
    assert "数字经济总量" in page
    assert "≥ 4万亿元" in page
    assert 'href="/areas/ECON_INDUSTRY/"' in page  # a sub-area
    assert 'href="/areas/ECON/"' in client.get("/areas/ECON_INDUSTRY/").content.decode()  # and back up
    client.force_login(leader)
    page = client.get("/areas/ECON/").content.decode()
    assert 'href="/indicators/DE_TOTAL/"' in page
    assert "light-" in page
    assert client.get("/areas/NOPE/").status_code == 404


def test_area_page_links_its_tasks(client: Client) -> None:
    from lantu.tasks.models import Task

    task = Task.objects.filter(areas__isnull=False).prefetch_related("areas").first()
    assert task is not None
    area = task.areas.all()[0]
    page = client.get(f"/areas/{area.code}/").content.decode()
    assert f'href="/tasks/{task.code}/"' in page
