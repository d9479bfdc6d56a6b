"""The request's life: who may request, decide, collect and revoke; bad input; the audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, NotFound, PermissionDeniedError
from lantu.sharing import services
from lantu.sharing.models import RequestStatus, ShareRequest, ShareToken
from tests.sharing.conftest import HANGZHOU, OTHER, PROVINCE, T0, IssueFn, MakeRequest

pytestmark = pytest.mark.django_db

API = "/api/v1/sharing"


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def good(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "datasets": [PROVINCE, HANGZHOU],
        "units": ["330106"],
        "purpose": "省公共数据平台汇聚数字经济指标",
        "days": 90,
        "department": "DSJ",
        "system_name": "省公共数据平台",
    }
    body.update(changes)
    return body


def fields_of(response: Any) -> set[str]:
    return {p["field"] for p in response.json()["detail"]}


def test_the_whole_life_through_the_api(client: Client, requester: Any, owner: Any, datasets: dict[str, Any]) -> None:
    client.force_login(requester)
    created = post(client, f"{API}/requests", good())
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["publisher"] == "TJJ"
    assert created.json()["status"] == "pending"
    assert [r["id"] for r in client.get(f"{API}/requests").json()] == [pk]
    assert post(client, f"{API}/requests/{pk}/approve").status_code == 403  # not their own

    client.force_login(owner)
    inbox = client.get(f"{API}/inbox?pending=true").json()
    assert [r["id"] for r in inbox] == [pk]
    too_long = post(client, f"{API}/requests/{pk}/approve", {"days": 91})
    assert too_long.status_code == 422
    assert fields_of(too_long) == {"days"}
    approved = post(client, f"{API}/requests/{pk}/approve", {"days": 30, "comment": "同意"}).json()
    assert (approved["status"], approved["approved_days"]) == ("approved", 30)
    assert post(client, f"{API}/requests/{pk}/reject", {"comment": "迟了"}).status_code == 422
    # Only the requester collects; the owner sees the request, so it is refused (403), not hidden.
    assert post(client, f"{API}/requests/{pk}/token").status_code == 403

    client.force_login(requester)
    collected = post(client, f"{API}/requests/{pk}/token")
    assert collected.status_code == 201
    secret = collected.json()["token"]
    assert secret.startswith("lantu_share_")
    token = ShareToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ShareToken.objects.values()))  # only the digest and a prefix are kept
    assert post(client, f"{API}/requests/{pk}/token").status_code == 422  # shown once
    expires = dt.datetime.fromisoformat(approved["expires_at"])
    assert expires - dt.datetime.fromisoformat(approved["decided_at"]) == dt.timedelta(days=30)

    read = client.get("/api/v1/shared/datasets", headers={"Authorization": f"Bearer {secret}"})
    assert read.status_code == 200
    log = client.get(f"{API}/tokens/{token.pk}").json()
    assert [u["status"] for u in log["uses"]] == [200]
    revoked = post(client, f"{API}/tokens/{token.pk}/revoke", {"reason": "不再需要"})
    assert revoked.json()["revoked_at"]
    assert post(client, f"{API}/tokens/{token.pk}/revoke", {"reason": "再次"}).status_code == 422

    actions = list(
        AuditEvent.objects.filter(action__startswith="sharing.").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "sharing.request.create",
        "sharing.request.approved",
        "sharing.token.collect",
        "sharing.token.revoke",
    ]


def test_strangers_get_404_and_nothing_changes(
    client: Client, make_request: MakeRequest, make_user: Callable[..., Any], county_reporter: Any
) -> None:
    request = make_request()
    dsj_approver = make_user("dsj_approver", "approver", department="DSJ")  # approves for another publisher
    for stranger in (dsj_approver, county_reporter):
        client.force_login(stranger)
        assert client.get(f"{API}/requests/{request.pk}").status_code == 404
        assert post(client, f"{API}/requests/{request.pk}/approve").status_code == 404
        assert post(client, f"{API}/requests/{request.pk}/reject", {"comment": "x"}).status_code == 404
        assert post(client, f"{API}/requests/{request.pk}/cancel").status_code == 404
        assert client.get(f"{API}/inbox").json() == []
        with pytest.raises(NotFound):
            services.approve_request(stranger, request.pk)
    assert ShareRequest.objects.get().status == RequestStatus.PENDING
    assert not AuditEvent.objects.filter(action__startswith="sharing.request.approved").exists()


def test_the_requester_cannot_approve_even_as_an_owner(
    make_user: Callable[..., Any], datasets: dict[str, Any], admin_user: Any
) -> None:
    both = make_user("tjj_both", "approver", department="TJJ")
    request = services.create_request(
        both,
        services.RequestSpec(datasets=[PROVINCE], units=["330106"], purpose="自用", days=5, department="TJJ"),
    )
    with pytest.raises(PermissionDeniedError):
        services.approve_request(both, request.pk)
    # The programme office decides it instead.
    assert services.approve_request(admin_user, request.pk).status == RequestStatus.APPROVED


def test_reject_and_cancel(make_request: MakeRequest, owner: Any, requester: Any) -> None:
    first, second = make_request(), make_request()
    with pytest.raises(InvalidInput):
        services.reject_request(owner, first.pk, " ")
    assert services.reject_request(owner, first.pk, "用途不明确", now=T0).status == RequestStatus.REJECTED
    with pytest.raises(InvalidInput):
        services.collect_token(requester, first.pk)
    with pytest.raises(PermissionDeniedError):  # the owner sees it but only its requester withdraws it
        services.cancel_request(owner, second.pk)
    assert services.cancel_request(requester, second.pk).status == RequestStatus.CANCELLED
    with pytest.raises(InvalidInput):
        services.approve_request(owner, second.pk)
    assert list(
        AuditEvent.objects.filter(action__in=["sharing.request.rejected", "sharing.request.cancelled"])
        .order_by("id")
        .values_list("action", "reason")
    ) == [("sharing.request.rejected", "用途不明确"), ("sharing.request.cancelled", "")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"units": ["330200"]}, "units"),  # 宁波市 lies outside the 杭州市 dataset's coverage
        ({"units": ["999999"]}, "units"),
        ({"units": []}, "units"),
        ({"datasets": [PROVINCE, OTHER]}, "datasets"),  # two publishers
        ({"datasets": []}, "datasets"),
        ({"datasets": ["no-such"]}, "datasets"),
        ({"days": 0}, "days"),
        ({"days": 366}, "days"),
        ({"purpose": "  "}, "purpose"),
        ({"department": "", "system_name": ""}, "department"),
        ({"department": "TJJ"}, "department"),  # not the requester's own department
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    client: Client, requester: Any, datasets: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    client.force_login(requester)
    refused = post(client, f"{API}/requests", good(**changes))
    assert refused.status_code == 422
    assert field in fields_of(refused)
    assert all(p["message_zh"] and p["message_en"] for p in refused.json()["detail"])
    assert not ShareRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="sharing.").exists()


def test_only_users_with_a_role_may_request(client: Client, outsider: Any, datasets: dict[str, Any]) -> None:
    assert post(client, f"{API}/requests", good()).status_code == 401
    client.force_login(outsider)
    assert post(client, f"{API}/requests", good(department="")).status_code == 403
    assert not ShareRequest.objects.exists()


def test_who_may_revoke(
    issue: IssueFn, requester: Any, owner: Any, admin_user: Any, county_reporter: Any, client: Client
) -> None:
    tokens = [ShareToken.objects.get(request=issue(("330106",))[0]) for _ in range(3)]
    with pytest.raises(NotFound):
        services.revoke_token(county_reporter, tokens[0].pk, "x")
    client.force_login(county_reporter)
    assert client.get(f"{API}/tokens/{tokens[0].pk}").status_code == 404
    with pytest.raises(InvalidInput):
        services.revoke_token(owner, tokens[0].pk, "")
    for actor, token in zip((requester, owner, admin_user), tokens, strict=True):
        revoked = services.revoke_token(actor, token.pk, "到期前停用")
        assert revoked.revoked_label == actor.username
    assert AuditEvent.objects.filter(action="sharing.token.revoke").count() == 3


def test_an_approval_that_ran_out_cannot_be_collected(make_request: MakeRequest, owner: Any, requester: Any) -> None:
    request = make_request()
    services.approve_request(owner, request.pk, days=1, now=T0)
    with pytest.raises(InvalidInput):
        services.collect_token(requester, request.pk)
    assert not ShareToken.objects.exists()
