"""What the doctor relies on: overrides (W030) and typos (W031) noticed, missing extras and half
configurations refused at start-up, the PostgreSQL family treated alike, one count of problems."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from django.test import override_settings

from modestwear_config import BUILDERS, CONCERNS
from modestwear_config.concerns.assemble import BUILT, build_settings
from modestwear_config.concerns.database import database_settings
from modestwear_config.env import Env
from modestwear_config.env.typos import suggestions
from modestwear_config.health import builtin as health_checks
from modestwear_config.health.runner import RUNNER, run_checks
from tests.support.checks import checks
from tests.support.servers import EXAMPLE_PROJECT, RedisServer, manage, project_env
from tests.support.startproject import STARTPROJECT_MIDDLEWARE

CANARY = "Canary0verride5"
STRONG_KEY = "prod-" + "s3cr3t-K3y-" * 6
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
}


# -- W030: settings assigned after the star import ---------------------------------------------
@pytest.fixture
def star_import(monkeypatch, tmp_path):
    """What `from modestwear_config import *` records, isolated from other tests."""
    monkeypatch.setattr(BUILT, "star_imported", {})
    monkeypatch.setattr(BUILT, "concerns", CONCERNS)  # as the star import's build records them
    built = build_settings(*BUILDERS, env=Env({**PRODUCTION, "BASE_DIR": str(tmp_path)}))
    # In-process, the other settings are the test run's: record only those the tests hold.
    BUILT.record_star_import(kept(built, *WATCHED))
    return built


WATCHED = ("DEBUG", "ALLOWED_HOSTS", "DATABASES", "CACHES", "STORAGES", "MIDDLEWARE", "SECURE_SSL_REDIRECT")


def kept(built: dict, *names: str) -> dict:
    """The settings the star import gave, as the very objects (what a settings module holds)."""
    return {name: built[name] for name in names}


STOCK_OVERRIDES = ["ALLOWED_HOSTS", "DATABASE_URL", "DEBUG", "MIDDLEWARE"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_check_overrides__startproject_lines_below_the_import(star_import, monkeypatch):
    from django.core import mail

    monkeypatch.delattr(mail, "outbox", raising=False)  # a process outside the test runner (manage.py check)
    stock = {
        "DEBUG": True,
        "ALLOWED_HOSTS": [],
        "MIDDLEWARE": STARTPROJECT_MIDDLEWARE,
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}},
    }
    with override_settings(**kept(star_import, "CACHES", "STORAGES", "SECURE_SSL_REDIRECT"), **stock):
        messages = checks.check_overrides()
    assert {m.id for m in messages} == {"modestwear_config.W030"}
    assert sorted(m.obj for m in messages) == STOCK_OVERRIDES
    middleware = next(m for m in messages if m.obj == "MIDDLEWARE")
    assert "LivenessMiddleware" in middleware.msg and "CorsMiddleware" in middleware.msg
    assert "DATABASES" in next(m for m in messages if m.obj == "DATABASE_URL").msg


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_check_overrides__the_test_runners_own_changes_are_no_leftover(star_import):
    """manage.py test / pytest-django turn DEBUG off and add "testserver" to ALLOWED_HOSTS themselves
    (django.core.mail.outbox exists there): not reported; a project's DATABASES below the import still is."""
    from django.core import mail

    assert hasattr(mail, "outbox")
    stock = {"DEBUG": False, "ALLOWED_HOSTS": ["testserver"], "DATABASES": {"default": {"NAME": "x.sqlite3"}}}
    stock["DATABASES"]["default"]["ENGINE"] = "django.db.backends.sqlite3"
    with override_settings(**kept(star_import, "CACHES", "STORAGES", "SECURE_SSL_REDIRECT", "MIDDLEWARE"), **stock):
        messages = checks.check_overrides()
    assert sorted(m.obj for m in messages) == ["DATABASE_URL"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_check_overrides__untouched_or_mutated_in_place_is_fine(star_import):
    star_import["CACHES"]["default"]["TIMEOUT"] = 60  # a tweak of the library's dict, not a replacement
    with override_settings(**kept(star_import, *WATCHED)):
        assert checks.check_overrides() == []


def test_check_overrides__settings_not_from_the_star_import_left_alone(star_import):
    # tests/settings.py builds with build_settings: no container of the recorded import is in it.
    assert checks.check_overrides() == []


@pytest.mark.slow
def test_check_overrides__startproject_settings_module_and_silencing(tmp_path):
    settings = textwrap.dedent(f"""
        from modestwear_config import *  # noqa: F403
        ROOT_URLCONF = "core.urls"
        INSTALLED_APPS = [*INSTALLED_APPS, "shop"]  # noqa: F405
        # startproject's lines, kept below the import:
        DEBUG = True
        ALLOWED_HOSTS = []
        DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}}}  # noqa: F405
        MIDDLEWARE = {STARTPROJECT_MIDDLEWARE!r}
    """)
    (tmp_path / "stock_settings.py").write_text(settings)
    (tmp_path / "silenced_settings.py").write_text(settings + 'SILENCED_SYSTEM_CHECKS = ["modestwear_config.W030"]\n')
    environment = project_env(PRODUCTION, debug=False)
    environment["PYTHONPATH"] = f"{EXAMPLE_PROJECT}:{tmp_path}"
    result = manage("check", env={**environment, "DJANGO_SETTINGS_MODULE": "stock_settings"})
    output = result.stdout + result.stderr
    for shadowed in ("DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "MIDDLEWARE"):
        assert f"{shadowed}: (modestwear_config.W030)" in output, output
    # W030 is a warning, as Django's own; startproject's MIDDLEWARE also drops /healthz: that is an error (E071).
    assert "MIDDLEWARE: (modestwear_config.E071)" in output and result.returncode == 1
    silenced = manage("check", env={**environment, "DJANGO_SETTINGS_MODULE": "silenced_settings"})
    assert "W030" not in silenced.stdout + silenced.stderr


# -- W031: typos -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("DATABSE_URL", "DATABASE_URL"),
        ("DATABASE_ULR", "DATABASE_URL"),
        ("database_url", "DATABASE_URL"),
        ("DJANGO_TIME_ZONE", "TIME_ZONE"),  # a prefix; DJANGO_DEBUG is an alias of DEBUG, read, never a typo
        ("DJANGO_SECRT_KEY", "SECRET_KEY"),  # an alias misspelt: the name it stands for
        ("REDIS_URI", "REDIS_URL"),
        ("ALLOWED_HOST", "ALLOWED_HOSTS"),
        ("TIMEZONE", "TIME_ZONE"),
        ("CELERY_BROKER_ULR", "CELERY_BROKER_URL"),
    ],
)
def test_typos__close_names_suggested(name, meant):
    assert suggestions([name]) == {name: meant}


