"""Done when: a scoped token reads only what it may (units, datasets, descendants), and every use is
logged; expired and revoked tokens, the rate limit, and tokens of the wrong kind are refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings

from lantu.accounts.services import create_api_token
from lantu.sharing import services
from lantu.sharing.models import ShareToken, ShareUse
from tests.sharing.conftest import HANGZHOU, OTHER, PROVINCE, T0, IssueFn

pytestmark = pytest.mark.django_db

VALUES = f"/api/v1/shared/datasets/{PROVINCE}/values"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cells(response: Any) -> set[tuple[str, str, str, str]]:
    return {(r["indicator_code"], r["org_unit_code"], r["period"], r["value"]) for r in response.json()["rows"]}


def test_a_county_token_reads_its_county_only(issue: IssueFn, client: Client) -> None:
    _request, token = issue(("330106",))
    answer = client.get(VALUES, headers=bearer(token))
    assert answer.status_code == 200
    # 西湖区's approved figures in 2020–2022; not 余杭区, 杭州市, 宁波市, the province, nor 2019.
    assert cells(answer) == {
        ("DE_TOTAL", "330106", "2021", "2800"),
        ("DE_TOTAL", "330106", "2022", "3000"),
        ("GDP", "330106", "2022", "6000"),
    }
    by_period = client.get(VALUES + "?period=2022", headers=bearer(token))
    assert {c[2] for c in cells(by_period)} == {"2022"}
    assert client.get(VALUES + "?unit=330106", headers=bearer(token)).json()["rows"]


def test_a_city_token_reads_the_city_and_its_descendants(issue: IssueFn, client: Client) -> None:
    _request, token = issue(("330100",), codes=(PROVINCE, HANGZHOU))
    units = {c[1] for c in cells(client.get(VALUES, headers=bearer(token)))}
    assert units == {"330100", "330106", "330110"}
    narrowed = client.get(VALUES + "?unit=330110", headers=bearer(token))
    assert {c[1] for c in cells(narrowed)} == {"330110"}
    hz = client.get(f"/api/v1/shared/datasets/{HANGZHOU}/values", headers=bearer(token))
    assert {c[0] for c in cells(hz)} == {"DE_TOTAL"}
    listed = client.get("/api/v1/shared/datasets", headers=bearer(token)).json()
    assert [d["code"] for d in listed["datasets"]] == sorted([PROVINCE, HANGZHOU])
    assert [u["code"] for u in listed["units"]] == ["330100"]


def test_outside_the_scope_is_the_same_404_as_nothing(issue: IssueFn, client: Client) -> None:
    _request, token = issue(("330106",))
    unknown = client.get("/api/v1/shared/datasets/no-such-dataset/values", headers=bearer(token))
    other_dataset = client.get(f"/api/v1/shared/datasets/{OTHER}/values", headers=bearer(token))
    not_requested = client.get(f"/api/v1/shared/datasets/{HANGZHOU}/values", headers=bearer(token))
    sibling = client.get(VALUES + "?unit=330110", headers=bearer(token))
    parent = client.get(VALUES + "?unit=330100", headers=bearer(token))
    nowhere = client.get(VALUES + "?unit=999999", headers=bearer(token))
    old_period = client.get(VALUES + "?period=2019", headers=bearer(token))
    answers = [unknown, other_dataset, not_requested, sibling, parent, nowhere, old_period]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1  # byte for byte: nothing tells them apart
    assert "3000" not in unknown.content.decode()
    body = unknown.json()
    assert body["message_zh"]
    assert body["message_en"]
    bad = client.get(VALUES + "?period=twenty", headers=bearer(token))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "period"


def test_missing_and_unknown_tokens_are_401(issue: IssueFn, client: Client) -> None:
    issue(("330106",))
    missing = client.get(VALUES)
    assert missing.status_code == 401
    assert missing.json()["message_en"]
    assert client.get(VALUES, headers=bearer("lantu_share_guess")).status_code == 401
    assert client.get(VALUES, headers=bearer("something-else")).status_code == 401
    # Unknown tokens are logged by the prefix they presented; a call without a token is not.
    logged = list(ShareUse.objects.filter(token__isnull=True).values_list("presented_prefix", "status"))
    assert sorted(logged) == [("lantu_share_guess", 401), ("someth", 401)]


def test_unknown_tokens_are_logged_up_to_a_cap_per_minute(
    issue: IssueFn, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lantu.sharing import access

    issue(("330106",))
    monkeypatch.setattr(access, "UNKNOWN_LOG_PER_MINUTE", 3)
    answers = [client.get(VALUES, headers=bearer(f"lantu_share_guess{i}")).status_code for i in range(5)]
    assert answers == [401] * 5  # every guess is refused …
    assert ShareUse.objects.filter(token__isnull=True).count() == 3  # … and the log stops at the cap


def test_a_bad_period_is_422_on_the_period_and_logged(issue: IssueFn, client: Client) -> None:
    _request, token = issue(("330106",))
    answer = client.get(VALUES, {"period": "2023-13"}, headers=bearer(token))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "period"
    assert ShareUse.objects.filter(status=422, period_filter="2023-13").count() == 1


def test_expired_token_is_401_and_logged(issue: IssueFn, client: Client) -> None:
    request, token = issue(("330106",), at=T0, days=1)  # approved 2024-03-01 for one day
    assert request.expires_at == T0 + dt.timedelta(days=1)
    answer = client.get(VALUES, headers=bearer(token))
    assert answer.status_code == 401
    assert answer.json()["message_zh"] == "令牌已过期"
    assert "rows" not in answer.json()
    use = ShareUse.objects.get()
    assert (use.status, use.rows, use.dataset_code) == (401, 0, PROVINCE)


def test_revoked_token_is_401(issue: IssueFn, client: Client, requester: Any, owner: Any) -> None:
    request, token = issue(("330106",))
    assert client.get(VALUES, headers=bearer(token)).status_code == 200
    services.revoke_token(owner, request.token.pk, "用途已完成")
    answer = client.get(VALUES, headers=bearer(token))
    assert answer.status_code == 401
    assert answer.json()["message_zh"] == "令牌已撤销"
    assert list(ShareUse.objects.order_by("at", "id").values_list("status", flat=True)) == [200, 401]


@override_settings(LANTU_SHARE_RATE_PER_MINUTE=3)
def test_rate_limit_is_429_with_retry_after(issue: IssueFn, client: Client) -> None:
    _request, token = issue(("330106",))
    assert [client.get(VALUES, headers=bearer(token)).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(VALUES, headers=bearer(token))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["message_en"].startswith("rate limit")
    assert ShareUse.objects.filter(status=429).count() == 1


def test_the_limit_counts_the_last_minute_in_the_database(issue: IssueFn, client: Client) -> None:
    from lantu.sharing import access

    request, _token = issue(("330106",))
    token = ShareToken.objects.get(request=request)
    start = dt.datetime.now(tz=dt.UTC)
    use = access.Use("/api/v1/shared/datasets", None, token=token)
    for i in range(token.rate_per_minute):
        access.log(use, start + dt.timedelta(seconds=i * 0.5), 200)
    with pytest.raises(access.Refused) as refused:
        access.check_rate(token, start + dt.timedelta(seconds=40))
    assert refused.value.status == 429
    access.check_rate(token, start + dt.timedelta(seconds=61))  # the first call left the window


def test_every_use_is_logged(issue: IssueFn, client: Client) -> None:
    request, token = issue(("330106",))
    client.get(VALUES + "?period=2022", headers=bearer(token))
    client.get(VALUES + "?unit=330110", headers=bearer(token))
    client.get("/api/v1/shared/datasets", headers=bearer(token))
    uses = list(ShareUse.objects.filter(token=request.token).order_by("at", "id"))
    assert [(u.path, u.dataset_code, u.unit_filter, u.period_filter, u.status, u.rows) for u in uses] == [
        (VALUES, PROVINCE, "", "2022", 200, 2),
        (VALUES, PROVINCE, "330110", "", 404, 0),
        ("/api/v1/shared/datasets", "", "", "", 200, 1),
    ]
    with pytest.raises(RuntimeError):
        uses[0].save()
    with pytest.raises(RuntimeError):
        uses[0].delete()


def test_a_share_token_opens_nothing_else(issue: IssueFn, client: Client) -> None:
    _request, token = issue(("330106",))
    assert token.startswith("lantu_share_")
    for url in ("/api/v1/values?indicator=DE_TOTAL", "/api/v1/sharing/requests", "/api/v1/publishing/datasets"):
        assert client.get(url, headers=bearer(token)).status_code == 401, url


def test_sessions_and_accounts_tokens_read_no_shared_data(
    issue: IssueFn, client: Client, requester: Any, system: Any
) -> None:
    issue(("330106",))
    client.force_login(requester)
    assert client.get(VALUES).status_code == 401
    client.logout()
    _api_token, plain = create_api_token(system, requester.username, "script")
    assert client.get(VALUES, headers=bearer(plain)).status_code == 401
    assert client.get("/api/v1/sharing/requests", headers=bearer(plain)).status_code == 200
