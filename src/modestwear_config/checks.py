"""System checks for insecure or broken choices a project can still make by overriding settings.

Ids are modestwear_config.E0xx / W0xx and never reused; a test asserts they are unique.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

ID = "modestwear_config."

W001 = Warning(
    "ALLOWED_HOSTS should not contain '*' when DEBUG is off: any Host header is accepted, "
    "which enables cache poisoning and password-reset link forgery.",
    hint="List your host names in ALLOWED_HOSTS (RENDER_EXTERNAL_HOSTNAME is added for you).",
    id=ID + "W001",
)
W002_TEXT = (
    "DATABASES[{alias!r}] keeps connections open (CONN_MAX_AGE) without CONN_HEALTH_CHECKS: "
    "after Neon suspends or the server restarts, the first request on each stale connection fails."
)
W003 = Warning(
    "Redis TLS certificate verification is off (REDIS_SSL_CERT_REQS=none): anyone on the path "
    "can impersonate the Redis server and read sessions and task payloads.",
    hint="Unset REDIS_SSL_CERT_REQS, and set REDIS_SSL_CA_CERTS if the server's CA is private.",
    id=ID + "W003",
)
W004 = Warning(
    "DATABASES['default'] should not be SQLite when DEBUG is off: a platform's disk is ephemeral "
    "(Render free tier), so every deploy loses the data.",
    hint="Set DATABASE_URL to a PostgreSQL URL (Neon).",
    id=ID + "W004",
)
W005 = Warning(
    "CORS_ALLOWED_ORIGINS should only contain https:// origins when DEBUG is off: a plain-HTTP "
    "origin can be impersonated on the network and read responses with the user's cookies.",
    hint="Use the https:// origin of your frontend.",
    id=ID + "W005",
)
W006 = Warning(
    "SECURE_SSL_REDIRECT is on without SECURE_PROXY_SSL_HEADER: behind a TLS-terminating proxy "
    "(Render) every request looks like plain HTTP and is redirected forever.",
    hint="Set BEHIND_TLS_PROXY=true (the default) when the platform terminates TLS.",
    id=ID + "W006",
)
W007 = Warning(
    "django-redis IGNORE_EXCEPTIONS is on without DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS: a dead or "
    "misconfigured Redis silently turns every cache read into a miss.",
    hint="Set DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True.",
    id=ID + "W007",
)
W008 = Warning(
    "SECURE_BROWSER_XSS_FILTER is set, but Django 4.0 removed it: it does nothing.",
    hint="Delete the setting; use a Content-Security-Policy instead.",
    id=ID + "W008",
)
W009 = Warning(
    "CORS_ALLOW_ALL_ORIGINS should not be on together with CORS_ALLOW_CREDENTIALS: any web site "
    "can then make requests with the visitor's cookies and read the answers.",
    hint="Turn CORS_ALLOW_ALL_ORIGINS off and list your frontend in CORS_ALLOWED_ORIGINS (or FRONTEND_URL).",
    id=ID + "W009",
)
E001 = Error(
    "STORAGES['staticfiles'] should not be a Cloudinary static storage: it is broken on "
    "Django >= 4.2 and makes network calls when constructed.",
    hint="Serve static files with whitenoise.storage.CompressedManifestStaticFilesStorage.",
    id=ID + "E001",
)
E002 = Error(
    "'cloudinary_storage' is listed before 'django.contrib.staticfiles' in INSTALLED_APPS: its "
    "collectstatic override then crashes on Django 5.2.",
    hint="Remove 'cloudinary_storage' from INSTALLED_APPS (media storage works without it) or list it after.",
    id=ID + "E002",
)


def check_allowed_hosts(**kwargs: Any) -> list[CheckMessage]:
    return [W001] if "*" in settings.ALLOWED_HOSTS else []


def check_conn_health_checks(**kwargs: Any) -> list[CheckMessage]:
    return [
        Warning(W002_TEXT.format(alias=alias), hint="Set DATABASE_CONN_HEALTH_CHECKS=true.", id=ID + "W002")
        for alias, db in settings.DATABASES.items()
        if db.get("CONN_MAX_AGE", 0) != 0 and not db.get("CONN_HEALTH_CHECKS", False)
    ]


def _unverified(value: Any) -> bool:
    """redis-py, kombu and Celery all read None, ssl.CERT_NONE, "none" and "CERT_NONE" as no verification."""
    return value is None or value == ssl.CERT_NONE or str(value).lower() in ("none", "cert_none")


def _url_unverified(url: Any) -> bool:
    """A ?ssl_cert_reqs=none in a URL overrides the options dicts in redis-py and Celery."""
    if not isinstance(url, str):
        return False
    query = parse_qs(urlsplit(url).query)
    return any(_unverified(value) for key, values in query.items() if key.lower() == "ssl_cert_reqs"
               for value in values)


def check_redis_tls_verification(**kwargs: Any) -> list[CheckMessage]:
    caches = settings.CACHES.values()
    pool_kwargs = (cache.get("OPTIONS", {}).get("CONNECTION_POOL_KWARGS", {}) for cache in caches)
    unverified = any("ssl_cert_reqs" in kw and _unverified(kw["ssl_cert_reqs"]) for kw in pool_kwargs)
    unverified |= any(_url_unverified(cache.get("LOCATION")) for cache in caches)
    for name in ("CELERY_BROKER_USE_SSL", "CELERY_REDIS_BACKEND_USE_SSL"):
        options = getattr(settings, name, None)
        unverified |= isinstance(options, dict) and "ssl_cert_reqs" in options and _unverified(options["ssl_cert_reqs"])
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        unverified |= _url_unverified(getattr(settings, name, None))
    return [W003] if unverified else []


def check_sqlite_in_production(**kwargs: Any) -> list[CheckMessage]:
    engine = settings.DATABASES.get("default", {}).get("ENGINE", "")
    return [W004] if engine.endswith("sqlite3") else []


def check_cors_https(**kwargs: Any) -> list[CheckMessage]:
    origins = getattr(settings, "CORS_ALLOWED_ORIGINS", [])
    return [W005] if any(not o.startswith("https://") for o in origins) else []


def check_cors_allow_all(**kwargs: Any) -> list[CheckMessage]:
    allow_all = getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False)
    return [W009] if allow_all and getattr(settings, "CORS_ALLOW_CREDENTIALS", False) else []


def check_proxy_header(**kwargs: Any) -> list[CheckMessage]:
    return [W006] if settings.SECURE_SSL_REDIRECT and not settings.SECURE_PROXY_SSL_HEADER else []


def check_redis_logging(**kwargs: Any) -> list[CheckMessage]:
    ignoring = any(c.get("OPTIONS", {}).get("IGNORE_EXCEPTIONS") for c in settings.CACHES.values())
    logging = getattr(settings, "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS", False)
    return [W007] if ignoring and not logging else []


def check_removed_xss_filter(**kwargs: Any) -> list[CheckMessage]:
    return [W008] if hasattr(settings, "SECURE_BROWSER_XSS_FILTER") else []


def check_static_storage(**kwargs: Any) -> list[CheckMessage]:
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    return [E001] if backend.startswith("cloudinary_storage.") else []


def check_cloudinary_app_order(**kwargs: Any) -> list[CheckMessage]:
    apps = list(settings.INSTALLED_APPS)
    if "cloudinary_storage" not in apps or "django.contrib.staticfiles" not in apps:
        return []
    return [E002] if apps.index("cloudinary_storage") < apps.index("django.contrib.staticfiles") else []


W020_TEXT = (
    "CACHES[{alias!r}] shares a Redis database with the Celery broker or result backend, and its "
    "django-redis client clears with FLUSHDB: cache.clear() would delete queued tasks and results."
)
SCOPED_CLEAR_CLIENT = "modestwear_config.cache_client.ScopedClearClient"


def check_cache_clear_spares_celery(**kwargs: Any) -> list[CheckMessage]:
    celery = {_redis_database(getattr(settings, name, None) or "") for name in
              ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")} - {None}
    return [
        Warning(W020_TEXT.format(alias=alias), id=ID + "W020",
                hint=f"Use OPTIONS['CLIENT_CLASS'] = {SCOPED_CLEAR_CLIENT!r} (clears only the cache's keys), "
                     "or a Redis database of its own.")
        for alias, cache in settings.CACHES.items()
        if cache.get("BACKEND") == "django_redis.cache.RedisCache"
        and cache.get("OPTIONS", {}).get("CLIENT_CLASS", "django_redis.client.DefaultClient") != SCOPED_CLEAR_CLIENT
        and celery & {_redis_database(url) for url in _locations(cache.get("LOCATION"))}
    ]


def _locations(location: Any) -> list[str]:
    if isinstance(location, str):
        return [url.strip() for url in location.split(",")]
    return [str(url) for url in location or []]


def _redis_database(url: str) -> tuple[str, int, str] | None:
    """(host, port, database) of a redis:// or rediss:// URL; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port or 6379
    except ValueError:
        return None
    if parts.scheme not in ("redis", "rediss"):
        return None
    database = parts.path.strip("/") or parse_qs(parts.query).get("db", ["0"])[0]
    return ((parts.hostname or "").lower(), port, database)


ALWAYS: Iterable[Callable[..., list[CheckMessage]]] = (
    check_conn_health_checks,
    check_redis_logging,
    check_removed_xss_filter,
    check_static_storage,
    check_cloudinary_app_order,
    check_cache_clear_spares_celery,
)
DEPLOY_ONLY: Iterable[Callable[..., list[CheckMessage]]] = (
    check_allowed_hosts,
    check_redis_tls_verification,
    check_sqlite_in_production,
    check_cors_https,
    check_cors_allow_all,
    check_proxy_header,
)


def register_all() -> None:
    for check in ALWAYS:
        register(check, Tags.security, Tags.compatibility)
    for check in DEPLOY_ONLY:
        register(check, Tags.security, deploy=True)
