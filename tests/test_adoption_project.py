"""Adoption on a project that is not example_project: a real `django-admin startproject harbour` with an
email-login custom user model, run as a user would (manage.py, gunicorn, an admin login over HTTP)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.servers import Gunicorn, fresh_postgres_database, manage
from tests.support.startproject import STARTPROJECT_APPS, STARTPROJECT_MIDDLEWARE
from tests.test_project_variables import SECRETS_OF_EVERY_KIND
from tests.test_shop_project import admin_login

STRONG_KEY = "harbour-" + "Lm3-Tq8-" * 7
PASSWORD = "Canary-Harbour-Pw-6hX2"
DEFAULT_CANARY = "changeme-Canary-In-Code-77"
USER_MODEL = """
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    email = models.EmailField(unique=True)
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]
"""
TAIL = """
ROOT_URLCONF = "harbour.urls"
WSGI_APPLICATION = "harbour.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
"""
PORTED = f'''"""harbour's settings, ported: its policy in code, its lists merged with the library's."""
import modestwear_config
from modestwear_config import merge_apps, merge_middleware, merge_templates

modestwear_config.defaults(
    SECURE_HSTS_SECONDS=2_592_000,  # 30 days
    SECURE_HSTS_INCLUDE_SUBDOMAINS=False,
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",  # the migrations keep AutoField
)
from modestwear_config import *  # noqa: E402,F403

INSTALLED_APPS = merge_apps(INSTALLED_APPS, {[*STARTPROJECT_APPS, "accounts"]!r})
MIDDLEWARE = merge_middleware(MIDDLEWARE, {STARTPROJECT_MIDDLEWARE!r})
TEMPLATES = merge_templates(TEMPLATES, [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {{"context_processors": [
            "django.template.context_processors.request",
            "django.contrib.auth.context_processors.auth",
            "django.contrib.messages.context_processors.messages",
        ]}},
    }},
])
{TAIL}'''
STOCK = f"""from modestwear_config import *  # noqa: F403

INSTALLED_APPS = {[*STARTPROJECT_APPS, "accounts"]!r}
MIDDLEWARE = {STARTPROJECT_MIDDLEWARE!r}
{TAIL}"""
SECRET_VARIABLES = "\n".join(
    f'    Variable("{name}", "{kind}", "harbour", "A {kind} secret.", secret=True),'
    for name, (kind, _, _) in SECRETS_OF_EVERY_KIND.items()
)
CONFIGURED = f"""from modestwear_config import Variable, configure, merge_apps

globals().update(configure(
    Variable("PAYMENT_TOKEN", "str", "harbour", "Payment API token.", "{DEFAULT_CANARY}", secret=True),
    Variable("HARBOUR_CSP_REPORT_URI", "url", "harbour", "Where browsers report CSP violations."),
{SECRET_VARIABLES}
    defaults={{"DEFAULT_AUTO_FIELD": "django.db.models.AutoField"}},
))
INSTALLED_APPS = merge_apps(INSTALLED_APPS, ["accounts"])  # noqa: F821
{TAIL}
DEBUG = True  # a leftover below configure(): W030 as below the star import
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`django-admin startproject harbour`, an accounts app with an email-login user, its first migration
    made under the project's AutoField policy."""
    root = tmp_path_factory.mktemp("harbour")
    clean = {k: v for k, v in harbour_env(root).items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run([sys.executable, "-m", "django", "startproject", "harbour", str(root)], check=True, env=clean)
    (root / "accounts" / "migrations").mkdir(parents=True)
    for name in ("accounts/__init__.py", "accounts/migrations/__init__.py"):
        (root / name).write_text("")
    (root / "accounts" / "models.py").write_text(USER_MODEL)
    (root / "harbour" / "settings.py").write_text(PORTED)
    made = manage("makemigrations", "accounts", env=harbour_env(root, DEBUG="true"), project=root)
    assert made.returncode == 0, made.stdout + made.stderr
    return root


@pytest.fixture
def harbour(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "harbour_project"))


