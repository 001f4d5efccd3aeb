"""Real sends: environment -> settings -> Django's send_mail -> the real anymail backend -> a local stand-in
of each provider's API (tests/support/email_api.py).  Nothing of the backend is mocked.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from anymail.exceptions import AnymailAPIError, AnymailNotSupportedWarning
from django.core.mail import send_mail
from django.test import override_settings

from modestwear_config.concerns.mail import email_settings
from modestwear_config.env import Env
from tests.support.email_api import EmailApiServer, Recorded
from tests.support.servers import HTTP_TRICKLE, SMTP_TRICKLE, SilentServer, TricklingServer

pytestmark = pytest.mark.slow  # each test starts a local HTTP server

KEY = "Canary-key-5c1e7a90d2"
KEY_ID = "AKIDCANARY0000000000"
SUBJECT = "Your order 1042 has shipped"
TO = "buyer@example.com"
SENDER = "ModestWear <no-reply@modestwear.com>"
PROVIDERS = ["resend", "brevo", "mailgun", "postmark", "sendgrid", "amazon-ses"]
API_PREFIX = {"brevo": "/v3/", "mailgun": "/v3/", "sendgrid": "/v3/"}  # the path the real base URL has
SEND_PATH = {
    "resend": "/emails",
    "brevo": "/v3/smtp/email",
    "mailgun": "/v3/modestwear.com/messages",
    "postmark": "/email",
    "sendgrid": "/v3/mail/send",
    "amazon-ses": "/v2/email/outbound-emails",
}


def environ(provider: str, api_url: str, **extra: str) -> dict[str, str]:
    env = {"EMAIL_PROVIDER": provider, "EMAIL_API_KEY": KEY, "DEFAULT_FROM_EMAIL": SENDER, "EMAIL_API_URL": api_url}
    if provider == "amazon-ses":
        env |= {"EMAIL_AWS_ACCESS_KEY_ID": KEY_ID, "EMAIL_REGION": "eu-west-1"}
    return env | extra


def configured(provider: str, api_url: str, **extra: str) -> Any:
    env = Env(environ(provider, api_url, **extra))
    result = email_settings(env)  # MAILERS on Django >= 6.1, EMAIL_BACKEND + ANYMAIL before
    assert env.problems == {}
    return override_settings(**result)


@contextlib.contextmanager
def expected_warnings(provider: str) -> Iterator[None]:
    """anymail warns on every SendGrid connection that it no longer tests SendGrid (anymail#432)."""
    if provider != "sendgrid":
        yield
        return
    with pytest.warns(AnymailNotSupportedWarning):
        yield


def send() -> int:
    return send_mail(subject=SUBJECT, message="It is on its way.", from_email=None, recipient_list=[TO])


def authorised(provider: str, request: Recorded) -> bool:
    headers = {k.lower(): v for k, v in request.headers.items()}
    checks: dict[str, Callable[[], bool]] = {
        "resend": lambda: headers["authorization"] == f"Bearer {KEY}",
        "sendgrid": lambda: headers["authorization"] == f"Bearer {KEY}",
        "brevo": lambda: headers["api-key"] == KEY,
        "postmark": lambda: headers["x-postmark-server-token"] == KEY,
        "mailgun": lambda: headers["authorization"] == "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode(),
        # SigV4: the access key id and a signature; the secret itself never travels.
        "amazon-ses": lambda: (
            headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/")
            and "/eu-west-1/ses/aws4_request" in headers["authorization"]
            and KEY not in headers["authorization"]
        ),
    }
    return checks[provider]()


def recipients_and_subject(provider: str, request: Recorded) -> tuple[list[str], str]:
    if provider == "mailgun":  # form fields
        form = parse_qs(request.text())
        return form["to"], form["subject"][0]
    body = request.json()
    if provider == "resend":
        return body["to"], body["subject"]
    if provider == "brevo":
        return [r["email"] for r in body["to"]], body["subject"]
    if provider == "postmark":
        return body["To"].split(","), body["Subject"]
    if provider == "sendgrid":
        return [r["email"] for r in body["personalizations"][0]["to"]], body["subject"]
    raw = base64.b64decode(body["Content"]["Raw"]["Data"]).decode()  # Amazon SES v2: the raw MIME message
    subject = next(line.removeprefix("Subject: ") for line in raw.splitlines() if line.startswith("Subject: "))
    return body["Destination"]["ToAddresses"], subject


@pytest.mark.parametrize("provider", PROVIDERS)
def test_send__each_provider_receives_the_mail(provider: str, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)  # urllib3, botocore and anymail at their most talkative
    with (
        EmailApiServer() as api,
        configured(provider, api.url(API_PREFIX.get(provider, "/"))),
        expected_warnings(provider),
    ):
        assert send() == 1
    [request] = api.requests
    assert (request.method, request.path) == ("POST", SEND_PATH[provider])
    assert authorised(provider, request)
    assert recipients_and_subject(provider, request) == ([TO], SUBJECT)
    assert "no-reply" in request.text() or provider == "amazon-ses"  # the sender, in each provider's encoding
    assert KEY not in caplog.text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_send__error_status_names_provider_and_status_not_the_key(provider: str, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    with (
        EmailApiServer(status=401) as api,
        configured(provider, api.url(API_PREFIX.get(provider, "/"))),
        expected_warnings(provider),
        pytest.raises(AnymailAPIError) as raised,
    ):
        send()
    error = raised.value
    assert error.esp_name == {"amazon-ses": "Amazon SES", "sendgrid": "SendGrid"}.get(provider, provider.title())
    if provider == "amazon-ses":  # boto3's ClientError text: the status is in the parsed response
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    else:
        assert f"{error.esp_name} API response 401" in str(error)
    assert KEY not in str(error) and KEY not in repr(error) and KEY not in caplog.text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_send__silent_provider_costs_at_most_the_timeout(provider: str):
    """A provider that accepts the connection and never answers: EMAIL_TIMEOUT, not anymail's 30 s default."""
    with (
        SilentServer() as silent,
        configured(provider, f"http://127.0.0.1:{silent.port}/", EMAIL_TIMEOUT="1"),
        expected_warnings(provider),
        pytest.raises(AnymailAPIError) as raised,
    ):
        started = time.monotonic()
        try:
            send()
        finally:
            elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0, elapsed
    assert KEY not in str(raised.value)


# -- EMAIL_TIMEOUT is a deadline for one whole send (hardening III, class 4) -------------------------------
TRICKLE_BOUND = 1 + 1.5  # EMAIL_TIMEOUT (1 s) and a margin for unwinding on a busy machine; the trickle lasts ~14 s


@pytest.mark.parametrize("provider", PROVIDERS)
def test_send__trickling_provider_costs_at_most_the_timeout(provider: str):
    """An API that answers one byte every 0.2 s never lets a per-read timeout fire: before, a send took as
    long as the trickle (15 s for EMAIL_TIMEOUT=2). Now EMAIL_TIMEOUT bounds the whole send."""
    with (
        TricklingServer(HTTP_TRICKLE) as trickling,
        configured(provider, f"http://127.0.0.1:{trickling.port}/", EMAIL_TIMEOUT="1"),
        expected_warnings(provider),
        pytest.raises(AnymailAPIError) as raised,
    ):
        started = time.monotonic()
        try:
            send()
        finally:
            elapsed = time.monotonic() - started
    assert elapsed < TRICKLE_BOUND, elapsed
    assert KEY not in str(raised.value)


def test_send__trickling_smtp_server_costs_at_most_the_timeout():
    from smtplib import SMTPException

    with TricklingServer(SMTP_TRICKLE) as trickling:
        env = Env(
            {
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(trickling.port),
                "EMAIL_TIMEOUT": "1",
                "EMAIL_HOST_USER": "shop@example.com",
                "EMAIL_HOST_PASSWORD": KEY,
            }
        )
        result = email_settings(env)
        assert env.problems == {}
        started = time.monotonic()
        with override_settings(**result), pytest.raises((SMTPException, OSError)) as raised:
            send()
        elapsed = time.monotonic() - started
    assert elapsed < TRICKLE_BOUND, elapsed
    assert KEY not in str(raised.value)


@pytest.mark.parametrize("provider", ["resend", "amazon-ses"])
def test_send__several_messages_each_get_the_whole_timeout(provider: str):
    """One connection for several messages; the deadline is per message, not for the batch."""
    import django
    from django.core.mail import EmailMessage

    with EmailApiServer() as api, configured(provider, api.url(API_PREFIX.get(provider, "/")), EMAIL_TIMEOUT="1"):
        if django.VERSION >= (6, 1):  # 6.1 deprecates get_connection() (warnings are errors): its mailers
            from django.core.mail import mailers  # type: ignore[attr-defined,unused-ignore]

            connection = mailers.default
        else:
            from django.core.mail import get_connection

            connection = get_connection()
        messages = [EmailMessage(SUBJECT, "body", SENDER, [TO]) for _ in range(3)]
        assert connection.send_messages(messages) == 3
    assert [r.method for r in api.requests] == ["POST"] * 3
