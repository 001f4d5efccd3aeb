"""CACHES: local memory without REDIS_URL, django-redis with it (degrading gracefully, loudly)."""

from __future__ import annotations

from typing import Any

from .env import Env, lazy_settings
from .tls import redis_py_ssl_kwargs, redis_scheme

# Per process, nothing to run: right for development and a single free-tier instance.
LOCAL_MEMORY = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "modestwear-config",
}


def cache_settings(env: Env) -> dict[str, Any]:
    url: str | None = env("REDIS_URL")
    prefix: str = env("CACHE_KEY_PREFIX")
    # Read (and so validated) even without REDIS_URL: a typo must not wait for the day Redis is added.
    options: dict[str, Any] = {
        # django-redis's, but clear() deletes only cache keys, never FLUSHDB: the Celery broker and
        # results may share this Redis database (Upstash's free plan has only database 0).
        "CLIENT_CLASS": "modestwear_config.cache_client.ScopedClearClient",
        # Seconds; redis-py would otherwise wait 5 s on a silent server.
        "SOCKET_CONNECT_TIMEOUT": env("REDIS_SOCKET_CONNECT_TIMEOUT"),
        "SOCKET_TIMEOUT": env("REDIS_SOCKET_TIMEOUT"),
        # A dead Redis turns cache reads into misses instead of 500s...
        "IGNORE_EXCEPTIONS": env("REDIS_IGNORE_EXCEPTIONS"),
    }
    env("REDIS_SSL_CERT_REQS")  # validated now too, though only rediss:// uses it
    if url is None:
        return {"CACHES": {"default": {**LOCAL_MEMORY, "KEY_PREFIX": prefix}}}
    env.require_extra("REDIS_URL", "redis", "django_redis", "redis")
    if redis_scheme(env, "REDIS_URL", url) == "rediss":
        # Verified against the system bundle or REDIS_SSL_CA_CERTS; never redis-py's URL-query opt-out.
        options["CONNECTION_POOL_KWARGS"] = redis_py_ssl_kwargs(env)
    return {
        "CACHES": {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": prefix,  # "" by default: one site per Redis database
                "OPTIONS": options,
            }
        },
        # ...and each ignored error is logged (logger django_redis.cache), so it is not silent.
        "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS": True,
    }


__getattr__ = lazy_settings(cache_settings)
