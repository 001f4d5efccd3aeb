"""A web instance probed on /healthz costs nothing while idle: no Redis command and no SQL statement,
on a private redis-server and a per-run PostgreSQL database (a project that is not the example, with
the seed's features: the Redis cache, a Celery broker and result backend, PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import psycopg
import redis

from tests.support.idle_worker import command_counts
from tests.support.servers import (
    RedisServer,
    free_port,
    fresh_postgres_database,
    project_env,
    stop_process_group,
    wait_for_http,
)

URLS = "from django.urls import include, path\nurlpatterns = [path('', include('modestwear_config.health.urls'))]\n"
WSGI = (
    "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'quiet.settings')\n"
    "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
)


def activity(admin: psycopg.Connection, name: str) -> tuple[int, int, int]:
    """Transactions (every statement runs in one), sessions ever, and sessions open now, of database
    `name` (the open ones read live: the counters reach the statistics up to seconds later)."""
    admin.execute("SELECT pg_stat_clear_snapshot()")
    row = admin.execute(
        "SELECT xact_commit + xact_rollback, sessions, (SELECT count(*) FROM pg_stat_activity WHERE datname = %s) "
        "FROM pg_stat_database WHERE datname = %s",
        (name, name),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def test_healthz__probed_web_instance_sends_no_redis_command_and_no_sql(tmp_path):
    package = tmp_path / "quiet"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("from modestwear_config import *  # noqa\nROOT_URLCONF = 'quiet.urls'\n")
    (package / "urls.py").write_text(URLS)
    (package / "wsgi.py").write_text(WSGI)
    with RedisServer() as server, fresh_postgres_database() as database:
        name = database.rsplit("/", 1)[1]
        env = project_env(
            {
                "PYTHONPATH": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "quiet.settings",
                "DATABASE_URL": database,
                "REDIS_URL": server.url,
                "CELERY_BROKER_URL": server.url,
                "CELERY_RESULT_BACKEND": server.url,
                "WEB_CONCURRENCY": "2",
                "PORT": str(free_port()),
            }
        )
        client = redis.Redis.from_url(server.url)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        process = subprocess.Popen(
            [gunicorn, "-c", "python:modestwear_config.gunicorn", "quiet.wsgi:application"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{env['PORT']}"
            wait_for_http(f"{base}/healthz", timeout=60)
            with psycopg.connect(database.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
                before = activity(admin, name)
                client.config_resetstat()
                for _ in range(6):  # both workers, a new connection each time
                    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
                        assert response.status == 200
                commands = command_counts(client)
                after = activity(admin, name)
        finally:
            stop_process_group(process)
    assert commands == {}
    assert after == before
    assert before[1:] == (0, 0)  # not even a session since the database was created: boot queries nothing
