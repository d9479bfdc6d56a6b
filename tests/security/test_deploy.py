"""Production settings: `check --deploy` is clean, and nothing starts without a secret key.

Both run Django in a subprocess with a production-like environment (no debug, a secret from the
environment, real host names), because settings are read once at import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DJANGO_ADMIN = str(Path(sys.executable).parent / "django-admin")


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTU_", "DJANGO_"))}
    env.update(
        {
            "LANTU_SECRET_KEY": "prod-like-" + "k3y" * 20,
            "LANTU_ALLOWED_HOSTS": "lantu.zj.gov.example",
            "LANTU_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "",
            "DJANGO_SETTINGS_MODULE": "lantu.settings",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DJANGO_ADMIN, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_is_clean_in_production(tmp_path: Path) -> None:
    result = django(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_behind_a_proxy_with_preload(tmp_path: Path) -> None:
    env = production_env(tmp_path, LANTU_BEHIND_PROXY="true", LANTU_HSTS_PRELOAD="true")
    result = django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 silenced" in result.stdout  # with preload on, nothing is silenced


def test_production_defaults_are_secure(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SESSION_COOKIE_AGE, s.SESSION_COOKIE_SAMESITE, s.DEBUG)"
    )
    result = django(production_env(tmp_path), "shell", "-v", "0", "-c", code)
    assert result.stdout.split() == ["True"] * 8 + ["28800", "Lax", "False"], result.stderr


def test_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["LANTU_SECRET_KEY"]
    result = django(env, "check")
    assert result.returncode != 0
    assert "LANTU_SECRET_KEY is not set" in result.stderr


def test_debug_serves_plain_http_for_local_use(tmp_path: Path) -> None:
    env = production_env(tmp_path, LANTU_DEBUG="true")
    del env["LANTU_SECRET_KEY"]
    code = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)"
    result = django(env, "shell", "-v", "0", "-c", code)
    assert result.stdout.split() == ["False", "0", "False"], result.stderr
