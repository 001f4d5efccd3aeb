"""tests/shop_project, a project that looks like a real shop backend (email login with a required user
name, a JSON API app, its own variables, its own test suite): its suite passes without collectstatic,
and deploy.sh takes a fresh copy of it to gunicorn and an admin login over HTTP."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.servers import EXAMPLE_PROJECT, SHOP_PROJECT, explicit_sqlite, free_port, shop_env, shop_manage
from tests.test_deploy import Deploy, readme_environment

CANARY = "Canary-Shop-Pw-8vN3k"
PAYMENT_CANARY = "sk_live_Canary-Payment-2hT7"
STRONG_KEY = "shop-tests-" + "Qx7-vB2n-" * 6


def fresh_shop(tmp_path: Path, dotenv: str = "") -> Path:
    """A fresh clone of the shop: no database, no collected static files; deploy.sh as the example's."""
    ignore = shutil.ignore_patterns("db.sqlite3", "staticfiles", "media", "__pycache__", ".env")
    project = Path(shutil.copytree(SHOP_PROJECT, tmp_path / "shop_project", ignore=ignore))
    shutil.copy(EXAMPLE_PROJECT / "deploy.sh", project / "deploy.sh")
    if dotenv:
        (project / "core" / ".env").write_text(dotenv)  # beside settings.py, where this shop keeps it
    return project


# -- the project's own test suite ------------------------------------------------------------------
@pytest.mark.slow
def test_shop_project__own_suite_passes_without_collectstatic(tmp_path: Path) -> None:
    """Django's runner and pytest-django force DEBUG off: the admin pages used to need collectstatic."""
    project = fresh_shop(tmp_path, dotenv="DEBUG=true\n")
    env = {k: v for k, v in shop_env().items() if k not in ("DEBUG", "PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    pytest_run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pytest_run.returncode == 0, pytest_run.stdout + pytest_run.stderr
    assert "4 passed" in pytest_run.stdout
    django_run = shop_manage("test", "--no-input", env=env, project=project, timeout=300)
    assert django_run.returncode == 0, django_run.stdout + django_run.stderr
    assert "Ran 4 tests" in django_run.stderr and "OK" in django_run.stderr
    assert not (project / "staticfiles").exists()  # collectstatic never ran


# -- the project's own variables --------------------------------------------------------------------
@pytest.mark.slow
def test_shop_project__config_shows_its_variables_and_their_problems(tmp_path: Path) -> None:
    project = fresh_shop(tmp_path, dotenv="DEBUG=true\nORDER_MAX_ITEMS=5\n")
    env = {**shop_env(), "PAYMENT_SECRET_KEY": PAYMENT_CANARY}
    env.pop("DEBUG")
    shown = shop_manage("config", "--json", env=env, project=project)
    assert PAYMENT_CANARY not in shown.stdout + shown.stderr
    data = json.loads(shown.stdout)
    entries = {e["name"]: e for e in data["entries"]}
    assert (entries["PAYMENT_SECRET_KEY"]["value"], entries["PAYMENT_SECRET_KEY"]["concern"]) == ("set", "shop")
    assert (entries["ORDER_MAX_ITEMS"]["value"], entries["ORDER_MAX_ITEMS"]["source"]) == ("5", "dotenv")
    assert data["dotenv"] == str((project / "core" / ".env").resolve())

    only_shop = json.loads(shop_manage("config", "--json", "--concern", "shop", env=env, project=project).stdout)
    assert [e["name"] for e in only_shop["entries"]] == ["PAYMENT_SECRET_KEY", "ORDER_MAX_ITEMS"]
    example = shop_manage("config", "--env-example", env=env, project=project).stdout
    assert "# --- shop ---" in example and "# PAYMENT_SECRET_KEY=sk_test_..." in example
    assert "# ORDER_MAX_ITEMS=20" in example and "# DATABASE_URL=" in example

    bad = shop_manage("check", env={**env, "ORDER_MAX_ITEMS": "0", "DEBUG": "maybe"}, project=project)
    assert bad.returncode == 1
    assert "  DEBUG: expected a boolean" in bad.stderr and "  ORDER_MAX_ITEMS: expected an integer >= 1" in bad.stderr
    assert bad.stderr.count("ImproperlyConfigured: Invalid environment configuration") == 1


# -- deploy.sh end to end -------------------------------------------------------------------------------
@pytest.fixture
def deploys() -> Iterator[list[Deploy]]:
    started: list[Deploy] = []
    yield started
    for deploy in started:
        deploy.stop()


def admin_login(base_url: str, username: str, password: str) -> requests.Response:
    login = f"{base_url}/admin/login/?next=/admin/"
    session = requests.Session()
    form = session.get(login, timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert form.status_code == 200 and token is not None, form.text[:500]
    return session.post(
        login,
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password, "next": "/admin/"},
        timeout=10,
    )


@pytest.mark.slow
def test_shop_project__deploy_sh_to_an_admin_login_in_production_mode(tmp_path: Path, deploys: list[Deploy]) -> None:
    # The user name the model requires comes from core/.env, the rest from the platform's environment.
    project = fresh_shop(tmp_path, dotenv="DJANGO_SUPERUSER_USERNAME=boss\n")
    env = readme_environment(
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        PORT=str(free_port()),
        WEB_CONCURRENCY="1",
        # Plain HTTP on loopback (no TLS proxy here): no redirect, cookies without Secure.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        DJANGO_SUPERUSER_EMAIL="boss@shop.example",
        DJANGO_SUPERUSER_PASSWORD=CANARY,
        PAYMENT_SECRET_KEY=PAYMENT_CANARY,
        DATABASE_URL=explicit_sqlite(project),  # production names its database
    )
    deploys.append(deploy := Deploy(project, env))
    deploy.wait_healthy()
    output = deploy.output()
    assert "Created superuser 'boss@shop.example'" in output
    assert CANARY not in output and PAYMENT_CANARY not in output

    assert "Please enter the correct" in admin_login(deploy.base_url, "boss@shop.example", "not-" + CANARY).text
    admin = admin_login(deploy.base_url, "boss@shop.example", CANARY)
    assert admin.status_code == 200 and admin.url == f"{deploy.base_url}/admin/"
    assert "Site administration" in admin.text and "Log out" in admin.text

    # Production static files: hashed names in the pages, compressed, cached for ever.
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', admin.text)
    assert css is not None, admin.text[:800]
    served = requests.get(deploy.base_url + css.group(1), headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert served.status_code == 200 and served.headers["Content-Encoding"] == "gzip"
    assert "immutable" in served.headers["Cache-Control"]
    assert requests.get(f"{deploy.base_url}/api/products/", timeout=5).json() == {"products": [], "max_items": 20}
