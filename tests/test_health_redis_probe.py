"""Redis PING through a dedicated client: one kept connection, one command per probe, bounded by the budget."""

from __future__ import annotations

import time

import pytest
import redis

from modestwear_config.health import redis_probe
from modestwear_config.health.state import STATE
from tests.support.servers import RedisServer, SilentServer, free_port

pytestmark = pytest.mark.slow
TIMEOUT = 0.5
SLACK = TIMEOUT * 0.1 + 0.02


@pytest.fixture(autouse=True)
def fresh_clients():
    STATE.close()
    yield
    STATE.close()


@pytest.fixture
def server():
    with RedisServer() as srv:
        yield srv


def stats(admin: redis.Redis) -> tuple[dict[str, int], int]:
    commands = {k.removeprefix("cmdstat_"): v["calls"] for k, v in admin.info("commandstats").items()}
    commands.pop("info", None)
    commands.pop("config|resetstat", None)
    return commands, int(admin.info("stats")["total_connections_received"])


def timed_ping(url: str, options: dict | None = None) -> tuple[float, Exception | None]:
    start = time.monotonic()
    try:
        redis_probe.ping(url, options or {}, TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - the error is what the test looks at
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


def test_redis_probe__one_connection_one_ping_per_probe(server):
    admin = redis.Redis.from_url(server.url)
    redis_probe.ping(server.url, {}, TIMEOUT)  # warm-up: connects
    admin.config_resetstat()
    for _ in range(5):
        redis_probe.ping(server.url, {}, TIMEOUT)
    commands, connections = stats(admin)
    assert commands == {"ping": 5}
    assert connections == 0


def test_redis_probe__stopped_server_fails_fast(server):
    redis_probe.ping(server.url, {}, TIMEOUT)
    server.stop()
    elapsed, error = timed_ping(server.url)
    assert isinstance(error, redis.exceptions.ConnectionError)
    assert elapsed < TIMEOUT


def test_redis_probe__reconnects_after_restart(server):
    redis_probe.ping(server.url, {}, TIMEOUT)
    server.stop()
    assert timed_ping(server.url)[1] is not None
    server.start()
    assert timed_ping(server.url)[1] is None


def test_redis_probe__silent_server_costs_the_timeout_once():
    with SilentServer() as silent:
        elapsed, error = timed_ping(f"redis://127.0.0.1:{silent.port}/0")
    assert isinstance(error, redis.exceptions.TimeoutError)
    assert TIMEOUT <= elapsed < TIMEOUT + SLACK  # no retries: redis-py's default would be 4 x


def test_redis_probe__password_from_url():
    with RedisServer(extra_args=("--requirepass", "CanaryRedisPw")) as srv:
        good = srv.url.replace("redis://", "redis://:CanaryRedisPw@")
        bad = srv.url.replace("redis://", "redis://:wrong@")
        assert timed_ping(good)[1] is None
        error = timed_ping(bad)[1]
    assert isinstance(error, redis.exceptions.AuthenticationError)
    assert "CanaryRedisPw" not in str(error)


def test_redis_probe__tls_verifies_with_configured_ca():
    with RedisServer(tls=True) as srv:
        assert timed_ping(srv.url, {"ssl_cert_reqs": "required", "ssl_ca_certs": str(srv.ca_path)})[1] is None
        STATE.close()
        error = timed_ping(srv.url, {"ssl_cert_reqs": "required"})[1]  # system CAs: the private CA is unknown
    assert isinstance(error, redis.exceptions.ConnectionError)


def test_redis_probe__ssl_options_ignored_for_plain_url(server):
    assert timed_ping(server.url, {"ssl_cert_reqs": None, "ssl_ca_certs": "/nonexistent"})[1] is None


def test_redis_probe__closed_port():
    assert isinstance(timed_ping(f"redis://127.0.0.1:{free_port()}/0")[1], redis.exceptions.ConnectionError)


def test_redis_probe__cache_targets_django_redis():
    targets = redis_probe.cache_targets(
        {
            "BACKEND": redis_probe.DJANGO_REDIS,
            "LOCATION": "redis://a:6379/0, redis://b:6379/0",
            "OPTIONS": {
                "PASSWORD": "pw",
                "SOCKET_TIMEOUT": 5,
                "IGNORE_EXCEPTIONS": True,
                "CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": None, "max_connections": 50, "username": "u"},
            },
        }
    )
    expected = {"ssl_cert_reqs": None, "username": "u", "password": "pw"}
    assert targets == [("redis://a:6379/0", expected), ("redis://b:6379/0", expected)]


def test_redis_probe__cache_targets_django_builtin():
    targets = redis_probe.cache_targets(
        {
            "BACKEND": redis_probe.DJANGO_BUILTIN,
            "LOCATION": ["rediss://a:6380"],
            "OPTIONS": {"ssl_ca_certs": "/ca.pem", "db": 2, "pool_class": "x.Pool", "socket_timeout": 9},
        }
    )
    assert targets == [("rediss://a:6380", {"ssl_ca_certs": "/ca.pem", "db": 2})]


def test_redis_probe__cache_targets_sentinel_left_to_its_client():
    config = {
        "BACKEND": redis_probe.DJANGO_REDIS,
        "LOCATION": "redis://mymaster/0",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.SentinelClient"},
    }
    assert redis_probe.cache_targets(config) is None
