"""Django settings, all read from the environment through :mod:`lantu.env`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from lantu.env import BASE_DIR, env_bool, env_int, env_list, env_str

# Typed generics (ModelAdmin[Indicator], QuerySet[OrgUnit]) must be subscriptable at runtime.
django_stubs_ext.monkeypatch()

DEBUG = env_bool("LANTU_DEBUG")
VAR_DIR = Path(env_str("LANTU_VAR_DIR"))

_secret = env_str("LANTU_SECRET_KEY")
if not _secret:
    if not DEBUG:
        # No insecure fallback outside debug: refuse to start rather than sign sessions
        # with a key that is public in the repository.
        raise ImproperlyConfigured("LANTU_SECRET_KEY is not set. Set it, or set LANTU_DEBUG=true for development.")
    _secret = "lantu-development-only-key-not-for-production-use-0123456789"  # noqa: S105 - debug only
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("LANTU_ALLOWED_HOSTS")
if DEBUG:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    # Listed so the API docs load Swagger UI from ninja's own static files, not from a CDN
    # (an intranet has none, and the CSP allows scripts and styles from 'self' only).
    "ninja",
    "lantu.accounts",
    "lantu.orgunits",
    "lantu.framework",
    "lantu.monitoring",
    "lantu.tasks",
    "lantu.projects",
    "lantu.policies",
    "lantu.assessment",
    "lantu.pipelines",
    "lantu.publishing",
    "lantu.exchange",
    "lantu.sharing",
    "lantu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lantu.web.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lantu.web.middleware.LanguageMiddleware",
    "lantu.web.middleware.RequestSizeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lantu.urls"
WSGI_APPLICATION = "lantu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "lantu.sqlite3"),
            # Several writers (server, CLI) share the file; wait instead of failing at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DATABASES["default"]["TEST"] = {"NAME": None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# zh-Hans is the default language; our own message ids are written in Chinese so the
# default pages never depend on a compiled catalogue, and English comes from locale/en.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "lantu" / "locale"]
TIME_ZONE = env_str("LANTU_TIME_ZONE")
USE_I18N = True
USE_TZ = True

# Uploaded evidence files live outside the database; they are served only through views that
# check permission, never as public media.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-not-served/"

STATIC_URL = "static/"
# Front-end libraries come from the npm registry (package.json, installed by `make install`)
# and are served from here: no CDN, so Lantu works on an intranet.
# Only the npm files the pages load (see lantu/web/finders.py), besides each app's static/.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "lantu.web.finders.VendorFinder",
]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

_email_host = env_str("LANTU_EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if _email_host else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = _email_host
DEFAULT_FROM_EMAIL = env_str("LANTU_EMAIL_FROM")
LANTU_SHARE_RATE_PER_MINUTE = env_int("LANTU_SHARE_RATE_PER_MINUTE")

# Bulk JSON value uploads are larger than Django's 2.5 MB default; files have their own limits.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Outside debug Lantu is served over HTTPS (LANTU_HTTPS=false only for a plain-http test box):
# http is redirected, browsers are told to stay on https for a year (HSTS, subdomains too) and
# cookies never travel in clear text. Preload stays off unless asked for: a place on the browsers'
# preload list is hard to undo and binds every subdomain of a government domain.
_https_raw = env_str("LANTU_HTTPS").strip()
HTTPS = (not DEBUG) if not _https_raw else env_bool("LANTU_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("LANTU_HSTS_SECONDS") if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("LANTU_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]  # preload is a choice, see above
if env_bool("LANTU_BEHIND_PROXY"):
    # Only behind a proxy that sets (and strips from clients) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_SAMESITE = "Lax"
# A login lasts a working day and ends with the browser.
SESSION_COOKIE_AGE = env_int("LANTU_SESSION_HOURS") * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SECURE = HTTPS
# HTMX sends the token from the page (hx-headers in base.html), never from the cookie, so
# scripts need not read the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
#: Browser features no Lantu page uses (lantu.web.middleware.SecurityHeadersMiddleware sends it).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)

# Content-Security-Policy (django-csp 4): scripts only from Lantu's own static files (no inline
# script, no eval; a nonce only where a template asks for request.csp_nonce). Styles: stylesheets
# from 'self'; style attributes are allowed (style-src-attr) because the timeline, rank bars and
# ECharts tooltips position elements with them and a style attribute cannot run script;
# <style> elements need the nonce (htmx's own indicator <style> is switched off in base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}

# Login throttling (lantu.accounts.throttle): failures are rows in the database, so every
# gunicorn worker sees the same count.
AUTHENTICATION_BACKENDS = ["lantu.accounts.throttle.ThrottledModelBackend"]
LOGIN_MAX_FAILURES = env_int("LANTU_LOGIN_MAX_FAILURES")
LOGIN_MAX_FAILURES_PER_IP = env_int("LANTU_LOGIN_MAX_FAILURES_PER_IP")
LOGIN_LOCKOUT_SECONDS = env_int("LANTU_LOGIN_LOCKOUT_MINUTES") * 60

#: Largest evidence file a progress report accepts.
UPLOAD_MAX_BYTES = env_int("LANTU_UPLOAD_MAX_MB") * 1024 * 1024
#: Largest request body (lantu.web.middleware.RequestSizeMiddleware): Django limits form fields
#: (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files, and gunicorn limits neither.
REQUEST_MAX_BYTES = env_int("LANTU_REQUEST_MAX_MB") * 1024 * 1024
