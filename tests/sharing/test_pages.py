"""The pages: request with the pickers, the owner's inbox, the token shown once, the token page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lantu.sharing.models import RequestStatus, ShareRequest, ShareToken
from tests.sharing.conftest import HANGZHOU, PROVINCE, IssueFn, MakeRequest

pytestmark = pytest.mark.django_db


def test_request_approve_collect_and_revoke_on_the_pages(
    client: Client, requester: Any, owner: Any, datasets: dict[str, Any]
) -> None:
    client.force_login(requester)
    page = client.get("/sharing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{HANGZHOU}"' in html
    assert 'value="330106"' in html
    assert "数据共享" in html  # the navigation link

    refused = client.post(
        "/sharing/",
        {
            "action": "create",
            "datasets": [PROVINCE, HANGZHOU],
            "units": ["330200"],
            "purpose": "x",
            "days": "30",
            "department": "DSJ",
        },
    )
    assert refused.status_code == 422
    assert "空间范围" in refused.content.decode()
    assert not ShareRequest.objects.exists()

    done = client.post(
        "/sharing/",
        {
            "action": "create",
            "datasets": [PROVINCE],
            "units": ["330106"],
            "purpose": "监测分析",
            "days": "30",
            "system_name": "省公共数据平台",
            "department": "DSJ",
        },
    )
    assert done.status_code == 302
    share = ShareRequest.objects.get()

    client.force_login(owner)
    inbox = client.get("/sharing/review/").content.decode()
    assert f'id="request-{share.pk}"' in inbox
    too_many = client.post("/sharing/review/", {"request": share.pk, "action": "approve", "days": "31"})
    assert too_many.status_code == 422
    assert client.post("/sharing/review/", {"request": share.pk, "action": "approve", "days": "7"}).status_code == 302
    assert ShareRequest.objects.get().approved_days == 7

    client.force_login(requester)
    collected = client.post("/sharing/", {"action": "collect", "request": share.pk})
    assert collected.status_code == 200
    text = collected.content.decode()
    assert "只显示这一次" in text
    token = ShareToken.objects.get()
    start = text.index('value="lantu_share_') + len('value="')
    secret = text[start : text.index('"', start)]
    assert client.get("/sharing/").content.decode().count(secret) == 0  # never again
    fetched = client.get("/api/v1/shared/datasets", headers={"Authorization": f"Bearer {secret}"})
    assert fetched.status_code == 200

    token_page = client.get(f"/sharing/tokens/{token.pk}/").content.decode()
    assert "/api/v1/shared/datasets" in token_page  # the use log
    assert client.post(f"/sharing/tokens/{token.pk}/", {"reason": ""}).status_code == 422
    assert client.post(f"/sharing/tokens/{token.pk}/", {"reason": "停用"}).status_code == 302
    assert ShareToken.objects.get().revoked_at is not None


def test_strangers_get_404_on_the_pages(
    client: Client, issue: IssueFn, make_request: MakeRequest, county_reporter: Any
) -> None:
    share, _secret = issue(("330106",))
    pending = make_request()
    client.force_login(county_reporter)
    assert client.get(f"/sharing/tokens/{share.token.pk}/").status_code == 404
    assert client.post(f"/sharing/tokens/{share.token.pk}/", {"reason": "x"}).status_code == 404
    assert client.post("/sharing/review/", {"request": pending.pk, "action": "approve"}).status_code == 404
    assert client.post("/sharing/", {"action": "collect", "request": share.pk}).status_code == 404
    assert f"request-{pending.pk}" not in client.get("/sharing/review/").content.decode()
    assert ShareRequest.objects.get(pk=pending.pk).status == RequestStatus.PENDING


def test_pages_need_a_login(client: Client) -> None:
    assert client.get("/sharing/").status_code == 302
    assert client.get("/sharing/review/").status_code == 302


def test_pages_in_english(client: Client, issue: IssueFn, requester: Any, owner: Any) -> None:
    share, _secret = issue(("330106",))
    client.force_login(requester)
    client.post("/i18n/setlang/", {"language": "en", "next": "/sharing/"})
    mine = client.get("/sharing/").content.decode()
    assert "Data sharing (on request)" in mine
    assert "New sharing request" in mine
    assert "Use log" in client.get(f"/sharing/tokens/{share.token.pk}/").content.decode()
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/sharing/review/"})
    assert "Review sharing requests" in client.get("/sharing/review/").content.decode()
