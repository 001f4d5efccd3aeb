"""EMAIL_PROVIDER + EMAIL_API_KEY: the settings each provider gets, MAILERS vs EMAIL_*, and every half-set case."""

from __future__ import annotations

import sys
import warnings

import django
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from modestwear_config import BUILDERS
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.mail import email_settings, uses_mailers
from modestwear_config.concerns.mail_providers import PROVIDERS, options_from_anymail
from modestwear_config.env import Env

CANARY = "Canary-7f3e9b2d41"
SENDER = {"DEFAULT_FROM_EMAIL": "ModestWear <no-reply@modestwear.com>"}
SES = {
    "EMAIL_PROVIDER": "amazon-ses",
    "EMAIL_API_KEY": CANARY,
    "EMAIL_AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "EMAIL_REGION": "eu-west-1",
    **SENDER,
}


def provider_env(name: str, **extra: str) -> dict[str, str]:
    return SES | extra if name == "amazon-ses" else {"EMAIL_PROVIDER": name, "EMAIL_API_KEY": CANARY, **SENDER, **extra}


def built(environ: dict[str, str], mailers: bool) -> dict:
    env = Env(environ)
    result = email_settings(env, mailers=mailers)
    assert env.problems == {}
    return result


def problems(environ: dict[str, str]) -> dict[str, str]:
    env = Env(environ)
    email_settings(env)
    return env.problems


@pytest.mark.parametrize("name", ["resend", "brevo", "mailgun", "sendgrid"])
def test_provider__api_key_providers_on_django_5_and_6_0(name: str):
    result = built(provider_env(name), mailers=False)
    provider = PROVIDERS[name]
    assert result["EMAIL_BACKEND"] == provider.backend  # anymail's, with EMAIL_TIMEOUT as a deadline per message
    assert import_string(provider.backend).__mro__[2] is import_string(f"anymail.backends.{name}.EmailBackend")
    assert result["ANYMAIL"][f"{provider.setting_prefix}_API_KEY"] == CANARY
    assert result["ANYMAIL"]["REQUESTS_TIMEOUT"] == 10
    assert result["DEFAULT_FROM_EMAIL"] == result["SERVER_EMAIL"] == SENDER["DEFAULT_FROM_EMAIL"]
    assert "MAILERS" not in result


@pytest.mark.parametrize("name", ["resend", "brevo", "mailgun", "sendgrid"])
def test_provider__api_key_providers_as_mailers(name: str):
    result = built(provider_env(name, EMAIL_TIMEOUT="7"), mailers=True)
    mailer = result["MAILERS"]["default"]
    assert mailer["BACKEND"] == PROVIDERS[name].backend
    assert mailer["OPTIONS"]["api_key"] == CANARY
    assert mailer["OPTIONS"]["timeout"] == 7
    assert not any(key.startswith(("EMAIL_", "ANYMAIL")) for key in result)


def test_provider__postmark_key_is_the_server_token():
    assert built(provider_env("postmark"), mailers=False)["ANYMAIL"]["POSTMARK_SERVER_TOKEN"] == CANARY
    assert built(provider_env("postmark"), mailers=True)["MAILERS"]["default"]["OPTIONS"]["server_token"] == CANARY


def test_provider__mailgun_region_and_sender_domain():
    eu = built(provider_env("mailgun", EMAIL_REGION="EU", EMAIL_SENDER_DOMAIN="mg.modestwear.com"), mailers=True)
    options = eu["MAILERS"]["default"]["OPTIONS"]
    assert options["api_url"] == "https://api.eu.mailgun.net/v3/"
    assert options["sender_domain"] == "mg.modestwear.com"
    us = built(provider_env("mailgun"), mailers=True)["MAILERS"]["default"]["OPTIONS"]
    assert us["api_url"] == "https://api.mailgun.net/v3/"
    assert "sender_domain" not in us  # anymail then uses each message's from domain


def test_provider__amazon_ses_client_params():
    result = built(SES, mailers=False)
    params = result["ANYMAIL"]["AMAZON_SES_CLIENT_PARAMS"]
    assert result["EMAIL_BACKEND"] == "modestwear_config.components.mail_backends.AmazonSesEmailBackend"
    assert result["EMAIL_TIMEOUT"] == 10  # the SES backend's deadline per message (it has no timeout of its own)
    assert (params["region_name"], params["aws_access_key_id"], params["aws_secret_access_key"]) == (
        "eu-west-1",
        "AKIDEXAMPLE",
        CANARY,
    )
    # Bounded like the HTTP providers: one attempt of at most EMAIL_TIMEOUT per connect and read.
    assert params["config"]["connect_timeout"] == params["config"]["read_timeout"] == 10
    assert params["config"]["retries"]["total_max_attempts"] == 1
    assert "REQUESTS_TIMEOUT" not in result["ANYMAIL"]
    options = built(SES | {"EMAIL_API_URL": "http://127.0.0.1:9/"}, mailers=True)["MAILERS"]["default"]["OPTIONS"]
    assert options["timeout"] == 10
    assert options["client_params"]["endpoint_url"] == "http://127.0.0.1:9/"


