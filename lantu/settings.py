"""Django settings, all read from the environment through :mod:`lantu.env`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from lantu.env import BASE_DIR, env_bool, env_list, env_str

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
    "lantu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lantu.web.middleware.LanguageMiddleware",
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

# Bulk JSON value uploads are larger than Django's 2.5 MB default; files have their own limits.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

SESSION_COOKIE_HTTPONLY = True
# Outside debug Lantu is served over HTTPS, so cookies never travel in clear text.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
