"""The major-project list: the seed's project, bad input refused whole, versioned investment, roll-ups."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, NotFound, PermissionDeniedError
from lantu.framework.models import Area
from lantu.projects import selectors
from lantu.projects.loader import DEFAULT_PROJECTS
from lantu.projects.models import InvestmentReport, MajorProject
from lantu.projects.services import (
    ProjectSpec,
    add_project_milestone,
    complete_project_milestone,
    create_project,
    record_investment,
    set_project_status,
    update_project,
)

pytestmark = pytest.mark.django_db
SEED = (Path(__file__).resolve().parents[2] / "lantu/framework/data/seed_digital_zhejiang.txt").read_text("utf-8")
TODAY = dt.date(2024, 12, 31)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def spec(**kw: Any) -> ProjectSpec:
    base: dict[str, Any] = {"code": "PX", "programme_code": "DZJ", "name_zh": "测试项目"}
    return ProjectSpec(**(base | kw))


def test_default_list_is_what_the_seed_names() -> None:
    data = yaml.safe_load(DEFAULT_PROJECTS.read_text(encoding="utf-8"))
    assert all(squash(p["source_text"]) in squash(SEED) for p in data["projects"])
    lab = MajorProject.objects.get(code="P_ZJLAB")
    assert lab.name_zh == "之江实验室"
    assert lab.end == dt.date(2022, 12, 31)
    assert [t.code for t in lab.tasks.all()] == ["T15"]
    # nothing the seed does not state: no location, owner, investment or lead
    assert lab.org_unit is None
    assert lab.owner == ""
    assert lab.planned_investment is None
    assert lab.lead_department is None
    assert MajorProject.objects.filter(is_demo=False).count() == len(data["projects"])


def test_bad_project_lists_every_problem_and_writes_nothing(system: Any) -> None:
    before = MajorProject.objects.count()
    with pytest.raises(InvalidInput) as info:
        create_project(
            system,
            spec(
                code="P_ZJLAB",
                name_zh=" ",
                start=dt.date(2024, 1, 1),
                end=dt.date(2023, 1, 1),
                org_unit="110000",
                longitude=Decimal("120.1"),
                planned_investment=Decimal(-1),
                task_codes=["T99"],
                area_code="NOPE",
                lead_department="XX",
            ),
        )
    fields = {p.field for p in info.value.problems}
    assert fields == {
        "code",
        "name_zh",
        "end",
        "org_unit",
        "longitude",
        "planned_investment",
        "tasks",
        "area",
        "lead_department",
    }
    assert MajorProject.objects.count() == before


def test_a_unit_that_no_longer_exists_is_not_a_location(system: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        create_project(system, spec(org_unit="330104"))  # 江干区, abolished in 2021
    assert info.value.problems[0].field == "org_unit"


@pytest.fixture
def project(system: Any) -> MajorProject:
    return create_project(
        system,
        spec(
            org_unit="330106",
            planned_investment=Decimal(20),
            start=dt.date(2023, 1, 1),
            end=dt.date(2025, 12, 31),
            area_code="ECON",
            longitude=Decimal("120.13"),
            latitude=Decimal("30.27"),
            is_platform=True,
        ),
    )


def test_investment_is_versioned_and_idempotent(system: Any, project: MajorProject, county_reporter: Any) -> None:
    first = record_investment(county_reporter, "PX", "2023", Decimal(5), today=TODAY)
    assert first is not None
    assert first.version == 1
    assert record_investment(county_reporter, "PX", "2023", Decimal(5), today=TODAY) is None
    second = record_investment(county_reporter, "PX", "2023", Decimal("5.5"), "更正", today=TODAY)
    assert second is not None
    assert second.version == 2
    assert InvestmentReport.objects.filter(project=project).count() == 2  # the first stays readable
    record_investment(county_reporter, "PX", "2024", Decimal(4), today=TODAY)
    [row] = selectors.rows(selectors.projects().filter(code="PX"))
    assert row.completed == Decimal("9.5")
    assert row.rate == Decimal("0.475")
    [upto] = selectors.rows(selectors.projects().filter(code="PX"), up_to="2023")
    assert upto.completed == Decimal("5.5")
    event = AuditEvent.objects.filter(action="projects.investment.report").order_by("id")[1]
    assert event.before is not None
    assert Decimal(event.before["amount"]) == 5


@pytest.mark.parametrize(
    ("period", "amount", "field"),
    [
        ("2023Q1", "1", "period"),  # mixes quarters into a project that reports by year
        ("2030", "1", "period"),  # not begun
        ("2022", "1", "period"),  # before the start
        ("2023-13", "1", "period"),
        ("2023", "-3", "amount"),
        ("2023", "abc", "amount"),
    ],
)
def test_bad_investment_is_refused(
    system: Any, project: MajorProject, county_reporter: Any, period: str, amount: str, field: str
) -> None:
    record_investment(county_reporter, "PX", "2024", Decimal(1), today=TODAY)
    with pytest.raises(InvalidInput) as info:
        record_investment(county_reporter, "PX", period, amount, today=TODAY)  # type: ignore[arg-type]
    assert info.value.problems[0].field == field
    assert InvestmentReport.objects.filter(project=project).count() == 1


def test_only_the_projects_unit_reports(project: MajorProject, other_county_reporter: Any, leader: Any) -> None:
    with pytest.raises((PermissionDeniedError, NotFound)):
        record_investment(other_county_reporter, "PX", "2024", Decimal(1), today=TODAY)
    with pytest.raises((PermissionDeniedError, NotFound)):
        record_investment(leader, "PX", "2024", Decimal(1), today=TODAY)


def test_milestones_stay_within_the_project_and_close_it(
    system: Any, project: MajorProject, county_reporter: Any
) -> None:
    with pytest.raises(InvalidInput):
        add_project_milestone(system, "PX", "过早", dt.date(2022, 6, 1))
    step = add_project_milestone(system, "PX", "主体完工", dt.date(2024, 6, 30))
    with pytest.raises(InvalidInput):
        set_project_status(system, "PX", "completed")
    with pytest.raises(InvalidInput):  # moving the end before a milestone is refused
        update_project(system, spec(end=dt.date(2024, 1, 1), start=dt.date(2023, 1, 1)))
    complete_project_milestone(county_reporter, "PX", step.pk, dt.date(2024, 6, 28), today=TODAY)
    with pytest.raises(NotFound):  # done only once
        complete_project_milestone(county_reporter, "PX", step.pk, dt.date(2024, 6, 29), today=TODAY)
    assert set_project_status(system, "PX", "completed").status == "completed"
    assert AuditEvent.objects.filter(action="projects.project.status").count() == 1


def test_update_records_before_and_after(system: Any, project: MajorProject) -> None:
    update_project(
        system,
        spec(
            org_unit="330106",
            planned_investment=Decimal(25),
            start=dt.date(2023, 1, 1),
            end=dt.date(2025, 12, 31),
            area_code="ECON",
            longitude=Decimal("120.13"),
            latitude=Decimal("30.27"),
            is_platform=True,
            task_codes=["T04"],
        ),
        reason="调增投资",
    )
    event = AuditEvent.objects.get(action="projects.project.update")
    assert event.after is not None
    assert event.before is not None
    assert event.after["tasks"] == ["T04"]
    assert event.before["tasks"] == []
    assert "planned_investment" in event.after
    assert event.reason == "调增投资"


def test_rollup_by_city_and_area_over_the_redistricting(system: Any, county_reporter: Any) -> None:
    # 临平区 (created 2021) belongs to 杭州市; 温州 separately; one project without a plan.
    create_project(system, spec(code="A1", org_unit="330113", planned_investment=Decimal(10), area_code="ECON"))
    create_project(system, spec(code="A2", org_unit="330106", planned_investment=Decimal(30), area_code="DATA"))
    create_project(system, spec(code="A3", org_unit="330300", planned_investment=None, area_code="DATA"))
    record_investment(system, "A1", "2024", Decimal(5), today=TODAY)
    record_investment(system, "A2", "2024", Decimal(5), today=TODAY)
    record_investment(system, "A3", "2024", Decimal(7), today=TODAY)
    found = selectors.rows(selectors.projects().filter(code__in=["A1", "A2", "A3"]))
    rolled = selectors.rollup(found)
    cities = dict(rolled.by_city)
    assert cities["杭州市"].planned == Decimal(40)
    assert cities["杭州市"].rate == Decimal("0.25")
    assert cities["温州市"].rate is None
    assert cities["温州市"].without_plan == 1
    areas = dict(rolled.by_area)
    data_area = Area.objects.get(programme__code="DZJ", code="DATA").name_zh
    assert areas[data_area].completed == Decimal(12)
    assert areas[data_area].rate == Decimal(5) / Decimal(30)
    assert rolled.total.projects == 3
    assert rolled.total.completed == Decimal(17)
