"""W040: SMTP on Render's blocked ports is a deploy-time warning that names the HTTP alternative."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings

from modestwear_config.concerns.mail import email_settings
from modestwear_config.env import Env

SMTP = {"EMAIL_HOST": "smtp.gmail.com", "EMAIL_HOST_USER": "shop@example.com", "EMAIL_HOST_PASSWORD": "app-password"}
RESEND = {"EMAIL_PROVIDER": "resend", "EMAIL_API_KEY": "re_123", "DEFAULT_FROM_EMAIL": "no-reply@modestwear.com"}


def deploy_ids(environ: dict[str, str]) -> list[str]:
    with override_settings(**email_settings(Env(environ))):
        return [m.id or "" for m in checks.run_checks(include_deployment_checks=True)]


@pytest.mark.parametrize("port", ["587", "465", "25"])
def test_email_checks__smtp_on_render_warns(unbuilt: None, monkeypatch: pytest.MonkeyPatch, port: str):
    monkeypatch.setenv("RENDER", "true")
    with override_settings(**email_settings(Env({**SMTP, "EMAIL_PORT": port}))):
        [warning] = [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "modestwear_config.W040"]
    assert f"port {port}" in warning.msg and "Render" in warning.msg
    assert "EMAIL_PROVIDER" in warning.hint and "EMAIL_API_KEY" in warning.hint
    assert "app-password" not in warning.msg + warning.hint


def test_email_checks__deploy_only(unbuilt: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RENDER", "true")
    with override_settings(**email_settings(Env(SMTP))):
        assert "modestwear_config.W040" not in [m.id for m in checks.run_checks()]


@pytest.mark.parametrize(
    ("render", "environ"),
    [
        ("", SMTP),
        ("true", RESEND),
        ("true", {}),
        ("true", {**SMTP, "EMAIL_PORT": "2525"}),
    ],
    ids=["not_on_render", "http_provider", "console", "smtp_port_2525"],
)
def test_email_checks__silent_otherwise(
    unbuilt: None, monkeypatch: pytest.MonkeyPatch, render: str, environ: dict[str, str]
):
    if render:
        monkeypatch.setenv("RENDER", render)
    else:
        monkeypatch.delenv("RENDER", raising=False)
    assert "modestwear_config.W040" not in deploy_ids(environ)


def test_email_checks__doctor_shows_it(unbuilt: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RENDER", "true")
    out = StringIO()
    with override_settings(DEBUG=False, **email_settings(Env(SMTP))), pytest.raises(SystemExit):
        call_command("config", "--json", stdout=out)
    entries = {e["name"]: e for e in json.loads(out.getvalue())["entries"]}
    found = {p["id"]: p for p in entries["EMAIL_PROVIDER"]["problems"]}
    assert "modestwear_config.W040" in found
    assert "587" in found["modestwear_config.W040"]["message"]


@pytest.mark.parametrize("environ", [{}, {"EMAIL_HOST": ""}], ids=["nothing", "empty_host"])
def test_email_checks__no_working_mailer_with_debug_off_warns(environ: dict[str, str]):
    """W041 on every Django version (6.1 has its own, older ones none): mail to the console in production."""
    with override_settings(DEBUG=False, **email_settings(Env(environ))):
        [warning] = [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "modestwear_config.W041"]
    assert "console backend" in warning.msg and "EMAIL_PROVIDER" in warning.hint
    with override_settings(DEBUG=True, **email_settings(Env(environ))):
        assert "modestwear_config.W041" not in [m.id for m in checks.run_checks(include_deployment_checks=True)]
    with override_settings(DEBUG=False, **email_settings(Env(environ))):
        assert "modestwear_config.W041" not in [m.id for m in checks.run_checks()]  # deploy only


def test_email_checks__working_mailer_no_w041():
    with override_settings(DEBUG=False, **email_settings(Env(SMTP))):
        assert "modestwear_config.W041" not in [m.id for m in checks.run_checks(include_deployment_checks=True)]
