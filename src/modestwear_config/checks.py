"""System checks for insecure or broken choices a project can still make by overriding settings.

Ids are modestwear_config.E0xx / W0xx and never reused; a test asserts they are unique.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .cors import LOCAL_FRONTENDS
from .email import SMTP, uses_mailers
from .email_providers import PROVIDERS
from .env import Env, star_imported
from .registry import BY_NAME
from .typos import suggestions

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
W040_TEXT = (
    "Mail is sent through SMTP on port {port} on Render: Render's free instances cannot open connections to "
    "SMTP ports 25, 465 and 587, so every mail (sign-up, password reset) times out and is never delivered."
)
W040_HINT = (
    f"Send through an HTTP email API instead: set EMAIL_PROVIDER ({', '.join(PROVIDERS)}) and EMAIL_API_KEY, "
    "and unset EMAIL_HOST (or use your provider's SMTP port 2525)."
)
RENDER_BLOCKED_SMTP_PORTS = (25, 465, 587)  # Render free web services, since 2025-09-26
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

W030_TEXT = (
    "{setting} is assigned after `from modestwear_config import *` with a different value: "
    "{variable} no longer drives it."
)
W030_MIDDLEWARE = (
    "MIDDLEWARE is assigned after `from modestwear_config import *` without {missing}: "
    "what they do (/healthz, CORS, static files, security headers) is lost."
)
W030_HINT = "Delete the assignment (startproject's lines below the import), or silence modestwear_config.W030."
W031_TEXT = "The environment sets {name}, which nothing reads: did you mean {meant}?"
W033_TEXT = "{name}: {message}"
W032 = Warning(
    "CELERY_TASK_ALWAYS_EAGER is on while a broker is configured: tasks run in the web process "
    "and the broker is never used.",
    hint="Unset CELERY_TASK_ALWAYS_EAGER (it defaults to on only without a broker).",
    obj="CELERY_TASK_ALWAYS_EAGER",
    id=ID + "W032",
)
E030_TEXT = "{setting} names {count} check(s) that are not registered{what}: /health would fail on every request."
E031 = Error(
    "MODESTWEAR_HEALTH_CRITICAL names an optional check that MODESTWEAR_HEALTH_CHECKS does not enable: it never runs.",
    hint="Add it to HEALTH_CHECKS, or remove it from HEALTH_CRITICAL_CHECKS.",
    obj="HEALTH_CRITICAL_CHECKS",
    id=ID + "E031",
)
# Settings every build makes anew (not module constants): holding one proves the star import.
FRESH_CONTAINERS = ("CACHES", "STORAGES", "LOGGING", "CORS_ALLOWED_ORIGINS", "CSRF_TRUSTED_ORIGINS", "DATABASES")
# The settings the environment drives that are not named like their variable.
SHADOWED = {
    "DATABASES": "DATABASE_URL",
    "CACHES": "REDIS_URL",
    "STORAGES": "CLOUDINARY_URL",
    "SECURE_PROXY_SSL_HEADER": "BEHIND_TLS_PROXY",
}


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
    return any(
        _unverified(value) for key, values in query.items() if key.lower() == "ssl_cert_reqs" for value in values
    )


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
    # The DEBUG-only local frontends are loopback: nobody on the network can impersonate them.
    origins = [o for o in getattr(settings, "CORS_ALLOWED_ORIGINS", []) if o not in LOCAL_FRONTENDS]
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


def check_overrides(**kwargs: Any) -> list[CheckMessage]:
    """Settings assigned after the star import that the environment should drive (W030)."""
    imported = star_imported()
    if not _into_these_settings(imported):
        return []
    messages = []
    for name, (built, snapshot) in imported.items():
        variable = SHADOWED.get(name, name if name in BY_NAME else None)
        current = getattr(settings, name, None)
        if name == "MIDDLEWARE":
            messages += _middleware_override(built, current)
        elif variable and current is not built and current != snapshot:
            text = W030_TEXT.format(setting=name, variable=variable)
            messages.append(Warning(text, hint=W030_HINT, obj=variable, id=ID + "W030"))
    return messages


def _into_these_settings(imported: dict[str, tuple[Any, Any]]) -> bool:
    """True when the settings hold a container of that very star import (built afresh on each build).

    A project that builds its settings another way (build_settings) is left alone.
    """
    fresh = [(name, imported[name][0]) for name in FRESH_CONTAINERS if name in imported]
    return any(getattr(settings, name, None) is built for name, built in fresh)


def _middleware_override(built: list[str], current: Any) -> list[CheckMessage]:
    missing = [path for path in built if path not in list(current or ())]
    if not missing:
        return []
    text = W030_MIDDLEWARE.format(missing=", ".join(missing))
    return [Warning(text, hint=W030_HINT, obj="MIDDLEWARE", id=ID + "W030")]


def check_environment(**kwargs: Any) -> list[CheckMessage]:
    return environment_messages(Env.from_os())


def environment_messages(env: Env) -> list[CheckMessage]:
    """What the reader found that does not stop the settings from loading (the doctor shows these too).

    W031 for every environment name close to a declared one and read by nobody (never its value);
    W033 for the reader's warnings (.env lines that are not KEY=VALUE, by number).
    """
    typos: list[CheckMessage] = [
        Warning(W031_TEXT.format(name=name, meant=meant), hint=f"Rename it to {meant}.", obj=meant, id=ID + "W031")
        for name, meant in suggestions(env.names()).items()
    ]
    warnings: list[CheckMessage] = [
        Warning(W033_TEXT.format(name=name, message=message), obj=name, id=ID + "W033")
        for name, message in sorted(env.warnings.items())
    ]
    return typos + warnings


def check_eager_with_broker(**kwargs: Any) -> list[CheckMessage]:
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    return [W032] if eager and broker and not broker.startswith("memory://") else []


def check_health_names(**kwargs: Any) -> list[CheckMessage]:
    """The health variables against the health registry, where the project's own checks are known."""
    from .health.conf import conf
    from .health.registry import registered

    registrations = registered()
    optional = {name for name, reg in registrations.items() if reg.optional}
    messages: list[CheckMessage] = []
    for setting, variable, names, allowed, what in (
        ("MODESTWEAR_HEALTH_CHECKS", "HEALTH_CHECKS", conf.checks, optional, " as optional"),
        ("MODESTWEAR_HEALTH_CRITICAL", "HEALTH_CRITICAL_CHECKS", tuple(conf.critical), set(registrations), ""),
    ):
        unknown = [n for n in names if n.partition(":")[0] not in allowed]
        if unknown:  # counted, not echoed: a value in the wrong variable may be a secret
            text = E030_TEXT.format(setting=setting, count=len(unknown), what=what)
            hint = f"Known{what}: {', '.join(sorted(allowed))}."
            messages.append(Error(text, hint=hint, obj=variable, id=ID + "E030"))
    disabled = [n for n in conf.critical if n.partition(":")[0] in optional and n.partition(":")[0] not in conf.checks]
    return messages + ([E031] if disabled else [])


