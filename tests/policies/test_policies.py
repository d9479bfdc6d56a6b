"""Policies: their life (drafting → issued → in force → expired), links, measures put into effect."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, NotFound, PermissionDeniedError
from lantu.policies import selectors
from lantu.policies.models import Policy, PolicyMeasure
from lantu.policies.services import (
    MeasureSpec,
    PolicySpec,
    add_measure,
    create_policy,
    set_measure_status,
    set_policy_status,
)

pytestmark = pytest.mark.django_db


def spec(**kw: Any) -> PolicySpec:
    base: dict[str, Any] = {"code": "POL1", "programme_code": "DZJ", "title_zh": "数字经济专项支持政策"}
    return PolicySpec(**(base | kw))


def test_bad_policy_lists_every_problem_and_writes_nothing(system: Any) -> None:
    create_policy(system, spec(code="POL0", doc_number="示例〔2024〕1号"))
    with pytest.raises(InvalidInput) as info:
        create_policy(
            system,
            spec(
                title_zh="",
                doc_number="示例〔2024〕1号",
                in_force_from=dt.date(2024, 5, 1),
                expires_on=dt.date(2024, 1, 1),
                area_codes=["NOPE"],
                task_codes=["T06", "T99"],
                issuer_department="XX",
            ),
        )
    assert {p.field for p in info.value.problems} == {
        "title_zh",
        "doc_number",
        "expires_on",
        "areas",
        "tasks",
        "issuer_department",
    }
    assert not Policy.objects.filter(code="POL1").exists()


def test_life_of_a_policy_is_audited_and_ordered(system: Any) -> None:
    create_policy(system, spec(task_codes=["T06"], area_codes=["ECON"]))
    with pytest.raises(InvalidInput) as info:
        set_policy_status(system, "POL1", "in_force", on=dt.date(2024, 3, 1))  # not issued yet
    assert info.value.problems[0].field == "status"
    with pytest.raises(InvalidInput) as info:
        set_policy_status(system, "POL1", "issued", on=dt.date(2024, 2, 1))  # no 文号
    assert info.value.problems[0].field == "doc_number"
    set_policy_status(system, "POL1", "issued", doc_number="示例〔2024〕2号", on=dt.date(2024, 2, 1))
    with pytest.raises(InvalidInput):
        set_policy_status(system, "POL1", "in_force", on=dt.date(2024, 1, 1))  # before the issue date
    set_policy_status(system, "POL1", "in_force", on=dt.date(2024, 3, 1))
    policy = set_policy_status(system, "POL1", "expired", on=dt.date(2026, 12, 31), reason="到期")
    assert (policy.doc_number, policy.issued_on, policy.in_force_from, policy.expires_on) == (
        "示例〔2024〕2号",
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
        dt.date(2026, 12, 31),
    )
    assert AuditEvent.objects.filter(action="policies.policy.status").count() == 3
    with pytest.raises(InvalidInput):  # expired is final
        set_policy_status(system, "POL1", "in_force", on=dt.date(2027, 1, 1))


def test_measures_are_put_into_effect_by_their_units(
    system: Any, make_user: Any, county_reporter: Any, other_county_reporter: Any
) -> None:
    create_policy(system, spec())
    with pytest.raises(InvalidInput) as info:
        add_measure(system, "POL1", MeasureSpec(text="", departments=["XX"]))
    assert {p.field for p in info.value.problems} == {"text", "departments"}
    m1 = add_measure(system, "POL1", MeasureSpec(text="设立专项资金", departments=["DSJ"]))
    m2 = add_measure(system, "POL1", MeasureSpec(text="建设试点区", org_units=["330106"], due=dt.date(2025, 6, 30)))
    assert (m1.order, m2.order) == (1, 2)
    with pytest.raises(InvalidInput):  # a draft policy's measures cannot move yet
        set_measure_status(county_reporter, m2.pk, "in_progress")
    set_policy_status(system, "POL1", "issued", doc_number="示例〔2024〕3号", on=dt.date(2024, 2, 1))
    assert set_measure_status(county_reporter, m2.pk, "in_progress").status == "in_progress"
    with pytest.raises((PermissionDeniedError, NotFound)):
        set_measure_status(other_county_reporter, m2.pk, "implemented")
    dsj = make_user("dsj", "department_reporter", department="DSJ")
    with pytest.raises(InvalidInput) as info:
        set_measure_status(dsj, m1.pk, "stalled")  # a stalled measure needs a reason
    assert info.value.problems[0].field == "note"
    set_measure_status(dsj, m1.pk, "implemented", "资金已下达")
    [row] = selectors.rows(selectors.policies().filter(code="POL1"))
    assert row.measures == 2
    assert row.implemented_share == 0.5
    assert PolicyMeasure.objects.get(pk=m1.pk).status_note == "资金已下达"
    assert AuditEvent.objects.filter(action="policies.measure.status").count() == 2


def test_update_changes_description_and_links_but_not_an_issued_number(system: Any) -> None:
    from lantu.policies.services import update_policy

    create_policy(system, spec(task_codes=["T06"]))
    update_policy(system, spec(title_zh="新标题", task_codes=["T06", "T07"], doc_number="示例〔2024〕9号"), "补充")
    event = AuditEvent.objects.get(action="policies.policy.update")
    assert event.after == {"title_zh": "新标题", "doc_number": "示例〔2024〕9号", "tasks": ["T06", "T07"]}
    set_policy_status(system, "POL1", "issued", on=dt.date(2024, 2, 1))
    policy = update_policy(system, spec(title_zh="新标题", task_codes=["T06", "T07"], doc_number="改号"))
    assert policy.doc_number == "示例〔2024〕9号"  # fixed once issued
    with pytest.raises(InvalidInput):
        update_policy(system, spec(title_zh=" ", area_codes=["NOPE"]))


def test_edit_page_for_the_programme_office_only(
    client: Any, admin_user: Any, county_reporter: Any, system: Any
) -> None:
    create_policy(system, spec())
    client.force_login(county_reporter)
    assert client.get("/policies/POL1/edit/").status_code == 403
    client.force_login(admin_user)
    assert "修改政策" in client.get("/policies/POL1/").content.decode()
    page = client.post("/policies/POL1/edit/", {"code": "X", "title_zh": "", "reason": ""})
    assert page.status_code == 422
    response = client.post("/policies/POL1/edit/", {"title_zh": "改后的标题", "tasks": ["T08"], "reason": "调整"})
    assert response.status_code == 302
    assert Policy.objects.get(code="POL1").title_zh == "改后的标题"
    assert AuditEvent.objects.get(action="policies.policy.update").reason == "调整"
