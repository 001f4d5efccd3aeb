"""Named caches besides ``default``, from one list variable: ``CACHES_EXTRA=sessions=redis://...,local=locmem://``.

A project's aliases are its own (sessions, rate limits, a local cache), so they cannot each be a
declared variable; one declared, secret list carries them all, and the reader, the scrubber and
the doctor treat it as they treat every secret URL list (each password masked on its own).

Each entry is ``alias=URL``.  A new entry starts only at a comma followed by ``alias=scheme://``,
so a django-redis server list (``sessions=redis://a/1,redis://b/1``) stays one entry.  Errors name
CACHES_EXTRA and the entry's position, never a part of its value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from modestwear_config.env import Env, check_url, variables_of

# Two entries joined by something other than a comma (';', '|', a space): one entry to the reader otherwise.
GLUED = re.compile(r"[;|\s]\s*[A-Za-z][A-Za-z0-9_]*=[A-Za-z][A-Za-z0-9+.-]*://")
GLUED_PROBLEM = "expected alias=URL entries separated by commas, got two joined by ';', '|' or a space"
V = variables_of("cache")
VARIABLES = (
    V(
        "CACHES_EXTRA",
        "list",
        "Named caches besides default, comma-separated alias=URL (redis://, rediss://, unix://, locmem://, "
        "dummy://). Each Redis one gets REDIS_URL's TLS, timeouts and degradation; /health checks it as "
        "cache:<alias>; its keys are prefixed CACHE_KEY_PREFIX.alias (or alias).",
        (),
        secret=True,
        default_doc="none",
        example="sessions=rediss://default:token@host.upstash.io:6379/1,local=locmem://",
        item_problem=lambda item: GLUED_PROBLEM if GLUED.search(item) else None,
    ),
)
ALIAS = re.compile(r"([A-Za-z][A-Za-z0-9_]{0,39})=(?=[A-Za-z][A-Za-z0-9+.-]*://)")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
REDIS_SCHEMES = ("redis", "rediss", "unix")
LOCAL = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",  # per process, like the default without Redis
    "dummy": "django.core.cache.backends.dummy.DummyCache",  # caches nothing (turns a feature's cache off)
}
SHAPE = "alias=URL, like sessions=redis://host:6379/1"

RedisCache = Callable[[str], "dict[str, Any]"]  # URL -> the django-redis alias, as REDIS_URL's


def entries(env: Env) -> list[tuple[str, str]]:
    """(alias, URL) for each entry of CACHES_EXTRA, in order; problems recorded under CACHES_EXTRA."""
    found: list[list[str]] = []
    for position, piece in enumerate(env("CACHES_EXTRA"), start=1):
        named = ALIAS.match(piece)
        if named:
            found.append([named.group(1), piece[named.end() :]])
        elif found and SCHEME.match(piece):
            found[-1][1] += "," + piece  # another server of the entry's django-redis list
        else:
            env.error("CACHES_EXTRA", f"piece {position} is not {SHAPE} (a comma inside a password must be %2C)")
            return []
    return [(alias, url) for alias, url in found]


def named_caches(env: Env, prefix: str, redis_cache: RedisCache) -> dict[str, dict[str, Any]]:
    """CACHES entries for CACHES_EXTRA; `redis_cache` builds a Redis one exactly as REDIS_URL's."""
    caches: dict[str, dict[str, Any]] = {}
    for position, (alias, url) in enumerate(entries(env), start=1):
        where = f"entry {position}"
        if alias == "default":
            env.error("CACHES_EXTRA", f"{where} names the default cache, which REDIS_URL configures; rename it")
        elif alias in caches:
            env.error("CACHES_EXTRA", f"{where} repeats the alias of an earlier entry")
        elif _valid_urls(env, where, url):
            cache = _cache(env, alias, where, url, redis_cache)
            if cache is not None:
                # Its own key space: clear() on one alias never deletes another's keys in a shared database
                # (the scoped client clears "<KEY_PREFIX>:*", and "shop.sessions:" is not under "shop:").
                caches[alias] = {**cache, "KEY_PREFIX": f"{prefix}.{alias}" if prefix else alias}
    return caches


def _valid_urls(env: Env, where: str, location: str) -> bool:
    for url in location.split(","):
        try:
            check_url(url)
        except ValueError as exc:  # its message never holds the URL
            env.error("CACHES_EXTRA", f"{where}: {exc}")
            return False
    return True


def _cache(env: Env, alias: str, where: str, url: str, redis_cache: RedisCache) -> dict[str, Any] | None:
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in LOCAL:
        # locmem://name shares the memory of every alias named alike; locmem:// is the alias' own.
        return {"BACKEND": LOCAL[scheme], "LOCATION": rest.strip("/") or alias}
    if scheme not in REDIS_SCHEMES:
        valid = ", ".join(s + "://" for s in (*REDIS_SCHEMES, *LOCAL))
        env.error("CACHES_EXTRA", f"{where} has an unknown scheme; expected one of {valid}")
        return None
    return redis_cache(url)
