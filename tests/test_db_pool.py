"""Connections by interface: persistent per thread under WSGI, Django's psycopg pool under ASGI, never a
pool behind PgBouncer; contradictions are start-up errors naming the variables."""

from __future__ import annotations

import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from modestwear_config.concerns import unit
from modestwear_config.concerns.database import database_settings
from modestwear_config.env import Env
from tests.support.servers import AsgiGunicorn, PostgresCluster, manage, project_env

NEON = "postgresql://u:p@ep-cool-1.eu-central-1.aws.neon.tech/neondb"
NEON_POOLER = "postgresql://u:p@ep-cool-1-pooler.eu-central-1.aws.neon.tech/neondb"


def built(**environ: str) -> tuple[dict, Env]:
    env = Env(environ)
    return database_settings(env)["DATABASES"]["default"], env


def test_pool__asgi_gets_django_s_pool_with_bounds():
    db, env = built(DATABASE_URL=NEON, SERVER_INTERFACE="asgi", DATABASE_POOL_MAX_SIZE="6")
    assert env.problems == {}
    assert db["CONN_MAX_AGE"] == 0 and db["CONN_HEALTH_CHECKS"] is False
    assert db["OPTIONS"]["pool"] == {"min_size": 0, "max_size": 6, "timeout": 10.0, "max_idle": 240.0}
    assert env.derived["DATABASE_POOL"][0] == "on"


def test_pool__wsgi_keeps_persistent_connections():
    db, env = built(DATABASE_URL=NEON, SERVER_INTERFACE="wsgi")
    assert "pool" not in db["OPTIONS"] and db["CONN_MAX_AGE"] == 600
    assert env.derived["DATABASE_POOL"][0] == "off"


@pytest.mark.parametrize(
    "argv",
    [
        ["/srv/.venv/bin/uvicorn", "core.asgi:application"],
        ["/usr/lib/python3/site-packages/daphne/__main__.py", "core.asgi:application"],
        ["/srv/.venv/bin/gunicorn", "-k", "uvicorn_worker.UvicornWorker", "core.asgi:application"],
    ],
    ids=["uvicorn", "python_-m_daphne", "gunicorn_uvicorn_worker"],
)
def test_pool__an_asgi_server_starting_the_process_is_detected(monkeypatch, argv):
    monkeypatch.setattr(sys, "argv", argv)
    db, env = built(DATABASE_URL=NEON)
    assert "pool" in db["OPTIONS"]
    assert env.derived["SERVER_INTERFACE"][0] == "asgi"


@pytest.mark.parametrize(
    "argv", [["/srv/.venv/bin/gunicorn", "core.wsgi:application"], ["manage.py", "migrate"], ["celery", "-A", "core"]]
)
def test_pool__wsgi_servers_commands_and_workers_are_not_asgi(monkeypatch, argv):
    monkeypatch.setitem(sys.modules, "uvicorn", sys.modules["json"])  # imported is not started by it
    monkeypatch.setattr(sys, "argv", argv)
    db, env = built(DATABASE_URL=NEON)
    assert "pool" not in db["OPTIONS"] and env.derived["SERVER_INTERFACE"][0] == "wsgi"


def test_pool__never_on_top_of_pgbouncer_and_connections_close_under_asgi():
    db, env = built(DATABASE_URL=NEON_POOLER, SERVER_INTERFACE="asgi")
    assert env.problems == {}
    assert "pool" not in db["OPTIONS"] and db["CONN_MAX_AGE"] == 0 and db["DISABLE_SERVER_SIDE_CURSORS"]
    assert env.derived["DATABASE_POOL"] == ("off", ("SERVER_INTERFACE", "DATABASE_URL"))


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DATABASE_URL": NEON, "DATABASE_POOL": "on", "DATABASE_CONN_MAX_AGE": "600"}, "DATABASE_CONN_MAX_AGE"),
        ({"DATABASE_URL": NEON_POOLER, "DATABASE_POOL": "on"}, "DATABASE_POOL"),
        ({"DATABASE_URL": "mysql://u:p@db.example.com/shop", "DATABASE_POOL": "on"}, "DATABASE_POOL"),
        ({"DATABASE_URL": NEON, "DATABASE_POOL": "on", "DATABASE_POOL_MIN_SIZE": "5"}, "DATABASE_POOL_MIN_SIZE"),
        ({"DATABASE_URL": NEON, "DATABASE_POOL": "maybe"}, "DATABASE_POOL"),
        ({"DATABASE_URL": NEON, "DATABASE_POOL_MAX_SIZE": "0"}, "DATABASE_POOL_MAX_SIZE"),
    ],
    ids=["pool_with_conn_max_age", "pool_on_pgbouncer", "pool_on_mysql", "min_above_max", "bad_choice", "max_zero"],
)
def test_pool__contradictions_are_start_up_errors(environ, named):
    _, env = built(**environ)
    assert named in env.problems
    assert "p@" not in env.problems[named]  # never the URL


