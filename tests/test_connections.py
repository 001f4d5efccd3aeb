"""Connection health checks under real gunicorn: no `SELECT 1` per request, and no failed request
when the server closed every connection between two requests (pg_terminate_backend, a restart
as Neon's suspend does), right away or after an idle period longer than the threshold.

The server is a private PostgreSQL cluster logging every statement, so the checks are counted.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import psycopg
import pytest

from modestwear_config.components.connections import _quiet
from tests.support.servers import Gunicorn, PostgresCluster, manage, project_env

IDLE = 2  # DATABASE_CONN_HEALTH_CHECKS_IDLE for the test: seconds
SERVER_ENV = {
    "SECRET_KEY": "conns-" + "Kp4-" * 14,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "WEB_CONCURRENCY": "1",
    "GUNICORN_THREADS": "1",
    "GUNICORN_MAX_REQUESTS": "0",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_LOG_LEVEL": "warning",
    "DATABASE_CONN_HEALTH_CHECKS_IDLE": str(IDLE),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[PostgresCluster, Gunicorn]]:
    base = tmp_path_factory.mktemp("conns")
    with PostgresCluster(server_options=("-c log_statement=all",)) as cluster:
        env = project_env({**SERVER_ENV, "DATABASE_URL": cluster.url, "BASE_DIR": str(base)}, debug=False)
        migrated = manage("migrate", "--no-input", env=env)
        assert migrated.returncode == 0, migrated.stderr
        with Gunicorn(env) as server:
            yield cluster, server


def status(server: Gunicorn) -> int:
    try:
        with urllib.request.urlopen(f"{server.base_url}/api/stats/", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def health_checks_in(cluster: PostgresCluster, action) -> int:  # type: ignore[no-untyped-def]
    """How many `SELECT 1` the server received while `action` ran."""
    log = cluster.dir / "log"
    offset = log.stat().st_size
    action()
    time.sleep(0.2)
    with log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace").count("statement: SELECT 1")


def terminate_app_connections(cluster: PostgresCluster) -> int:
    """What Neon's suspend does to every open session; waits until the backends are gone."""
    with psycopg.connect(cluster.url, autocommit=True, application_name="mwc-admin") as admin:
        query = "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        pids = [row[0] for row in admin.execute(query)]
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 5
        while admin.execute(query).fetchall() and time.monotonic() < deadline:
            time.sleep(0.02)
    return len(pids)


@pytest.mark.slow
def test_connections__busy_connection_is_not_checked_before_each_request(served):
    cluster, server = served
    assert status(server) == 200
    checks = health_checks_in(cluster, lambda: [status(server) for _ in range(20)])
    # Django's CONN_HEALTH_CHECKS alone sends 20 (one per request): a round trip each to a remote server.
    assert checks == 0


@pytest.mark.slow
def test_connections__idle_connection_is_checked_once(served):
    cluster, server = served
    assert status(server) == 200
    time.sleep(IDLE + 0.5)
    checks = health_checks_in(cluster, lambda: [status(server) for _ in range(5)])
    assert checks == 1


@pytest.mark.slow
def test_connections__terminated_between_requests__no_failed_request(served):
    cluster, server = served
    statuses = []
    for _ in range(5):
        statuses.append(status(server))
        assert terminate_app_connections(cluster) >= 1
        statuses.append(status(server))  # at once: well inside the idle threshold
    assert statuses == [200] * 10


@pytest.mark.slow
def test_connections__terminated_after_idle__no_failed_request(served):
    cluster, server = served
    assert status(server) == 200
    time.sleep(IDLE + 0.5)
    assert terminate_app_connections(cluster) >= 1
    assert status(server) == 200


@pytest.mark.slow
def test_connections__server_restarted_between_requests__no_failed_request(served):
    cluster, server = served  # a Neon suspend and wake: the compute stops, every session ends
    assert status(server) == 200
    cluster.stop("fast")
    cluster.start()
    assert [status(server) for _ in range(3)] == [200] * 3


def test_quiet__idle_socket_with_nothing_pending():
    ours, server = socket.socketpair()
    with ours, server:
        assert _quiet(ours)


def test_quiet__server_goodbye_or_close_is_noticed_without_a_round_trip():
    ours, server = socket.socketpair()
    with ours, server:
        server.sendall(b"E")  # PostgreSQL's ErrorResponse before it closes a terminated session
        assert not _quiet(ours)
    ours, server = socket.socketpair()
    with ours:
        server.close()  # FIN
        assert not _quiet(ours)


def test_quiet__driver_without_a_socket_keeps_the_check():
    assert not _quiet(object())


def test_connections__django_still_has_the_health_check_flags(db):
    """The two flags the skip relies on (set by Django's own close_if_health_check_failed): if a Django
    release renames them, requests silently fall back to Django's check, and this test says so."""
    from django.db import connection

    assert isinstance(connection.health_check_enabled, bool)
    assert isinstance(connection.health_check_done, bool)