def harbour_env(project: Path, **extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    return {**env, "PYTHONPATH": str(project), "DJANGO_SETTINGS_MODULE": "harbour.settings", **extra}


def production(project: Path, **extra: str) -> dict[str, str]:
    sqlite = f"sqlite:///{project / 'db.sqlite3'}"
    settings = {"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": sqlite}
    return harbour_env(project, **{**settings, **extra})


def shown(project: Path, expression: str, env: dict[str, str]) -> str:
    result = manage("shell", "-c", f"from django.conf import settings; print({expression})", env=env, project=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]  # Django 5.2 prints "N objects imported automatically" first


# -- 3. project policy in code --------------------------------------------------------------------------
@pytest.mark.slow
def test_harbour__project_defaults_in_force_overridable_shown_and_no_w030(harbour):
    env = production(harbour)
    expression = "settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.DEFAULT_AUTO_FIELD"
    assert shown(harbour, expression, env) == "2592000 False django.db.models.AutoField"
    assert shown(harbour, expression, {**env, "SECURE_HSTS_SECONDS": "600"}).startswith("600 False")
    check = manage("check", "--deploy", env=env, project=harbour)
    assert "W030" not in check.stdout + check.stderr and "modestwear_config.E07" not in check.stdout + check.stderr
    # The AutoField policy holds: the first migration was made under it, and nothing changes.
    assert manage("makemigrations", "--check", "--dry-run", env=env, project=harbour).returncode == 0
    report = json.loads(manage("config", "--json", env=env, project=harbour).stdout)
    sources = {e["name"]: (e["value"], e["source"]) for e in report["entries"]}
    assert sources["SECURE_HSTS_SECONDS"] == ("2592000", "project default")
    assert sources["DEFAULT_AUTO_FIELD"] == ("django.db.models.AutoField", "project default")
    settings = harbour / "harbour" / "settings.py"
    settings.write_text(settings.read_text() + "SESSION_COOKIE_SECURE = False  # not the project's policy: W030\n")
    check = manage("check", "--deploy", env=env, project=harbour)
    warned = {line.split(":")[0] for line in (check.stdout + check.stderr).splitlines() if "W030" in line}
    assert warned == {"SESSION_COOKIE_SECURE"}, check.stdout + check.stderr


@pytest.mark.slow
def test_harbour__configure_path_keeps_w030_and_declared_variables_truthful(harbour):
    (harbour / "harbour" / "settings.py").write_text(CONFIGURED)
    secrets = {name: value for name, (_, value, _) in SECRETS_OF_EVERY_KIND.items()}
    env = production(harbour, **secrets)
    check = manage("check", env=env, project=harbour)
    assert "DEBUG: (modestwear_config.W030)" in check.stdout + check.stderr, check.stdout + check.stderr
    assert shown(harbour, "hasattr(settings, 'HARBOUR_CSP_REPORT_URI'), settings.PAYMENT_TOKEN[:8]", env) == (
        "False changeme"
    )
    for args in (["--json", "--settings-values"], ["--settings-values"]):
        result = manage("config", *args, env=env, project=harbour)
        output = result.stdout + result.stderr
        assert "PAYMENT_TOKEN" in output and DEFAULT_CANARY not in output
        for name, (_, _, forms) in SECRETS_OF_EVERY_KIND.items():
            assert name in output and not any(form in output for form in forms), name
    entries = {e["name"]: e for e in json.loads(manage("config", "--json", env=env, project=harbour).stdout)["entries"]}
    assert (entries["PAYMENT_TOKEN"]["value"], entries["PAYMENT_TOKEN"]["source"]) == ("set", "default")
    assert entries["HARBOUR_CSP_REPORT_URI"]["value"] == "unset"


# -- 4. lists ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_harbour__startproject_lists_below_the_import_are_an_error(harbour):
    (harbour / "harbour" / "settings.py").write_text(STOCK)
    check = manage("check", env=harbour_env(harbour, DEBUG="true"), project=harbour)
    output = check.stdout + check.stderr
    assert check.returncode == 1, output
    assert "INSTALLED_APPS: (modestwear_config.E070)" in output and "MIDDLEWARE: (modestwear_config.E071)" in output
    assert "merge_apps(INSTALLED_APPS" in output and "merge_middleware(MIDDLEWARE" in output
    migrate = manage("migrate", env=harbour_env(harbour, DEBUG="true"), project=harbour)
    assert migrate.returncode == 1 and "modestwear_config.E070" in migrate.stderr  # deploy.sh stops here


@pytest.mark.slow
def test_harbour__basic_auth_before_the_liveness_middleware_is_named(harbour):
    (harbour / "harbour" / "middleware.py").write_text(
        "from django.http import HttpResponse\n\n\ndef BasicAuth(get_response):\n"
        "    return lambda request: HttpResponse(status=401)\n"
    )
    settings = harbour / "harbour" / "settings.py"
    settings.write_text(settings.read_text() + 'MIDDLEWARE = ["harbour.middleware.BasicAuth", *MIDDLEWARE]\n')
    check = manage("check", env=harbour_env(harbour, DEBUG="true"), project=harbour)
    output = check.stdout + check.stderr
    assert check.returncode == 0 and "MIDDLEWARE: (modestwear_config.W070)" in output, output
    assert "runs harbour.middleware.BasicAuth before LivenessMiddleware" in output


# -- 9. an invalid environment ---------------------------------------------------------------------------
@pytest.mark.slow
def test_harbour__invalid_environment_error_leads_and_manage_py_config_answers(harbour):
    env = production(harbour, DEBUG="maybe", SECURE_HSTS_SECONDS="-1")
    check = manage("check", env=env, project=harbour)
    assert check.returncode == 1
    first = check.stderr.splitlines()[:4]
    assert first[0] == "modestwear_config: the settings cannot load, 2 variable(s) are invalid:", check.stderr
    assert first[1].startswith("  DEBUG: expected a boolean") and first[2].startswith("  SECURE_HSTS_SECONDS:")
    assert "python -m modestwear_config.doctor" in first[3]
    config = manage("config", env=env, project=harbour)
    assert config.returncode == 1 and "Traceback" not in config.stderr, config.stderr
    assert "! error (environment) expected a boolean" in config.stdout
    assert config.stdout.count("! error (environment) ") == 2, config.stdout  # the deploy checks' come too
    # No key at all (Django refuses to read an empty one) and a database URL holding a password.
    env = {k: v for k, v in env.items() if k != "SECRET_KEY"}
    env["DATABASE_URL"] = f"postgresql://app:{PASSWORD}@db.example.com:port/harbour"
    config = manage("config", "--json", env=env, project=harbour)
    assert config.returncode == 1 and "Traceback" not in config.stderr and PASSWORD not in config.stdout + config.stderr
    problems = {e["name"] for e in json.loads(config.stdout)["entries"] if e["problems"]}
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "SECURE_HSTS_SECONDS"} <= problems