USUAL_ENVIRONMENT = [
    "PATH",
    "HOME",
    "USER",
    "SHELL",
    "LANG",
    "LC_ALL",
    "TERM",
    "PWD",
    "HOSTNAME",
    "TZ",
    "TMPDIR",
    "PYTHONPATH",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHON_VERSION",
    "PIP_NO_CACHE_DIR",
    "VIRTUAL_ENV",
    "DJANGO_SETTINGS_MODULE",
    "RENDER",
    "RENDER_EXTERNAL_HOSTNAME",
    "RENDER_EXTERNAL_URL",
    "RENDER_SERVICE_ID",
    "RENDER_SERVICE_NAME",
    "RENDER_GIT_COMMIT",
    "RENDER_INSTANCE_ID",
    "IS_PULL_REQUEST",
    "CI",
    "GITHUB_ACTIONS",
    "WEB_CONCURRENCY",
    "PORT",
    "DATABASE_URL",
    "SECRET_KEY_FILE",
    "GUNICORN_CMD_ARGS",
    "SERVER_SOFTWARE",
    "DEBIAN_FRONTEND",
    "HOME",
    "LOGNAME",
    "SHLVL",
    "OLDPWD",
    "_",
    "REDIS_HOST",
    "REDIS_PORT",
    "NODE_ENV",
    "DATABASE_HOST",
    "EMAIL_USER",
    "SENTRY_DSN",
    "STRIPE_SECRET_KEY",
    "AWS_ACCESS_KEY_ID",
    # What the platforms set beside the variables the platform concern reads (docs/platforms.md).
    "FLY_ALLOC_ID",
    "FLY_PUBLIC_IP",
    "FLY_PRIVATE_IP",
    "FLY_PROCESS_GROUP",
    "FLY_VM_MEMORY_MB",
    "FLY_MACHINE_VERSION",
    "PRIMARY_REGION",
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_ENVIRONMENT_ID",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_SERVICE_NAME",
    "RAILWAY_DEPLOYMENT_ID",
    "RAILWAY_GIT_BRANCH",
    "HEROKU_APP_ID",
    "HEROKU_DYNO_ID",
    "HEROKU_RELEASE_VERSION",
    "HEROKU_RELEASE_CREATED_AT",
    "K_CONFIGURATION",
    "WEBSITE_RESOURCE_GROUP",
    "WEBSITE_OWNER_NAME",
    "WEBSITE_SKU",
    "KOYEB_SERVICE_NAME",
    "KOYEB_DC",
    "KOYEB_INSTANCE_TYPE",
]


