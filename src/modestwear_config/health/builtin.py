"""The built-in checks: database, cache, and the optional celery, migrations, storage and email.

Every one is read-only: a query, a PING, a directory stat or a Cloudinary ping;
never a write to the database, the cache or storage.  Each alias is its own
check ("database", "database:replica_1", "cache", "cache:sessions") so a slow
replica neither hides nor delays the primary.
"""

from __future__ import annotations

import copy
import os
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.module_loading import import_string

from modestwear_config.compat import kombu_redis_control_topic
from modestwear_config.concerns.database import POSTGRES_ENGINES

from . import redis_probe
from .catalog import SKIPPED, Probe
from .state import STATE

MIGRATIONS_RECHECK_SECONDS = 60.0  # pending migrations are looked for again at most this often
STORAGE_PROBE_NAME = ".modestwear-health-probe"  # looked up, never written


class PendingMigrations(Exception):
    """Migrations on disk that the default database has not applied."""


def check_name(group: str, alias: str, default: str) -> str:
    return group if alias == default else f"{group}:{alias}"


# -- database ------------------------------------------------------------------------
def database_checks() -> dict[str, Probe]:
    return {check_name("database", alias, DEFAULT_DB_ALIAS): _database_probe(alias) for alias in settings.DATABASES}


def _database_probe(alias: str) -> Probe:
    """The alias's probe, kept (with its open connection) until the alias' settings change."""
    current = settings.DATABASES[alias]
    with STATE.lock:
        kept = STATE.database_probes.get(alias)
    if kept is not None and kept[0] == current:
        found: Probe = kept[1]
        return found
    probe = _new_database_probe(alias)
    with STATE.lock:
        replaced = STATE.database_probes.get(alias)
        STATE.database_probes[alias] = (copy.deepcopy(current), probe)
    if replaced is not None:  # its connection would otherwise stay open until garbage collection
        getattr(replaced[1], "close", lambda: None)()
    return probe


def _new_database_probe(alias: str) -> Probe:
    wrapper = connections.create_connection(alias)  # an unconnected wrapper: settings only
    if wrapper.settings_dict["ENGINE"] not in POSTGRES_ENGINES:
        return DjangoProbe(wrapper)
    if find_spec("psycopg") is None:  # Django then runs on psycopg2 (it prefers psycopg 3): so do we
        from .postgres2 import Psycopg2Probe

        return Psycopg2Probe(wrapper.get_connection_params())
    from .postgres import PostgresProbe, conninfo

    return PostgresProbe(conninfo(wrapper.get_connection_params()))


class DjangoProbe:
    """Other engines (SQLite, MySQL): SELECT 1 on a kept connection outside Django's per-thread ones."""

    def __init__(self, wrapper: BaseDatabaseWrapper) -> None:
        self._wrapper = wrapper
        wrapper.inc_thread_sharing()  # each flight runs in a new thread

    def __call__(self, timeout: float) -> None:
        try:
            with self._wrapper.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception:
            self.close()  # reconnect on the next probe
            raise

    def close(self) -> None:
        self._wrapper.close()


# -- cache ----------------------------------------------------------------------------
def cache_checks() -> dict[str, Probe]:
    return {check_name("cache", alias, "default"): _cache_probe(alias) for alias in settings.CACHES}


def _cache_probe(alias: str) -> Probe:
    def probe(timeout: float) -> object:
        config = settings.CACHES[alias]
        # A backend Django cannot load (its extra missing) is a failure, whatever the server says.
        import_string(config["BACKEND"])
        if config["BACKEND"] not in (redis_probe.DJANGO_REDIS, redis_probe.DJANGO_BUILTIN):
            return SKIPPED  # local memory, file, database, dummy: nothing remote to reach
        targets = redis_probe.cache_targets(config)
        if targets is None:  # Sentinel, cluster: the client knows its servers
            from django_redis import get_redis_connection  # type: ignore[import-untyped]

            get_redis_connection(alias, write=False).ping()
            return None
        for url, options in targets:
            redis_probe.ping(url, options, timeout)
        return None

    return probe


# -- celery (optional) ------------------------------------------------------------------
def celery_checks() -> dict[str, Probe]:
    return {"celery": probe_celery}


