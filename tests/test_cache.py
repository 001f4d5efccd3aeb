"""cache.py: local memory without REDIS_URL; django-redis with it, on the real Redis, over TLS, and
degrading (None, logged, pages still 200) when Redis is stopped or hangs."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import redis
from django.core.cache import caches
from django.core.checks import run_checks
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from modestwear_config.concerns.cache import cache_settings
from modestwear_config.env import Env
from tests.support.servers import RedisServer, SilentServer

TIMEOUT = 0.5  # seconds, for both the connect and the reply timeout in the failure tests
SLACK = 1.10  # the "within the socket timeout + 10%"
CANARY = "CacheCanary-5d1e8a"
EXAMPLES = int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300"))


def built(environ: dict[str, str]) -> dict[str, Any]:
    env = Env(environ)
    settings = cache_settings(env)
    assert env.problems == {}
    return settings


@pytest.fixture
def prefix() -> str:
    """A key prefix of our own on the shared Redis (never flushed; our keys are deleted)."""
    return f"mwc-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_cache(redis_url: str, prefix: str) -> Iterator[Any]:
    with override_settings(**built({"REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix})):
        yield caches["default"]
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def tls_redis() -> Iterator[RedisServer]:
    with RedisServer(tls=True) as server:
        yield server


def failing_environ(url: str) -> dict[str, str]:
    return {"REDIS_URL": url, "REDIS_SOCKET_TIMEOUT": str(TIMEOUT), "REDIS_SOCKET_CONNECT_TIMEOUT": str(TIMEOUT)}


def ignored_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("django_redis") and r.exc_info]


# -- the settings ------------------------------------------------------------------
def test_cache_settings__local_memory_without_redis_url():
    settings = built({"CACHE_KEY_PREFIX": "shop"})
    assert settings["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["CACHES"]["default"]["KEY_PREFIX"] == "shop"
    assert "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS" not in settings


def test_cache_settings__django_redis_degrades_loudly_with_seed_timeouts():
    settings = built({"REDIS_URL": "redis://cache.internal:6379/1"})
    default = settings["CACHES"]["default"]
    assert default["BACKEND"] == "django_redis.cache.RedisCache"
    assert default["LOCATION"] == "redis://cache.internal:6379/1"
    assert default["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] == 5.0
    assert default["OPTIONS"]["SOCKET_TIMEOUT"] == 5.0
    assert default["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert "CONNECTION_POOL_KWARGS" not in default["OPTIONS"]  # plain redis:// has no TLS
    assert settings["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"] is True


def test_cache_settings__rediss_verifies_certificates_by_default():
    options = built({"REDIS_URL": "rediss://default:tok@h.upstash.io:6379"})["CACHES"]["default"]["OPTIONS"]
    assert options["CONNECTION_POOL_KWARGS"] == {"ssl_cert_reqs": "required"}


def test_cache_settings__no_redis_check_warning_by_default(settings):
    with override_settings(**built({"REDIS_URL": "rediss://h:6379"})):
        ids = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "modestwear_config.W003" not in ids
    assert "modestwear_config.W007" not in ids  # ignored exceptions are logged


def test_cache_settings__cert_reqs_none_warns_in_deploy_checks():
    with override_settings(**built({"REDIS_URL": "rediss://h:6379", "REDIS_SSL_CERT_REQS": "none"})):
        assert "modestwear_config.W003" in [m.id for m in run_checks(include_deployment_checks=True)]
        assert "modestwear_config.W003" not in [m.id for m in run_checks()]  # production checks only


# -- the real Redis ----------------------------------------------------------------
@pytest.mark.services
def test_cache__round_trip_through_the_configured_alias(redis_cache, redis_url, prefix):
    value = {"dress": "abaya", "sizes": [36, 38]}
    redis_cache.set("product:1", value, timeout=30)
    assert redis_cache.get("product:1") == value
    raw = redis.Redis.from_url(redis_url)
    assert raw.exists(f"{prefix}:1:product:1") == 1  # really in Redis, under our prefix
    assert 0 < raw.ttl(f"{prefix}:1:product:1") <= 30
    raw.close()
    assert redis_cache.delete("product:1") is True
    assert redis_cache.get("product:1") is None


@pytest.mark.slow
def test_cache__round_trip_over_tls_with_the_ca(tls_redis, prefix):
    environ = {"REDIS_URL": tls_redis.url, "REDIS_SSL_CA_CERTS": str(tls_redis.ca_path), "CACHE_KEY_PREFIX": prefix}
    with override_settings(**built(environ)):
        cache = caches["default"]
        assert cache.set("k", "over-tls", timeout=30) is True
        assert cache.get("k") == "over-tls"


@pytest.mark.slow
def test_cache__tls_without_the_ca_fails_verification(tls_redis):
    # db 1, not 0: django-redis shares one pool per LOCATION whatever its TLS kwargs.
    environ = {"REDIS_URL": tls_redis.url.replace("/0", "/1"), "REDIS_IGNORE_EXCEPTIONS": "false"}
    with override_settings(**built(environ)), pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        caches["default"].get("k")


@pytest.mark.slow
def test_cache__tls_verification_failure_is_logged_when_ignored(tls_redis, caplog):
    with override_settings(**built({"REDIS_URL": tls_redis.url.replace("/0", "/2")})), caplog.at_level(logging.WARNING):
        assert caches["default"].get("k") is None
    errors = ignored_errors(caplog)
    assert errors, "an ignored TLS failure must be logged"
    assert "CERTIFICATE_VERIFY_FAILED" in str(errors[0].exc_info[1])


# -- a dead or hung Redis ------------------------------------------------------------
@pytest.fixture
def stopped_redis() -> Iterator[str]:
    server = RedisServer().start()
    url = server.url
    server.stop()  # a server that was there and went away: connection refused
    yield url
    server.close()


@pytest.fixture
def silent_redis() -> Iterator[str]:
    with SilentServer() as server:  # accepts, never answers: a hung Redis
        yield f"redis://127.0.0.1:{server.port}/0"


@pytest.mark.slow
@pytest.mark.parametrize("server", ["stopped_redis", "silent_redis"])
def test_cache__get_returns_none_within_the_socket_timeout_and_logs(server, request, caplog):
    url = request.getfixturevalue(server)
    with override_settings(**built(failing_environ(url))), caplog.at_level(logging.WARNING):
        started = time.monotonic()
        value = caches["default"].get("anything")
        elapsed = time.monotonic() - started
    assert value is None
    assert elapsed <= TIMEOUT * SLACK, f"cache.get took {elapsed:.3f} s"
    errors = ignored_errors(caplog)
    assert errors and errors[0].levelno >= logging.WARNING
    assert type(errors[0].exc_info[1]).__name__ == "ConnectionInterrupted"


@pytest.mark.slow
@pytest.mark.parametrize("server", ["stopped_redis", "silent_redis"])
def test_cache__page_using_the_cache_still_answers(server, request, client, caplog, tmp_path):
    url = request.getfixturevalue(server)
    # An existing STATIC_ROOT: WhiteNoise warns (an error here) when collectstatic never ran.
    with override_settings(**built(failing_environ(url)), STATIC_ROOT=tmp_path), caplog.at_level(logging.WARNING):
        response = client.get("/api/hello/")
    assert response.status_code == 200
    assert response.json()["visits"] == 1  # every read is a miss
    assert len(ignored_errors(caplog)) >= 2  # the get and the set, each logged


# -- cache.clear() next to Celery in one Redis database ------------------------------
@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:  # clear() on the shared Redis would be a hazard for other runs
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("key_prefix", ["", "shop"])
def test_cache_clear__keeps_queued_celery_tasks_and_results(private_redis, key_prefix):
    """Upstash's free plan: cache, broker and results in database 0. A task queued (no worker) and a
    stored result survive cache.clear(); the cache's own keys (every version) are gone."""
    from celery import Celery

    from modestwear_config.concerns.celery import celery_settings

    url = private_redis.url
    environ = {"REDIS_URL": url, "CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url, "CACHE_KEY_PREFIX": key_prefix}
    app = Celery("clear-test", set_as_current=False)
    app.config_from_object(type("Conf", (), celery_settings(Env(environ))), namespace="CELERY")
    client = redis.Redis.from_url(url)
    try:
        app.send_task("shop.tasks.add", args=(2, 3), queue="mwc-queued")
        # A stored result, as the backend writes it (its own store_result calls redis-py's deprecated setex).
        client.set(app.backend.get_key_for_task("mwc-task-id"), '{"status": "SUCCESS", "result": 5}')
        before = set(client.keys())
        with override_settings(**built(environ)):
            cache = caches["default"]
            cache.set("page", "cached")
            cache.set("page", "v2", version=2)
            cache.clear()
            assert cache.get("page") is None and cache.get("page", version=2) is None
        assert client.llen("mwc-queued") == 1  # the task is still queued
        assert client.exists("celery-task-meta-mwc-task-id")
        assert set(client.keys()) == before  # nothing but the cache's keys went
    finally:
        client.close()
        app.close()


def test_cache_client__glob_escape():
    from modestwear_config.components.cache_client import glob_escape

    assert glob_escape("a*b?[c]\\") == "a\\*b\\?\\[c\\]\\\\"


SHARED_REDIS = "redis://:pw@cache.example.com:6379/0"


@pytest.mark.parametrize(
    ("client_class", "broker", "warned"),
    [
        ("django_redis.client.DefaultClient", SHARED_REDIS, True),  # FLUSHDB next to the queue
        ("django_redis.client.DefaultClient", "redis://cache.example.com:6379/1", False),  # another database
        ("django_redis.client.DefaultClient", "amqp://guest@mq//", False),
        ("modestwear_config.components.cache_client.ScopedClearClient", SHARED_REDIS, False),  # the library's default
    ],
)
def test_check_cache_clear_spares_celery__w020(client_class, broker, warned):
    settings = built({"REDIS_URL": SHARED_REDIS})
    settings["CACHES"]["default"]["OPTIONS"]["CLIENT_CLASS"] = client_class
    with override_settings(**settings, CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=None):
        ids = [m.id for m in run_checks()]
    assert ("modestwear_config.W020" in ids) is warned


# A query option or database path in a cache URL: redis-py parses them at the first cache call, so a
# key it does not know (TypeError) or a value its parser refuses (ValueError) would turn every page
# that uses the cache into a 500 (IGNORE_EXCEPTIONS catches neither), and a path that is no number
# silently selects database 0.
QUERY_KEYS = st.sampled_from(["db", "socket_timeout", "protocol", "max_connections", "client_name", "foo", "timeout"])
QUERY_VALUES = st.sampled_from(["1", "2", "3", "0.5", "abc", "-1", "1e3", " 5 ", "true", "x y"])
PATHS = st.sampled_from(["", "/", "/0", "/15", "/abc", "/0/", "/-1", "/1.5"])


@hypothesis_settings(max_examples=EXAMPLES, deadline=None)
@given(path=PATHS, query=st.dictionaries(QUERY_KEYS, QUERY_VALUES, max_size=3), second=st.booleans())
def test_cache_settings__redis_url_options_redis_py_refuses_are_start_up_errors(path, query, second):
    url = f"redis://:{CANARY}@cache.example.com:6379{path}" + (f"?{urlencode(query)}" if query else "")
    location = f"redis://cache.example.com:6379/0,{url}" if second else url
    for name, environ in (
        ("REDIS_URL", {"REDIS_URL": location}),
        ("CACHES_EXTRA", {"CACHES_EXTRA": f"sessions={url}"}),
    ):
        env = Env(environ)
        caches_ = cache_settings(env)["CACHES"]
        if env.problems:
            assert set(env.problems) == {name}
            assert CANARY not in env.problems[name]
            continue
        for server in str(caches_["sessions" if name == "CACHES_EXTRA" else "default"]["LOCATION"]).split(","):
            pool = redis.ConnectionPool.from_url(server)  # raises what the first cache call would
            pool.make_connection()  # constructs the connection (its keywords) without connecting
            assert urlsplit(server).path.strip("/") in ("", *map(str, range(16)))
