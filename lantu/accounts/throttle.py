"""Login throttling: too many failed logins for a user name or from an address are refused.

Every failed ``authenticate()`` (the login page, the admin's login, anything else) is a
:class:`LoginAttempt` row. When a user name has ``LOGIN_MAX_FAILURES`` failures, or an address
``LOGIN_MAX_FAILURES_PER_IP``, within ``LOGIN_LOCKOUT_SECONDS``, the authentication backend refuses
further attempts without checking the password, until the failures are older than the window.
Attempts refused while locked are not counted, so a lock ends a window after the last real try.
The moment a lock begins is audited (``accounts.login.lockout``). A successful login clears the
user name's failures. The rows live in the database so all gunicorn workers share the count.

API tokens are not throttled: they are 256-bit random keys looked up by SHA-256, not guessable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from lantu.accounts.models import LoginAttempt
from lantu.accounts.permissions import SystemActor
from lantu.accounts.service import audit

THROTTLE_ACTOR = SystemActor("system:login-throttle")


def client_ip(request: HttpRequest | None) -> str:
    """The client's address: behind a trusted proxy the last X-Forwarded-For hop, else REMOTE_ADDR."""
    if request is None:
        return ""
    if settings.SECURE_PROXY_SSL_HEADER:  # set only when LANTU_BEHIND_PROXY is true
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded and forwarded[-1]:
            return str(forwarded[-1])[:45]
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def _since() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def _failures(username: str, ip: str) -> tuple[int, int]:
    """Recent failures for the user name and for the address, in one query."""
    # An empty name or address counts nothing, not every row with an empty column.
    wanted = {"by_name": Q(username=username) if username else None, "by_ip": Q(ip=ip) if ip else None}
    counts = LoginAttempt.objects.filter(at__gte=_since()).aggregate(
        **{key: Count("pk", filter=where) for key, where in wanted.items() if where is not None}
    )
    return int(counts.get("by_name", 0)), int(counts.get("by_ip", 0))


def is_locked(username: str, ip: str) -> bool:
    """Whether logins for this user name, or from this address, are refused just now."""
    by_name, by_ip = _failures(username, ip)
    return by_name >= settings.LOGIN_MAX_FAILURES or by_ip >= settings.LOGIN_MAX_FAILURES_PER_IP


def record_failure(username: str, ip: str) -> None:
    """Count one failed login; audit the failure that starts a lock."""
    if is_locked(username, ip):
        return
    LoginAttempt.objects.filter(at__lt=_since()).delete()
    attempt = LoginAttempt.objects.create(username=username[:150], ip=ip)
    by_name, by_ip = _failures(username, ip)
    reasons = []
    if by_name == settings.LOGIN_MAX_FAILURES:
        reasons.append("username")
    if by_ip == settings.LOGIN_MAX_FAILURES_PER_IP:
        reasons.append("ip")
    if reasons:
        audit(
            THROTTLE_ACTOR,
            "accounts.login.lockout",
            attempt,
            after={"username": username, "ip": ip, "locked": reasons, "seconds": settings.LOGIN_LOCKOUT_SECONDS},
            reason="too many failed logins",
        )


def clear(username: str) -> None:
    """A successful login forgets the user name's failures (the address keeps its count)."""
    LoginAttempt.objects.filter(username=username).delete()


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend that refuses, without checking the password, while locked."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        name = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if is_locked(str(name or ""), client_ip(request)):
            raise PermissionDenied  # authenticate() stops here and reports a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    record_failure(username, client_ip(request))


@receiver(user_logged_in)
def _on_logged_in(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **_: Any) -> None:
    clear(user.get_username())
