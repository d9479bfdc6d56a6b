"""A dataset version's life: draft → in review → approved → scheduled → published → withdrawn."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, PermissionDeniedError
from lantu.monitoring.services import ValueEntry, record_values
from lantu.publishing import selectors
from lantu.publishing.models import Dataset, DatasetVersion
from lantu.publishing.services import (
    approve_version,
    create_version,
    publish_due,
    publish_now,
    return_version,
    schedule_version,
    submit_version,
    withdraw_version,
)
from tests.publishing.conftest import CODE, T0, PublishFn

pytestmark = pytest.mark.django_db


def _status(version: DatasetVersion) -> str:
    return DatasetVersion.objects.get(pk=version.pk).status


def test_the_whole_life_on_a_fixed_clock(dataset: Dataset, office: tuple[Any, Any], client: Client) -> None:
    a, b = office
    version = create_version(a, CODE)
    assert version.status == "draft"
    assert version.number == 1
    submit_version(a, CODE, 1, now=T0)
    assert _status(version) == "in_review"
    approved = approve_version(b, CODE, 1, now=T0)
    assert approved.status == "approved"
    rows = approved.rows()
    reported = {
        (r["indicator_code"], r["org_unit_code"], r["period"], r["value"]) for r in rows if r["origin"] == "reported"
    }
    assert reported == {  # 2019 is outside 2020–2022
        ("DE_TOTAL", "330106", "2021", "2800"),
        ("DE_TOTAL", "330106", "2022", "3000"),
        ("GDP", "330106", "2022", "6000"),
        ("DE_TOTAL", "330000", "2022", "8977"),
    }
    # Where no unit reported, the approved roll-up: 杭州市 from 西湖区 (the reported 浙江省 figure wins).
    aggregated = {(r["indicator_code"], r["org_unit_code"], r["period"]) for r in rows if r["origin"] == "aggregate"}
    assert ("DE_TOTAL", "330100", "2022") in aggregated
    assert ("DE_TOTAL", "330000", "2022") not in aggregated
    assert all(r["approval_status"] == "approved" for r in rows)
    assert approved.row_count == len(rows)
    assert len(approved.sha256) == 64
    embargo = T0 + dt.timedelta(days=1)
    schedule_version(a, CODE, 1, embargo, now=T0)
    assert _status(version) == "scheduled"

    # Before the embargo: nothing is due, nothing is public, a guessed URL is 404.
    assert publish_due(a, now=embargo - dt.timedelta(seconds=1)) == []
    assert client.get(f"/data/{CODE}/").status_code == 404
    assert client.get(f"/data/{CODE}/v1.csv").status_code == 404
    assert CODE not in client.get("/data/").content.decode()

    published = publish_due(a, now=embargo)
    assert [v.pk for v in published] == [version.pk]
    assert published[0].published_at == embargo
    page = client.get(f"/data/{CODE}/")
    assert page.status_code == 200
    assert "数字经济核心产业增加值" in page.content.decode()
    assert client.get(f"/data/{CODE}/v1.csv").content.decode().count("\n") == 1 + len(rows)

    withdraw_version(a, CODE, 1, "口径调整，待更正", now=embargo + dt.timedelta(days=2))
    assert _status(version) == "withdrawn"
    gone = client.get(f"/data/{CODE}/")
    assert gone.status_code == 410
    assert "口径调整" in gone.content.decode()
    assert client.get(f"/data/{CODE}/v1.csv").status_code == 410
    assert "8977" not in client.get(f"/data/{CODE}/v1.json").content.decode()

    actions = list(
        AuditEvent.objects.filter(object_type="publishing.datasetversion", object_id=str(version.pk))
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("publishing.version.create", "office_a"),
        ("publishing.version.in_review", "office_a"),
        ("publishing.version.approved", "office_b"),
        ("publishing.version.scheduled", "office_a"),
        ("publishing.version.published", "office_a"),
        ("publishing.version.withdrawn", "office_a"),
    ]


def test_publish_now_makes_an_approved_version_public_at_once(dataset: Dataset, office: tuple[Any, Any]) -> None:
    a, b = office
    create_version(a, CODE)
    submit_version(a, CODE, 1, now=T0)
    with pytest.raises(InvalidInput):  # only an approved (or scheduled) version may go public
        publish_now(b, CODE, 1, now=T0)
    approve_version(b, CODE, 1, now=T0)
    published = publish_now(b, CODE, 1, now=T0 + dt.timedelta(minutes=5))
    assert (published.status, published.published_at, published.embargo_at) == (
        "published",
        T0 + dt.timedelta(minutes=5),
        T0 + dt.timedelta(minutes=5),
    )
    assert AuditEvent.objects.filter(action="publishing.version.published").count() == 1
    assert publish_due(a, now=T0 + dt.timedelta(days=1)) == []  # nothing else was waiting


def test_the_submitter_cannot_approve_their_own_version(dataset: Dataset, office: tuple[Any, Any]) -> None:
    a, b = office
    create_version(a, CODE)
    submit_version(a, CODE, 1, now=T0)
    with pytest.raises(InvalidInput) as refused:
        approve_version(a, CODE, 1, now=T0)
    assert refused.value.problems[0].field == "approver"
    assert "提交人不能审核" in refused.value.problems[0].message_zh
    with pytest.raises(InvalidInput):
        return_version(a, CODE, 1, "自己退回")
    assert DatasetVersion.objects.get(number=1).status == "in_review"
    return_version(b, CODE, 1, "请补充说明")
    assert DatasetVersion.objects.get(number=1).status == "draft"


def test_a_published_snapshot_never_changes_a_correction_is_a_new_version(
    dataset: Dataset, office: tuple[Any, Any], publish: PublishFn, system: Any, client: Client
) -> None:
    first = publish()
    assert first.status == "published"
    before = (first.sha256, first.rows(), client.get(f"/data/{CODE}/v1.csv").content)

    # The official figure changes later in monitoring.
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("9000"))], approved=True)
    again = DatasetVersion.objects.get(pk=first.pk)
    assert (again.sha256, again.rows(), client.get(f"/data/{CODE}/v1.csv").content) == before
    with pytest.raises(RuntimeError):
        again.save()

    a, _ = office
    with pytest.raises(InvalidInput) as refused:
        create_version(a, CODE)
    assert refused.value.problems[0].field == "note"
    second = publish(note="更正2022年全省数据")
    assert second.number == 2
    assert second.sha256 != first.sha256
    assert ("330000", "2022", "9000") in {(r["org_unit_code"], r["period"], r["value"]) for r in second.rows()}
    page = client.get(f"/data/{CODE}/").content.decode()
    assert "更正2022年全省数据" in page
    assert "v1" in page
    assert "v2" in page
    assert "8977" in client.get(f"/data/{CODE}/v1.csv").content.decode()
    assert "9000" in client.get(f"/data/{CODE}/v2.csv").content.decode()
    assert selectors.public_dataset(CODE).current.number == 2


def test_steps_out_of_order_and_bad_input_are_refused(dataset: Dataset, office: tuple[Any, Any]) -> None:
    a, b = office
    create_version(a, CODE)
    with pytest.raises(InvalidInput):
        approve_version(b, CODE, 1, now=T0)  # not submitted yet
    with pytest.raises(InvalidInput):
        schedule_version(a, CODE, 1, T0 + dt.timedelta(days=1), now=T0)  # not approved
    with pytest.raises(InvalidInput):
        create_version(a, CODE, note="second draft")  # one open version at a time
    submit_version(a, CODE, 1, now=T0)
    approve_version(b, CODE, 1, now=T0)
    with pytest.raises(InvalidInput) as past:
        schedule_version(a, CODE, 1, T0 - dt.timedelta(minutes=1), now=T0)
    assert past.value.problems[0].field == "embargo_at"
    with pytest.raises(InvalidInput):
        schedule_version(a, CODE, 1, dt.datetime(2030, 1, 1), now=T0)  # naive time
    with pytest.raises(InvalidInput) as no_reason:
        withdraw_version(a, CODE, 1, "  ")
    assert no_reason.value.problems[0].field == "reason"
    assert DatasetVersion.objects.get(number=1).status == "approved"


def test_only_the_office_may_publish(dataset: Dataset, county_reporter: Any, leader: Any) -> None:
    for who in (county_reporter, leader):
        with pytest.raises(PermissionDeniedError):
            create_version(who, CODE)
    assert not DatasetVersion.objects.exists()


def test_a_dataset_without_approved_figures_cannot_be_submitted(system: Any, office: tuple[Any, Any]) -> None:
    from lantu.publishing.services import create_dataset
    from tests.publishing.conftest import spec

    create_dataset(system, spec(code="empty-set", indicator_codes=("GDP",), spatial="330110"))
    create_version(office[0], "empty-set")
    with pytest.raises(InvalidInput) as refused:
        submit_version(office[0], "empty-set", 1, now=T0)
    assert refused.value.problems[0].field == "rows"
