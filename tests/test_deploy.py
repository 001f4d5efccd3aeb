"""example_project/deploy.sh from a fresh copy of the project, as the README runs it (DEBUG=true and
PATH, nothing else), through to gunicorn serving real HTTP; and the Render blueprint."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import requests
import yaml

from modestwear_config.env import BY_NAME
from tests.support.servers import EXAMPLE_PROJECT, ROOT, free_port, stop_process_group, wait_for_http

VENV_BIN = Path(sys.executable).parent
README_PORT = BY_NAME["PORT"].default  # the README's run command sets no PORT
CANARY = "Canary-Deploy-Pw-5mX2q8"


def readme_environment(**extra: str) -> dict[str, str]:
    """Exactly what the README's command gives deploy.sh: DEBUG=true and the venv first on PATH."""
    return {"DEBUG": "true", "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}", **extra}


def fresh_copy(tmp_path: Path) -> Path:
    """The example project as a fresh clone has it: no database, no collected static files."""
    ignore = shutil.ignore_patterns("db.sqlite3", "staticfiles", "media", "__pycache__", ".env")
    return Path(shutil.copytree(EXAMPLE_PROJECT, tmp_path / "example_project", ignore=ignore))


class Deploy:
    """`bash deploy.sh` in its own process group (gunicorn replaces the shell), output to a file."""

    def __init__(self, project: Path, env: dict[str, str]) -> None:
        self.project = project
        self.port = int(env.get("PORT", README_PORT))
        self.log = tempfile.NamedTemporaryFile(prefix="mwc-deploy-", suffix=".log", delete=False)  # noqa: SIM115 - lives as long as the server; closed in stop()
        # From another directory: deploy.sh must find its project by itself.
        self.process = subprocess.Popen(
            ["bash", str(project / "deploy.sh")],
            cwd=project.parent,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_exit(self, timeout: float = 120) -> int:
        return self.process.wait(timeout=timeout)

    def wait_healthy(self, timeout: float = 180) -> requests.Response:
        try:
            response = wait_for_http(f"{self.base_url}/healthz", timeout, alive=self.alive)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}:\n{self.output()}") from None
        assert response.status_code == 200, f"/healthz answered {response.status_code}:\n{self.output()}"
        return response

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"deploy.sh exited with {self.process.returncode}:\n{self.output()}")

    def stop(self) -> None:
        stop_process_group(self.process, timeout=20)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture
def deploys() -> Iterator[list[Deploy]]:
    started: list[Deploy] = []
    yield started
    for deploy in started:
        deploy.stop()


def sqlite_rows(project: Path, sql: str) -> list[tuple[object, ...]]:
    # sqlite3's context manager only commits: closing() closes (Python 3.13 warns on an unclosed one).
    with closing(sqlite3.connect(project / "db.sqlite3")) as conn:
        return conn.execute(sql).fetchall()


# -- the README's run -----------------------------------------------------------------------------
@pytest.mark.slow
def test_deploy__fresh_copy_with_only_debug_and_path(tmp_path: Path, deploys: list[Deploy]) -> None:
    """The README's run, on a free port (PORT) so that two runs of the suite never collide on 8000;
    what the README promises for the default port is checked without binding it (next test)."""
    project = fresh_copy(tmp_path)
    deploys.append(deploy := Deploy(project, readme_environment(PORT=str(free_port()))))
    health = deploy.wait_healthy()
    assert health.json() == {"status": "ok"}

    output = deploy.output()
    steps = [
        "==> checking the gunicorn",
        "==> manage.py migrate",
        "==> manage.py collectstatic",
        "==> manage.py ensure_superuser",
        "==> starting gunicorn",
    ]
    assert [output.index(step) for step in steps] == sorted(output.index(step) for step in steps)
    assert "Skipped: DJANGO_SUPERUSER_EMAIL is not set" in output
    assert f"Serving on 0.0.0.0:{deploy.port}: {readme_url(deploy.port)}" in output
    # The SQLite default and the collected files land in the copy, not in the repository.
    applied = sqlite_rows(project, "SELECT app, name FROM django_migrations")
    assert ("auth", "0001_initial") in applied and ("sessions", "0001_initial") in applied
    assert sqlite_rows(project, "SELECT count(*) FROM auth_user") == [(0,)]
    assert (project / "staticfiles" / "admin" / "css" / "base.css").is_file()
    assert requests.get(f"{deploy.base_url}/static/admin/css/base.css", timeout=5).status_code == 200


def readme_url(port: int) -> str:
    """The README's address for the example, moved to `port` (the README's run sets no PORT)."""
    url = f"http://127.0.0.1:{README_PORT}/healthz"
    assert url in (ROOT / "README.md").read_text(), "the README no longer says where the example answers"
    return url.replace(f":{README_PORT}/", f":{port}/")


