"""CACHES: local memory without REDIS_URL, django-redis with it (degrading gracefully, loudly)."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Alias, Env, variables_of

from .assemble import lazy_settings
from .cache_aliases import VARIABLES as ALIAS_VARIABLES
from .cache_aliases import named_caches
from .redis_tls import redis_py_ssl_kwargs, redis_scheme
from .unit import CHECK_PREFIX, Check, Concern, Extra

V = variables_of("cache")
VARIABLES = (
    V(
        "REDIS_URL",
        "url",
        "Redis for the cache (Celery's broker only with CELERY_USE_REDIS_URL). rediss:// verifies certificates.",
        secret=True,
        default_doc="local-memory cache",
        # Heroku Key-Value Store sets both REDIS_URL and REDIS_TLS_URL itself: the TLS one is used.
        aliases=(Alias("REDIS_TLS_URL", wins=True),),
        example="rediss://default:token@host.upstash.io:6379",
    ),
    V(
        "REDIS_SSL_CERT_REQS",
        "str",
        "TLS certificate verification for rediss://: required, or none (insecure).",
        "required",
        choices=("required", "none"),
    ),
    V(
        "REDIS_SSL_CA_CERTS",
        "path",
        "CA bundle that signs the Redis server's certificate.",
        default_doc="the system CA bundle",
        example="/etc/ssl/certs/redis-ca.pem",
    ),
    V(
        "REDIS_SOCKET_CONNECT_TIMEOUT",
        "float",
        "Seconds to wait for a Redis connection.",
        5.0,
        minimum=0.01,
        maximum=60,
    ),
    V("REDIS_SOCKET_TIMEOUT", "float", "Seconds to wait for a Redis reply.", 5.0, minimum=0.01, maximum=60),
    V("REDIS_IGNORE_EXCEPTIONS", "bool", "Serve pages when Redis is down (misses are logged).", True),
    V("CACHE_KEY_PREFIX", "str", "Prefix of every cache key (share one Redis between sites).", ""),
    *ALIAS_VARIABLES,
)
REDIS = Extra(
    "redis", ("django_redis", "redis"), "REDIS_URL=redis://... (the cache)", ("django-redis>=5.4", "redis>=7.2")
)
DJANGO_REDIS = "django_redis.cache.RedisCache"
SCOPED_CLEAR_CLIENT = "modestwear_config.components.cache_client.ScopedClearClient"

# Per process, nothing to run: right for development and a single free-tier instance.
LOCAL_MEMORY = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "modestwear-config",
}


def cache_settings(env: Env) -> dict[str, Any]:
    url: str | None = env("REDIS_URL")
    prefix: str = env("CACHE_KEY_PREFIX")
    # Read (and so validated) even without REDIS_URL: a typo must not wait for the day Redis is added.
    options = _redis_options(env)
    env("REDIS_SSL_CERT_REQS")  # validated now too, though only rediss:// uses it
    if url is None:
        default = {**LOCAL_MEMORY, "KEY_PREFIX": prefix}
    else:
        REDIS.require(env, "REDIS_URL")
        default = {**_redis_cache(env, "REDIS_URL", url, options), "KEY_PREFIX": prefix}  # "": one site per database
    caches = {"default": default, **named_caches(env, prefix, lambda u: _redis_cache(env, "CACHES_EXTRA", u, options))}
    settings: dict[str, Any] = {"CACHES": caches}
    if any(cache["BACKEND"] == DJANGO_REDIS for cache in caches.values()):
        # ...and each ignored error is logged (logger django_redis.cache), so it is not silent.
        settings["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"] = True
    return settings


def _redis_options(env: Env) -> dict[str, Any]:
    return {
        # django-redis's, but clear() deletes only cache keys, never FLUSHDB: the Celery broker and
        # results may share this Redis database (Upstash's free plan has only database 0).
        "CLIENT_CLASS": SCOPED_CLEAR_CLIENT,
        # Seconds; redis-py would otherwise wait 5 s on a silent server.
        "SOCKET_CONNECT_TIMEOUT": env("REDIS_SOCKET_CONNECT_TIMEOUT"),
        "SOCKET_TIMEOUT": env("REDIS_SOCKET_TIMEOUT"),
        # A dead Redis turns cache reads into misses instead of 500s (logged: DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS)
        "IGNORE_EXCEPTIONS": env("REDIS_IGNORE_EXCEPTIONS"),
    }


def _redis_cache(env: Env, name: str, url: str, options: dict[str, Any]) -> dict[str, Any]:
    """A django-redis alias for `url` (REDIS_URL's, or a CACHES_EXTRA entry's): one treatment for all."""
    REDIS.require(env, name)
    options = dict(options)
    if redis_scheme(env, name, url) == "rediss":
        # Verified against the system bundle or REDIS_SSL_CA_CERTS; never redis-py's URL-query opt-out.
        options["CONNECTION_POOL_KWARGS"] = redis_py_ssl_kwargs(env)
    return {"BACKEND": DJANGO_REDIS, "LOCATION": url, "OPTIONS": options}


W003 = Warning(
    "Redis TLS certificate verification is off (REDIS_SSL_CERT_REQS=none): anyone on the path "
    "can impersonate the Redis server and read sessions and task payloads.",
    hint="Unset REDIS_SSL_CERT_REQS, and set REDIS_SSL_CA_CERTS if the server's CA is private.",
    id=CHECK_PREFIX + "W003",
)
W007 = Warning(
    "django-redis IGNORE_EXCEPTIONS is on without DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS: a dead or "
    "misconfigured Redis silently turns every cache read into a miss.",
    hint="Set DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True.",
    id=CHECK_PREFIX + "W007",
)
W020_TEXT = (
    "CACHES[{alias!r}] shares a Redis database with the Celery broker or result backend, and its "
    "django-redis client clears with FLUSHDB: cache.clear() would delete queued tasks and results."
)


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
    """A Redis connection (cache, broker, results) skips TLS certificate verification."""
    caches = django_settings.CACHES.values()
    pool_kwargs = (cache.get("OPTIONS", {}).get("CONNECTION_POOL_KWARGS", {}) for cache in caches)
    unverified = any("ssl_cert_reqs" in kw and _unverified(kw["ssl_cert_reqs"]) for kw in pool_kwargs)
    unverified |= any(_url_unverified(cache.get("LOCATION")) for cache in caches)
    for name in ("CELERY_BROKER_USE_SSL", "CELERY_REDIS_BACKEND_USE_SSL"):
        options = getattr(django_settings, name, None)
        unverified |= isinstance(options, dict) and "ssl_cert_reqs" in options and _unverified(options["ssl_cert_reqs"])
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        unverified |= _url_unverified(getattr(django_settings, name, None))
    return [W003] if unverified else []


def check_redis_logging(**kwargs: Any) -> list[CheckMessage]:
    """django-redis ignores errors without logging them."""
    ignoring = any(c.get("OPTIONS", {}).get("IGNORE_EXCEPTIONS") for c in django_settings.CACHES.values())
    logging = getattr(django_settings, "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS", False)
    return [W007] if ignoring and not logging else []


def check_cache_clear_spares_celery(**kwargs: Any) -> list[CheckMessage]:
    """cache.clear() would FLUSHDB the Redis database Celery uses."""
    celery = {
        _redis_database(getattr(django_settings, name, None) or "")
        for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    } - {None}
    return [
        Warning(
            W020_TEXT.format(alias=alias),
            id=CHECK_PREFIX + "W020",
            hint=f"Use OPTIONS['CLIENT_CLASS'] = {SCOPED_CLEAR_CLIENT!r} (clears only the cache's keys), "
            "or a Redis database of its own.",
        )
        for alias, cache in django_settings.CACHES.items()
        if cache.get("BACKEND") == DJANGO_REDIS
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


CONCERN = Concern(
    name="cache",
    doc="CACHES: local memory without REDIS_URL; django-redis with it, degrading to misses that are logged; "
    "named caches from CACHES_EXTRA, each Redis one treated alike and health-checked as cache:<alias>.",
    variables=VARIABLES,
    build=cache_settings,
    checks=(
        Check(check_redis_logging, ("W007",), ("REDIS_IGNORE_EXCEPTIONS",)),
        Check(check_cache_clear_spares_celery, ("W020",), ("REDIS_URL",)),
        Check(check_redis_tls_verification, ("W003",), ("REDIS_SSL_CERT_REQS",), deploy=True),
    ),
    extras=(REDIS,),
    shadows={"CACHES": "REDIS_URL"},
)

__getattr__ = lazy_settings(CONCERN)
