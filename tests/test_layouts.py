"""Project layouts that are not example_project: a settings package (mysite/settings/production.py),
cookiecutter-django's config/settings/, another module name (startproject's mysite).

BASE_DIR is the directory manage.py is in, the .env file there is read, the doctor says which BASE_DIR
it chose and why; deploy.sh and the gunicorn config find the project's application, and fail before
migrate naming what is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modestwear_config.env import Env
from modestwear_config.env.files import base_dir
from modestwear_config.server.application import ApplicationNotFound, application, settings_from_manage_py
from tests.support.servers import EXAMPLE_PROJECT, free_port, project_env, stop_process_group, wait_for_http

STRONG_KEY = "prod-" + "".join(chr(97 + (i * 7) % 26) for i in range(60))
PACKAGE_SETTINGS = """\
from .base import *  # noqa: F403  (startproject's settings, moved into the package)
from modestwear_config import *  # noqa: F403
ROOT_URLCONF = "{module}.urls"
"""


def startproject(root: Path, module: str = "mysite", package: str = "") -> Path:
    """`django-admin startproject <module>` in `root`; with `package` ("settings" or cookiecutter's layout
    "config"), its settings.py becomes <package>/settings/base.py with production.py beside it."""
    root.mkdir(parents=True, exist_ok=True)
    # Without the suite's own DJANGO_SETTINGS_MODULE, as a developer runs django-admin.
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", module, str(root)], check=True, timeout=60, env=clean
    )
    if package:
        settings = root / module / "settings"
        settings.mkdir()
        (settings / "__init__.py").write_text("")
        (root / module / "settings.py").rename(settings / "base.py")
        (settings / "production.py").write_text(PACKAGE_SETTINGS.format(module=module))
    return root


def layout_env(root: Path, settings: str) -> dict[str, str]:
    """A subprocess environment (DEBUG on) for the project in `root`, not the example's."""
    return {**project_env(), "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": settings}


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch):
    """Put a project's directory on sys.path, as manage.py and gunicorn do, and forget its modules after."""

    def add(root: Path) -> None:
        monkeypatch.syspath_prepend(str(root))

    before = set(sys.modules)
    yield add
    for name in set(sys.modules) - before:
        if name.split(".")[0] in ("mysite", "config", "shopsite"):
            del sys.modules[name]


# -- BASE_DIR ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("module", "package", "settings"),
    [
        ("mysite", "", "mysite.settings"),  # startproject as it is
        ("mysite", "settings", "mysite.settings.production"),  # a settings package
        ("config", "settings", "config.settings.production"),  # cookiecutter-django's layout
        ("mysite", "settings", "mysite.settings"),  # the package imported by its own name
    ],
)
def test_base_dir__the_directory_holding_manage_py(tmp_path, on_path, module, package, settings):
    root = startproject(tmp_path / "project", module, package)
    if settings == "mysite.settings" and package:
        (root / module / "settings" / "__init__.py").write_text("from .production import *  # noqa: F403\n")
    on_path(root)
    env = Env({"DJANGO_SETTINGS_MODULE": settings})
    assert base_dir(env) == root.resolve()
    assert env.derived["BASE_DIR"] == (root.resolve(), ("DJANGO_SETTINGS_MODULE",))
    assert env.notes["BASE_DIR"] == f"the directory holding manage.py and {module}/, the top package of {settings}"


def test_base_dir__no_manage_py_there_says_so(tmp_path, on_path):
    root = startproject(tmp_path / "project", "mysite", "settings")
    (root / "manage.py").unlink()
    on_path(root)
    env = Env({"DJANGO_SETTINGS_MODULE": "mysite.settings.production"})
    assert base_dir(env) == root.resolve()
    assert "no manage.py there: set BASE_DIR" in env.notes["BASE_DIR"]


def test_base_dir__without_a_settings_module_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = Env({})
    assert base_dir(env) == tmp_path
    assert env.notes["BASE_DIR"] == "the working directory (DJANGO_SETTINGS_MODULE is not set)"


