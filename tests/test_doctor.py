"""The configuration doctor: values masked, sources, flagged problems, exit codes, no secret leaks."""

from __future__ import annotations

import io
import json

import pytest

from modestwear_config import doctor
from modestwear_config.env import Env
from modestwear_config.registry import VARIABLES
from tests.support.servers import manage, project_env

CANARY = "Canary5ecretXyz"
STRONG_KEY = "prod-" + "s3cr3t-K3y-" * 6 + CANARY
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "shop.example.com",
              "DATABASE_URL": f"postgresql://owner:{CANARY}@db.example.com/neondb"}


def canary_environment() -> dict[str, str]:
    """A canary in every secret variable (and in every URL's password)."""
    env = dict(PRODUCTION)
    env.update({
        "DATABASE_REPLICA_URLS": f"postgresql://ro:{CANARY}@replica.example.com/neondb",
        "REDIS_URL": f"rediss://default:{CANARY}@cache.upstash.io:6379",
        "CELERY_BROKER_URL": f"rediss://default:{CANARY}@broker.upstash.io:6379",
        "CELERY_RESULT_BACKEND": f"rediss://default:{CANARY}@results.upstash.io:6379",
        "CLOUDINARY_URL": f"cloudinary://1234:{CANARY}@modestwear",
        "EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_PASSWORD": CANARY,
        "HEALTH_TOKEN": CANARY * 2, "DJANGO_SUPERUSER_PASSWORD": CANARY,
    })
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
    report = doctor.diagnose(Env({"DEBUG": "true", "LOG_LEVEL": "ERROR"}, {"LOG_LEVEL": "DEBUG", "TIME_ZONE": "Europe/Berlin"}))
    assert (entry(report, "TIME_ZONE").source, entry(report, "TIME_ZONE").value) == ("dotenv", "Europe/Berlin")
    assert (entry(report, "LOG_LEVEL").source, entry(report, "LOG_LEVEL").value) == ("environment", "ERROR")


def test_diagnose__unreadable_file_flagged_on_the_variable(tmp_path):
    report = doctor.diagnose(Env({"DEBUG": "true", "EMAIL_HOST_PASSWORD_FILE": str(tmp_path / "missing")}))
    assert any("EMAIL_HOST_PASSWORD_FILE" in p for p in entry(report, "EMAIL_HOST_PASSWORD").problems)


@pytest.mark.parametrize(
    ("environment", "flagged", "words"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL", "expected a URL"),
        ({"DATABASE_URL": "sqlite:////tmp/db.sqlite3"}, "DATABASE_URL", "SQLite"),
        ({"REDIS_URL": "rediss://cache.example.com:6379", "REDIS_SSL_CERT_REQS": "none"}, "REDIS_SSL_CERT_REQS", "verification off"),
        ({"DATABASE_CONN_HEALTH_CHECKS": "false"}, "DATABASE_CONN_HEALTH_CHECKS", "CONN_MAX_AGE"),
        ({"CELERY_BROKER_URL": "redis://cache.example.com:6379", "CELERY_TASK_ALWAYS_EAGER": "true"}, "CELERY_TASK_ALWAYS_EAGER", "broker"),
        ({"CORS_ALLOWED_ORIGINS": "http://shop.example.com"}, "CORS_ALLOWED_ORIGINS", "https"),
        ({"FRONTEND_URL": "http://shop.example.com"}, "FRONTEND_URL", "https"),
        ({"DEBUG": "maybe"}, "DEBUG", "boolean"),
    ],
)
def test_diagnose__flags_problem_in_place(environment, flagged, words):
    report = doctor.diagnose(Env({**PRODUCTION, **environment}))
    problems = entry(report, flagged).problems
    assert problems and any(words in p for p in problems), problems
    assert report.problem_count >= 1


def test_diagnose__clean_production_has_no_problems():
    report = doctor.diagnose(Env(PRODUCTION))
    assert report.problem_count == 0, [(e.name, e.problems) for e in report.entries if e.problems]


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
    assert set(data["entries"][0]) == {"name", "concern", "value", "source", "problems"}


def test_main__env_example_is_the_registry_generator():
    out = io.StringIO()
    assert doctor.main(["--env-example"], out) == doctor.EXIT_CLEAN
    assert out.getvalue() == doctor.env_example()


def test_main__works_without_importable_settings(monkeypatch):
    """python -m modestwear_config.doctor diagnoses an environment the settings would refuse."""
    for name in [v.name for v in VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.setenv("ENV_FILE", "/nonexistent/.env")
    out = io.StringIO()
    assert doctor.main([], out) == doctor.EXIT_PROBLEMS
    text = out.getvalue()
    assert "You have not set it; it is required when DEBUG is off" in text
    assert "names a file that does not exist" in text


@pytest.mark.slow
def test_config_command__production_example_project_exit_codes():
    clean = manage("config", env=project_env({**PRODUCTION, "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"}, debug=False))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No problems found." in clean.stdout
    flagged = manage("config", "--json", env=project_env({**canary_environment(), "SECURE_HSTS_SECONDS": "0"}, debug=False))
    assert flagged.returncode == 1, flagged.stderr
    data = json.loads(flagged.stdout)
    assert any(c["id"] == "security.W004" for c in data["checks"])
    assert CANARY not in flagged.stdout + flagged.stderr


@pytest.mark.slow
def test_config_command__env_example():
    result = manage("config", "--env-example")
    assert result.returncode == 0
    assert result.stdout == doctor.env_example()


@pytest.mark.slow
def test_config_command__connections_report_each_live_check(postgres_url):
    env = project_env({"DATABASE_URL": postgres_url, "REDIS_URL": "redis://127.0.0.1:1/0"})
    result = manage("config", "--connections", "--json", env=env)
    data = json.loads(result.stdout)
    connections = {c["name"]: c for c in data["connections"]}
    assert connections["database"]["status"] == "ok"
    assert connections["cache"]["status"] == "fail" and connections["cache"]["error"] == "ConnectionError"
    assert result.returncode == 1  # a failed connection is a problem