def check_render_smtp(**kwargs: Any) -> list[CheckMessage]:
    if not Env(os.environ)("RENDER"):  # Render sets RENDER=true on every service
        return []
    port = _smtp_port()
    blocked = port in RENDER_BLOCKED_SMTP_PORTS
    return [Warning(W040_TEXT.format(port=port), hint=W040_HINT, id=ID + "W040")] if blocked else []


def _smtp_port() -> int | None:
    """The default mailer's SMTP port, read the way this Django version reads it; None if not SMTP."""
    if uses_mailers():
        mailers = getattr(settings, "MAILERS", None)  # unset: EMAIL_* would warn when read, so not read
        mailer = mailers.get("default") if isinstance(mailers, dict) else None
        if mailer is None or mailer.get("BACKEND", SMTP) != SMTP:  # Django's default BACKEND is SMTP
            return None
        options = mailer.get("OPTIONS", {})
        # Django 6.1's own defaults when OPTIONS give no port.
        fallback = 465 if options.get("use_ssl") else 587 if options.get("use_tls") else 25
        return int(options.get("port") or fallback)
    return int(settings.EMAIL_PORT) if settings.EMAIL_BACKEND == SMTP else None


W020_TEXT = (
    "CACHES[{alias!r}] shares a Redis database with the Celery broker or result backend, and its "
    "django-redis client clears with FLUSHDB: cache.clear() would delete queued tasks and results."
)
SCOPED_CLEAR_CLIENT = "modestwear_config.cache_client.ScopedClearClient"


def check_cache_clear_spares_celery(**kwargs: Any) -> list[CheckMessage]:
    celery = {
        _redis_database(getattr(settings, name, None) or "") for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    } - {None}
    return [
        Warning(
            W020_TEXT.format(alias=alias),
            id=ID + "W020",
            hint=f"Use OPTIONS['CLIENT_CLASS'] = {SCOPED_CLEAR_CLIENT!r} (clears only the cache's keys), "
            "or a Redis database of its own.",
        )
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
    check_overrides,
    check_environment,
    check_health_names,
    check_cache_clear_spares_celery,
)
DEPLOY_ONLY: Iterable[Callable[..., list[CheckMessage]]] = (
    check_allowed_hosts,
    check_redis_tls_verification,
    check_sqlite_in_production,
    check_cors_https,
    check_cors_allow_all,
    check_proxy_header,
    check_eager_with_broker,
    check_render_smtp,
)


def register_all() -> None:
    for check in ALWAYS:
        register(check, Tags.security, Tags.compatibility)
    for check in DEPLOY_ONLY:
        register(check, Tags.security, deploy=True)


# -- real projects: the frontend (W010-W019) ------------------------------
W010 = Warning(
    "FRONTEND_URL is not set while cookies are sent cross-site (SESSION_COOKIE_SAMESITE or "
    "CSRF_COOKIE_SAMESITE is 'None') and no CORS origin is configured: the frontend cannot call "
    "the API, and links built from FRONTEND_URL (emails, redirects) have no host.",
    hint="Set FRONTEND_URL to the frontend's origin, like https://modestwear-app.vercel.app.",
    id=ID + "W010",
)


def check_frontend_url(**kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG or getattr(settings, "FRONTEND_URL", ""):
        return []
    cross_site = "None" in (settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE)
    origins = getattr(settings, "CORS_ALLOWED_ORIGINS", []) or getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", [])
    return [W010] if cross_site and not origins else []


# Appended, not edited in place, so this range merges cleanly with the checks above.
DEPLOY_ONLY = (*DEPLOY_ONLY, check_frontend_url)
