"""The CKAN Action API, read by the real `ckanapi` client from a running server.

A live-server test is transactional: the database is emptied after it (pytest-django runs such
tests after all the others), and it may start empty, so it loads the reference data it needs.
"""

from __future__ import annotations

from typing import Any

import ckanapi  # type: ignore[import-untyped]
import pytest
import requests

from lantu.accounts.permissions import SystemActor
from lantu.accounts.services import assign_role, create_user
from lantu.framework.loader import load_programme
from lantu.framework.models import Programme
from lantu.orgunits.loader import load_org_units
from lantu.orgunits.models import OrgUnit
from lantu.publishing.services import create_dataset, withdraw_version

pytestmark = pytest.mark.django_db(transaction=True)
SYSTEM = SystemActor("system:test")


@pytest.fixture
def published() -> None:
    """Reference data, approved figures, two public datasets and a withdrawn one (all committed)."""
    from tests.publishing.conftest import CODE, spec

    if not OrgUnit.objects.exists():
        load_org_units(SYSTEM)
    if not Programme.objects.filter(code="DZJ").exists():
        load_programme(SYSTEM)
    for name in ("office_a", "office_b"):
        create_user(SYSTEM, name, "x", check_password=False)
        assign_role(SYSTEM, name, "programme_admin")
    from django.contrib.auth.models import User

    from tests.publishing import conftest

    conftest.load_approved_values(SYSTEM)
    create_dataset(SYSTEM, spec())
    create_dataset(
        SYSTEM,
        spec(
            code="gdp-units",
            title_zh="地区生产总值",
            title_en="GDP",
            indicator_codes=("GDP",),
            publisher="FGW",
            keywords_zh=("经济",),
            keywords_en=("economy",),
        ),
    )
    create_dataset(SYSTEM, spec(code="old-set", title_zh="旧数据集", title_en="Old"))
    office = (User.objects.get(username="office_a"), User.objects.get(username="office_b"))
    run = conftest.publisher_for(office)
    for code in (CODE, "gdp-units", "old-set"):
        run(code)
    withdraw_version(office[0], "old-set", 1, "重复发布")


def test_ckanapi_reads_the_catalogue(published: None, live_server: Any) -> None:
    from tests.publishing.conftest import CODE

    # Closed at the end: a kept-alive connection would outlive the test's database.
    with ckanapi.RemoteCKAN(live_server.url, user_agent="lantu-tests") as ckan:
        _read_catalogue(ckan, live_server.url)
    # GET-only clients (harvesters behind proxies) on the versioned path read the same.
    with ckanapi.RemoteCKAN(live_server.url, get_only=True) as getter:
        getter.base_url = "api/3/action/"
        assert getter.action.package_list() == [CODE, "gdp-units"]


def _read_catalogue(ckan: Any, url: str) -> None:
    from tests.publishing.conftest import CODE

    assert ckan.action.package_list() == [CODE, "gdp-units"]

    package = ckan.action.package_show(id=CODE)
    assert package["name"] == CODE
    assert package["title"] == "数字经济核心产业增加值"
    assert package["license_id"] == "CC-BY-4.0"
    assert package["organization"]["name"] == "tjj"
    assert {t["name"] for t in package["tags"]} == {"数字经济", "增加值", "digital economy"}
    assert package["metadata_modified"].startswith("2024-03-01T02:00:00")  # 10:00 in UTC+8
    assert {"key": "title_en", "value": "Value added of the core digital economy"} in package["extras"]
    formats = {r["format"]: r["url"] for r in package["resources"]}
    assert formats["CSV"] == f"{url}/data/{CODE}/v1.csv"
    csv = requests.get(formats["CSV"], timeout=10, headers={"Connection": "close"})
    assert csv.status_code == 200
    assert csv.text.startswith("indicator_code,")
    assert ckan.action.package_show(id=package["id"])["name"] == CODE  # by id as well as by name

    found = ckan.action.package_search(q="经济", rows=1, start=0)
    assert found["count"] == 2
    assert len(found["results"]) == 1
    assert ckan.action.package_search(q="economy", rows=10, start=1)["results"][0]["name"] == "gdp-units"
    assert ckan.action.organization_list() == ["fgw", "tjj"]
    assert ckan.action.organization_list(all_fields=True)[1]["package_count"] == 1


def test_ckan_errors_have_ckans_shape(published: None, live_server: Any) -> None:
    with ckanapi.RemoteCKAN(live_server.url, user_agent="lantu-tests") as ckan:
        for unknown in ("old-set", "no-such-set"):  # withdrawn is "not found" to CKAN clients
            with pytest.raises(ckanapi.NotFound):
                ckan.action.package_show(id=unknown)
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(rows="many")
    close = {"Connection": "close"}
    raw = requests.get(
        f"{live_server.url}/api/3/action/package_show", params={"id": "old-set"}, timeout=10, headers=close
    )
    assert raw.status_code == 404
    body = raw.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert "result" not in body
    assert "help" in body
    no_action = requests.get(f"{live_server.url}/api/3/action/package_delete", timeout=10, headers=close)
    assert no_action.status_code == 400
