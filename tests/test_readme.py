"""The README is short and true: what it quotes is what the code prints, and its quickstart runs.

The quickstart is followed on a fresh `startproject` (module `mysite`, not the example project):
the README's own code blocks are written into it, then its checks, doctor and both servers'
applications answer as the README says.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import ROOT

README = (ROOT / "README.md").read_text()
MAX_LINES = 250


def code_after(marker: str, language: str = "python") -> str:
    """The first fenced block of `language` after the line holding `marker`, dedented."""
    start = README.index(marker)
    match = re.search(rf"^( *)```{language}\n(.*?)^\1```", README[start:], re.S | re.M)
    assert match, f"no {language} block after {marker!r}"
    indent = len(match.group(1))
    return "".join(line[indent:] for line in match.group(2).splitlines(keepends=True))


def test_readme__short():
    assert README.count("\n") <= MAX_LINES


def test_readme__every_relative_link_exists_and_every_doc_is_listed():
    targets = {t.split("#")[0] for t in re.findall(r"\]\(([^)]+)\)", README) if "://" not in t}
    missing = sorted(t for t in targets if not (ROOT / t).exists())
    assert not missing
    unlisted = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))
    assert [d for d in unlisted if d not in targets] == []


def test_readme__the_printed_urls_are_what_deploy_prints_by_default():
    """The quoted "Serving on" line is `--where`'s output with nothing set (the README's command)."""
    quoted = code_after("it prints where the server answers", "text").strip()
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "true"}
    printed = subprocess.run(
        [sys.executable, "-m", "modestwear_config.gunicorn", "--where"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert quoted == printed
    for url in set(re.findall(r"http://127\.0\.0\.1:8000/[\w/.-]*", README)):
        assert url in printed, f"the README names {url}, which the server does not print"


def test_readme__the_two_commands_are_the_ones_ci_and_the_deploy_tests_run():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = code_after("Install what the tests need", "bash").strip()
    assert test_command in ci
    run_command = code_after("Run the example project", "bash").strip()
    assert run_command.endswith("bash example_project/deploy.sh")


# -- the quickstart on a fresh startproject -----------------------------------------------------------
@pytest.fixture(scope="module")
def quickstart(tmp_path_factory) -> Path:
    """`django-admin startproject mysite`, then steps 1 to 3 exactly as the README writes them."""
    root = tmp_path_factory.mktemp("quickstart")
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run([str(django_admin), "startproject", "mysite"], cwd=root, check=True, timeout=60)
    project = root / "mysite"
    package = project / "mysite"
    (package / "settings.py").write_text(code_after("**`mysite/settings.py`**"))
    (package / "urls.py").write_text(code_after("**`mysite/urls.py`**"))
    wsgi = code_after("**`mysite/wsgi.py` and `mysite/asgi.py`**")
    (package / "wsgi.py").write_text(wsgi)
    (package / "asgi.py").write_text(wsgi.replace("wsgi", "asgi"))  # "the same with ..."
    return project


def run_in(project: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "mysite.settings", **environ}
    return subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_readme_quickstart__checks_clean_and_the_doctor_answers(quickstart):
    check = run_in(quickstart, "manage.py", "check", "--fail-level", "WARNING", DEBUG="true")
    assert check.returncode == 0, check.stderr
    doctor = run_in(quickstart, "manage.py", "config", DEBUG="true")
    assert doctor.returncode == 0, doctor.stderr
    assert "DEBUG" in doctor.stdout and "(environment)" in doctor.stdout
    bare = run_in(quickstart, "-m", "modestwear_config.doctor", DEBUG="true")
    assert bare.returncode == 0, bare.stderr


@pytest.mark.slow
def test_readme_quickstart__both_applications_answer_healthz_before_django(quickstart):
    """The wrapped WSGI and ASGI applications answer /healthz, with a Host Django would refuse."""
    probe = """
