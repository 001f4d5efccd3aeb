"""EMAIL_*: the console without a host, SMTP with STARTTLS on 587, implicit TLS on 465, bounded by a timeout."""

from __future__ import annotations

import time
from smtplib import SMTPServerDisconnected

import pytest
from django.core.mail import send_mail
from django.test import override_settings

from modestwear_config.concerns.mail import email_settings
from modestwear_config.env import Env
from tests.support.servers import SilentServer

CANARY = "Canary-7f3e9b2d41"


def settings(**environ: str) -> dict:
    env = Env(environ)
    result = email_settings(env, mailers=False)  # the EMAIL_* shape; test_email_providers covers MAILERS
    assert env.problems == {}
    return result


def test_email__console_without_host():
    assert settings() == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DEFAULT_FROM_EMAIL": "webmaster@localhost",
        "SERVER_EMAIL": "webmaster@localhost",
    }


def test_email__smtp_on_587_uses_starttls():
    result = settings(EMAIL_HOST="smtp.gmail.com", EMAIL_HOST_USER="shop@example.com", EMAIL_HOST_PASSWORD=CANARY)
    assert (
        result["EMAIL_BACKEND"] == "modestwear_config.components.mail_backends.SMTPEmailBackend"
    )  # Django's, + deadline
    assert (result["EMAIL_HOST"], result["EMAIL_PORT"]) == ("smtp.gmail.com", 587)
    assert (result["EMAIL_USE_TLS"], result["EMAIL_USE_SSL"]) == (True, False)
    assert result["EMAIL_HOST_PASSWORD"] == CANARY
    assert result["EMAIL_TIMEOUT"] == 10
    assert result["DEFAULT_FROM_EMAIL"] == result["SERVER_EMAIL"] == "shop@example.com"


def test_email__port_465_uses_implicit_tls():
    result = settings(EMAIL_HOST="smtp.example.com", EMAIL_PORT="465")
    assert (result["EMAIL_USE_TLS"], result["EMAIL_USE_SSL"]) == (False, True)


def test_email__other_port_no_tls_unless_asked():
    assert settings(EMAIL_HOST="mail", EMAIL_PORT="25")["EMAIL_USE_TLS"] is False
    assert settings(EMAIL_HOST="mail", EMAIL_PORT="2525", EMAIL_USE_TLS="true")["EMAIL_USE_TLS"] is True


def test_email__ssl_on_587_turns_starttls_default_off():
    result = settings(EMAIL_HOST="mail", EMAIL_USE_SSL="true")
    assert (result["EMAIL_USE_TLS"], result["EMAIL_USE_SSL"]) == (False, True)


def test_email__explicit_sender():
    result = settings(
        EMAIL_HOST_USER="u@example.com", EMAIL_HOST_PASSWORD=CANARY, DEFAULT_FROM_EMAIL="Shop <no-reply@example.com>"
    )
    assert result["DEFAULT_FROM_EMAIL"] == "Shop <no-reply@example.com>"


def test_email__password_from_file(tmp_path):
    (tmp_path / "pw").write_text(CANARY + "\n")
    result = settings(
        EMAIL_HOST="mail", EMAIL_HOST_USER="shop@example.com", EMAIL_HOST_PASSWORD_FILE=str(tmp_path / "pw")
    )
    assert result["EMAIL_HOST_PASSWORD"] == CANARY


def test_email__tls_and_ssl_together_refused():
    env = Env({"EMAIL_HOST": "mail", "EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"})
    email_settings(env, mailers=False)
    assert set(env.problems) == {"EMAIL_USE_TLS"}


def test_email__smtp_values_validated_without_host():
    env = Env({"EMAIL_PORT": "smtp", "EMAIL_TIMEOUT": "0"})
    assert email_settings(env, mailers=False)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert set(env.problems) == {"EMAIL_PORT", "EMAIL_TIMEOUT"}


@pytest.mark.slow
def test_email__silent_smtp_server_fails_within_email_timeout():
    """A stuck SMTP server costs EMAIL_TIMEOUT seconds, not a hung request (sent as the project sends)."""
    with SilentServer() as server:
        env = Env(
            {
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(server.port),
                "EMAIL_TIMEOUT": "1",
                "EMAIL_HOST_USER": "shop",
                "EMAIL_HOST_PASSWORD": CANARY,
            }
        )
        result = email_settings(env)  # this Django's shape: MAILERS on 6.1, EMAIL_* before
        started = time.monotonic()
        with override_settings(**result), pytest.raises((TimeoutError, SMTPServerDisconnected)) as raised:
            send_mail(subject="hi", message="body", from_email="shop@example.com", recipient_list=["a@example.com"])
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 1.1 + 0.5
    assert CANARY not in str(raised.value)


# Values Django accepts at start-up and that fail every send, in the request that sends the mail:
# smtplib looks a host written with its port or as a URL up as a name (Django passes EMAIL_PORT
# beside it); a From address that is no address (the default, EMAIL_HOST_USER, is SendGrid's
# "apikey" or SES's access key) is refused by the server; two addresses are Django's ValueError.
@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"EMAIL_HOST": "smtp.example.com:587"}, "EMAIL_HOST"),
        ({"EMAIL_HOST": "smtp://smtp.example.com"}, "EMAIL_HOST"),
        ({"EMAIL_HOST": "smtps://user@smtp.example.com:465"}, "EMAIL_HOST"),
        ({"EMAIL_HOST": "smtp.example.com/submit"}, "EMAIL_HOST"),
        (
            {"EMAIL_HOST": "smtp.sendgrid.net", "EMAIL_HOST_USER": "apikey", "EMAIL_HOST_PASSWORD": CANARY},
            "DEFAULT_FROM_EMAIL",
        ),
        ({"EMAIL_HOST": "smtp.example.com", "DEFAULT_FROM_EMAIL": "Shop"}, "DEFAULT_FROM_EMAIL"),
        ({"DEFAULT_FROM_EMAIL": "a@example.com, b@example.com"}, "DEFAULT_FROM_EMAIL"),
    ],
)
def test_email__host_and_sender_that_fail_every_send_are_start_up_errors(environ, named):
    env = Env(environ)
    email_settings(env, mailers=False)
    assert set(env.problems) == {named}
    assert CANARY not in env.problems[named]


@pytest.mark.parametrize(
    "environ",
    [
        {"EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_USER": "shop@example.com", "EMAIL_HOST_PASSWORD": CANARY},
        {"EMAIL_HOST": "10.0.0.5"},
        {"EMAIL_HOST": "::1"},
        {
            "EMAIL_HOST": "mail",
            "EMAIL_HOST_USER": "apikey",
            "EMAIL_HOST_PASSWORD": CANARY,
            "DEFAULT_FROM_EMAIL": "a@b.co",
        },
        {"DEFAULT_FROM_EMAIL": '"Shop, Inc." <no-reply@shop.example.com>'},
        {"EMAIL_HOST_USER": "apikey", "EMAIL_HOST_PASSWORD": CANARY},  # no host: the console takes any sender
    ],
)
def test_email__hosts_and_senders_smtp_takes_are_accepted(environ):
    env = Env(environ)
    email_settings(env, mailers=False)
    assert env.problems == {}
