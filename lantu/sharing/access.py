"""The gate of ``/api/v1/shared/…``: who presents which share token, whether it may be used now,
the rate limit, and the use log.

This is an access log, not a use case: no service and no audit row per read (the
:class:`ShareUse` row *is* the record of the use). Every request that presents a bearer token
is logged — served or refused, with an unknown token logged by the prefix it presented (never
the secret), so that guessing shows; at most :data:`UNKNOWN_LOG_PER_MINUTE` unknown tokens a minute
are logged, and a request without any bearer gets 401 and no row, so that anonymous traffic cannot
fill the log.

The rate limit counts the token's uses in the last minute in the database (refusals for the rate
limit itself are not counted, or a client retrying too eagerly would lock itself out), so it
holds across gunicorn workers; the count and the new row are taken under a row lock of the token
on PostgreSQL so that two workers cannot both take the last call.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lantu.accounts.models import token_digest
from lantu.sharing.models import TOKEN_PREFIX, ShareToken, ShareUse

WINDOW = dt.timedelta(minutes=1)


@dataclass
class Refused(Exception):  # noqa: N818 - reads as what happened
    """The call is refused: an HTTP status and a message in both languages (and headers)."""

    status: int
    message_zh: str
    message_en: str
    headers: dict[str, str] = field(default_factory=dict)

    problem_field: str = ""

    def body(self) -> dict[str, Any]:
        if self.status == 422:  # the shape of every other 422 of the API: problems by field
            return {
                "detail": [
                    {
                        "row": None,
                        "field": self.problem_field,
                        "message_zh": self.message_zh,
                        "message_en": self.message_en,
                    }
                ]
            }
        return {
            "detail": f"{self.message_zh} ({self.message_en})",
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


NOT_FOUND = ("不存在或不在令牌的共享范围内", "not found, or not within the token's scope")


def not_found() -> Refused:
    """The one answer for an unknown dataset *and* for one out of scope: nothing is leaked."""
    return Refused(404, *NOT_FOUND)


def presented(request: HttpRequest) -> str | None:
    """The bearer token of the request, or None without an ``Authorization: Bearer`` header."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@dataclass
class Use:
    """One call being answered: what to log once the answer is known."""

    path: str
    raw: str | None
    token: ShareToken | None = None
    dataset_code: str = ""
    unit_filter: str = ""
    period_filter: str = ""


def authenticate(use: Use, now: dt.datetime) -> ShareToken:
    """The token presented, if it may be used now; :class:`Refused` (401) otherwise."""
    if use.raw is None:
        raise Refused(
            401,
            "缺少共享令牌",
            "a share token is required (Authorization: Bearer lantu_share_…)",
            {"WWW-Authenticate": "Bearer"},
        )
    token = None
    if use.raw.startswith(TOKEN_PREFIX):
        token = ShareToken.objects.select_related("request__requester").filter(key_hash=token_digest(use.raw)).first()
    if token is None:
        raise Refused(401, "共享令牌无效", "the share token is not valid", {"WWW-Authenticate": "Bearer"})
    use.token = token
    state = token.state(now)
    if state == "revoked":
        raise Refused(
            401, "令牌已撤销", "the token has been revoked", {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
    if state == "expired":
        raise Refused(401, "令牌已过期", "the token has expired", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if not token.request.requester.is_active:
        raise Refused(
            401,
            "令牌持有人已停用",
            "the token's holder is deactivated",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return token


def check_rate(token: ShareToken, now: dt.datetime) -> None:
    """:class:`Refused` (429, with Retry-After) when the token used its calls of the last minute."""
    recent = list(
        ShareUse.objects.filter(token=token, at__gt=now - WINDOW, at__lte=now)
        .exclude(status=429)
        .order_by("at")
        .values_list("at", flat=True)[: token.rate_per_minute]
    )
    if len(recent) >= token.rate_per_minute:
        wait = max(1, math.ceil((recent[0] + WINDOW - now).total_seconds()))
        raise Refused(
            429,
            f"调用过于频繁：每分钟最多 {token.rate_per_minute} 次，请 {wait} 秒后重试",
            f"rate limit of {token.rate_per_minute} calls per minute reached; retry in {wait} s",
            {"Retry-After": str(wait)},
        )


def lock(token: ShareToken) -> None:
    """Serialise the uses of one token (PostgreSQL row lock; SQLite serialises writers anyway)."""
    ShareToken.objects.select_for_update().filter(pk=token.pk).values_list("pk", flat=True).first()


def log(use: Use, now: dt.datetime, status: int, rows: int = 0) -> ShareUse:
    """Append the row of this use."""
    raw = use.raw or ""
    # As much of an unknown token as a ShareToken's own stored prefix, and of anything else (an
    # accounts token sent here by mistake) no more than its first six characters: the log never
    # holds enough of a secret to matter.
    shown = raw[: len(TOKEN_PREFIX) + 6] if raw.startswith(TOKEN_PREFIX) else raw[:6]
    return ShareUse.objects.create(
        token=use.token,
        presented_prefix=use.token.prefix if use.token else shown,
        at=now,
        path=use.path[:300],
        dataset_code=use.dataset_code[:100],
        unit_filter=use.unit_filter[:32],
        period_filter=use.period_filter[:16],
        status=status,
        rows=rows,
    )


#: Unknown tokens logged per minute, at most: enough to show guessing, and a client sending any
#: bearer value cannot turn the log into an unbounded write path.
UNKNOWN_LOG_PER_MINUTE = 100


def _unknown_logging_open(now: dt.datetime) -> bool:
    recent = ShareUse.objects.filter(token__isnull=True, at__gt=now - WINDOW, at__lte=now)
    return recent[:UNKNOWN_LOG_PER_MINUTE].count() < UNKNOWN_LOG_PER_MINUTE


def answer(
    request: HttpRequest,
    read: Callable[[ShareToken], tuple[Any, int]],
    *,
    dataset_code: str = "",
    unit: str = "",
    period: str = "",
    now: dt.datetime | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """Authenticate, rate-limit, read and log one call: ``(status, body, headers)``.

    ``read(token)`` returns the body and its row count, or raises :class:`Refused`.
    """
    moment = now or timezone.now()
    use = Use(request.path, presented(request), dataset_code=dataset_code, unit_filter=unit, period_filter=period)
    with transaction.atomic():
        try:
            token = authenticate(use, moment)
            lock(token)
            check_rate(token, moment)
            body, rows = read(token)
        except Refused as refused:
            if use.raw is not None and (use.token is not None or _unknown_logging_open(moment)):
                log(use, moment, refused.status)
            return refused.status, refused.body(), refused.headers
        log(use, moment, 200, rows)
    return 200, body, {}