import asyncio, io, json, sys
from wsgiref.util import setup_testing_defaults
import mysite.wsgi, mysite.asgi

environ = {"PATH_INFO": "/healthz", "HTTP_HOST": "10.0.0.7:10000"}
setup_testing_defaults(environ)
seen = []
body = b"".join(mysite.wsgi.application(environ, lambda status, headers: seen.append(status)))
print(json.dumps({"wsgi": [seen[0], body.decode()]}))

async def asgi():
    sent = []
    async def receive():
        return {"type": "http.request", "body": b""}
    async def send(message):
        sent.append(message)
    scope = {"type": "http", "method": "GET", "path": "/healthz", "headers": [(b"host", b"10.0.0.7")],
             "query_string": b"", "http_version": "1.1", "scheme": "http", "server": ("10.0.0.7", 80)}
    await mysite.asgi.application(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:]).decode()
print(json.dumps({"asgi": list(asyncio.run(asgi()))}))
"""
    production = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "mysite.example.com"}
    production["DATABASE_URL"] = f"sqlite:///{quickstart / 'db.sqlite3'}"
    result = run_in(quickstart, "-c", probe, **production)
    assert result.returncode == 0, result.stderr
    answers = {k: v for line in result.stdout.splitlines() for k, v in json.loads(line).items()}
    assert answers["wsgi"][0].startswith("200")
    assert answers["asgi"][0] == 200
    for _, body in answers.values():
        assert json.loads(body) == {"status": "ok"}


@pytest.mark.slow
def test_readme_existing_project__a_declared_variable_is_read_and_masked(quickstart):
    """The existing-project snippet, as the settings' head: the doctor shows the variable, masked."""
    settings = quickstart / "mysite" / "settings.py"
    original = settings.read_text()
    body = original.replace("from modestwear_config import *  # noqa: F403\n", "")
    settings.write_text(code_after("Declare your own variables") + body)
    canary = "canary-Payment-9f2c41"
    try:
        doctor = run_in(quickstart, "manage.py", "config", DEBUG="true", PAYMENT_SECRET_KEY=canary)
    finally:
        settings.write_text(original)
    assert doctor.returncode == 0, doctor.stderr
    line = next(line for line in doctor.stdout.splitlines() if "PAYMENT_SECRET_KEY" in line)
    assert "set  (environment)" in line
    assert canary not in doctor.stdout + doctor.stderr


@pytest.mark.slow
def test_readme_existing_project__lists_and_policy_as_written(quickstart):
    """The existing-project block as the settings: its apps merged once, its policy a project default."""
    settings = quickstart / "mysite" / "settings.py"
    original = settings.read_text()
    (quickstart / "shop").mkdir(exist_ok=True)
    (quickstart / "shop" / "__init__.py").write_text("")
    settings.write_text(code_after("Keep your own lists and policy") + 'ROOT_URLCONF = "mysite.urls"\n')
    probe = (
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.DEFAULT_AUTO_FIELD); print(len(s.INSTALLED_APPS) == len(set(s.INSTALLED_APPS)));"
        "print('shop' in s.INSTALLED_APPS and 'django.contrib.humanize' in s.INSTALLED_APPS);"
        "print(s.MIDDLEWARE.index('django.middleware.locale.LocaleMiddleware') > 0)"
    )
    try:
        check = run_in(quickstart, "manage.py", "check", DEBUG="true")
        values = run_in(quickstart, "-c", probe, DEBUG="true")
        doctor = run_in(quickstart, "manage.py", "config", "--concern", "core", DEBUG="true")
    finally:
        settings.write_text(original)
    assert check.returncode == 0, check.stderr
    assert values.stdout.split() == ["django.db.models.AutoField", "True", "True", "True"], values.stderr
    line = next(line for line in doctor.stdout.splitlines() if line.strip().startswith("DEFAULT_AUTO_FIELD"))
    assert "(project default)" in line
