"""/policies/ pages: the list with filters, a policy with its measures and actions, the create form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from lantu.policies.models import Policy, PolicyMeasure
from lantu.policies.services import MeasureSpec, PolicySpec, add_measure, create_policy, set_policy_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(system: Any) -> PolicyMeasure:
    create_policy(
        system,
        PolicySpec(
            code="POL1",
            programme_code="DZJ",
            title_zh="数字经济支持政策",
            issuer="省政府办公厅",
            area_codes=["TECH"],
            is_demo=True,
        ),
    )
    create_policy(
        system, PolicySpec(code="POL2", programme_code="DZJ", title_zh="云计算发展意见", area_codes=["CLOUD"])
    )
    return add_measure(system, "POL1", MeasureSpec(text="设立专项资金", departments=["JXT"]))


def test_list_filters_and_partial(
    client: Client, leader: Any, measure: PolicyMeasure, django_assert_max_num_queries: Any
) -> None:
    client.force_login(leader)
    with django_assert_max_num_queries(20):
        page = client.get("/policies/").content.decode()
    assert "数字经济支持政策" in page
    assert "云计算发展意见" in page
    assert "示例数据" in page
    partial = client.get("/policies/?area=CLOUD", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert "云计算发展意见" in partial
    assert "数字经济支持政策" not in partial
    assert "数字经济支持政策" in client.get("/policies/?issuer=政府办").content.decode()
    assert "没有符合条件的政策" in client.get("/policies/?status=expired").content.decode()


def test_office_issues_with_a_document_number(
    client: Client, admin_user: Any, leader: Any, measure: PolicyMeasure
) -> None:
    client.force_login(leader)
    page = client.get("/policies/POL1/").content.decode()
    assert "设立专项资金" in page
    assert "浙江省经济和信息化厅" in page
    assert 'id="st-status"' not in page
    client.force_login(admin_user)
    missing = client.post("/policies/POL1/", {"action": "status", "status": "issued", "on": "2024-03-01"})
    assert missing.status_code == 422
    assert 'id="err-st-doc"' in missing.content.decode()
    issued = client.post(
        "/policies/POL1/",
        {"action": "status", "status": "issued", "on": "2024-03-01", "doc_number": "浙政办发〔2024〕1号"},
    )
    assert issued.status_code == 302
    policy = Policy.objects.get(code="POL1")
    assert (policy.status, policy.doc_number, policy.issued_on) == (
        "issued",
        "浙政办发〔2024〕1号",
        dt.date(2024, 3, 1),
    )
    page = client.get("/policies/POL1/").content.decode()
    assert "2024年3月1日" in page
    assert "policies.policy.status" in page


def test_responsible_department_updates_a_measure(
    client: Client, make_user: Any, measure: PolicyMeasure, system: Any
) -> None:
    set_policy_status(system, "POL1", "issued", doc_number="浙政办发〔2024〕1号", on=dt.date(2024, 3, 1))
    dsj = make_user("dsj", "department_reporter", department="DSJ")
    client.force_login(dsj)
    assert f'id="ms-status-{measure.pk}"' not in client.get("/policies/POL1/").content.decode()
    jxt = make_user("jxt", "department_reporter", department="JXT")
    client.force_login(jxt)
    assert f'id="ms-status-{measure.pk}"' in client.get("/policies/POL1/").content.decode()
    stalled = client.post("/policies/POL1/", {"action": "measure_status", "measure": measure.pk, "status": "stalled"})
    assert stalled.status_code == 422
    assert 'id="err-ms-note"' in stalled.content.decode()
    ok = client.post("/policies/POL1/", {"action": "measure_status", "measure": measure.pk, "status": "in_progress"})
    assert ok.status_code == 302
    assert PolicyMeasure.objects.get(pk=measure.pk).status == "in_progress"


def test_create_form_and_add_measure(
    client: Client, admin_user: Any, county_reporter: Any, measure: PolicyMeasure
) -> None:
    client.force_login(county_reporter)
    assert client.get("/policies/new/").status_code == 403
    client.force_login(admin_user)
    bad = client.post("/policies/new/", {"code": "POL1", "title_zh": "重复"})
    assert bad.status_code == 422
    assert 'id="id_code-errors"' in bad.content.decode()
    good = client.post("/policies/new/", {"code": "POL3", "title_zh": "新政策", "areas": ["TECH"], "tasks": ["T15"]})
    assert good.status_code == 302
    assert list(Policy.objects.get(code="POL3").areas.values_list("code", flat=True)) == ["TECH"]
    no_unit = client.post("/policies/POL3/", {"action": "measure_add", "text": "措施一"})
    assert no_unit.status_code == 422
    assert 'id="err-ma-departments"' in no_unit.content.decode()
    added = client.post("/policies/POL3/", {"action": "measure_add", "text": "措施一", "org_units": "330100，330200"})
    assert added.status_code == 302
    assert PolicyMeasure.objects.get(policy__code="POL3").org_units.count() == 2