def test_base_dir__set_wins_without_a_note(tmp_path):
    env = Env({"BASE_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "mysite.settings"})
    assert base_dir(env) == tmp_path.resolve() and "BASE_DIR" not in env.notes


@pytest.mark.slow
def test_settings_package__dotenv_beside_manage_py_and_doctor_says_why(tmp_path):
    """The whole path on a settings package: .env beside manage.py read (its DJANGO_* names as aliases),
    SQLite and STATIC_ROOT beside manage.py, and `manage.py config` naming BASE_DIR's reason."""
    root = startproject(tmp_path / "project", "mysite", "settings")
    (root / ".env").write_text(f"DJANGO_DEBUG=false\nDJANGO_SECRET_KEY={STRONG_KEY}\nDJANGO_ALLOWED_HOSTS=a.example\n")
    (root / ".env").write_text((root / ".env").read_text() + f"DATABASE_URL=sqlite:///{root}/db.sqlite3\n")
    env = layout_env(root, "mysite.settings.production")
    env.pop("DEBUG")  # from the .env file
    doctor = subprocess.run(
        [sys.executable, "manage.py", "config"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    output = doctor.stdout + doctor.stderr
    assert f".env file read: {root.resolve() / '.env'}" in output, output
    assert (
        f"BASE_DIR                           {root.resolve()}  (derived from DJANGO_SETTINGS_MODULE: the directory "
        "holding manage.py and mysite/, the top package of mysite.settings.production)"
    ) in output
    assert "from DJANGO_SECRET_KEY (alias of SECRET_KEY); rename it to SECRET_KEY" in output
    assert "production (DEBUG off)" in output and STRONG_KEY not in output
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"], cwd=root, env=env, capture_output=True, timeout=180
    )
    assert migrate.returncode == 0, migrate.stderr
    assert (root / "db.sqlite3").is_file() and not (root / "mysite" / "db.sqlite3").exists()


# -- the application deploy.sh and gunicorn serve -------------------------------------------------
@pytest.mark.parametrize(
    ("module", "package", "settings", "interface", "expected"),
    [
        ("mysite", "", "mysite.settings", "wsgi", "mysite.wsgi:application"),
        ("mysite", "", "mysite.settings", "asgi", "mysite.asgi:application"),
        ("mysite", "settings", "mysite.settings.production", "wsgi", "mysite.wsgi:application"),
        ("config", "settings", "config.settings.production", "wsgi", "config.wsgi:application"),
    ],
)
def test_application__found_beside_the_settings(tmp_path, on_path, module, package, settings, interface, expected):
    root = startproject(tmp_path / "project", module, package)
    on_path(root)
    assert application(Env({"DJANGO_SETTINGS_MODULE": settings}), interface, root) == expected


def test_application__from_manage_py_default_or_the_variable(tmp_path, on_path):
    root = startproject(tmp_path / "project", "shopsite")
    on_path(root)
    assert settings_from_manage_py(root / "manage.py") == "shopsite.settings"
    assert application(Env({}), "wsgi", root) == "shopsite.wsgi:application"
    given = Env({"WSGI_APPLICATION": "shopsite.wsgi.application"})
    assert application(given, "wsgi", root) == "shopsite.wsgi:application"
    assert (
        application(Env({"ASGI_APPLICATION": "shopsite.asgi:application"}), "asgi", root) == "shopsite.asgi:application"
    )


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "DJANGO_SETTINGS_MODULE is not set"),
        ({"DJANGO_SETTINGS_MODULE": "elsewhere.settings"}, "looked for elsewhere.wsgi"),
        ({"WSGI_APPLICATION": "elsewhere.wsgi.application"}, "WSGI_APPLICATION names a module that cannot be imported"),
    ],
)
def test_application__not_found_names_what_to_set(tmp_path, environ, named):
    with pytest.raises(ApplicationNotFound) as raised:
        application(Env(environ), "wsgi", tmp_path)
    assert named in str(raised.value) and "WSGI_APPLICATION" in str(raised.value)


def copy_deploy_sh(root: Path) -> Path:
    (root / "deploy.sh").write_text((EXAMPLE_PROJECT / "deploy.sh").read_text())
    return root / "deploy.sh"


def deploy_env(root: Path, **extra: str) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    return {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), "DEBUG": "true", **extra}


