"""PING Redis through a dedicated redis-py client per server, never through the cache API.

The cache API hides a dead Redis (django-redis IGNORE_EXCEPTIONS turns errors
into misses), and its pool has the cache's timeouts (5 s by default).  These
clients have socket timeouts equal to the health budget, no retries, no
CLIENT SETINFO on connect, and keep their connection open between probes:
after the first probe each one costs exactly one command, PING.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modestwear_config.concerns.cache import SCOPED_CLEAR_CLIENT
from modestwear_config.health.state import STATE

if TYPE_CHECKING:
    from redis import Redis

DJANGO_REDIS = "django_redis.cache.RedisCache"
DJANGO_BUILTIN = "django.core.cache.backends.redis.RedisCache"
# django-redis client classes whose LOCATION lists plain Redis servers.
PLAIN_CLIENTS = frozenset(
    {
        "django_redis.client.DefaultClient",
        "django_redis.client.HerdClient",
        "django_redis.client.ShardClient",
        "django_redis.client.default.DefaultClient",
        SCOPED_CLEAR_CLIENT,
    }
)
# Connection options the health client copies (TLS and credentials); timeouts and pools are its own.
_COPIED = ("username", "password", "db")


def ping(url: str, options: dict[str, Any], timeout: float) -> None:
    if not client(url, options, timeout).ping():
        raise ConnectionError("PING was not answered with PONG")


def client(url: str, options: dict[str, Any], timeout: float) -> Redis:
    key = (url, repr(sorted(options.items())), timeout)
    with STATE.lock:
        found = STATE.redis_clients.get(key)
        if found is None:
            found = STATE.redis_clients[key] = _new_client(url, options, timeout)
    return found


def _new_client(url: str, options: dict[str, Any], timeout: float) -> Redis:
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    if not url.lower().startswith("rediss://"):
        options = {k: v for k, v in options.items() if not k.startswith("ssl_")}  # plain sockets refuse them
    return Redis.from_url(
        url,
        socket_timeout=timeout,  # seconds: a silent server costs the budget, not redis-py's 5 s
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # redis-py >= 6 retries 3 times by default: 4x the budget
        driver_info=None,  # no CLIENT SETINFO round trips on (re)connect...
        protocol=2,  # ...and no HELLO (redis-py 8 speaks RESP3): a (re)connect costs AUTH at most
        **options,
    )


def cache_targets(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]] | None:
    """(url, options) for each server of a Redis cache alias; None when its client is not plain Redis."""
    options: dict[str, Any] = config.get("OPTIONS") or {}
    if config["BACKEND"] == DJANGO_REDIS:
        if options.get("CLIENT_CLASS", "django_redis.client.DefaultClient") not in PLAIN_CLIENTS:
            return None
        copied = copy_options(options.get("CONNECTION_POOL_KWARGS") or {})
        if options.get("PASSWORD"):
            copied["password"] = options["PASSWORD"]
    else:
        copied = copy_options(options)  # Django's own backend takes redis-py's lower-case options
    return [(url, copied) for url in locations(config.get("LOCATION"))]


def copy_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k.startswith("ssl_") or k in _COPIED}


def locations(location: Any) -> list[str]:
    if isinstance(location, str):
        return [url.strip() for url in location.split(",") if url.strip()]
    return list(location or [])