class NoWorkerAnswered(Exception):
    """The broker answers, but no Celery worker listens (or replied to a ping): queued tasks would wait forever."""


PING_SHARE = 0.5  # of the time left after the broker answered


def probe_celery(timeout: float) -> object:
    """The broker is reachable AND a worker listens for remote control, both within `timeout`.

    On Redis: one PUBLISH of an empty message to the worker's remote-control channel, whose reply is
    the number of workers listening; redis-py only, as the cache check already loads it.  Celery's
    control client (tens of MB in every web worker, measured: benchmarks/web_memory.py) only for
    other brokers.
    """
    url = str(getattr(settings, "CELERY_BROKER_URL", "") or "").split(";")[0].strip()
    if not url or url.startswith("memory://") or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return SKIPPED  # tasks run eagerly in the web process: no worker to ask
    deadline = time.monotonic() + timeout
    ssl = getattr(settings, "CELERY_BROKER_USE_SSL", None)
    if url.lower().startswith(("redis://", "rediss://")):
        client = redis_probe.client(url, redis_probe.copy_options(ssl or {}), timeout)
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
        exchange = getattr(settings, "CELERY_CONTROL_EXCHANGE", "celery")
        if not client.publish(kombu_redis_control_topic(url, options, exchange), b""):
            raise NoWorkerAnswered()
        return None
    from kombu import Connection  # type: ignore[attr-defined]

    with Connection(url, connect_timeout=timeout, ssl=ssl or False) as connection:  # type: ignore[no-untyped-call]
        connection.ensure_connection(max_retries=0, timeout=timeout)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError()
    # Returns at the first reply (milliseconds); with no worker it waits its whole timeout, so leave
    # the rest of the budget for connecting and publishing: the runner must see our answer, not a timeout.
    if not _control_app(url).control.ping(timeout=remaining * PING_SHARE, limit=1):
        raise NoWorkerAnswered()
    return None


def _control_app(url: str) -> Any:
    """A Celery app configured like the project's (broker, TLS), used only to broadcast pings."""
    with STATE.lock:
        app = STATE.celery_apps.get(url)
    if app is not None:
        return app
    from celery import Celery  # type: ignore[import-untyped]

    app = Celery("modestwear-health", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    with STATE.lock:
        return STATE.celery_apps.setdefault(url, app)


# -- migrations (optional) ----------------------------------------------------------------


def migrations_checks() -> dict[str, Probe]:
    return {"migrations": probe_migrations}


def probe_migrations(timeout: float) -> object:
    """Pending migrations on the default database: once none are, never asked again."""
    if "applied_at" in STATE.migrations:
        return None
    if time.monotonic() - STATE.migrations.get("pending_at", -MIGRATIONS_RECHECK_SECONDS) < MIGRATIONS_RECHECK_SECONDS:
        raise PendingMigrations()
    from django.db.migrations.executor import MigrationExecutor

    connection = connections.create_connection(DEFAULT_DB_ALIAS)  # not this thread's request connection
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    finally:
        connection.close()
    STATE.migrations["pending_at" if plan else "applied_at"] = time.monotonic()
    if plan:
        raise PendingMigrations()
    return None


# -- storage (optional) --------------------------------------------------------------------
def storage_checks() -> dict[str, Probe]:
    return {"storage": probe_storage}


def probe_storage(timeout: float) -> object:
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        writable_directory(Path(storage.location))
    elif any(cls.__module__.startswith("cloudinary_storage") for cls in type(storage).__mro__):
        import cloudinary.api  # type: ignore[import-untyped]

        # The Admin API's ping: reads nothing, writes nothing, checks the credentials.
        if cloudinary.api.ping(timeout=timeout).get("status") != "ok":
            raise ConnectionError("Cloudinary did not answer ok")
    else:
        storage.exists(STORAGE_PROBE_NAME)
    return None


def writable_directory(location: Path) -> None:
    """MEDIA_ROOT, or the directory it will be created in, must accept files (checked, not written)."""
    existing = location
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError("media directory is not writable")


def reset() -> None:
    """Close the kept connections and forget cached state (tests, or settings changed at run time)."""
    STATE.close()