def test_provider__api_url_gets_a_trailing_slash():
    result = built(provider_env("resend", EMAIL_API_URL="http://127.0.0.1:9/base"), mailers=True)
    assert result["MAILERS"]["default"]["OPTIONS"]["api_url"] == "http://127.0.0.1:9/base/"


def test_provider__pasted_key_is_stripped():
    assert (
        built(provider_env("brevo", EMAIL_API_KEY=f" {CANARY}\n"), mailers=False)["ANYMAIL"]["BREVO_API_KEY"] == CANARY
    )


def test_provider__key_from_file(tmp_path):
    (tmp_path / "key").write_text(CANARY + "\n")
    environ = {"EMAIL_PROVIDER": "resend", "EMAIL_API_KEY_FILE": str(tmp_path / "key"), **SENDER}
    assert built(environ, mailers=False)["ANYMAIL"]["RESEND_API_KEY"] == CANARY


def test_provider__name_is_case_insensitive():
    assert built(provider_env("Resend"), mailers=False)["EMAIL_BACKEND"] == PROVIDERS["resend"].backend


def test_provider__anymail_settings_round_trip():
    for name in PROVIDERS:
        result = built(provider_env(name, EMAIL_API_URL="http://127.0.0.1:9/"), mailers=False)
        options = built(provider_env(name, EMAIL_API_URL="http://127.0.0.1:9/"), mailers=True)
        legacy = options_from_anymail(PROVIDERS[name], result["ANYMAIL"], result.get("EMAIL_TIMEOUT"))
        assert legacy == options["MAILERS"]["default"]["OPTIONS"]


# -- half-set and conflicting ---------------------------------------------------------
@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"EMAIL_PROVIDER": "resend", **SENDER}, {"EMAIL_API_KEY"}),
        ({"EMAIL_API_KEY": CANARY, **SENDER}, {"EMAIL_PROVIDER"}),
        ({"EMAIL_PROVIDER": "mailchimp", "EMAIL_API_KEY": CANARY, **SENDER}, {"EMAIL_PROVIDER"}),
        ({"EMAIL_PROVIDER": "resend", "EMAIL_API_KEY": CANARY}, {"DEFAULT_FROM_EMAIL"}),
        ({**provider_env("resend"), "EMAIL_HOST": "smtp.example.com"}, {"EMAIL_PROVIDER"}),
        ({**SES, "EMAIL_AWS_ACCESS_KEY_ID": ""}, {"EMAIL_AWS_ACCESS_KEY_ID"}),
        ({k: v for k, v in SES.items() if k != "EMAIL_REGION"}, {"EMAIL_REGION"}),
        (provider_env("mailgun", EMAIL_REGION="asia"), {"EMAIL_REGION"}),
        (provider_env("resend", EMAIL_REGION="eu"), {"EMAIL_REGION"}),
        (provider_env("resend", EMAIL_AWS_ACCESS_KEY_ID="AKID"), {"EMAIL_AWS_ACCESS_KEY_ID"}),
        (provider_env("postmark", EMAIL_SENDER_DOMAIN="mg.example.com"), {"EMAIL_SENDER_DOMAIN"}),
        ({"EMAIL_API_URL": "http://127.0.0.1:9/"}, {"EMAIL_API_URL"}),
        (provider_env("resend", EMAIL_API_URL="ftp://127.0.0.1/"), {"EMAIL_API_URL"}),
        ({"EMAIL_HOST_USER": "shop@example.com"}, {"EMAIL_HOST_PASSWORD"}),
        ({"EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_USER": "shop@example.com"}, {"EMAIL_HOST_PASSWORD"}),
        ({"EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_PASSWORD": CANARY}, {"EMAIL_HOST_USER"}),
        ({"EMAIL_TIMEOUT": "100000000000000000000"}, {"EMAIL_TIMEOUT"}),
        (provider_env("resend", EMAIL_API_KEY=f"{CANARY}\r\nX-Injected: 1"), {"EMAIL_API_KEY"}),
        (provider_env("resend", EMAIL_API_KEY=f"{CANARY}\udcff"), {"EMAIL_API_KEY"}),
    ],
    ids=[
        "name_without_key",
        "key_without_name",
        "unknown_provider",
        "no_sender",
        "provider_and_smtp",
        "ses_without_key_id",
        "ses_without_region",
        "mailgun_unknown_region",
        "region_for_resend",
        "key_id_for_resend",
        "sender_domain_for_postmark",
        "api_url_without_provider",
        "api_url_not_http",
        "smtp_user_without_password",
        "smtp_host_user_without_password",
        "smtp_password_without_user",
        "timeout_unbounded",
        "key_with_header_injection",
        "key_not_utf8",
    ],
)
def test_provider__half_set_is_one_error_naming_the_variables(environ: dict[str, str], named: set[str]):
    found = problems(environ)
    assert set(found) == named
    assert CANARY not in str(found)
    with pytest.raises(ImproperlyConfigured) as raised:
        build_settings(*BUILDERS, env=Env({"DEBUG": "true", **environ}))
    message = str(raised.value)
    assert all(name in message for name in named)
    assert CANARY not in message


