"""A feature configured while its driver is missing or too old: a start-up error naming the variable, the
installed version and the extra, never a clean ``check`` and a failing /health.  And psycopg2, which
Django supports, gets a working /health.

"Too old" is made real where it is decided: the version the distribution's installed metadata shows
first on sys.path (a ``<name>-<version>.dist-info`` directory put first, as an older copy installed
outside the extra would be).
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from modestwear_config.concerns import extras
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.unit import installed_version, release
from modestwear_config.env import Env, ImproperlyConfigured
from modestwear_config.server.plan import gunicorn_settings
from tests.support.servers import POSTGRES_URL, Gunicorn, fresh_postgres_database, manage, project_env, require

# Each extra, the variables that configure its feature, and who reads them. An extra missing here fails
# test_drivers__every_extra_has_a_case: a new one must say how its driver is checked.
CASES = {
    "redis": {"REDIS_URL": "redis://127.0.0.1:6379/0"},
    "celery": {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/1"},
    "cloudinary": {"CLOUDINARY_URL": "cloudinary://123:secret@cloud"},
    "anymail": {"EMAIL_PROVIDER": "resend", "EMAIL_API_KEY": "re_0123456789", "DEFAULT_FROM_EMAIL": "a@b.example"},
    "postgres": {"DATABASE_URL": "postgresql://u:p@db.example.com/shop"},
    "asgi": {"SERVER_INTERFACE": "asgi"},
    "tasks-db": {"TASKS_BACKEND": "database"},
    "s3": {"AWS_STORAGE_BUCKET_NAME": "modestwear-media"},
    "sentry": {"SENTRY_DSN": "https://publickey@o0.ingest.sentry.io/0"},
    "otel": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"},
}
# used when installed / the server itself / = postgres / Django 5.2's backport (6.x has its own) / needs Django 6
NO_VARIABLE = {"whitenoise", "gunicorn", "postgres-binary", "tasks", "tasks-celery"}


def build(environ: dict[str, str]) -> None:
    from modestwear_config import BUILDERS

    env = Env({"DEBUG": "true", **environ})
    if environ.get("SERVER_INTERFACE"):
        gunicorn_settings(env)
    build_settings(*BUILDERS, env=env)


def older(distribution: str, floor: str) -> str:
    parts = list(release(floor))
    index = max(i for i, n in enumerate(parts) if n > 0)
    parts[index] -= 1
    return ".".join(map(str, parts))


def fake_install(directory: Path, distribution: str, version: str) -> None:
    info = directory / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n")


def test_drivers__every_extra_has_a_case():
    assert {e.name for e in extras()} == set(CASES) | NO_VARIABLE


@pytest.mark.parametrize(
    "extra, requirement",
    [(e.name, r) for e in extras() if e.name in CASES for r in e.floors if ">=" in r],
    ids=lambda v: str(v),
)
def test_drivers__each_driver_below_its_floor_is_a_start_up_error(extra, requirement, tmp_path, monkeypatch):
    distribution, _, floor = requirement.partition(">=")
    distribution = distribution.partition("[")[0]
    version = older(distribution, floor)
    fake_install(tmp_path, distribution, version)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed_version(distribution) == version
    with pytest.raises(ImproperlyConfigured) as raised:
        build(CASES[extra])
    variable = next(iter(CASES[extra]))
    message = raised.value.problems[variable]  # type: ignore[attr-defined]
    assert f"{distribution}>={floor}" in message and f"{distribution} {version} is installed" in message
    assert f"modestwear_config[{extra}]" in message


@pytest.mark.parametrize("extra", sorted(CASES))
def test_drivers__at_their_floors_or_above_no_error(extra):
    build(CASES[extra])  # this environment installs every extra at or above its floors


def test_drivers__psycopg2_below_djangos_floor_is_a_start_up_error(tmp_path, monkeypatch):
    hide_psycopg_here(monkeypatch)
    fake_install(tmp_path, "psycopg2-binary", "2.8.3")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImproperlyConfigured) as raised:
        build(CASES["postgres"])
    assert "needs psycopg2>=2.8.4, but 2.8.3 is installed" in raised.value.problems["DATABASE_URL"]  # type: ignore[attr-defined]


def hide_psycopg_here(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a))
    import modestwear_config.concerns.database as database

    monkeypatch.setattr(database, "find_spec", importlib.util.find_spec)


# -- psycopg2 and not psycopg 3, end to end ------------------------------------------------------------------
# A project on psycopg2: psycopg 3 is not importable (as if not installed), psycopg2 is.
# None in sys.modules: ``import psycopg`` raises ModuleNotFoundError and find_spec answers None, as when
# the package is not installed (the import system's documented way to block a module).
HIDE_PSYCOPG = textwrap.dedent(
    """
    import sys

    for name in ("psycopg", "psycopg_binary", "psycopg_c", "psycopg_pool"):
        sys.modules[name] = None
    """
)


@pytest.mark.slow
def test_drivers__psycopg2_project_checks_clean_and_health_answers(tmp_path):
    require(POSTGRES_URL, "PostgreSQL")
    pytest.importorskip("psycopg2")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(HIDE_PSYCOPG)
    with fresh_postgres_database() as db_url:
        env = project_env(
            {
                "DATABASE_URL": db_url,
                "BASE_DIR": str(tmp_path),
                "HEALTH_TOKEN": "drivers-token-0123456789",
                "PYTHONPATH": f"{tmp_path / 'site'}:{project_env()['PYTHONPATH']}",
            }
        )
        driver = manage(
            "shell", "-c", "import django.db.backends.postgresql.psycopg_any as p; print(p.is_psycopg3)", env=env
        )
        check = manage("check", env=env)
        health = manage("health", "--json", env=env)
        with Gunicorn({**env, "ALLOWED_HOSTS": "127.0.0.1", "HEALTH_CACHE_SECONDS": "0"}) as server:
            import urllib.request

            request = urllib.request.Request(
                f"{server.base_url}/health", headers={"Authorization": "Bearer drivers-token-0123456789"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                body = json.loads(response.read())
    assert driver.stdout.strip().splitlines()[-1] == "False", driver.stderr  # Django runs on psycopg2
    assert check.returncode == 0, check.stderr
    # Before: "health checks could not run: ModuleNotFoundError" (exit 2), and /health {"checks": {}} (503).
    assert health.returncode == 0, health.stdout + health.stderr
    assert json.loads(health.stdout)["checks"]["database"]["status"] == "ok"
    assert body["status"] == "ok" and body["checks"]["database"]["status"] == "ok", body
    assert sys.modules.get("psycopg") is not None  # this process still has psycopg 3: only the project's lacks it


# -- the psycopg2 probe itself ------------------------------------------------------------------------------
def psycopg2_probe(url: str):
    from urllib.parse import urlsplit

    from modestwear_config.health.postgres2 import Psycopg2Probe

    parts = urlsplit(url)
    params = {"dbname": parts.path.lstrip("/"), "user": parts.username, "host": parts.hostname, "port": parts.port}
    return Psycopg2Probe({**params, "cursor_factory": object, "client_encoding": "UTF8", "not_a_libpq_option": 1})


def test_psycopg2_probe__select_one_on_one_kept_connection(postgres_url):
    pytest.importorskip("psycopg2")
    probe = psycopg2_probe(postgres_url)
    try:
        probe(2.0)
        first = probe._conn  # the kept connection (a test may look)
        probe(2.0)
        assert probe._conn is first and first.get_parameter_status("application_name") == "modestwear-health"
    finally:
        probe.close()


@pytest.mark.slow
def test_psycopg2_probe__silent_server_costs_the_deadline_not_libpqs_timeouts():
    import time

    pytest.importorskip("psycopg2")
    from tests.support.servers import SilentServer

    with SilentServer() as silent:
        probe = psycopg2_probe(f"postgresql://postgres@127.0.0.1:{silent.port}/app")
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            probe(0.3)
        assert time.monotonic() - start < 0.3 + 0.5


def test_psycopg2_probe__refused_is_an_operational_error():
    import psycopg2

    from tests.support.servers import free_port

    with pytest.raises(psycopg2.OperationalError):
        psycopg2_probe(f"postgresql://postgres@127.0.0.1:{free_port()}/app")(1.0)


def test_extra__a_module_under_a_missing_package_is_not_installed_never_a_traceback():
    """The otel extra's modules are dotted (opentelemetry.sdk...): without the package, find_spec raises
    ModuleNotFoundError, which used to escape as a traceback instead of the error naming the extra."""
    from modestwear_config.concerns.unit import Extra

    extra = Extra("ghost", ("json", "no_such_package_mwc.sub.module"), "nothing")
    assert extra.installed() is False
    env = Env({"DEBUG": "true"})
    extra.require(env, "GHOST_URL")
    assert env.problems["GHOST_URL"].startswith("needs the ghost extra, which is not installed")
