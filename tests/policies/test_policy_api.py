"""/api/v1/policies: list with filters, detail, create, status, measures and their status."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lantu.policies.models import Policy

pytestmark = pytest.mark.django_db
API = "/api/v1/policies"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def policy(client: Client, admin_user: Any) -> dict[str, Any]:
    client.force_login(admin_user)
    created = post(
        client,
        API,
        {"code": "POL1", "title_zh": "数字经济支持政策", "issuer": "省政府办公厅", "areas": ["TECH"], "tasks": ["T15"]},
    )
    assert created.status_code == 201, created.content
    return dict(created.json())


def test_create_list_filter_and_detail(client: Client, policy: dict[str, Any], leader: Any) -> None:
    assert policy["status"] == "drafting"
    assert policy["areas"] == ["TECH"]
    client.force_login(leader)

    def codes(query: str) -> list[str]:
        return [p["code"] for p in client.get(API + query).json()]

    assert codes("") == ["POL1"]
    assert codes("?status=drafting&area=TECH&issuer=省政府") == ["POL1"]
    assert codes("?status=issued") == []
    assert codes("?area=CLOUD") == []
    assert client.get(API + "/POL1").json()["implemented_share"] is None
    assert client.get(API + "/NOPE").status_code == 404


def test_bad_policy_is_422_and_nothing_written(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = post(client, API, {"code": "bad code", "title_zh": "", "areas": ["NOPE"], "goals": ["NOPE"]})
    assert response.status_code == 422
    assert {p["field"] for p in response.json()["detail"]} == {"code", "title_zh", "areas", "goals"}
    assert not Policy.objects.exists()


def test_life_and_measures(client: Client, policy: dict[str, Any], make_user: Any) -> None:
    no_number = post(client, API + "/POL1/status", {"status": "issued", "on": "2024-03-01"})
    assert no_number.status_code == 422
    assert no_number.json()["detail"][0]["field"] == "doc_number"
    issued = post(
        client, API + "/POL1/status", {"status": "issued", "on": "2024-03-01", "doc_number": "浙政办发〔2024〕1号"}
    )
    assert issued.json()["doc_number"] == "浙政办发〔2024〕1号"
    measure = post(
        client, API + "/POL1/measures", {"text": "设立专项资金", "departments": ["JXT"], "org_units": ["330100"]}
    )
    assert measure.status_code == 201, measure.content
    mid = measure.json()["id"]
    assert post(client, API + "/POL1/measures", {"text": "无责任单位"}).status_code == 422
    # A reporter of the responsible department updates it; to another department it is another
    # unit's record: 404, not 403 (issue 9).
    jxt = make_user("jxt", "department_reporter", department="JXT")
    dsj = make_user("dsj", "department_reporter", department="DSJ")
    client.force_login(dsj)
    assert post(client, API + f"/POL1/measures/{mid}/status", {"status": "in_progress"}).status_code == 404
    client.force_login(jxt)
    stalled = post(client, API + f"/POL1/measures/{mid}/status", {"status": "stalled"})
    assert stalled.status_code == 422
    assert stalled.json()["detail"][0]["field"] == "note"
    done = post(client, API + f"/POL1/measures/{mid}/status", {"status": "implemented", "note": "资金已下达"})
    assert done.json()["status"] == "implemented"
    assert post(client, API + f"/POLX/measures/{mid}/status", {"status": "implemented"}).status_code == 404
    assert client.get(API + "/POL1").json()["implemented_share"] == 1.0
    assert post(client, API + "/POL1/status", {"status": "in_force", "on": "2024-04-01"}).status_code == 403


def test_put_replaces_description_and_refuses_bad_links(client: Client, policy: dict[str, Any]) -> None:
    body = {"code": "ignored", "title_zh": "改后的标题", "tasks": ["T07"]}
    response = client.put(API + "/POL1?reason=调整", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["title_zh"] == "改后的标题"
    bad = client.put(API + "/POL1", {"code": "POL1", "title_zh": "", "tasks": ["T99"]}, content_type="application/json")
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["detail"]} == {"title_zh", "tasks"}