def test_provider__half_set_smtp_message_names_both():
    message = problems({"EMAIL_HOST_PASSWORD": CANARY})["EMAIL_HOST_USER"]
    assert "EMAIL_HOST_PASSWORD" in message
    message = problems({"EMAIL_HOST_USER": "shop"})["EMAIL_HOST_PASSWORD"]
    assert "EMAIL_HOST_USER" in message


def test_provider__key_without_name_lists_the_providers():
    message = problems({"EMAIL_API_KEY": CANARY})["EMAIL_PROVIDER"]
    assert "EMAIL_API_KEY" in message and all(name in message for name in PROVIDERS)


def test_provider__anymail_missing_is_a_start_up_error(monkeypatch):
    monkeypatch.setattr("modestwear_config.concerns.mail_providers.find_spec", lambda name: None)
    found = problems(provider_env("resend"))
    assert set(found) == {"EMAIL_PROVIDER"} and "modestwear_config[anymail]" in found["EMAIL_PROVIDER"]


def test_provider__boto3_missing_is_a_start_up_error_for_ses_only(monkeypatch):
    monkeypatch.setattr(
        "modestwear_config.concerns.mail_providers.find_spec", lambda name: None if name == "boto3" else object()
    )
    assert set(problems(SES)) == {"EMAIL_PROVIDER"}
    assert problems(provider_env("resend")) == {}


def test_provider__settings_import_does_not_import_anymail():
    before = {name for name in sys.modules if name.startswith(("anymail", "boto3", "botocore", "requests"))}
    for name in PROVIDERS:
        built(provider_env(name), mailers=uses_mailers())
    after = {name for name in sys.modules if name.startswith(("anymail", "boto3", "botocore", "requests"))}
    assert after == before


# -- Django versions --------------------------------------------------------------------
def test_mailers__this_django_gets_its_own_shape():
    result = email_settings(Env({}))
    assert ("MAILERS" in result) is (django.VERSION[:2] >= (6, 1))
    assert ("EMAIL_BACKEND" in result) is (django.VERSION[:2] < (6, 1))


def test_mailers__console_and_smtp_as_mailers():
    assert built({}, mailers=True)["MAILERS"] == {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    }
    smtp = built(
        {
            "EMAIL_HOST": "smtp.example.com",
            "EMAIL_HOST_USER": "shop@example.com",
            "EMAIL_HOST_PASSWORD": CANARY,
            "EMAIL_PORT": "465",
        },
        mailers=True,
    )
    assert smtp["MAILERS"]["default"] == {
        "BACKEND": "modestwear_config.components.mail_backends.SMTPEmailBackend",
        "OPTIONS": {
            "host": "smtp.example.com",
            "port": 465,
            "username": "shop@example.com",
            "password": CANARY,
            "use_tls": False,
            "use_ssl": True,
            "timeout": 10,
        },
    }
    assert smtp["DEFAULT_FROM_EMAIL"] == "shop@example.com"


def test_mailers__settings_module_import_warns_nothing():
    """The settings the library builds, given to Django's own Settings, issue no (deprecation) warning."""
    from django.conf import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for environ in ({}, {"EMAIL_HOST": "smtp.example.com"}, provider_env("resend")):
            module = type(sys)("mwc_email_settings_probe")
            module.__dict__.update(build_settings(*BUILDERS, env=Env({"DEBUG": "true", **environ})))
            sys.modules[module.__name__] = module
            try:
                Settings(module.__name__)
            finally:
                del sys.modules[module.__name__]
