"""A plain `startproject` settings file: the baseline the library is measured against.

Same INSTALLED_APPS and MIDDLEWARE as `from modestwear_config import *` (run.py asserts it),
minus modestwear_config itself and its LivenessMiddleware.  Services are configured the way
the seed's own settings do it (hand-written DATABASES and CACHES dicts), from the same URLs
the benchmark gives our package, so both sides talk to the same PostgreSQL and Redis.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "plain-benchmark-key-not-secret-0123456789-abcdefghijklmnop")
DEBUG = os.environ.get("DEBUG", "false").lower() == "true"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "plain.urls"
WSGI_APPLICATION = "plain.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str | None) -> dict[str, object]:
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    parts = urlsplit(url)
    return {  # the seed's DATABASES entry
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname,
        "PORT": parts.port or 5432,
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


def _cache(url: str | None) -> dict[str, object]:
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    return {  # the seed's CACHES entry
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 5,
            "SOCKET_TIMEOUT": 5,
            "IGNORE_EXCEPTIONS": True,
        },
    }


DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}
if os.environ.get("PLAIN_DATABASES") == "dj-database-url":  # the remote-database suite's startproject baseline
    import dj_database_url

    DATABASES = {"default": dj_database_url.config()}  # its defaults: CONN_MAX_AGE=0, no health checks
elif os.environ.get("PLAIN_DATABASES") == "pool":  # Django 5.1+'s psycopg pool, checking each connection it lends
    import dj_database_url

    DATABASES = {"default": dj_database_url.config(conn_health_checks=True)}
    DATABASES["default"]["OPTIONS"] = {"pool": True}  # check=ConnectionPool.check_connection (health checks on)
CACHES = {"default": _cache(os.environ.get("REDIS_URL"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# The same collected files as ours (run.py collects them once): WhiteNoise indexes them at start-up.
STATIC_ROOT = Path(os.environ.get("BASE_DIR") or BASE_DIR) / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
