"""The office's publishing pages (/data/office/…): every step through the services, refusals beside
their field in the user's language with nothing written, and pages that exist only for the office."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lantu.accounts.models import AuditEvent
from lantu.publishing.models import Dataset, DatasetVersion, VersionStatus
from lantu.publishing.services import approve_version, create_dataset, create_version, submit_version
from tests.publishing.conftest import CODE, load_approved_values, publisher_for, spec

pytestmark = pytest.mark.django_db

LIST = "/data/office/"
NEW = "/data/office/new/"
PAGE = f"/data/office/datasets/{CODE}/"


@pytest.fixture
def office(make_user: Callable[..., Any]) -> tuple[Any, Any]:
    return make_user("office_a", "programme_admin"), make_user("office_b", "programme_admin")


@pytest.fixture
def dataset(system: Any) -> Dataset:
    load_approved_values(system)
    return create_dataset(system, spec())


def _as(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def _version(number: int = 1) -> DatasetVersion:
    return DatasetVersion.objects.get(dataset__code=CODE, number=number)


def _post(client: Client, action: str, number: int | str = "", **fields: str) -> Any:
    return client.post(PAGE, {"action": action, "number": str(number), **fields})


def test_the_office_takes_a_version_from_draft_to_published(
    dataset: Dataset, office: tuple[Any, Any], client: Client
) -> None:
    a, b = office
    _as(client, a)
    first = client.get(PAGE)
    assert first.status_code == 200
    assert "创建新版本 v1" in first.content.decode()
    response = _post(client, "create_version", note="")
    assert response.status_code == 302
    assert _version().status == VersionStatus.DRAFT
    # A draft shows what it would freeze now: the approved rows of the range.
    page = client.get(PAGE).content.decode()
    assert "尚未冻结" in page
    assert "等待提交审核" in page
    assert _post(client, "submit", 1).status_code == 302
    assert _version().status == VersionStatus.IN_REVIEW
    # The submitter is offered no review, and a posted one is refused by the service.
    page = client.get(PAGE).content.decode()
    assert "须由另一人审核" in page
    assert 'value="approve"' not in page
    refused = _post(client, "approve", 1, comment="自己审")
    assert refused.status_code == 422
    assert "提交人不能审核自己提交的版本" in refused.content.decode()
    assert _version().status == VersionStatus.IN_REVIEW
    _as(client, b)
    assert _post(client, "approve", 1, comment="已核").status_code == 302
    version = _version()
    assert version.status == VersionStatus.APPROVED
    assert version.approved_label == "office_b"
    page = client.get(PAGE).content.decode()
    assert version.sha256 in page
    assert f'<dd class="row-count">{version.row_count}</dd>' in page
    assert "审核时冻结的数据" in page
    assert "8977" in page  # a frozen row of the preview
    embargo = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    assert _post(client, "schedule", 1, embargo_at=embargo.strftime("%Y-%m-%dT%H:%M")).status_code == 302
    version = _version()
    assert version.status == VersionStatus.SCHEDULED
    assert version.embargo_at == embargo
    assert "等待禁发期结束" in client.get(LIST).content.decode()
    assert client.get(f"/data/{CODE}/").status_code == 404
    # Publishing now is scheduling for the next second and publishing what is then due.
    assert _post(client, "publish_now", 1).status_code == 302
    assert _version().status == VersionStatus.PUBLISHED
    assert client.get(f"/data/{CODE}/").status_code == 200
    page = client.get(PAGE).content.decode()
    assert f'href="/data/{CODE}/"' in page
    assert "已公开" in client.get(LIST).content.decode()


def test_return_and_withdraw_need_their_text(dataset: Dataset, office: tuple[Any, Any], client: Client) -> None:
    a, b = office
    create_version(a, CODE)
    submit_version(a, CODE, 1)
    _as(client, b)
    refused = _post(client, "return", 1, comment=" ")
    assert refused.status_code == 422
    assert 'id="err-return-comment-1"' in refused.content.decode()
    assert "退回须填写意见" in refused.content.decode()
    assert _post(client, "return", 1, comment="请补充说明").status_code == 302
    version = _version()
    assert version.status == VersionStatus.DRAFT
    assert version.review_comment == "请补充说明"
    assert "等待提交审核（已退回）" in client.get(PAGE).content.decode()
    refused = _post(client, "withdraw", 1, reason="")
    assert refused.status_code == 422
    assert 'id="err-withdraw-reason-1"' in refused.content.decode()
    assert _version().status == VersionStatus.DRAFT
    assert _post(client, "withdraw", 1, reason="不再发布").status_code == 302
    assert _version().withdraw_reason == "不再发布"


def test_a_correction_needs_a_note(dataset: Dataset, office: tuple[Any, Any], client: Client) -> None:
    publisher_for(office)()
    _as(client, office[0])
    refused = _post(client, "create_version", note="")
    assert refused.status_code == 422
    assert 'id="err-create-note"' in refused.content.decode()
    assert "新版本须说明更正内容" in refused.content.decode()
    assert DatasetVersion.objects.count() == 1
    assert _post(client, "create_version", note="更正2022年数值").status_code == 302
    assert _version(2).note == "更正2022年数值"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2001-01-01T09:00", "发布时间须晚于当前时间"),
        ("明天上午", "请填写发布日期和时间"),
        ("", "请填写发布日期和时间"),
    ],
)
def test_a_bad_embargo_is_shown_on_the_field_and_changes_nothing(
    dataset: Dataset, office: tuple[Any, Any], client: Client, typed: str, message: str
) -> None:
    a, b = office
    create_version(a, CODE)
    submit_version(a, CODE, 1)
    approve_version(b, CODE, 1)
    audits = AuditEvent.objects.count()
    _as(client, a)
    refused = _post(client, "schedule", 1, embargo_at=typed)
    assert refused.status_code == 422
    body = refused.content.decode()
    error = body.split('id="err-schedule-embargo-1"', 1)[1].split("</ul>", 1)[0]
    assert message in error
    assert f'value="{typed}"' in body  # what was typed is shown again
    version = _version()
    assert version.status == VersionStatus.APPROVED
    assert version.embargo_at is None
    assert AuditEvent.objects.count() == audits


def test_errors_come_in_the_users_language(dataset: Dataset, office: tuple[Any, Any], client: Client) -> None:
    a, b = office
    create_version(a, CODE)
    submit_version(a, CODE, 1)
    approve_version(b, CODE, 1)
    _as(client, a)
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    refused = _post(client, "schedule", 1, embargo_at="2001-01-01T09:00")
    body = refused.content.decode()
    assert "the embargo must be in the future" in body
    assert "Publish now" in body
    assert "Waiting to be scheduled" in body


def test_publish_due_from_the_list(
    dataset: Dataset, office: tuple[Any, Any], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lantu.publishing.services import schedule_version

    a, b = office
    create_version(a, CODE)
    submit_version(a, CODE, 1)
    approve_version(b, CODE, 1)
    now = timezone.now()
    schedule_version(a, CODE, 1, now + dt.timedelta(minutes=5), now=now)
    _as(client, a)
    assert "发布到期版本" not in client.get(LIST).content.decode()
    later = now + dt.timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: later)
    page = client.get(LIST).content.decode()
    assert "禁发期已过，等待发布" in page
    assert "发布到期版本" in page
    assert client.post(LIST, {"action": "publish_due"}).status_code == 302
    assert _version().status == VersionStatus.PUBLISHED


def test_the_list_shows_every_dataset_and_what_it_waits_for(
    dataset: Dataset, office: tuple[Any, Any], client: Client, system: Any
) -> None:
    a, _ = office
    create_dataset(system, spec(code="empty-one", title_zh="空数据集"))
    create_version(a, CODE)
    submit_version(a, CODE, 1)
    page = _as(client, a).get(LIST).content.decode()
    assert f'id="office-{CODE}-v1"' in page
    assert "等待另一人审核（提交人：office_a）" in page
    assert 'id="office-empty-one"' in page
    assert "尚无版本，等待创建" in page
    # The navigation offers the office's pages to the office only.
    assert 'href="/data/office/"' in page


def test_creating_a_dataset_through_the_form(office: tuple[Any, Any], client: Client, system: Any) -> None:
    load_approved_values(system)
    _as(client, office[0])
    assert client.get(NEW).status_code == 200
    form = {
        "code": "dzj-de-form",
        "kind": "indicator_series",
        "title_zh": "数字经济（表单）",
        "title_en": "Digital economy (form)",
        "description_zh": "说明",
        "description_en": "About",
        "publisher": "TJJ",
        "licence": "CC-BY-4.0",
        "keywords_zh": "数字经济、增加值",
        "keywords_en": "digital economy, value added",
        "update_frequency": "annual",
        "spatial": "330000",
        "indicator_codes": ["DE_TOTAL"],
        "period_from": "2020",
        "period_to": "2022",
    }
    refused = client.post(NEW, {**form, "code": "Bad Code", "period_to": "2019", "title_en": ""})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'id="id_code-errors"' in body
    assert 'id="id_period_to-errors"' in body
    assert 'id="id_title_en-errors"' in body
    assert not Dataset.objects.exists()
    created = client.post(NEW, form)
    assert created.status_code == 302
    assert created["Location"] == "/data/office/datasets/dzj-de-form/"
    dataset = Dataset.objects.get()
    assert dataset.keywords_zh == ["数字经济", "增加值"]
    assert dataset.keywords_en == ["digital economy", "value added"]
    assert dataset.indicator_codes == ["DE_TOTAL"]
    assert dataset.created_by == office[0]


def test_no_indicator_is_refused_on_the_field(office: tuple[Any, Any], client: Client) -> None:
    _as(client, office[0])
    client.post("/i18n/setlang/", {"language": "en", "next": NEW})
    refused = client.post(
        NEW,
        {
            "code": "x-y",
            "kind": "indicator_series",
            "publisher": "TJJ",
            "licence": "CC0-1.0",
            "update_frequency": "annual",
            "spatial": "330000",
            "title_zh": "甲",
            "title_en": "A",
            "period_from": "2020",
            "period_to": "2021",
        },
    )
    assert refused.status_code == 422
    assert "choose at least one indicator" in refused.content.decode()


def test_others_do_not_see_the_office_pages(
    dataset: Dataset, county_reporter: Any, leader: Any, client: Client
) -> None:
    for url in (LIST, NEW, PAGE):
        anonymous = Client().get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")
    for user in (county_reporter, leader):
        _as(client, user)
        for url in (LIST, NEW, PAGE):
            assert client.get(url).status_code == 404
        assert _post(client, "create_version").status_code == 404
        assert client.post(LIST, {"action": "publish_due"}).status_code == 404
        assert 'href="/data/office/"' not in client.get("/data/").content.decode()
    assert not DatasetVersion.objects.exists()


def test_unknown_dataset_and_version_and_action(dataset: Dataset, office: tuple[Any, Any], client: Client) -> None:
    _as(client, office[0])
    assert client.get("/data/office/datasets/nope/").status_code == 404
    assert _post(client, "submit", 7).status_code == 404
    assert _post(client, "submit", "x").status_code == 404
    assert _post(client, "explode", 1).status_code == 404
    assert not DatasetVersion.objects.exists()


def test_the_templates_have_no_inline_script() -> None:
    # A Content-Security-Policy without 'unsafe-inline' must not break these pages.
    folder = Path(__file__).resolve().parents[2] / "lantu" / "web" / "templates" / "publishing"
    for template in sorted(folder.glob("office*.html")):
        text = template.read_text(encoding="utf-8")
        assert "<script" not in text, template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "style=" not in text, template.name