def test_pool__without_psycopg_pool_names_the_extra(monkeypatch):
    real = unit.find_spec
    monkeypatch.setattr(unit, "find_spec", lambda name: None if name == "psycopg_pool" else real(name))
    _, env = built(DATABASE_URL=NEON, SERVER_INTERFACE="asgi")
    assert "modestwear_config[postgres]" in env.problems["SERVER_INTERFACE"]


# -- real: uvicorn workers under gunicorn, a PostgreSQL that allows 25 connections ------------------
MAX_CONNECTIONS = 25
WORKERS = 2
POOL = 4


@pytest.fixture(scope="module")
def asgi_served(tmp_path_factory) -> Iterator[tuple[PostgresCluster, AsgiGunicorn]]:
    base = tmp_path_factory.mktemp("pool")
    with PostgresCluster(server_options=(f"-c max_connections={MAX_CONNECTIONS}",)) as cluster:
        env = project_env(
            {
                "SECRET_KEY": "pool-" + "Kp4-" * 14,
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
                "WEB_CONCURRENCY": str(WORKERS),
                "LOG_LEVEL": "WARNING",
                "GUNICORN_LOG_LEVEL": "warning",
                "DATABASE_URL": cluster.url,
                "DATABASE_POOL_MAX_SIZE": str(POOL),
                "BASE_DIR": str(base),
            },
            debug=False,
        )
        migrated = manage("migrate", "--no-input", env=env)
        assert migrated.returncode == 0, migrated.stderr
        with AsgiGunicorn(env) as server:
            yield cluster, server


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@pytest.mark.slow
def test_pool__asgi_bursts_hold_at_most_the_bound_and_fail_nothing(asgi_served):
    """100 concurrent clients, three bursts: every request answers 200, sessions never exceed workers x pool."""
    cluster, server = asgi_served
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        with psycopg.connect(cluster.url, autocommit=True, application_name="mwc-watch") as admin:
            query = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            while not stop.is_set():
                peak[0] = max(peak[0], admin.execute(query).fetchone()[0])  # type: ignore[index]
                time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    statuses: list[int] = []
    with ThreadPoolExecutor(max_workers=100) as clients:
        for _ in range(3):
            statuses += list(clients.map(_get, [f"{server.base_url}/api/stats/"] * 100))
    time.sleep(0.5)
    stop.set()
    watcher.join(5)
    assert statuses.count(200) == len(statuses) == 300, sorted(set(statuses))
    assert 1 <= peak[0] <= WORKERS * POOL, peak[0]


@pytest.mark.slow
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_check__a_silent_database_never_holds_manage_py_check(interface):
    """`manage.py check` (Django 6.1 included) with a database server that accepts and never answers:
    done within the connect timeout (here 2 s), never hanging; measured: it opens no connection at all."""
    import subprocess

    from tests.support.servers import EXAMPLE_PROJECT, SilentServer

    with SilentServer() as silent:
        env = project_env(
            {
                "DATABASE_URL": f"postgresql://u:p@127.0.0.1:{silent.port}/db",
                "DATABASE_CONNECT_TIMEOUT": "2",
                "SERVER_INTERFACE": interface,
            }
        )
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(EXAMPLE_PROJECT / "manage.py"), "check"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        took = time.monotonic() - started
        opened = len(silent.connections)
    assert result.returncode == 0, result.stderr
    assert opened == 0, f"check connected {opened} time(s)"
    assert took < 2 + 20, took  # the connect timeout plus a busy machine's start-up; a hang is 60 s
