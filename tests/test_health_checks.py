"""The built-in checks against real services: one check per alias, a dead Redis reported dead even
with IGNORE_EXCEPTIONS, Celery brokers, pending migrations computed once, storage read-only."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from modestwear_config.health import builtin as checks
from modestwear_config.health.catalog import SKIPPED, select
from modestwear_config.health.runner import RUNNER, run_checks
from modestwear_config.health.state import STATE
from tests.support.servers import (
    RABBITMQ_URL,
    RedisServer,
    free_port,
    fresh_postgres_database,
    manage,
    project_env,
    require,
)

CANARY = "CanaryChecks7"


@pytest.fixture(autouse=True)
def clean_state():
    checks.reset()
    RUNNER.reset()
    yield
    checks.reset()  # closes the health connections: the test database can then be dropped
    RUNNER.reset()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def django_redis(url: str, **options: object) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_TIMEOUT": 5, **options},
        }
    }


def statuses(**run: object) -> dict[str, tuple[str, str | None]]:
    report = run_checks(cache_seconds=0, **run)  # type: ignore[arg-type]
    return {c.name: (c.result.status, c.result.error) for c in report.checks}


# -- database ------------------------------------------------------------------------------
def test_checks__check_name():
    assert checks.check_name("database", "default", "default") == "database"
    assert checks.check_name("database", "replica_1", "default") == "database:replica_1"


@pytest.mark.django_db
def test_checks__database_ok_on_the_real_postgresql():
    assert statuses()["database"] == ("ok", None)


@pytest.mark.django_db
def test_checks__every_alias_checked_replica_failure_is_critical(settings, monkeypatch):
    replica = copy.deepcopy(settings.DATABASES["default"])
    broken = {**copy.deepcopy(replica), "PORT": str(free_port()), "PASSWORD": CANARY}
    monkeypatch.setitem(settings.DATABASES, "replica_1", replica)
    monkeypatch.setitem(settings.DATABASES, "replica_2", broken)
    report = run_checks(cache_seconds=0)
    results = {c.name: (c.result.status, c.critical) for c in report.checks}
    assert results["database"] == ("ok", True)
    assert results["database:replica_1"] == ("ok", True)
    assert results["database:replica_2"] == ("fail", True)
    assert report.status == "fail"


@pytest.mark.django_db
def test_checks__database_probe_kept_until_its_settings_change(settings, monkeypatch):
    first = checks.database_checks()["database"]
    assert checks.database_checks()["database"] is first
    monkeypatch.setitem(
        settings.DATABASES["default"], "OPTIONS", {**settings.DATABASES["default"]["OPTIONS"], "connect_timeout": 3}
    )
    assert checks.database_checks()["database"] is not first


def test_checks__other_engines_use_a_kept_django_connection(settings, monkeypatch, tmp_path, django_db_blocker):
    sqlite = {
        **copy.deepcopy(settings.DATABASES["default"]),
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "db.sqlite3"),
        "OPTIONS": {},
    }
    monkeypatch.setitem(settings.DATABASES, "local", sqlite)
    probe = checks.database_checks()["database:local"]
    assert isinstance(probe, checks.DjangoProbe)
    errors: list[Exception] = []

    def flight() -> None:  # each flight runs in a new thread, on the same kept connection
        try:
            probe(1.0)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    with django_db_blocker.unblock():  # a private SQLite file, not the test database
        for _ in range(2):
            thread = threading.Thread(target=flight)
            thread.start()
            thread.join()
        assert errors == [] and probe(1.0) is None
        monkeypatch.setitem(sqlite, "NAME", str(tmp_path / "missing" / "db.sqlite3"))
        with pytest.raises(Exception) as caught:
            checks.database_checks()["database:local"](1.0)
    assert type(caught.value).__name__ == "OperationalError"


# -- cache ---------------------------------------------------------------------------------
def test_checks__local_memory_cache_skipped():
    assert statuses()["cache"] == ("skipped", None)


def test_checks__redis_cache_pinged(redis_server):
    with override_settings(CACHES=django_redis(redis_server.url)):
        assert statuses()["cache"] == ("ok", None)


def test_checks__dead_redis_reported_dead_despite_ignore_exceptions(redis_server):
    with override_settings(CACHES=django_redis(redis_server.url), DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS=False):
        redis_server.stop()
        assert caches["default"].get("anything") is None  # the cache API hides the dead server...
        assert statuses()["cache"] == ("fail", "ConnectionError")  # ...the check does not


def test_checks__django_builtin_redis_backend(redis_server):
    config = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server.url}}
    with override_settings(CACHES=config):
        assert statuses()["cache"] == ("ok", None)


def test_checks__second_cache_alias_is_its_own_check(redis_server):
    config = {
        **django_redis(redis_server.url),
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    with override_settings(CACHES=config):
        assert statuses() == {
            "database": statuses()["database"],
            "cache": ("ok", None),
            "cache:sessions": ("skipped", None),
        }


def test_checks__sentinel_like_client_pinged_through_the_cache_client(redis_server):
    class CountingClient(__import__("django_redis.client", fromlist=["DefaultClient"]).DefaultClient):
        pass

    import django_redis.client as module

    module.HealthTestClient = CountingClient  # type: ignore[attr-defined]
    try:
        with override_settings(
            CACHES=django_redis(redis_server.url, CLIENT_CLASS="django_redis.client.HealthTestClient")
        ):
            assert statuses()["cache"] == ("ok", None)
            redis_server.stop()
            assert statuses()["cache"][0] == "fail"
    finally:
        del module.HealthTestClient  # type: ignore[attr-defined]


def test_checks__cache_check_never_writes(redis_server):
    admin = redis.Redis.from_url(redis_server.url)
    with override_settings(CACHES=django_redis(redis_server.url)):
        statuses()
        admin.config_resetstat()
        for _ in range(3):
            statuses()
    calls = {k.removeprefix("cmdstat_"): v["calls"] for k, v in admin.info("commandstats").items()}
    assert set(calls) - {"info", "config|resetstat"} == {"ping"}
    assert admin.dbsize() == 0


# -- celery (optional) -------------------------------------------------------------------------
def test_checks__celery_memory_broker_skipped(settings):
    settings.CELERY_BROKER_URL = "memory://"
    assert checks.probe_celery(1.0) == SKIPPED
    del settings.CELERY_BROKER_URL
    assert checks.probe_celery(1.0) == SKIPPED


def test_checks__celery_redis_broker(settings, redis_server):
    settings.CELERY_BROKER_URL = redis_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.MODESTWEAR_HEALTH_CHECKS = ("celery",)
    assert statuses()["celery"] == ("fail", "NoWorkerAnswered")  # the broker answers; no worker runs
    redis_server.stop()
    assert statuses()["celery"] == ("fail", "ConnectionError")


def test_checks__celery_eager_with_a_broker_skipped(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # tasks never reach the broker: no worker to ask
    assert checks.probe_celery(1.0) == SKIPPED


def test_checks__celery_amqp_broker(settings):
    settings.CELERY_BROKER_URL = require(RABBITMQ_URL, "RabbitMQ")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        assert checks.probe_celery(2.0) is None  # a worker on the shared RabbitMQ answered
    except checks.NoWorkerAnswered:
        pass  # reached the broker, and it has no worker
    settings.CELERY_BROKER_URL = f"amqp://guest:{CANARY}@127.0.0.1:{free_port()}//"
    with pytest.raises(Exception) as caught:
        checks.probe_celery(1.0)
    assert CANARY not in type(caught.value).__name__


# -- migrations (optional) ---------------------------------------------------------------------
@pytest.mark.django_db
def test_checks__migrations_applied_checked_once(monkeypatch):
    assert checks.probe_migrations(2.0) is None

    def no_database(alias: str) -> None:
        raise AssertionError("asked the database again")

    monkeypatch.setattr(checks.connections, "create_connection", no_database)
    assert checks.probe_migrations(2.0) is None


@pytest.mark.slow
def test_checks__pending_migrations_degrade_until_migrated():
    with fresh_postgres_database() as url:
        env = project_env({"DATABASE_URL": url, "HEALTH_CHECKS": "migrations"})
        before = manage("health", "--json", env=env)
        migrated = manage("migrate", "--no-input", env=env)
        after = manage("health", "--json", env=env)
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["checks"]["migrations"]["error"] == "PendingMigrations"
    assert json.loads(before.stdout)["status"] == "degraded"
    assert migrated.returncode == 0, migrated.stderr
    assert json.loads(after.stdout)["checks"]["migrations"]["status"] == "ok"


# -- storage (optional) ------------------------------------------------------------------------
def test_checks__file_system_storage_read_only(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MODESTWEAR_HEALTH_CHECKS = ("storage",)
    assert statuses()["storage"] == ("ok", None)
    assert list(tmp_path.iterdir()) == []  # not even MEDIA_ROOT was created


def test_checks__file_system_storage_unusable(settings, tmp_path):
    (tmp_path / "file").write_text("")
    settings.MEDIA_ROOT = str(tmp_path / "file" / "media")
    settings.MODESTWEAR_HEALTH_CHECKS = ("storage",)
    assert statuses()["storage"] == ("fail", "PermissionError")


def test_checks__other_storage_asked_if_a_name_exists(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    settings.MODESTWEAR_HEALTH_CHECKS = ("storage",)
    assert statuses()["storage"] == ("ok", None)


class PingServer:
    """Answers Cloudinary's Admin API ping like Cloudinary (ok, or an error object), recording the paths."""

    def __init__(self, status: int = 200) -> None:
        paths = self.paths = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                body = b'{"status": "ok"}' if status == 200 else b'{"error": {"message": "Invalid credentials"}}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("status, expected", [(200, "ok"), (401, "fail"), (500, "fail")])
