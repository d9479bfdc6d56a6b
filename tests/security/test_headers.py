"""Security headers on pages and API answers: CSP, framing, sniffing, referrer, opener, features, HSTS."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def directives(response: Any) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/api/v1/org-units", "/api/v1/docs"])
def test_pages_and_api_answers_carry_the_security_headers(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    # No inline script may run: 'unsafe-inline' is allowed for style attributes only.
    assert "'unsafe-inline'" not in csp["script-src"] + csp["style-src"]
    assert csp["style-src-attr"] == ["'unsafe-inline'"]


def test_a_nonce_appears_only_when_a_page_uses_one(client: Client) -> None:
    # No Lantu page needs an inline script today, so no nonce is offered to an attacker's markup.
    assert "nonce-" not in client.get("/").headers["Content-Security-Policy"]


def test_production_adds_hsts_and_redirects_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()  # middleware reads these settings when the client builds its handler
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    secure = client.get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_session_and_csrf_cookies(client: Client, make_user: Any) -> None:
    make_user("cookie_user")
    from lantu.accounts.permissions import SystemActor
    from lantu.accounts.services import set_user_password

    set_user_password(SystemActor("system:test"), "cookie_user", "Correct-Horse-Battery-42")
    page = client.get("/accounts/login/")
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    response = client.post("/accounts/login/", {"username": "cookie_user", "password": "Correct-Horse-Battery-42"})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert session["max-age"] == ""  # ends when the browser closes …
    assert client.session.get_expiry_age() == 8 * 3600  # … and after a working day at most
