"""cache_aliases.py: named caches from CACHES_EXTRA, each Redis one treated as REDIS_URL's (TLS,
timeouts, degradation), in its own key space, health-checked as cache:<alias> on real Redis servers,
and every password in the list masked on its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.test import Client, override_settings

from modestwear_config.concerns.cache import cache_settings
from modestwear_config.env import Env
from modestwear_config.health import builtin as checks
from modestwear_config.health.runner import RUNNER
from modestwear_config.scrub.scrubber import Scrubber
from modestwear_config.scrub.url_passwords import redact
from tests.support.servers import RedisServer, SilentServer

CANARY = "CanaryAlias4"
SESSIONS_PASSWORD = f"{CANARY}-sessions-pw"
LIMITS_PASSWORD = f"{CANARY}-limits-pw"


def built(environ: dict[str, str]) -> dict[str, Any]:
    env = Env(environ)
    settings = cache_settings(env)
    assert env.problems == {}
    return settings


def problems(environ: dict[str, str]) -> dict[str, str]:
    env = Env(environ)
    cache_settings(env)
    return env.problems


# -- the settings ----------------------------------------------------------------------------
def test_cache_aliases__each_redis_alias_treated_as_redis_url():
    settings = built(
        {
            "REDIS_URL": "rediss://default:tok@cache.internal:6379/0",
            "REDIS_SOCKET_TIMEOUT": "0.5",
            "REDIS_SSL_CA_CERTS": __file__,  # any readable file
            "CACHES_EXTRA": "sessions=rediss://:tok@sessions.internal:6379/1, limits=redis://limits.internal/2",
        }
    )
    default, sessions, limits = (settings["CACHES"][a] for a in ("default", "sessions", "limits"))
    assert sessions["BACKEND"] == limits["BACKEND"] == default["BACKEND"] == "django_redis.cache.RedisCache"
    assert sessions["OPTIONS"] == default["OPTIONS"]  # TLS with the CA, timeouts, IGNORE_EXCEPTIONS, client
    assert sessions["OPTIONS"]["CONNECTION_POOL_KWARGS"] == {"ssl_cert_reqs": "required", "ssl_ca_certs": __file__}
    assert limits["OPTIONS"] == {k: v for k, v in default["OPTIONS"].items() if k != "CONNECTION_POOL_KWARGS"}
    assert limits["OPTIONS"]["SOCKET_TIMEOUT"] == 0.5 and limits["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert (sessions["LOCATION"], limits["LOCATION"]) == (
        "rediss://:tok@sessions.internal:6379/1",
        "redis://limits.internal/2",
    )
    assert settings["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"] is True


def test_cache_aliases__key_prefixes_keep_each_alias_apart():
    caches_ = built({"CACHE_KEY_PREFIX": "shop", "CACHES_EXTRA": "sessions=redis://h/1,local=locmem://"})["CACHES"]
    assert [caches_[a]["KEY_PREFIX"] for a in ("default", "sessions", "local")] == [
        "shop",
        "shop.sessions",
        "shop.local",
    ]
    assert built({"CACHES_EXTRA": "sessions=redis://h/1"})["CACHES"]["sessions"]["KEY_PREFIX"] == "sessions"


def test_cache_aliases__local_and_dummy_caches_and_server_lists():
    caches_ = built(
        {"CACHES_EXTRA": "local=locmem://,shared=locmem://pool,off=dummy://,replicated=redis://a/1,redis://b/1"}
    )["CACHES"]
    assert caches_["local"] == {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "local",
        "KEY_PREFIX": "local",
    }
    assert caches_["shared"]["LOCATION"] == "pool"
    assert caches_["off"]["BACKEND"] == "django.core.cache.backends.dummy.DummyCache"
    assert caches_["replicated"]["LOCATION"] == "redis://a/1,redis://b/1"  # django-redis: primary, then replicas
    assert "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS" not in built({"CACHES_EXTRA": "local=locmem://"})


def test_cache_aliases__unset_is_no_alias():
    assert list(built({})["CACHES"]) == ["default"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"redis://:{SESSIONS_PASSWORD}@h/1", "piece 1 is not alias=URL"),
        (f"sessions=redis://:{SESSIONS_PASSWORD},x@h/1", "piece 2 is not alias=URL"),
        (f"default=redis://:{SESSIONS_PASSWORD}@h/1", "entry 1 names the default cache"),
        (f"a=redis://:{SESSIONS_PASSWORD}@h/1,a=locmem://", "entry 2 repeats the alias"),
        (f"a=memcached://:{SESSIONS_PASSWORD}@h", "entry 1 has an unknown scheme; expected one of redis://"),
        (f"a=redis://:{SESSIONS_PASSWORD}@h:99999/1", "entry 1: expected a URL"),
        (f"a=rediss://:{SESSIONS_PASSWORD}@h/1?ssl_cert_reqs=none", "has ssl_cert_reqs in its query"),
    ],
)
def test_cache_aliases__bad_entries_name_the_variable_never_the_value(value, expected):
    found = problems({"CACHES_EXTRA": value})
    assert list(found) == ["CACHES_EXTRA"]
    assert expected in found["CACHES_EXTRA"]
    assert CANARY not in found["CACHES_EXTRA"]


def test_cache_aliases__every_password_masked_on_its_own():
    value = f"sessions=redis://:{SESSIONS_PASSWORD}@h/1,local=locmem://,limits=rediss://u:{LIMITS_PASSWORD}@h2/2"
    env = Env({"CACHES_EXTRA": value})
    secrets = set(env.secret_values())
    assert {SESSIONS_PASSWORD, LIMITS_PASSWORD} <= secrets
    scrubber = Scrubber(secrets)
    # A library logging the second password alone (a frame's `password=` variable, an AUTH error):
    line = f"connect(password={LIMITS_PASSWORD!r}) for {value}"
    assert CANARY not in scrubber.text(line)
    assert scrubber.text(value) == "***"  # the whole value is a secret too
    assert redact(value) == "sessions=redis://***@h/1,local=locmem://,limits=rediss://u:***@h2/2"  # the doctor's mask


# -- real Redis servers: round trips, key spaces, and /health ----------------------------------
@pytest.fixture
def sessions_redis() -> Iterator[RedisServer]:
    with RedisServer(extra_args=("--requirepass", SESSIONS_PASSWORD)) as server:
        yield server


def extra_url(server: RedisServer, password: str, database: int = 1) -> str:
    return f"redis://:{password}@127.0.0.1:{server.port}/{database}"


@pytest.fixture
def health(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)  # WhiteNoise warns (an error here) when it does not exist
    settings.MODESTWEAR_HEALTH_CACHE_SECONDS = 0
    settings.MODESTWEAR_HEALTH_BUDGET = 1.0
    checks.reset()
    RUNNER.reset()
    yield
    checks.reset()
    RUNNER.reset()


def test_cache_aliases__round_trip_in_its_own_key_space(sessions_redis):
    url = extra_url(sessions_redis, SESSIONS_PASSWORD, database=0)
    environ = {"REDIS_URL": url, "CACHE_KEY_PREFIX": "shop", "CACHES_EXTRA": f"sessions={url}"}
    with override_settings(**built(environ)):
        caches["default"].set("cart", "default-value", 30)
        caches["sessions"].set("cart", "sessions-value", 30)
        assert caches["sessions"].get("cart") == "sessions-value"
        assert caches["default"].get("cart") == "default-value"  # one database, two key spaces
        caches["default"].clear()  # the scoped clear: "shop:*" only
        assert caches["sessions"].get("cart") == "sessions-value"
        assert caches["default"].get("cart") is None
    raw = redis.Redis.from_url(url)
    assert raw.exists("shop.sessions:1:cart") == 1
    raw.close()


@pytest.mark.django_db
def test_cache_aliases__each_alias_in_health_and_a_dead_one_reported(sessions_redis, health):
    with SilentServer() as silent:
        environ = {
            "CACHES_EXTRA": f"sessions={extra_url(sessions_redis, SESSIONS_PASSWORD)},local=locmem://,"
            f"limits=redis://:{LIMITS_PASSWORD}@127.0.0.1:{silent.port}/2",
            "REDIS_SOCKET_TIMEOUT": "0.3",
            "REDIS_SOCKET_CONNECT_TIMEOUT": "0.3",
        }
        with override_settings(**built(environ)):
            assert caches["limits"].get("anything") is None  # IGNORE_EXCEPTIONS hides the hung server...
            response = Client().get("/health")
            body = response.json()
            sessions_redis.stop()
            after = Client().get("/health").json()
    assert response.status_code == 200  # non-critical by default: degraded, still serving
    assert body["checks"]["cache:sessions"]["status"] == "ok"
    assert body["checks"]["cache:local"]["status"] == "skipped"
    assert body["checks"]["cache:limits"]["status"] == "fail"  # ...the check does not
    assert after["checks"]["cache:sessions"]["status"] == "fail"
    assert CANARY not in response.content.decode()
