"""API authentication: a browser session (with CSRF) or a bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from lantu.accounts.models import ApiToken, token_digest


class TokenAuth(HttpBearer):
    """``Authorization: Bearer lantu_…``; a revoked token or inactive user is refused."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        digest = token_digest(token)
        found = ApiToken.objects.select_related("user").filter(key_hash=digest, revoked_at__isnull=True).first()
        if found is None or not found.user.is_active:
            return None
        # Recording the last use costs one UPDATE; worth it to spot stale tokens.
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


#: Endpoints that change data or read unpublished data accept either.
AUTH = [TokenAuth(), SessionAuth()]
