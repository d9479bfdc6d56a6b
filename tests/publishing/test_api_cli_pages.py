"""The office's API, `lantu publish due|list`, the public pages and their bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from lantu.accounts.service import InvalidInput
from lantu.cli import main
from lantu.publishing.models import Dataset, DatasetVersion
from lantu.publishing.services import create_dataset, create_version, schedule_version
from tests.publishing.conftest import CODE, T0, PublishFn, spec

pytestmark = pytest.mark.django_db
API = "/api/v1/publishing/datasets"


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_the_office_runs_the_workflow_through_the_api(
    dataset: Dataset, office: tuple[Any, Any], client: Client
) -> None:
    a, b = office
    client.force_login(a)
    assert _post(client, f"{API}/{CODE}/versions").status_code == 201
    assert _post(client, f"{API}/{CODE}/versions/1/submit").json()["status"] == "in_review"
    refused = _post(client, f"{API}/{CODE}/versions/1/approve")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "approver"
    client.force_login(b)
    approved = _post(client, f"{API}/{CODE}/versions/1/approve", {"comment": "已核"}).json()
    assert approved["status"] == "approved"
    assert len(approved["sha256"]) == 64
    past = _post(client, f"{API}/{CODE}/versions/1/schedule", {"embargo_at": "2001-01-01T09:00:00+08:00"})
    assert past.status_code == 422
    assert past.json()["detail"][0]["field"] == "embargo_at"
    ok = _post(client, f"{API}/{CODE}/versions/1/schedule", {"embargo_at": "2099-01-01T09:00:00+08:00"})
    assert ok.json()["status"] == "scheduled"
    listed = client.get(API).json()
    assert listed[0]["code"] == CODE
    assert listed[0]["versions"][0]["status"] == "scheduled"
    # Publishing at once instead of waiting for the embargo.
    now = _post(client, f"{API}/{CODE}/versions/1/publish").json()
    assert (now["status"], now["published_at"] is not None) == ("published", True)
    assert _post(client, f"{API}/{CODE}/versions/1/publish").status_code == 422  # published already
    assert _post(client, f"{API}/{CODE}/versions/1/withdraw", {"reason": ""}).status_code == 422
    assert _post(client, f"{API}/{CODE}/versions/9/submit").status_code == 404
    assert _post(client, f"{API}/{CODE}/versions/1/withdraw", {"reason": "推迟"}).json()["status"] == "withdrawn"


def test_others_may_not_use_the_office_api(dataset: Dataset, county_reporter: Any, client: Client) -> None:
    assert client.get(API).status_code == 401
    client.force_login(county_reporter)
    assert client.get(API).status_code == 403
    assert _post(client, f"{API}/{CODE}/versions").status_code == 403
    assert not DatasetVersion.objects.exists()


def test_publish_due_on_the_command_line(
    dataset: Dataset, office: tuple[Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from lantu.publishing.services import approve_version, submit_version

    a, b = office
    create_version(a, CODE)
    submit_version(a, CODE, 1, now=T0)
    approve_version(b, CODE, 1, now=T0)
    schedule_version(a, CODE, 1, T0 + dt.timedelta(hours=2), now=T0)
    assert main(["publish", "due", "--now", "2024-03-01T10:59:59+08:00"]) == 0
    assert "nothing due" in capsys.readouterr().out
    assert main(["publish", "due", "--now", "2024-03-01T11:00:00+08:00"]) == 0
    assert f"{CODE} v1" in capsys.readouterr().out
    assert DatasetVersion.objects.get().status == "published"
    assert main(["publish", "list"]) == 0
    assert "published" in capsys.readouterr().out
    assert main(["publish", "due", "--now", "tomorrow"]) == 2
    assert main(["publish", "due", "--now", "2024-03-01T11:00:00"]) == 2
    assert "时区" in capsys.readouterr().out


def test_bad_dataset_definitions_are_refused_whole(system: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_dataset(
            system,
            spec(
                code="Bad Code!",
                title_en=" ",
                publisher="NOPE",
                period_from="2023",
                period_to="2020x",
                indicator_codes=("DE_TOTAL", "NOT_AN_INDICATOR"),
                licence="proprietary",
            ),
        )
    fields = {p.field for p in refused.value.problems}
    assert fields == {"code", "title_en", "publisher", "period_to", "indicator_codes", "licence"}
    assert not Dataset.objects.exists()
    with pytest.raises(InvalidInput) as backwards:
        create_dataset(system, spec(period_from="2022", period_to="2020"))
    assert backwards.value.problems[0].field == "period_to"
    # "office" names the office pages (/data/office/), so no dataset may take it.
    with pytest.raises(InvalidInput) as reserved:
        create_dataset(system, spec(code="office"))
    assert [p.field for p in reserved.value.problems] == ["code"]
    # Without a valid period only the period is reported, not a misleading unknown unit.
    with pytest.raises(InvalidInput) as no_period:
        create_dataset(system, spec(period_from="", period_to=""))
    assert {p.field for p in no_period.value.problems} == {"period_from", "period_to"}
    assert not Dataset.objects.exists()


def test_catalogue_search_filters_and_language(
    dataset: Dataset, publish: PublishFn, client: Client, system: Any, django_assert_max_num_queries: Any
) -> None:
    create_dataset(
        system,
        spec(
            code="gdp-only",
            title_zh="地区生产总值",
            title_en="Regional GDP",
            indicator_codes=("GDP",),
            publisher="FGW",
            keywords_zh=("经济总量",),
            keywords_en=(),
            description_zh="地区生产总值。",
            description_en="GDP.",
        ),
    )
    publish()
    publish("gdp-only")
    with django_assert_max_num_queries(12):
        page = client.get("/data/").content.decode()
    assert CODE in page
    assert "gdp-only" in page
    assert "开放数据" in page
    assert "gdp-only" not in client.get("/data/", {"q": "数字经济"}).content.decode()
    assert CODE not in client.get("/data/", {"q": "regional gdp"}).content.decode()
    assert CODE not in client.get("/data/", {"publisher": "FGW"}).content.decode()
    assert "gdp-only" in client.get("/data/", {"keyword": "经济总量"}).content.decode()
    assert "没有符合条件的数据集" in client.get("/data/", {"frequency": "monthly"}).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/data/"})
    english = client.get(f"/data/{CODE}/").content.decode()
    assert "Value added of the core digital economy" in english
    assert "Zhejiang Provincial Bureau of Statistics" in english


def test_downloads(dataset: Dataset, publish: PublishFn, client: Client) -> None:
    publish()
    csv = client.get(f"/data/{CODE}/v1.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0].startswith("indicator_code,indicator_name,org_unit_code")
    document = client.get(f"/data/{CODE}/v1.json").json()
    assert document["version"] == 1
    assert document["is_demo"] is False
    assert document["rows"] == DatasetVersion.objects.get().rows()
    assert client.get(f"/data/{CODE}/v2.csv").status_code == 404
    assert client.get("/data/no-such-set/").status_code == 404