def test_checks__cloudinary_storage_pinged(status, expected):
    server = PingServer(status)
    try:
        url = f"cloudinary://123456789012345:{CANARY}-secret@modestwear?upload_prefix={server.url}"
        result = manage("health", "--json", env=project_env({"CLOUDINARY_URL": url, "HEALTH_CHECKS": "storage"}))
    finally:
        server.close()
    assert json.loads(result.stdout)["checks"]["storage"]["status"] == expected, result.stderr
    assert server.paths == ["/v1_1/modestwear/ping"]
    assert CANARY not in result.stdout + result.stderr


def test_checks__select_includes_enabled_optionals_only():
    names = [s.name for s in select(("migrations",), frozenset())]
    assert names == ["database", "cache", "migrations"]


def test_checks__pending_migrations_not_asked_again_within_a_minute(monkeypatch):
    monkeypatch.setitem(STATE.migrations, "pending_at", __import__("time").monotonic())
    monkeypatch.setattr(checks.connections, "create_connection", lambda alias: pytest.fail("asked the database"))
    with pytest.raises(checks.PendingMigrations):
        checks.probe_migrations(1.0)


def test_checks__forked_child_forgets_parent_connections(redis_server, monkeypatch):
    from modestwear_config.health import redis_probe

    redis_probe.ping(redis_server.url, {}, 1.0)
    kept = checks.database_checks()["database"]
    STATE.migrations["applied_at"] = 1.0
    closed: list[object] = []
    monkeypatch.setattr(type(kept), "close", lambda self: closed.append(self))
    parent_lock = STATE.lock
    STATE.after_fork()  # what os.register_at_fork runs in the child
    assert STATE.database_probes == {} and STATE.migrations == {} and STATE.redis_clients == {}
    assert STATE.flights == {} and STATE.cache == {} and STATE.lock is not parent_lock
    assert closed == []  # the parent's sockets are left alone


def test_checks__replaced_database_probe_is_closed(settings, monkeypatch, tmp_path, django_db_blocker):
    """A settings change replaces the kept probe: the old one's connection is closed, not left to
    the garbage collector (Python 3.13 warns "unclosed database" for SQLite)."""
    sqlite = {
        **copy.deepcopy(settings.DATABASES["default"]),
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "one.sqlite3"),
        "OPTIONS": {},
    }
    monkeypatch.setitem(settings.DATABASES, "local", sqlite)
    first = checks.database_checks()["database:local"]
    with django_db_blocker.unblock():  # a private SQLite file, not the test database
        first(1.0)
        assert first._wrapper.connection is not None
        monkeypatch.setitem(sqlite, "NAME", str(tmp_path / "two.sqlite3"))
        second = checks.database_checks()["database:local"]
        assert second is not first and first._wrapper.connection is None
        second(1.0)
        checks.reset()
    assert second._wrapper.connection is None
