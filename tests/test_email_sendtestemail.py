"""``manage.py sendtestemail`` of the example project, configured only by the environment, with every backend."""

from __future__ import annotations

from urllib.parse import unquote_plus

import pytest

from tests.support.email_api import EmailApiServer, SmtpServer
from tests.support.servers import manage, project_env
from tests.test_email_sends import API_PREFIX, KEY, PROVIDERS, SEND_PATH, TO, authorised, environ

pytestmark = pytest.mark.slow  # a subprocess per backend

# Django's deprecations (EMAIL_* on 6.1) are errors, as in the suite.
STRICT = {"PYTHONWARNINGS": "error::DeprecationWarning,error::PendingDeprecationWarning"}


def sendtestemail(extra: dict[str, str]) -> tuple[int, str]:
    result = manage("sendtestemail", TO, env=project_env({**STRICT, **extra}), timeout=60)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("provider", PROVIDERS)
def test_sendtestemail__each_provider(provider: str):
    with EmailApiServer() as api:
        code, output = sendtestemail(environ(provider, api.url(API_PREFIX.get(provider, "/"))))
    assert code == 0, output
    [request] = api.requests
    assert (request.method, request.path) == ("POST", SEND_PATH[provider])
    assert authorised(provider, request)
    assert "Test email from" in unquote_plus(request.text()) or provider == "amazon-ses"  # SES: base64 MIME
    assert KEY not in output
    # anymail's own notice on every SendGrid connection; nothing else is printed.
    assert ("AnymailNotSupportedWarning" in output) is (provider == "sendgrid")


def test_sendtestemail__smtp():
    with SmtpServer() as smtp:
        code, output = sendtestemail(
            {
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp.port),
                "EMAIL_USE_TLS": "false",
                "EMAIL_HOST_USER": "shop@example.com",
                "EMAIL_HOST_PASSWORD": KEY,
                "EMAIL_TIMEOUT": "5",
            }
        )
    assert code == 0, output
    [message] = smtp.messages
    assert message["auth"] == [b"shop@example.com", KEY.encode()]
    assert [line.upper() for line in message["rcpt"]] == [f"RCPT TO:<{TO.upper()}>"]
    assert "Subject: Test email from" in message["data"]
    assert KEY not in output


def test_sendtestemail__console_by_default():
    code, output = sendtestemail({})
    assert code == 0, output
    assert f"To: {TO}" in output and "Subject: Test email from" in output
