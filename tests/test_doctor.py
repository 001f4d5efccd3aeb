"""The configuration doctor: values masked, sources, flagged problems, exit codes, no secret leaks."""

from __future__ import annotations

import io
import json

import pytest

from modestwear_config.concerns import VARIABLES
from modestwear_config.doctor import cli
from modestwear_config.doctor import report as doctor
from modestwear_config.doctor.docs import env_example
from modestwear_config.env import Env
from tests.support.servers import manage, project_env

CANARY = "Canary5ecretXyz"
STRONG_KEY = "prod-" + "s3cr3t-K3y-" * 6 + CANARY
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": f"postgresql://owner:{CANARY}@db.example.com/neondb",
}


def canary_environment() -> dict[str, str]:
    """A canary in every secret variable (and in every URL's password)."""
    env = dict(PRODUCTION)
    env.update(
        {
            "DATABASE_REPLICA_URLS": f"postgresql://ro:{CANARY}@replica.example.com/neondb",
            "REDIS_URL": f"rediss://default:{CANARY}@cache.upstash.io:6379",
            "CELERY_BROKER_URL": f"rediss://default:{CANARY}@broker.upstash.io:6379",
            "CELERY_RESULT_BACKEND": f"rediss://default:{CANARY}@results.upstash.io:6379",
            "CLOUDINARY_URL": f"cloudinary://1234:{CANARY}@modestwear",
            "EMAIL_HOST": "smtp.example.com",
            "EMAIL_HOST_USER": "shop@example.com",
            "EMAIL_HOST_PASSWORD": CANARY,
            "HEALTH_TOKEN": CANARY * 2,
            "DJANGO_SUPERUSER_PASSWORD": CANARY,
        }
    )
    return env


def entry(report: doctor.Report, name: str) -> doctor.Entry:
    return next(e for e in report.entries if e.name == name)


def test_diagnose__source_environment():
    report = doctor.diagnose(Env({"DEBUG": "true"}))
    assert entry(report, "DEBUG").source == "environment"
    assert entry(report, "DEBUG").value == "true"


def test_diagnose__source_default():
    report = doctor.diagnose(Env({"DEBUG": "true"}))
    assert entry(report, "LOG_LEVEL").source == "default"
    assert entry(report, "LOG_LEVEL").value == "INFO"


