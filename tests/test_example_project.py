"""The example project, run as a user would (manage.py in a subprocess), and the package as pip builds it."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support.packaging import build_wheel
from tests.support.servers import ROOT, fresh_postgres_database, manage, project_env

CANARY = "Canary-7f3e9b2d41"
STRONG_KEY = "prod-" + "".join(chr(97 + (i * 7) % 26) for i in range(60))
SRC = ROOT / "src" / "modestwear_config"


@pytest.fixture
def no_dotenv(tmp_path: Path) -> dict[str, str]:
    """An empty .env, so a developer's example_project/.env cannot change what these tests see."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    return {"ENV_FILE": str(empty)}


def problem_lines(stderr: str) -> list[str]:
    tail = stderr.split("ImproperlyConfigured: Invalid environment configuration:", 1)[1]
    return [line.strip() for line in tail.splitlines() if line.startswith("  ")]


@pytest.mark.slow
def test_example_project__check_passes_with_debug_and_nothing_else(no_dotenv):
    result = manage("check", env=project_env(no_dotenv, debug=True))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
def test_example_project__refuses_production_without_key_and_hosts(no_dotenv):
    result = manage("check", env=project_env(no_dotenv, debug=False))
    assert result.returncode != 0
    assert result.stderr.count("ImproperlyConfigured: Invalid environment configuration") == 1  # one error
    lines = problem_lines(result.stderr)
    assert [line.split(":")[0] for line in lines] == ["ALLOWED_HOSTS", "SECRET_KEY"]


@pytest.mark.slow
def test_example_project__bad_environment_error_never_shows_the_secret(no_dotenv):
    environ = {
        **no_dotenv,
        "SECRET_KEY": CANARY,
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": f"postgresql://app:{CANARY}@db.example.com:port/shop",
    }
    result = manage("check", env=project_env(environ, debug=False))
    assert result.returncode != 0
    assert [line.split(":")[0] for line in problem_lines(result.stderr)] == ["DATABASE_URL", "SECRET_KEY"]
    assert CANARY not in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.services
def test_example_project__production_passes_check_deploy_without_warnings(no_dotenv, postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        environ = {
            **no_dotenv,
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "modestwear.example.com",
            "DATABASE_URL": url,
            # Production sends mail (Django 6.1's deploy check mail.E001 rejects the console backend).
            "EMAIL_PROVIDER": "resend",
            "EMAIL_API_KEY": "re_test_key",
            "DEFAULT_FROM_EMAIL": "no-reply@modestwear.example.com",
        }
        result = manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--database",
            "default",
            env=project_env(environ, debug=False),
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.slow
def test_example_project__production_on_sqlite_is_warned(no_dotenv):
    """The same production environment on SQLite, chosen explicitly (project_env), fails the strict deploy check."""
    environ = {**no_dotenv, "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "modestwear.example.com"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=project_env(environ, debug=False))
    assert result.returncode != 0
    assert "modestwear_config.W004" in result.stderr


# -- packaging ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_package__wheel_installs_in_a_fresh_venv_with_py_typed(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"modestwear_config/{p.relative_to(SRC).as_posix()}" for p in SRC.rglob("*.py")}
    assert expected <= names
    assert "modestwear_config/py.typed" in names
    assert not any(n.startswith(("tests/", "example_project/")) for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Dependencies (Django, ...) come from this venv's site-packages; the package itself from the fresh venv.
    code = (
        "import modestwear_config, pathlib; from modestwear_config import *; "
        "print(modestwear_config.__file__); print((pathlib.Path(modestwear_config.__file__).parent / 'py.typed').exists());"
        " print(DEBUG)"
    )
    result = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": sysconfig.get_paths()["purelib"],
            "DEBUG": "true",
            "BASE_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    location, typed, debug = result.stdout.split()
    assert Path(location).is_relative_to(venv)
    assert (typed, debug) == ("True", "True")
