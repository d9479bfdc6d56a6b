"""Login throttling: repeated failures lock a user name or an address for a while, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.utils import timezone

from lantu.accounts.models import AuditEvent, LoginAttempt
from lantu.accounts.permissions import SystemActor
from lantu.accounts.services import set_user_password

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture
def person(make_user: Any) -> Any:
    user = make_user("throttled_person")
    set_user_password(SystemActor("system:test"), "throttled_person", PASSWORD)
    return user


def log_in(client: Client, password: str, username: str = "throttled_person", ip: str = "10.0.0.1") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_user_name_even_for_the_right_password(client: Client, person: Any) -> None:
    for _ in range(5):
        assert log_in(client, "wrong").status_code == 200
    refused = log_in(client, PASSWORD)
    assert refused.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address too: the lock is on the user name.
    assert log_in(client, PASSWORD, ip="10.0.0.2").status_code == 429


def test_the_lock_message_is_bilingual(client: Client, person: Any) -> None:
    for _ in range(5):
        log_in(client, "wrong")
    client.cookies["django_language"] = "en"
    assert "Too many failed logins. Try again in 15 minutes." in log_in(client, PASSWORD).content.decode()


def test_the_lockout_is_audited_once(client: Client, person: Any) -> None:
    for _ in range(7):
        log_in(client, "wrong")
    (event,) = AuditEvent.objects.filter(action="accounts.login.lockout")
    assert event.actor_label == "system:login-throttle"
    assert event.after == {"username": "throttled_person", "ip": "10.0.0.1", "locked": ["username"], "seconds": 900}
    # Attempts refused while locked are not counted: the lock ends a window after the last real try.
    assert LoginAttempt.objects.filter(username="throttled_person").count() == 5


def test_the_lock_ends_after_the_window(client: Client, person: Any) -> None:
    for _ in range(5):
        log_in(client, "wrong")
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert log_in(client, PASSWORD).status_code == 302


def test_success_forgets_the_user_names_failures(client: Client, person: Any) -> None:
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    assert not LoginAttempt.objects.filter(username="throttled_person").exists()


def test_one_address_trying_many_names_is_locked(client: Client, person: Any, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    for name in ("a", "b", "c"):
        log_in(client, "wrong", username=name, ip="10.9.9.9")
    assert log_in(client, PASSWORD, ip="10.9.9.9").status_code == 429
    assert log_in(client, PASSWORD, ip="10.0.0.3").status_code == 302  # the person elsewhere is fine
    (event,) = AuditEvent.objects.filter(action="accounts.login.lockout")
    assert event.after is not None
    assert event.after["locked"] == ["ip"]


def test_the_admin_login_and_authenticate_itself_are_throttled(client: Client, person: Any) -> None:
    for _ in range(5):
        client.post("/admin/login/", {"username": "throttled_person", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    # The backend refuses before looking at the password, whichever form asks.
    assert authenticate(None, username="throttled_person", password=PASSWORD) is None
    assert log_in(client, PASSWORD, ip="10.0.0.8").status_code == 429


def test_failures_live_in_the_database_for_every_worker(client: Client, person: Any) -> None:
    # A second client is a second process as far as the server's memory goes: only the rows count.
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(Client(), PASSWORD).status_code == 429
