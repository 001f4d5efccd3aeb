"""Canaries in the HTTP email API's secrets: never in any output of the commands a user runs, whatever the provider
answers (ok, 401, silence), at the most verbose log level."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.email_api import EmailApiServer
from tests.support.servers import SilentServer, manage_each, project_env
from tests.test_email_sends import API_PREFIX, TO

pytestmark = pytest.mark.slow

CANARY = "CanaryMail7q"
STRONG_KEY = "prod-" + "".join(chr(97 + (i * 7) % 26) for i in range(60))


def canary_env(provider: str, api_url: str) -> dict[str, str]:
    env = {
        "EMAIL_PROVIDER": provider,
        "EMAIL_API_KEY": f"{CANARY}-key",
        "EMAIL_API_URL": api_url,
        "DEFAULT_FROM_EMAIL": "no-reply@modestwear.com",
        "EMAIL_TIMEOUT": "1",
        "HEALTH_CHECKS": "email",
        "LOG_LEVEL": "DEBUG",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "shop.example.com",
        "RENDER": "true",
    }
    if provider == "amazon-ses":
        env |= {"EMAIL_AWS_ACCESS_KEY_ID": f"AKID{CANARY}", "EMAIL_REGION": "eu-west-1"}
    return project_env(env, debug=False)


@contextmanager
def provider_answering(state: str, provider: str) -> Iterator[str]:
    prefix = API_PREFIX.get(provider, "/")
    if state == "silent":
        with SilentServer() as silent:
            yield f"http://127.0.0.1:{silent.port}{prefix}"
        return
    with EmailApiServer(status=401 if state == "rejecting" else None) as api:
        yield api.url(prefix)


@pytest.mark.parametrize("state", ["ok", "rejecting", "silent"])
@pytest.mark.parametrize("provider", ["resend", "amazon-ses"])
def test_email_canaries__no_output_shows_the_secrets(provider: str, state: str):
    with provider_answering(state, provider) as url:
        env = canary_env(provider, url)
        runs = [
            ("check", "--deploy"),
            ("config",),
            ("config", "--json"),
            ("config", "--connections"),
            ("health", "--json"),
            ("sendtestemail", TO),
        ]
        outputs = {" ".join(args): result for args, result in manage_each(runs, env, timeout=60).items()}
    for name, result in outputs.items():
        text = result.stdout + result.stderr
        assert "Unknown command" not in text, text
        assert CANARY not in text, f"canary leaked in manage.py {name} ({provider}, {state}):\n{text[:3000]}"
    assert (outputs[f"sendtestemail {TO}"].returncode == 0) is (state == "ok")


def test_email_canaries__standalone_doctor():
    import subprocess

    env = canary_env("amazon-ses", "http://127.0.0.1:9/")
    result = subprocess.run(
        [sys.executable, "-m", "modestwear_config.doctor"], env=env, capture_output=True, text=True, timeout=60
    )
    assert "EMAIL_API_KEY" in result.stdout
    assert CANARY not in result.stdout + result.stderr
