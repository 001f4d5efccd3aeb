"""manage.py health: the same checks as /health; exit 0 ok or degraded, 1 fail, 2 could not run."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from modestwear_config.health import builtin as checks
from modestwear_config.health import register_check, unregister
from modestwear_config.health.runner import RUNNER
from tests.support.servers import SilentServer, free_port, manage, project_env

CANARY = "CanaryCmd42"


@pytest.fixture(autouse=True)
def clean_state():
    checks.reset()
    RUNNER.reset()
    yield
    checks.reset()
    RUNNER.reset()


@pytest.fixture
def custom():
    names: list[str] = []

    def add(name: str, critical: bool) -> None:
        def probe(timeout: float) -> None:
            raise ConnectionError(f"redis://:{CANARY}@cache.internal:6379")

        register_check(name, probe, critical=critical)
        names.append(name)

    yield add
    for name in names:
        unregister(name)


def run(*args: str) -> str:
    out = StringIO()
    call_command("health", *args, stdout=out)
    return out.getvalue()


def test_health_command__ok(db):
    output = run()
    assert output.splitlines()[-1] == "health: ok"
    assert output.splitlines()[0].split()[:2] == ["database", "ok"]
    assert "[critical]" in output.splitlines()[0]


def test_health_command__json_is_the_detailed_report(db):
    body = json.loads(run("--json"))
    assert body["status"] == "ok"
    assert set(body["checks"]["database"]) == {"status", "critical", "timed_out", "duration_ms"}


def test_health_command__degraded_exits_zero_and_says_so(db, custom):
    custom("mailer", critical=False)
    output = run()
    assert "health: degraded (mailer failed; not critical)" in output
    assert "ConnectionError" in output and CANARY not in output


def test_health_command__critical_failure_exits_one(db, custom):
    custom("payments", critical=True)
    with pytest.raises(CommandError) as caught:
        run()
    assert caught.value.returncode == 1
    assert str(caught.value) == "health: fail (payments)"


def test_health_command__bad_settings_exit_two(db, settings):
    settings.MODESTWEAR_HEALTH_CRITICAL = (f"{CANARY}-nope",)
    with pytest.raises(CommandError) as caught:
        run()
    assert caught.value.returncode == 2
    assert "MODESTWEAR_HEALTH_CRITICAL" in str(caught.value) and CANARY not in str(caught.value)


def test_health_command__unexpected_error_exit_two_type_only(db, monkeypatch):
    def broken(**kwargs: object) -> None:
        raise RuntimeError(f"password={CANARY}")

    monkeypatch.setattr("modestwear_config.management.commands.health.run_checks", broken)
    with pytest.raises(CommandError) as caught:
        run()
    assert caught.value.returncode == 2
    assert str(caught.value) == "health checks could not run: RuntimeError"


@pytest.mark.parametrize("budget", ["0", "-1", "abc", "301"])
def test_health_command__bad_budget_refused(budget):
    with pytest.raises(CommandError, match="--budget"):
        run("--budget", budget)


def test_health_command__logger_restored_after_run(db):
    import logging

    run()
    assert logging.getLogger("modestwear_config.health").disabled is False


@pytest.mark.slow
def test_health_command__exit_codes_in_a_real_process(postgres_url):
    up = manage("health", env=project_env({"DATABASE_URL": postgres_url}))
    down = manage(
        "health",
        "--json",
        env=project_env({"DATABASE_URL": f"postgresql://shop:{CANARY}@127.0.0.1:{free_port()}/shop"}),
    )
    assert up.returncode == 0, up.stderr
    assert up.stdout.splitlines()[-1] == "health: ok"
    assert down.returncode == 1
    assert json.loads(down.stdout)["checks"]["database"]["error"] == "OperationalError"  # stdout: JSON only
    assert "CommandError: health: fail (database)" in down.stderr
    assert CANARY not in down.stdout + down.stderr


@pytest.mark.slow
def test_health_command__silent_database_bounded_by_budget():
    with SilentServer() as silent:
        result = manage(
            "health",
            "--json",
            "--budget",
            "0.5",
            env=project_env({"DATABASE_URL": f"postgresql://shop@127.0.0.1:{silent.port}/shop"}),
        )
    body = json.loads(result.stdout)
    assert result.returncode == 1
    assert body["checks"]["database"]["timed_out"] is True
    assert body["duration_ms"] < 500 * 1.1 + 20


def test_health_command__budget_option_used(db):
    body = json.loads(run("--json", "--budget", "1.5"))
    assert body["status"] == "ok"


def test_health_command__import_error_names_the_module(db, monkeypatch):
    def broken(**kwargs: object) -> None:
        raise ModuleNotFoundError(f"No module named 'psycopg' ({CANARY})", name="psycopg")

    monkeypatch.setattr("modestwear_config.management.commands.health.run_checks", broken)
    with pytest.raises(CommandError) as caught:
        run()
    assert str(caught.value) == "health checks could not run: ModuleNotFoundError (module psycopg)"