def test_typos__usual_environment_is_quiet():
    assert suggestions(USUAL_ENVIRONMENT) == {}


def test_typo_messages__name_only_never_value():
    messages = checks.environment_messages(Env({"DATABSE_URL": f"postgresql://u:{CANARY}@h/db"}))
    assert [(m.id, m.obj) for m in messages] == [("modestwear_config.W031", "DATABASE_URL")]
    assert "DATABSE_URL" in messages[0].msg and "did you mean DATABASE_URL?" in messages[0].msg
    assert CANARY not in messages[0].msg + messages[0].hint


def test_typo_check__reads_the_process_environment(monkeypatch, unbuilt):
    monkeypatch.setenv("DATABSE_URL", CANARY)
    assert "DATABSE_URL" in " ".join(m.msg for m in checks.check_environment())


# -- start-up errors: half configurations and missing extras -------------------------------------
def problems(environ: dict[str, str]) -> dict[str, str]:
    env = Env(environ)
    for builder in BUILDERS:
        builder(env)
    return env.problems


def test_replicas_without_primary__error_names_both():
    found = problems({"DEBUG": "true", "DATABASE_REPLICA_URLS": "postgresql://u:p@replica.example.com/db"})
    assert "DATABASE_URL" in found["DATABASE_REPLICA_URLS"]


@pytest.mark.parametrize(
    ("environ", "missing", "variable", "extra"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "django_redis", "REDIS_URL", "redis"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis", "REDIS_URL", "redis"),
        ({"CLOUDINARY_URL": "cloudinary://1234:secret@cloud"}, "cloudinary_storage", "CLOUDINARY_URL", "cloudinary"),
        (
            {"CLOUDINARY_CLOUD_NAME": "c", "CLOUDINARY_API_KEY": "k", "CLOUDINARY_API_SECRET": "s"},
            "cloudinary",
            "CLOUDINARY_CLOUD_NAME",
            "cloudinary",
        ),
        ({"CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//"}, "celery", "CELERY_BROKER_URL", "celery"),
    ],
)
def test_missing_extra__one_error_naming_variable_and_extra(monkeypatch, environ, missing, variable, extra):
    monkeypatch.setitem(sys.modules, missing, None)  # find_spec() then reports it absent
    found = problems({"DEBUG": "true", **environ})
    assert found == {
        variable: f'needs the {extra} extra, which is not installed: pip install "modestwear_config[{extra}]"'
    }


def test_missing_extra__redis_for_the_cache_alone_needs_no_celery(monkeypatch):
    monkeypatch.setitem(sys.modules, "celery", None)
    assert problems({"DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/0"}) == {}


