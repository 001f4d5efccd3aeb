"""PostgresProbe: SELECT 1 over one kept connection, a client-side deadline for every way PostgreSQL hangs."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest

from modestwear_config.health.postgres import APPLICATION_NAME, PostgresProbe, conninfo
from tests.support.servers import PostgresCluster, SilentServer, free_port, fresh_postgres_database

TIMEOUT = 0.5
SLACK = TIMEOUT * 0.1 + 0.02  # the deadline plus 10% (and a scheduling tick)


def probe_for(url: str) -> PostgresProbe:
    return PostgresProbe(conninfo(psycopg.conninfo.conninfo_to_dict(url)))


def health_sessions(admin: psycopg.Connection) -> list[tuple[int, object]]:
    """The health sessions on the admin connection's database (a fresh one: nobody else's)."""
    rows = admin.execute(
        "SELECT pid, backend_start FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
        (APPLICATION_NAME,),
    ).fetchall()
    return [(int(pid), start) for pid, start in rows]


@pytest.fixture
def fresh_url(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        yield url


def elapsed_of(probe: PostgresProbe, timeout: float = TIMEOUT) -> tuple[float, Exception | None]:
    start = time.monotonic()
    try:
        probe(timeout)
    except Exception as exc:  # noqa: BLE001 - the error is what the test looks at
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


def test_health_postgres__conninfo_keeps_libpq_keys_only():
    info = psycopg.conninfo.conninfo_to_dict(
        conninfo(
            {
                "dbname": "neondb",
                "user": "u",
                "password": "p w'd",
                "host": "ep-x.neon.tech",
                "port": 5432,
                "sslmode": "require",
                "connect_timeout": 5,
                "options": "endpoint=ep-x",
                "client_encoding": "UTF8",
                "cursor_factory": object,
                "context": object(),
                "prepare_threshold": None,
                "application_name": "shop",
            }
        )
    )
    assert info == {
        "dbname": "neondb",
        "user": "u",
        "password": "p w'd",
        "host": "ep-x.neon.tech",
        "port": "5432",
        "sslmode": "require",
        "connect_timeout": "5",
        "options": "endpoint=ep-x",
        "client_encoding": "UTF8",
        "application_name": APPLICATION_NAME,
    }


def test_health_postgres__reuses_one_connection(fresh_url):
    probe = probe_for(fresh_url)
    with psycopg.connect(fresh_url, autocommit=True) as admin:
        probe(TIMEOUT)
        first = health_sessions(admin)
        for _ in range(5):
            probe(TIMEOUT)
        assert health_sessions(admin) == first and len(first) == 1
    probe.close()


def test_health_postgres__reconnects_once_after_server_closed_it(fresh_url):
    probe = probe_for(fresh_url)
    probe(TIMEOUT)
    with psycopg.connect(fresh_url, autocommit=True) as admin:
        ((pid, _),) = health_sessions(admin)
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))  # what a Neon suspend does to it
        time.sleep(0.1)
        assert elapsed_of(probe)[1] is None
        ((new_pid, _),) = health_sessions(admin)
    assert new_pid != pid
    probe.close()


def test_health_postgres__silent_server_costs_the_deadline():
    with SilentServer() as silent:
        elapsed, error = elapsed_of(probe_for(f"postgresql://u@127.0.0.1:{silent.port}/db"))
    assert isinstance(error, TimeoutError)
    assert TIMEOUT <= elapsed < TIMEOUT + SLACK


def test_health_postgres__closed_port_fails_fast_without_details():
    elapsed, error = elapsed_of(probe_for(f"postgresql://u:CanaryPw@127.0.0.1:{free_port()}/db"))
    assert type(error) is psycopg.OperationalError
    assert "CanaryPw" not in str(error) and "127.0.0.1" not in str(error)
    assert elapsed < TIMEOUT


def test_health_postgres__query_error_is_a_failure(postgres_url):
    probe = probe_for(postgres_url.rsplit("/", 1)[0] + "/mwc_no_such_database")
    assert isinstance(elapsed_of(probe)[1], psycopg.OperationalError)


@pytest.mark.slow
def test_health_postgres__frozen_server_mid_session_bounded_then_recovers():
    with PostgresCluster() as cluster:
        probe = probe_for(cluster.url)
        probe(TIMEOUT)
        with psycopg.connect(cluster.url, autocommit=True) as admin:
            ((pid, _),) = health_sessions(admin)
        os.kill(pid, signal.SIGSTOP)  # connected, then frozen: no server-side timeout can fire
        try:
            elapsed, error = elapsed_of(probe)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert isinstance(error, TimeoutError)
        assert TIMEOUT <= elapsed < TIMEOUT + SLACK
        assert elapsed_of(probe)[1] is None  # a fresh connection after the frozen one was dropped
        probe.close()


def test_health_postgres__unusable_settings_fail_at_start():
    elapsed, error = elapsed_of(PostgresProbe("host=/nonexistent sslmode=bogus"))
    assert type(error) is psycopg.OperationalError and elapsed < TIMEOUT
