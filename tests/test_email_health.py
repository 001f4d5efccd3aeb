"""The optional "email" health check: the provider's credentials, checked against the stand-in without sending."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from modestwear_config.concerns.mail import email_settings
from modestwear_config.env import Env
from modestwear_config.health import builtin as checks
from modestwear_config.health.catalog import SKIPPED
from modestwear_config.health.mail_probe import CredentialsRejected, ProviderError, probe_email
from modestwear_config.health.runner import RUNNER
from tests.support.email_api import EmailApiServer
from tests.test_email_sends import API_PREFIX, KEY, PROVIDERS, authorised, configured, expected_warnings

pytestmark = pytest.mark.slow  # starts a local HTTP server

VERIFY_PATH = {
    "resend": "/domains",
    "brevo": "/v3/account",
    "mailgun": "/v3/domains/modestwear.com",
    "postmark": "/server",
    "sendgrid": "/v3/scopes",
    "amazon-ses": "/v2/email/account",
}


@pytest.fixture(autouse=True)
def clean_state():
    checks.reset()
    RUNNER.reset()
    yield
    checks.reset()
    RUNNER.reset()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_email_health__credentials_checked_without_sending(provider: str):
    with (
        EmailApiServer() as api,
        configured(provider, api.url(API_PREFIX.get(provider, "/"))),
        expected_warnings(provider),
    ):
        assert probe_email(2.0) is None
    [request] = api.requests
    assert (request.method, request.path) == ("GET", VERIFY_PATH[provider])  # a read, never a send
    assert authorised(provider, request)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_email_health__rejected_key_fails_without_the_key(provider: str):
    with (
        EmailApiServer(status=401) as api,
        configured(provider, api.url(API_PREFIX.get(provider, "/"))),
        expected_warnings(provider),
        pytest.raises(CredentialsRejected) as raised,
    ):
        probe_email(2.0)
    assert KEY not in str(raised.value) and KEY not in repr(raised.value)
    assert raised.value.__context__ is None or KEY not in str(raised.value.__context__)


def test_email_health__provider_outage_is_not_a_rejected_key():
    with EmailApiServer(status=503) as api, configured("postmark", api.url()), pytest.raises(ProviderError):
        probe_email(2.0)


def test_email_health__mailgun_sender_domain_wins():
    with EmailApiServer() as api, configured("mailgun", api.url("/v3/"), EMAIL_SENDER_DOMAIN="mg.modestwear.com"):
        probe_email(2.0)
    assert api.requests[0].path == "/v3/domains/mg.modestwear.com"


def test_email_health__resend_sending_only_key_is_valid():
    restricted = {"statusCode": 401, "name": "restricted_api_key", "message": "This API key is restricted to only send"}
    with EmailApiServer(status=401, error_body=restricted) as api, configured("resend", api.url()):
        assert probe_email(2.0) is None


@pytest.mark.parametrize(
    "environ",
    [{}, {"EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_USER": "shop", "EMAIL_HOST_PASSWORD": KEY}],
    ids=["console", "smtp"],
)
def test_email_health__other_backends_say_they_cannot(environ: dict[str, str]):
    with override_settings(**email_settings(Env(environ))):
        assert probe_email(2.0) == SKIPPED


def test_email_health__manage_py_health_runs_it_when_enabled(db):
    out = StringIO()
    with (
        EmailApiServer() as api,
        configured("postmark", api.url()),
        override_settings(MODESTWEAR_HEALTH_CHECKS=("email",)),
    ):
        call_command("health", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["checks"]["email"]["status"] == "ok"
    assert [r.path for r in api.requests] == ["/server"]
    assert KEY not in out.getvalue()


def test_email_health__config_connections_reports_a_rejected_key(db):
    out = StringIO()
    with (
        EmailApiServer(status=401) as api,
        configured("brevo", api.url("/v3/")),
        override_settings(MODESTWEAR_HEALTH_CHECKS=("email",)),
        pytest.raises(SystemExit),
    ):
        call_command("config", "--connections", "--json", stdout=out)
    connections = {c["name"]: c for c in json.loads(out.getvalue())["connections"]}
    assert (connections["email"]["status"], connections["email"]["error"]) == ("fail", "CredentialsRejected")
    assert api.requests and KEY not in out.getvalue()


def test_email_health__not_run_unless_enabled(db):
    out = StringIO()
    with EmailApiServer() as api, configured("resend", api.url()):
        call_command("health", "--json", stdout=out)
    assert "email" not in json.loads(out.getvalue())["checks"]
    assert api.requests == []