def test_missing_extra__nothing_heavy_imported(monkeypatch):
    for name in ("django_redis", "celery", "cloudinary_storage"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    problems(
        {
            "DEBUG": "true",
            "REDIS_URL": "redis://h:6379/0",
            "CELERY_BROKER_URL": "redis://h:6379/1",
            "CLOUDINARY_URL": "cloudinary://1:2@c",
        }
    )
    assert not {"django_redis", "celery", "cloudinary_storage"} & set(sys.modules)


def test_redis_cert_reqs__validated_without_rediss():
    assert "REDIS_SSL_CERT_REQS" in problems({"DEBUG": "true", "REDIS_SSL_CERT_REQS": "bogus"})


# -- the PostgreSQL family ----------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["postgres", "postgis", "timescale", "timescalegis", "cockroach"])
def test_postgres_family__tls_and_connect_timeout(scheme):
    env = Env({"DATABASE_URL": f"{scheme}://u:p@db.example.com:5432/shop"})
    options = database_settings(env)["DATABASES"]["default"]["OPTIONS"]
    assert env.problems == {}
    assert options == {"sslmode": "require", "connect_timeout": 5}


# -- /health: a cache backend Django cannot load is not "ok" ----------------------------------------------
@pytest.fixture
def clean_health():
    health_checks.reset()
    RUNNER.reset()
    yield
    health_checks.reset()
    RUNNER.reset()


def test_cache_probe__backend_that_cannot_load_fails(monkeypatch, clean_health):
    with RedisServer() as server:
        caches = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": server.url}}
        with override_settings(CACHES=caches):
            for name in [m for m in sys.modules if m.startswith("django_redis.")]:
                monkeypatch.delitem(sys.modules, name)  # a submodule imported earlier would still be found
            monkeypatch.setitem(sys.modules, "django_redis", None)  # the redis extra without django-redis
            report = run_checks(cache_seconds=0)
    cache = next(c for c in report.checks if c.name == "cache")
    assert (cache.result.status, cache.result.error) == ("fail", "ModuleNotFoundError")


# -- one count of problems --------------------------------------------------------------------------------
@pytest.mark.slow
def test_config_command__sqlite_and_http_origin_are_exactly_two_problems():
    environment = {
        **PRODUCTION,
        "DATABASE_URL": "sqlite:////tmp/mwc-doctor.sqlite3",
        "CORS_ALLOWED_ORIGINS": "http://shop.example.com",
        "EMAIL_HOST": "smtp.example.com",  # Django 6.1's check --deploy refuses the console mailer (mail.E001)
    }
    result = manage("config", "--json", env=project_env(environment, debug=False))
    data = json.loads(result.stdout)
    assert data["problems"] == 2, result.stdout
    by_name = {e["name"]: [p["id"] for p in e["problems"]] for e in data["entries"]}
    assert by_name["DATABASE_URL"] == ["modestwear_config.W004"]
    assert by_name["CORS_ALLOWED_ORIGINS"] == ["modestwear_config.W005"]
    assert result.returncode == 0  # warnings only, as `check --deploy`
    strict = manage("config", "--fail-level", "WARNING", env=project_env(environment, debug=False))
    assert strict.returncode == 1 and "2 problem(s) found: 2 warning(s)." in strict.stdout
    check = manage("check", "--deploy", env=project_env(environment, debug=False))
    assert "2 issues" in check.stderr + check.stdout


@pytest.mark.slow
def test_config_command__typo_and_bad_dotenv_line_shown(tmp_path):
    (tmp_path / ".env").write_text(f"TIME_ZONE=UTC\nexport {CANARY} = x\n")
    environment = {
        **PRODUCTION,
        "DATABSE_URL": f"postgresql://u:{CANARY}@h/db",
        "ENV_FILE": str(tmp_path / ".env"),
        "EMAIL_HOST": "smtp.example.com",  # Django 6.1's check --deploy refuses the console mailer (mail.E001)
    }
    result = manage("config", env=project_env(environment, debug=False))
    assert "did you mean DATABASE_URL?" in result.stdout
    assert "ENV_FILE: " in result.stdout and "line(s) 2 are not KEY=VALUE" in result.stdout
    assert result.returncode == 0, result.stderr  # warnings only: the settings loaded
    assert CANARY not in result.stdout + result.stderr


# -- each extra alone, in a real venv -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def venv_with_only(tmp_path_factory):
    """A venv with the package and only one extra (a wheel of this tree), built once per extra."""
    import venv

    from tests.support.packaging import build_wheel, run_pip

    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    built: dict[str, Path] = {}

    def make(extra: str) -> Path:
        if extra not in built:
            target = tmp_path_factory.mktemp(f"venv-{extra}")
            venv.create(target, with_pip=True)
            python = target / "bin" / "python"
            run_pip([str(python), "-m", "pip", "install", "-q", f"{wheel}[{extra}]"])
            built[extra] = python
        return built[extra]

    return make


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "environ", "variable", "needed"),
    [
        (
            "celery",
            {"REDIS_URL": "redis://127.0.0.1:6379/0"},
            "REDIS_URL",
            "redis",
        ),  # kombu brings redis-py, not django-redis
        ("redis", {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "CELERY_BROKER_URL", "celery"),
        ("redis", {"CLOUDINARY_URL": "cloudinary://1234:secret@cloud"}, "CLOUDINARY_URL", "cloudinary"),
        ("redis", {"REDIS_URL": "redis://127.0.0.1:6379/0"}, None, None),  # its own feature works
    ],
)
def test_extra_alone__missing_one_is_a_startup_error_naming_it(venv_with_only, extra, environ, variable, needed):
    import subprocess

    python = venv_with_only(extra)
    result = subprocess.run(
        [str(python), str(EXAMPLE_PROJECT / "manage.py"), "check"],
        env=project_env(environ),
        cwd=EXAMPLE_PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if variable is None:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 1
    expected = (
        f'{variable}: needs the {needed} extra, which is not installed: pip install "modestwear_config[{needed}]"'
    )
    assert expected in result.stderr
