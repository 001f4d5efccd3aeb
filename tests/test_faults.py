"""Fault injection under real gunicorn: PostgreSQL restarted and Redis killed while requests flow.

Both servers are private (started, broken and removed by the test); the shared ones are untouched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.load import LoadLoop, failed
from tests.support.servers import Gunicorn, PostgresCluster, RedisServer, manage, project_env

pytestmark = pytest.mark.slow

SERVER_ENV = {
    "SECRET_KEY": "faults-" + "Qw3-" * 14,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "WEB_CONCURRENCY": "2",
    "GUNICORN_THREADS": "4",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_LOG_LEVEL": "warning",
}


@pytest.fixture
def postgres(tmp_path) -> Iterator[PostgresCluster]:
    with PostgresCluster() as cluster:
        yield cluster


def test_postgres_restart_under_load__no_failures_after_it_completes(postgres, tmp_path):
    env = project_env({**SERVER_ENV, "DATABASE_URL": postgres.url, "BASE_DIR": str(tmp_path)}, debug=False)
    migrated = manage("migrate", "--no-input", env=env)
    assert migrated.returncode == 0, migrated.stderr
    with Gunicorn(env) as server, LoadLoop(f"{server.base_url}/api/stats/", clients=8) as load:
        before = time.monotonic()
        load.wait_for(100, after=before)
        restart_started = time.monotonic()
        postgres.stop("fast")  # terminates every backend: each worker's kept connection dies
        postgres.start()
        restart_done = time.monotonic()
        load.wait_for(200, after=restart_done)
        load.stop()
    assert failed(load.between(before, restart_started)) == []
    after = load.between(restart_done, float("inf"))
    assert len(after) >= 200
    # CONN_HEALTH_CHECKS notices the dead connection and reconnects: nothing fails afterwards.
    assert failed(after) == [], [(o.status, o.error) for o in failed(after)][:5]
    during = load.between(restart_started, restart_done)
    print(
        f"\nPostgreSQL restart: {len(load.outcomes)} requests, {len(failed(during))} failed during the "
        f"{restart_done - restart_started:.2f} s restart, {len(failed(after))} after it"
    )


def test_redis_killed_and_restarted_under_load__pages_keep_answering(tmp_path):
    with RedisServer() as redis_server:
        env = project_env(
            {
                **SERVER_ENV,
                "REDIS_URL": redis_server.url,
                "BASE_DIR": str(tmp_path),
                "REDIS_SOCKET_TIMEOUT": "0.5",
                "REDIS_SOCKET_CONNECT_TIMEOUT": "0.5",
            },
            debug=False,
        )
        with Gunicorn(env) as server, LoadLoop(f"{server.base_url}/api/hello/", clients=8) as load:
            start = time.monotonic()
            load.wait_for(100, after=start)
            redis_server.process.kill()  # SIGKILL: no goodbye to the clients
            redis_server.process.wait(timeout=5)
            killed = time.monotonic()
            load.wait_for(100, after=killed)
            redis_server.start()  # same port, empty data set
            restarted = time.monotonic()
            load.wait_for(200, after=restarted)
            load.stop()
            import redis

            client = redis.Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=2)
            try:
                resumed = any(key.endswith(b"shop:visits") for key in client.keys("*"))
            finally:
                client.close()
    assert failed(load.outcomes) == [], [(o.status, o.error) for o in failed(load.outcomes)][:5]
    assert len(load.between(killed, restarted)) >= 100  # pages answered while Redis was down
    assert resumed, "the page did not write to the cache again after Redis came back"
    print(f"\nRedis kill/restart: {len(load.outcomes)} requests, 0 failed")