# -- 10. production on a laptop -------------------------------------------------------------------------
@pytest.mark.slow
def test_harbour__local_http_production_admin_login_over_plain_http(harbour, postgres_url):
    with fresh_postgres_database(postgres_url) as database:
        env = production(
            harbour,
            DATABASE_URL=database,
            LOCAL_HTTP="true",
            DJANGO_SUPERUSER_EMAIL="boss@harbour.example",
            DJANGO_SUPERUSER_USERNAME="boss",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
            WEB_CONCURRENCY="1",
        )
        for step in (["migrate", "--no-input"], ["collectstatic", "--no-input"], ["ensure_superuser"]):
            result = manage(*step, env=env, project=harbour)
            assert result.returncode == 0, (step, result.stdout + result.stderr)
        config = manage("config", env=env, project=harbour)
        assert "production over PLAIN HTTP (LOCAL_HTTP=true" in config.stdout.splitlines()[0]
        assert "LOCAL_HTTP: (modestwear_config.W072)" in manage("check", env=env, project=harbour).stderr
        laptop = Gunicorn(env, cwd=harbour, app="harbour.wsgi")
        laptop.args = ("--bind", f"127.0.0.1:{laptop.port}")  # docs/adoption.md's command: this machine only
        with laptop as server:
            logged_in = admin_login(server.base_url, "boss@harbour.example", PASSWORD)
            assert logged_in.status_code == 200 and "Site administration" in logged_in.text, logged_in.text[:300]
            assert logged_in.url == f"{server.base_url}/admin/"
            cookies = " ".join(r.headers.get("Set-Cookie", "") for r in logged_in.history)
            assert "sessionid=" in cookies and "Secure" not in cookies
            assert PASSWORD not in server.output()
        del env["LOCAL_HTTP"]  # the same production without it: the login page redirects to HTTPS
        with Gunicorn(env, cwd=harbour, app="harbour.wsgi:application") as server:
            redirect = requests.get(f"{server.base_url}/admin/login/", allow_redirects=False, timeout=10)
            assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")


@pytest.mark.slow
def test_harbour__local_http_refused_on_a_platform(harbour):
    env = production(harbour, LOCAL_HTTP="true", RENDER="true", RENDER_EXTERNAL_HOSTNAME="harbour.onrender.com")
    check = manage("check", env=env, project=harbour)
    assert check.returncode == 1
    assert "  LOCAL_HTTP: is on, but this runs on Render (RENDER is set)" in check.stderr.splitlines()[1]
    railway = manage("check", env=production(harbour, LOCAL_HTTP="true", RAILWAY_PUBLIC_DOMAIN="x"), project=harbour)
    assert railway.returncode == 1 and "runs on Railway (RAILWAY_PUBLIC_DOMAIN is set)" in railway.stderr
