"""Typed readers for settings that come from the environment (12-factor).

Every setting Lantu reads is declared once in :data:`SETTINGS` with its type, default and
meaning, so ``lantu check`` and the docs can list them and nothing reads ``os.environ`` ad hoc.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class EnvSetting:
    """One environment variable: its name, type, default and meaning."""

    name: str
    kind: str  # "str", "bool", "int", "list"
    default: str
    meaning: str


SETTINGS: tuple[EnvSetting, ...] = (
    EnvSetting("LANTU_DEBUG", "bool", "false", "Django debug mode; never true in production."),
    EnvSetting(
        "LANTU_SECRET_KEY",
        "str",
        "",
        "Django secret key; required unless LANTU_DEBUG is true (debug uses a fixed dev key).",
    ),
    EnvSetting(
        "DATABASE_URL",
        "str",
        "",
        "Database URL (postgresql://…); empty means the SQLite file LANTU_VAR_DIR/lantu.sqlite3.",
    ),
    EnvSetting("LANTU_VAR_DIR", "str", str(BASE_DIR / "var"), "Directory for SQLite, uploads."),
    EnvSetting(
        "LANTU_ALLOWED_HOSTS",
        "list",
        "127.0.0.1,localhost",
        "Comma-separated host names the server answers to.",
    ),
    EnvSetting(
        "LANTU_ADMIN_PASSWORD",
        "str",
        "",
        "Password for the admin user that `lantu init` creates; empty: generate and print it once.",
    ),
    EnvSetting("LANTU_TIME_ZONE", "str", "Asia/Shanghai", "Time zone for dates shown to users."),
    EnvSetting("LANTU_EMAIL_HOST", "str", "", "SMTP server for notifications; empty prints mails to the server log."),
    EnvSetting("LANTU_EMAIL_FROM", "str", "lantu@localhost", "Sender address of notification mails."),
    EnvSetting("LANTU_SHARE_RATE_PER_MINUTE", "int", "60", "Calls per minute allowed to one share token (按需共享)."),
    EnvSetting(
        "LANTU_HTTPS",
        "bool",
        "",
        "Served over HTTPS: redirect http to https, HSTS, secure cookies; empty means true unless LANTU_DEBUG.",
    ),
    EnvSetting(
        "LANTU_HSTS_SECONDS",
        "int",
        "31536000",
        "Strict-Transport-Security max-age when LANTU_HTTPS is on (one year; subdomains included).",
    ),
    EnvSetting(
        "LANTU_HSTS_PRELOAD",
        "bool",
        "false",
        "Add 'preload' to HSTS; only for a domain that is (to be) on the browsers' preload list.",
    ),
    EnvSetting(
        "LANTU_BEHIND_PROXY",
        "bool",
        "false",
        "Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto: trust that header.",
    ),
    EnvSetting("LANTU_SESSION_HOURS", "int", "8", "A login lasts this many hours (and ends when the browser closes)."),
    EnvSetting(
        "LANTU_LOGIN_MAX_FAILURES",
        "int",
        "5",
        "Failed logins for one user name within the window before further attempts are refused.",
    ),
    EnvSetting(
        "LANTU_LOGIN_MAX_FAILURES_PER_IP",
        "int",
        "20",
        "Failed logins from one IP address within the window before further attempts are refused.",
    ),
    EnvSetting(
        "LANTU_LOGIN_LOCKOUT_MINUTES",
        "int",
        "15",
        "The window in which failed logins count, and how long a locked user name or address waits.",
    ),
    EnvSetting("LANTU_UPLOAD_MAX_MB", "int", "20", "Largest evidence file accepted, in MB."),
    EnvSetting(
        "LANTU_REQUEST_MAX_MB",
        "int",
        "100",
        "Largest request body accepted, in MB (several evidence files at once); larger ones get 413.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str:
    setting = _BY_NAME[name]  # KeyError here means the setting was not declared above
    return os.environ.get(name, setting.default)


def env_str(name: str) -> str:
    """Return a declared string setting."""
    return _raw(name)


def env_bool(name: str) -> bool:
    """Return a declared boolean setting; refuse values that are neither true nor false."""
    value = _raw(name).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str) -> int:
    """Return a declared integer setting; refuse values that are not whole numbers."""
    value = _raw(name).strip()
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None


def env_list(name: str) -> list[str]:
    """Return a declared comma-separated setting as a list without blanks."""
    return [part.strip() for part in _raw(name).split(",") if part.strip()]