@pytest.mark.slow
def test_deploy_sh__missing_application_stops_before_migrate(tmp_path):
    root = startproject(tmp_path / "project", "mysite", "settings")
    (root / "mysite" / "wsgi.py").unlink()
    deploy = copy_deploy_sh(root)
    env = deploy_env(root, DJANGO_SETTINGS_MODULE="mysite.settings.production")
    result = subprocess.run(["bash", str(deploy)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "no wsgi module beside the settings mysite.settings.production" in result.stderr
    assert "set WSGI_APPLICATION" in result.stderr
    assert "==> manage.py migrate" not in result.stdout and not (root / "db.sqlite3").exists()


@pytest.mark.slow
def test_deploy_sh__serves_a_startproject_with_another_module_name(tmp_path):
    """deploy.sh copied beside a fresh `startproject mysite` (settings package) migrates, collects and
    serves mysite.wsgi through the gunicorn config, with /healthz answering."""
    root = startproject(tmp_path / "project", "mysite", "settings")
    port = free_port()
    env = deploy_env(root, DJANGO_SETTINGS_MODULE="mysite.settings.production", PORT=str(port), WEB_CONCURRENCY="1")
    process = subprocess.Popen(
        ["bash", str(copy_deploy_sh(root))],
        cwd=tmp_path,
        env=env,
        stdout=(log := (tmp_path / "deploy.log").open("w")),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        response = wait_for_http(f"http://127.0.0.1:{port}/healthz", 180)
        assert response.status_code == 200
        output = (tmp_path / "deploy.log").read_text()
        assert "==> starting gunicorn (wsgi) with mysite.wsgi:application" in output
        assert (root / "db.sqlite3").is_file() and (root / "staticfiles" / "admin").is_dir()
    finally:
        stop_process_group(process, timeout=20)
        log.close()


def test_gunicorn_config__wsgi_app_is_the_projects(tmp_path):
    """`gunicorn -c python:modestwear_config.gunicorn` with no application argument serves the project's."""
    root = startproject(tmp_path / "project", "config", "settings")
    env = {**layout_env(root, "config.settings.production"), "PYTHONPATH": ""}
    code = "import modestwear_config.gunicorn as g; print(g.wsgi_app)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "config.wsgi:application"


def test_gunicorn_config__finds_the_application_without_running_the_project(tmp_path):
    """gunicorn's master loads the config: finding mysite.wsgi must not import mysite (its __init__ often
    loads Celery), so a package that fails on import proves it is only looked up."""
    root = startproject(tmp_path / "project", "mysite", "settings")
    (root / "mysite" / "__init__.py").write_text("raise RuntimeError('imported')\n")
    env = {**layout_env(root, "mysite.settings.production"), "PYTHONPATH": ""}
    code = "import sys, modestwear_config.gunicorn as g; print(g.wsgi_app, 'mysite' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["mysite.wsgi:application", "False"]


# -- the doctor on a settings-file leftover ---------------------------------------------------------
@pytest.mark.slow
def test_doctor__debug_leftover_in_settings_is_an_error_and_deploy_checks_run(tmp_path):
    """startproject's `DEBUG = True` kept below the import while the environment says production: the doctor
    runs the deploy checks anyway and exits 1 on the contradiction (it printed "production" and exit 0)."""
    root = startproject(tmp_path / "project", "mysite", "settings")
    production = root / "mysite" / "settings" / "production.py"
    production.write_text(production.read_text() + "DEBUG = True  # left over\n")
    env = {
        **layout_env(root, "mysite.settings.production"),
        "DEBUG": "false",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": f"sqlite:///{root}/db.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "config"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "error (modestwear_config.doctor) DEBUG is assigned in the settings file" in output
    assert "(security.W018)" in output  # a deploy check: they ran although settings.DEBUG is True
    assert STRONG_KEY not in output
    production.write_text(production.read_text().replace("DEBUG = True  # left over\n", ""))
    clean = subprocess.run(
        [sys.executable, "manage.py", "config"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert "modestwear_config.doctor" not in clean.stdout + clean.stderr


@pytest.mark.slow
def test_startup__production_without_database_url_stops_naming_the_misspelling(tmp_path):
    """DEBUG off, DATABASE_URL misspelt: migrate stops at settings import, before any throwaway SQLite file."""
    root = startproject(tmp_path / "project", "mysite", "settings")
    env = {
        **layout_env(root, "mysite.settings.production"),
        "DEBUG": "false",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABSE_URL": "postgresql://shop:Pw-Canary-9@db.example.com/shop",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DATABASE_URL: You have not set it; it is required when DEBUG is off (DATABSE_URL is set" in result.stderr
    assert "Pw-Canary-9" not in result.stdout + result.stderr
    assert not list(root.rglob("*.sqlite3"))