def test_deploy__readme_port_is_what_deploy_prints_without_port() -> None:
    """With only DEBUG and PATH (the README's command), deploy.sh's first step prints the README's URL."""
    where = subprocess.run(
        [sys.executable, "-m", "modestwear_config.gunicorn", "--where"],
        env=readme_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(f"Serving on 0.0.0.0:{README_PORT}: {readme_url(README_PORT)}")


@pytest.mark.slow
def test_deploy__superuser_logs_in_to_the_admin_over_http(tmp_path: Path, deploys: list[Deploy]) -> None:
    project = fresh_copy(tmp_path)
    env = readme_environment(
        PORT=str(free_port()),
        WEB_CONCURRENCY="1",
        DJANGO_SUPERUSER_EMAIL="boss@example.com",
        DJANGO_SUPERUSER_USERNAME="boss",
        DJANGO_SUPERUSER_PASSWORD=CANARY,
    )
    deploys.append(deploy := Deploy(project, env))
    deploy.wait_healthy()
    login = f"{deploy.base_url}/admin/login/?next=/admin/"

    def log_in(password: str) -> requests.Response:
        session = requests.Session()
        form = session.get(login, timeout=5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert form.status_code == 200 and token is not None
        return session.post(
            login,
            data={"csrfmiddlewaretoken": token.group(1), "username": "boss", "password": password, "next": "/admin/"},
            timeout=10,
        )

    refused = log_in("not-" + CANARY)
    assert refused.url == login and "Please enter the correct username and password" in refused.text
    admin = log_in(CANARY)
    assert admin.status_code == 200 and admin.url == f"{deploy.base_url}/admin/"
    assert "Site administration" in admin.text and "boss" in admin.text and "Log out" in admin.text
    output = deploy.output()
    assert "Created superuser 'boss'" in output
    assert CANARY not in output


@pytest.mark.slow
def test_deploy__asgi_from_one_variable(tmp_path: Path, deploys: list[Deploy]) -> None:
    """The README's command with SERVER_INTERFACE=asgi: the same steps, then uvicorn workers on core.asgi."""
    pytest.importorskip("uvicorn_worker", reason="the asgi extra is not installed")
    project = fresh_copy(tmp_path)
    deploys.append(
        deploy := Deploy(
            project, readme_environment(PORT=str(free_port()), WEB_CONCURRENCY="1", SERVER_INTERFACE="asgi")
        )
    )
    assert deploy.wait_healthy().json() == {"status": "ok"}
    answers = {
        path: requests.get(f"{deploy.base_url}{path}", timeout=10)
        for path in ("/health", "/admin/login/", "/api/hello/", "/static/admin/css/base.css")
    }
    output = deploy.output()
    assert "==> starting gunicorn (asgi)" in output and "worker_class=uvicorn_worker.UvicornWorker" in output
    assert {path: a.status_code for path, a in answers.items()} == dict.fromkeys(answers, 200)
    assert answers["/health"].json()["status"] == "ok" and "csrfmiddlewaretoken" in answers["/admin/login/"].text
    assert answers["/api/hello/"].json()["hello"] == "modestwear"
    assert "Warning" not in output and "Traceback" not in output  # e.g. Django's sync-iterator warning per file


# -- stopping at the first failing step ---------------------------------------------------------------
@pytest.mark.slow
def test_deploy__bad_port_stops_before_migrating(tmp_path: Path, deploys: list[Deploy]) -> None:
    project = fresh_copy(tmp_path)
    deploys.append(deploy := Deploy(project, readme_environment(PORT="70000")))
    assert deploy.wait_exit() == 2
    output = deploy.output()
    assert "PORT: expected an integer <= 65535" in output
    assert "==> manage.py migrate" not in output and not (project / "db.sqlite3").exists()


@pytest.mark.slow
def test_deploy__failed_migration_stops_with_its_exit_code(tmp_path: Path, deploys: list[Deploy]) -> None:
    project = fresh_copy(tmp_path)
    closed = f"postgresql://nobody:{CANARY}@127.0.0.1:{free_port()}/shop"  # nothing listens there
    deploys.append(deploy := Deploy(project, readme_environment(DATABASE_URL=closed)))
    assert deploy.wait_exit() == 1  # manage.py migrate's own exit code
    output = deploy.output()
    assert "==> manage.py migrate" in output and "OperationalError: connection failed" in output
    assert CANARY not in output
    assert "==> manage.py collectstatic" not in output and "==> starting gunicorn" not in output


# -- the Render blueprint --------------------------------------------------------------------------------
def blueprint() -> dict[str, object]:
    return yaml.safe_load((EXAMPLE_PROJECT / "render.yaml").read_text())  # type: ignore[no-any-return]


def test_render_yaml__web_service_runs_deploy_sh() -> None:
    [service] = blueprint()["services"]  # type: ignore[misc]
    assert (service["type"], service["runtime"]) == ("web", "python")
    assert service["startCommand"] == "bash example_project/deploy.sh"
    assert service["buildCommand"].startswith("pip install")
    assert service["healthCheckPath"] == "/healthz"
    values = {v["key"]: v.get("value") for v in service["envVars"]}
    assert values["DEBUG"] == "false"
    assert values["PYTHON_VERSION"].startswith("3.11.")  # Render wants a full version in this variable


def test_render_yaml__every_variable_declared_and_secrets_never_inline() -> None:
    [service] = blueprint()["services"]  # type: ignore[misc]
    platform = {"PYTHON_VERSION"}
    for var in service["envVars"]:
        key = var["key"]
        assert key in BY_NAME or key in platform, f"{key} is not in the registry"
        if key in BY_NAME and BY_NAME[key].secret:
            assert var.get("sync") is False and "value" not in var, f"{key} is a secret: sync: false, no value"
    keys = {v["key"] for v in service["envVars"]}
    assert {"SECRET_KEY", "DATABASE_URL", "DJANGO_SUPERUSER_EMAIL", "DJANGO_SUPERUSER_PASSWORD"} <= keys
