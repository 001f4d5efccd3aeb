"""ADMINS and MANAGERS from the environment in the shape each Django reads, and the 500 error mail
that reaches them with every secret scrubbed from its subject and body."""

from __future__ import annotations

import logging
import logging.config

import django
import pytest
from django.core import mail
from django.test import RequestFactory, override_settings

from modestwear_config.concerns.admins import admins_settings
from modestwear_config.concerns.logs import logging_settings
from modestwear_config.env import Env

CANARY = "AdminCanary-7f3e9b2d41"


def test_admins__addresses_in_this_django_s_shape():
    env = Env({"ADMINS": "ops@modestwear.com, dev@modestwear.com"})
    built = admins_settings(env)
    if django.VERSION >= (6, 0):
        assert built["ADMINS"] == ["ops@modestwear.com", "dev@modestwear.com"]
    else:
        assert built["ADMINS"] == [("ops", "ops@modestwear.com"), ("dev", "dev@modestwear.com")]
    assert built["MANAGERS"] == built["ADMINS"]  # MANAGERS defaults to ADMINS
    assert env.derived["MANAGERS"][1] == ("ADMINS",)


def test_admins__managers_of_their_own_and_none_by_default():
    assert admins_settings(Env({})) == {"ADMINS": [], "MANAGERS": []}
    built = admins_settings(Env({"ADMINS": "ops@modestwear.com", "MANAGERS": "content@modestwear.com"}))
    assert "content@modestwear.com" in str(built["MANAGERS"]) and "ops@" not in str(built["MANAGERS"])


@pytest.mark.parametrize("value", ["ops@modestwear.com,not-an-address", f"{CANARY}", "ops@modestwear.com;dev@x.com"])
def test_admins__an_invalid_address_is_named_by_position_never_echoed(value):
    env = Env({"ADMINS": value})
    admins_settings(env)
    assert "ADMINS" in env.problems and CANARY not in env.problems["ADMINS"]


def test_logging__mail_admins_only_with_admins():
    assert "mail_admins" not in logging_settings(Env({}))["LOGGING"]["handlers"]
    config = logging_settings(Env({"ADMINS": "ops@modestwear.com"}))["LOGGING"]
    assert config["loggers"]["django"]["handlers"] == ["mail_admins"]
    assert config["handlers"]["mail_admins"]["filters"] == ["require_debug_false", "scrub"]


def test_error_mail__reaches_admins_with_secrets_scrubbed(monkeypatch, unbuilt, settings):
    """A 500's log record through the configured handler: one mail, no secret in subject or body."""
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", CANARY)
    config = logging_settings(Env({"ADMINS": "ops@modestwear.com"}))["LOGGING"]
    isolated = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": config["filters"],
        "handlers": {"mail_admins": config["handlers"]["mail_admins"]},
        "loggers": {"mwc.test.request": {"handlers": ["mail_admins"], "level": "ERROR", "propagate": False}},
    }
    admins = admins_settings(Env({"ADMINS": "ops@modestwear.com"}))["ADMINS"]
    with override_settings(DEBUG=False, ADMINS=admins):
        logging.config.dictConfig(isolated)
        request = RequestFactory().get("/checkout/")
        try:
            raise ConnectionError(f"could not log in with {CANARY}")
        except ConnectionError:
            logging.getLogger("mwc.test.request").error(
                "Internal Server Error: /checkout/ (%s)", CANARY, exc_info=True, extra={"request": request}
            )
    [message] = mail.outbox
    assert message.to == ["ops@modestwear.com"]
    assert CANARY not in message.subject and CANARY not in message.body
    assert "ConnectionError" in message.body and "***" in message.subject