def test_diagnose__source_file(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(STRONG_KEY + "\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    report = doctor.diagnose(Env({**env, "SECRET_KEY_FILE": str(secret_file)}))
    assert entry(report, "SECRET_KEY").source == "file"
    assert entry(report, "SECRET_KEY").value == "set"
    assert entry(report, "SECRET_KEY").problems == []


def test_diagnose__source_dotenv_and_environment_wins():
    report = doctor.diagnose(
        Env({"DEBUG": "true", "LOG_LEVEL": "ERROR"}, {"LOG_LEVEL": "DEBUG", "TIME_ZONE": "Europe/Berlin"})
    )
    assert (entry(report, "TIME_ZONE").source, entry(report, "TIME_ZONE").value) == ("dotenv", "Europe/Berlin")
    assert (entry(report, "LOG_LEVEL").source, entry(report, "LOG_LEVEL").value) == ("environment", "ERROR")


def test_diagnose__unreadable_file_flagged_on_the_variable(tmp_path):
    report = doctor.diagnose(Env({"DEBUG": "true", "EMAIL_HOST_PASSWORD_FILE": str(tmp_path / "missing")}))
    problems = entry(report, "EMAIL_HOST_PASSWORD").problems
    assert [(p.level, p.id) for p in problems] == [("error", "environment")]
    assert "EMAIL_HOST_PASSWORD_FILE" in problems[0].message


@pytest.mark.parametrize(
    ("environment", "flagged", "words"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL", "expected a URL"),
        ({"DEBUG": "maybe"}, "DEBUG", "boolean"),
        ({"CORS_ALLOWED_ORIGINS": "shop.example.com"}, "CORS_ALLOWED_ORIGINS", "scheme"),
    ],
)
def test_diagnose__reader_problem_in_place(environment, flagged, words):
    report = doctor.diagnose(Env({**PRODUCTION, **environment}))
    problems = entry(report, flagged).problems
    assert len(problems) == 1 and words in problems[0].message, problems
    assert report.problem_count == 1
    assert report.exit_code() == doctor.EXIT_PROBLEMS


@pytest.mark.parametrize(
    "environment",
    [
        # Risky but valid choices are the system checks' (W002-W005, W032), not the reader's:
        # without the checks framework the doctor does not compute them itself.
        {"DATABASE_URL": "sqlite:////tmp/db.sqlite3"},
        {"REDIS_URL": "rediss://cache.example.com:6379", "REDIS_SSL_CERT_REQS": "none"},
        {"DATABASE_CONN_HEALTH_CHECKS": "false"},
        {"REDIS_URL": "redis://cache.example.com:6379", "CELERY_TASK_ALWAYS_EAGER": "true"},
        {"CORS_ALLOWED_ORIGINS": "http://shop.example.com"},
    ],
)
def test_diagnose__computes_no_problem_of_its_own(environment):
    assert doctor.diagnose(Env({**PRODUCTION, **environment})).problem_count == 0


def test_diagnose__check_messages_attached_to_their_variable():
    from django.core.checks import Error, Warning

    from tests.support.checks import checks

    messages = [checks.W004, checks.W005, Warning("hsts", id="security.W004"), Error("other", id="x.E001"), checks.W032]
    report = doctor.diagnose(Env(PRODUCTION), messages=messages)
    assert [p.id for p in entry(report, "DATABASE_URL").problems] == ["modestwear_config.W004"]
    assert [p.id for p in entry(report, "CORS_ALLOWED_ORIGINS").problems] == ["modestwear_config.W005"]
    assert [p.id for p in entry(report, "SECURE_HSTS_SECONDS").problems] == ["security.W004"]
    assert [p.id for p in entry(report, "CELERY_TASK_ALWAYS_EAGER").problems] == ["modestwear_config.W032"]
    assert [p.id for p in report.checks] == ["x.E001"]
    assert report.problem_count == 5


def test_exit_code__follows_check_severities():
    from django.core.checks import Warning

    warned = doctor.diagnose(Env(PRODUCTION), messages=[Warning("w", id="x.W001")])
    assert warned.exit_code() == doctor.EXIT_CLEAN  # as `check`: warnings alone do not fail...
    assert warned.exit_code("WARNING") == doctor.EXIT_PROBLEMS  # ...unless --fail-level WARNING


def test_diagnose__redis_cert_reqs_bad_without_rediss_fails_like_the_app():
    """REDIS_SSL_CERT_REQS is validated even without rediss://: the app refuses to start, the doctor agrees."""
    from django.core.exceptions import ImproperlyConfigured

    from modestwear_config import BUILDERS
    from modestwear_config.concerns.assemble import build_settings

    environment = {**PRODUCTION, "REDIS_SSL_CERT_REQS": "bogus"}
    with pytest.raises(ImproperlyConfigured, match="REDIS_SSL_CERT_REQS"):
        build_settings(*BUILDERS, env=Env(environment))
    report = doctor.diagnose(Env(environment))
    assert report.exit_code() == doctor.EXIT_PROBLEMS
    assert [p.id for p in entry(report, "REDIS_SSL_CERT_REQS").problems] == ["environment"]


# -- effective values -------------------------------------------------------------------
def test_effective__allowed_hosts_derived_from_render_hostname():
    report = doctor.diagnose(
        Env({**PRODUCTION, "ALLOWED_HOSTS": "", "RENDER_EXTERNAL_HOSTNAME": "mysite.onrender.com"})
    )
    hosts = entry(report, "ALLOWED_HOSTS")
    assert (hosts.value, hosts.source, hosts.origin) == (
        "mysite.onrender.com",
        "environment",
        "RENDER_EXTERNAL_HOSTNAME",
    )
    no_hosts = {k: v for k, v in PRODUCTION.items() if k != "ALLOWED_HOSTS"}
    hosts = entry(
        doctor.diagnose(Env({**no_hosts, "RENDER_EXTERNAL_HOSTNAME": "mysite.onrender.com"})), "ALLOWED_HOSTS"
    )
    assert (hosts.value, hosts.source, hosts.origin) == ("mysite.onrender.com", "derived", "RENDER_EXTERNAL_HOSTNAME")
    assert report.settings["core"]["ALLOWED_HOSTS"] == "['mysite.onrender.com']"


def test_effective__debug_defaults_derived_from_debug():
    report = doctor.diagnose(Env({"DEBUG": "true"}))
    assert (entry(report, "ALLOWED_HOSTS").value, entry(report, "ALLOWED_HOSTS").origin) == (
        "localhost,127.0.0.1,[::1]",
        "DEBUG",
    )
    assert (entry(report, "SECURE_SSL_REDIRECT").value, entry(report, "SECURE_SSL_REDIRECT").source) == (
        "false",
        "derived",
    )
    assert entry(report, "SECRET_KEY").value == "set"  # the development key, derived, still masked
    assert entry(report, "SECRET_KEY").source == "derived"


def test_effective__server_values_in_force_not_rules():
    """The gunicorn variables show what the server will run with, as deploy.sh's plan computes it."""
    from modestwear_config.server.plan import available_cpus, default_workers

    report = doctor.diagnose(Env({**PRODUCTION, "BEHIND_TLS_PROXY": "true"}))
    cpus = available_cpus()
    workers = entry(report, "WEB_CONCURRENCY")
    assert (workers.value, workers.source, workers.origin) == (
        str(default_workers(cpus.count)),
        "derived",
        f"2 x {cpus.count:g} CPUs ({cpus.source}) + 1",
    )
    forwarders = entry(report, "FORWARDED_ALLOW_IPS")
    assert (forwarders.value, forwarders.origin) == ("*", "BEHIND_TLS_PROXY")
    local = doctor.diagnose(Env({**PRODUCTION, "WEB_CONCURRENCY": "3", "BEHIND_TLS_PROXY": "false"}))
    assert (entry(local, "WEB_CONCURRENCY").value, entry(local, "WEB_CONCURRENCY").source) == ("3", "environment")
    assert entry(local, "FORWARDED_ALLOW_IPS").value == "127.0.0.1,::1"


def test_effective__server_problems_shown_by_the_doctor():
    report = doctor.diagnose(Env({**PRODUCTION, "FORWARDED_ALLOW_IPS": "10.0.0.0/8,not-an-ip"}))
    assert [p.id for p in entry(report, "FORWARDED_ALLOW_IPS").problems] == ["environment"]
    assert report.exit_code() == doctor.EXIT_PROBLEMS


@pytest.mark.parametrize(
    ("environment", "eager", "broker"),
    [
        ({}, "true", "memory://localhost/"),
        # REDIS_URL alone is the cache, never a broker nobody consumes.
        ({"REDIS_URL": f"redis://:{CANARY}@cache.example.com:6379"}, "true", "memory://localhost/"),
        (
            {"REDIS_URL": f"redis://:{CANARY}@cache.example.com:6379", "CELERY_USE_REDIS_URL": "true"},
            "false",
            "redis://***@cache.example.com:6379",
        ),
    ],
)
def test_effective__celery_eagerness_and_broker_are_values(environment, eager, broker):
    report = doctor.diagnose(Env({**PRODUCTION, **environment}))
    assert (entry(report, "CELERY_TASK_ALWAYS_EAGER").value, entry(report, "CELERY_TASK_ALWAYS_EAGER").source) == (
        eager,
        "derived",
    )
    assert (entry(report, "CELERY_BROKER_URL").value, entry(report, "CELERY_BROKER_URL").origin) == (
        broker,
        "CELERY_USE_REDIS_URL, REDIS_URL",
    )


def test_effective__sqlite_default_shown_as_its_path(tmp_path):
    report = doctor.diagnose(Env({"DEBUG": "true", "BASE_DIR": str(tmp_path)}))
    database = entry(report, "DATABASE_URL")
    assert (database.value, database.source, database.origin) == (
        f"sqlite:///{tmp_path}/db.sqlite3",
        "derived",
        "BASE_DIR",
    )


def test_effective__dotenv_source_names_the_file(tmp_path):
    (tmp_path / ".env").write_text("TIME_ZONE=Europe/Paris\n")
    report = doctor.diagnose(Env.with_dotenv({"DEBUG": "true", "BASE_DIR": str(tmp_path)}))
    zone = entry(report, "TIME_ZONE")
    assert (zone.value, zone.source, zone.origin) == ("Europe/Paris", "dotenv", str(tmp_path / ".env"))
    text = io.StringIO()
    doctor.render(report, False, text)
    assert f"Europe/Paris  (.env {tmp_path / '.env'})" in text.getvalue()


def test_effective__settings_produced_are_masked():
    report = doctor.diagnose(Env(canary_environment()))
    shown = json.dumps(report.settings)
    assert "DATABASES" in report.settings["database"] and "CACHES" in report.settings["cache"]
    assert "db.example.com" in report.settings["database"]["DATABASES"]
    assert CANARY not in shown and STRONG_KEY not in shown


def test_dotenv__bad_line_shown_by_number_and_doctor_runs(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"DEBUG=true\n{CANARY} oops\nTIME_ZONE=UTC\n")
    for name in [v.name for v in VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENV_FILE", str(tmp_path / ".env"))
    out = io.StringIO()
    assert cli.main(["--fail-level", "WARNING"], out) == doctor.EXIT_PROBLEMS
    assert "line(s) 2 are not KEY=VALUE" in out.getvalue() and "modestwear_config.W033" in out.getvalue()
    assert CANARY not in out.getvalue()


def test_diagnose__concern_narrows():
    report = doctor.diagnose(Env(PRODUCTION), concern="cache")
    assert {e.concern for e in report.entries} == {"cache"}


def test_masked_value__urls_keep_shape_secrets_only_set():
    report = doctor.diagnose(Env(canary_environment()))
    assert entry(report, "REDIS_URL").value == "rediss://default:***@cache.upstash.io:6379"
    assert entry(report, "DATABASE_REPLICA_URLS").value == "postgresql://ro:***@replica.example.com/neondb"
    assert entry(report, "EMAIL_HOST_PASSWORD").value == "set"
    assert entry(report, "HEALTH_TOKEN").value == "set"
    assert entry(report, "CLOUDINARY_API_SECRET").value == "unset"


@pytest.mark.parametrize("as_json", [False, True])
def test_render__canary_never_in_output(as_json):
    out = io.StringIO()
    doctor.render(doctor.diagnose(Env(canary_environment())), as_json, out)
    assert CANARY not in out.getvalue()
    assert "REDIS_URL" in out.getvalue()


def test_render__json_schema_and_exit_code():
    out = io.StringIO()
    code = doctor.render(doctor.diagnose(Env({**PRODUCTION, "DEBUG": "maybe"})), True, out)
    data = json.loads(out.getvalue())
    assert code == doctor.EXIT_PROBLEMS
    assert data["problems"] >= 1
    assert {e["name"] for e in data["entries"]} == {v.name for v in VARIABLES}
    assert set(data["entries"][0]) == {"name", "concern", "value", "source", "origin", "problems", "alias"}
    assert set(data) >= {"entries", "settings", "checks", "connections", "problems"}


def test_main__env_example_is_the_registry_generator():
    out = io.StringIO()
    assert cli.main(["--env-example"], out) == doctor.EXIT_CLEAN
    assert out.getvalue() == env_example()


def test_main__works_without_importable_settings(monkeypatch):
    """python -m modestwear_config.doctor diagnoses an environment the settings would refuse."""
    for name in [v.name for v in VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.setenv("ENV_FILE", "/nonexistent/.env")
    out = io.StringIO()
    assert cli.main([], out) == doctor.EXIT_PROBLEMS
    text = out.getvalue()
    assert "You have not set it; it is required when DEBUG is off" in text
    assert "names a file that does not exist" in text


@pytest.mark.slow
def test_config_command__production_example_project_exit_codes():
    clean = manage(
        "config",
        # A production mailer: Django 6.1's check --deploy refuses the console one (mail.E001).
        env=project_env(
            {
                **PRODUCTION,
                "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
                "EMAIL_HOST": "smtp.example.com",
            },
            debug=False,
        ),
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No problems found." in clean.stdout
    flagged_env = project_env({**canary_environment(), "SECURE_HSTS_SECONDS": "0"}, debug=False)
    assert manage("config", env=flagged_env).returncode == 0  # a warning: exits 0 by default, as `check`
    flagged = manage("config", "--json", "--fail-level", "WARNING", env=flagged_env)
    assert flagged.returncode == 1, flagged.stderr
    data = json.loads(flagged.stdout)
    hsts = next(e for e in data["entries"] if e["name"] == "SECURE_HSTS_SECONDS")
    assert [p["id"] for p in hsts["problems"]] == ["security.W004"]
    assert CANARY not in flagged.stdout + flagged.stderr


@pytest.mark.slow
def test_config_command__env_example():
    result = manage("config", "--env-example")
    assert result.returncode == 0
    assert result.stdout == env_example()


@pytest.mark.slow
def test_config_command__connections_report_each_live_check(postgres_url):
    env = project_env({"DATABASE_URL": postgres_url, "REDIS_URL": "redis://127.0.0.1:1/0"})
    result = manage("config", "--connections", "--json", env=env)
    data = json.loads(result.stdout)
    connections = {c["name"]: c for c in data["connections"]}
    assert connections["database"]["status"] == "ok"
    assert connections["cache"]["status"] == "fail" and connections["cache"]["error"] == "ConnectionError"
    assert result.returncode == 1  # a failed connection is a problem
