"""/projects/ pages: the list with filters and roll-ups, a project's page with its forms, create and edit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.projects.models import InvestmentReport, MajorProject
from lantu.projects.services import ProjectSpec, add_project_milestone, create_project, record_investment

pytestmark = pytest.mark.django_db


@pytest.fixture
def xihu(system: Any) -> MajorProject:
    project = create_project(
        system,
        ProjectSpec(
            code="P_XIHU",
            programme_code="DZJ",
            name_zh="西湖数字平台",
            area_code="TECH",
            org_unit="330106",
            planned_investment=Decimal(12),
            start=dt.date(2023, 1, 1),
            end=dt.date(2026, 12, 31),
            is_platform=True,
            is_demo=True,
        ),
    )
    record_investment(system, "P_XIHU", "2023", Decimal(3))
    return project


def test_list_shows_money_rates_badges_and_rollups(
    client: Client, leader: Any, xihu: MajorProject, django_assert_max_num_queries: Any
) -> None:
    client.force_login(leader)
    with django_assert_max_num_queries(20):
        page = client.get("/projects/").content.decode()
    assert "西湖数字平台" in page
    assert "之江实验室" in page
    assert "12亿元" in page
    assert "3亿元" in page
    assert "25.0%" in page
    assert "示例数据" in page
    assert 'id="rollup-city"' in page
    assert 'id="rollup-area"' in page
    assert "杭州市" in page
    assert "1 个项目没有计划总投资" in page  # 之江实验室


def test_filters_and_the_htmx_partial(client: Client, leader: Any, xihu: MajorProject) -> None:
    client.force_login(leader)
    partial = client.get("/projects/?unit=330100&platform=yes", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert "西湖数字平台" in partial
    assert "之江实验室" not in partial
    none = client.get("/projects/?status=completed").content.decode()
    assert "没有符合条件的项目" in none


def test_pages_need_a_login(client: Client, xihu: MajorProject) -> None:
    assert client.get("/projects/").status_code == 302
    assert client.get("/projects/P_XIHU/").status_code == 302


def test_detail_shows_history_and_the_form_only_to_reporters(
    client: Client, leader: Any, county_reporter: Any, xihu: MajorProject
) -> None:
    client.force_login(leader)
    page = client.get("/projects/P_XIHU/").content.decode()
    assert "2023年" in page
    assert "projects.investment.report" in page  # the audit trail
    assert 'id="investment-form"' not in page
    assert client.get("/projects/NOPE/").status_code == 404
    client.force_login(county_reporter)
    assert 'id="investment-form"' in client.get("/projects/P_XIHU/").content.decode()


def test_investment_form_shows_problems_by_field_and_writes_nothing(
    client: Client, county_reporter: Any, xihu: MajorProject
) -> None:
    client.force_login(county_reporter)
    bad = client.post("/projects/P_XIHU/", {"action": "investment", "period": "2023", "amount": "很多"})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'id="err-inv-amount"' in html
    assert "不是有效数字" in html or "不是数字" in html
    bad_period = client.post("/projects/P_XIHU/", {"action": "investment", "period": "2023Q9", "amount": "1"})
    assert 'id="err-inv-period"' in bad_period.content.decode()
    assert InvestmentReport.objects.filter(project=xihu).count() == 1
    good = client.post("/projects/P_XIHU/", {"action": "investment", "period": "2023", "amount": "3.5", "note": "更正"})
    assert good.status_code == 302
    page = client.get("/projects/P_XIHU/").content.decode()
    assert "第 2 版" in page
    assert "第 1 版" in page  # history keeps the first figure
    assert "3.5亿元" in page


def test_another_county_cannot_report(client: Client, other_county_reporter: Any, xihu: MajorProject) -> None:
    client.force_login(other_county_reporter)
    assert 'id="investment-form"' not in client.get("/projects/P_XIHU/").content.decode()
    refused = client.post("/projects/P_XIHU/", {"action": "investment", "period": "2024", "amount": "1"})
    assert refused.status_code == 404  # another unit's record, as in the API (not a form error)
    assert InvestmentReport.objects.filter(project=xihu).count() == 1


def test_milestone_done_and_status_change(
    client: Client, admin_user: Any, county_reporter: Any, xihu: MajorProject, system: Any
) -> None:
    milestone = add_project_milestone(system, "P_XIHU", "主体完工", dt.date(2024, 6, 30))
    client.force_login(county_reporter)
    page = client.get("/projects/P_XIHU/").content.decode()
    assert f'id="done-{milestone.pk}"' in page
    assert 'id="st-status"' not in page  # status is the programme office's
    done = client.post(
        "/projects/P_XIHU/", {"action": "milestone_done", "milestone": milestone.pk, "done_on": "2024-06-20"}
    )
    assert done.status_code == 302
    client.force_login(admin_user)
    answer = client.post("/projects/P_XIHU/", {"action": "status", "status": "completed", "reason": "验收"})
    assert answer.status_code == 302
    assert MajorProject.objects.get(code="P_XIHU").status == "completed"
    assert "projects.project.status" in client.get("/projects/P_XIHU/").content.decode()


def test_create_and_edit_forms_for_the_programme_office(
    client: Client, admin_user: Any, county_reporter: Any, xihu: MajorProject
) -> None:
    client.force_login(county_reporter)
    assert client.get("/projects/new/").status_code == 403
    assert client.get("/projects/P_XIHU/edit/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/projects/new/").status_code == 200
    bad = client.post(
        "/projects/new/",
        {"code": "P_XIHU", "name_zh": "重复", "start": "2024-01-01", "end": "2023-01-01", "org_unit": "330106"},
    )
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "已存在" in html
    assert "计划建成日期早于开工日期" in html
    assert 'id="id_end-errors"' in html
    created = client.post(
        "/projects/new/",
        {"code": "P_NEW", "name_zh": "新项目", "area": "TECH", "tasks": ["T15"], "planned_investment": "8"},
    )
    assert created.status_code == 302
    assert MajorProject.objects.get(code="P_NEW").planned_investment == Decimal(8)
    form = client.get("/projects/P_XIHU/edit/").content.decode()
    assert 'value="西湖数字平台"' in form
    edited = client.post(
        "/projects/P_XIHU/edit/",
        {"name_zh": "西湖数字平台（一期）", "org_unit": "330106", "planned_investment": "15", "reason": "调整"},
    )
    assert edited.status_code == 302, edited.content.decode()[:2000]
    project = MajorProject.objects.get(code="P_XIHU")
    assert (project.name_zh, project.planned_investment) == ("西湖数字平台（一期）", Decimal(15))


def test_nav_links_to_projects_and_policies(client: Client, leader: Any) -> None:
    client.force_login(leader)
    page = client.get("/projects/").content.decode()
    assert 'href="/projects/"' in page
    assert 'href="/policies/"' in page


def test_english_page(client: Client, leader: Any, xihu: MajorProject) -> None:
    from django.conf import settings

    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/projects/").content.decode()
    assert "Major projects" in page
    assert "Completion rate" in page
    assert "By city" in page
    assert "Hangzhou" in page  # the roll-up names groups in the page's language
