"""reporting.py: Django's technical 500 page (HTML and text) and error reports never show a password,
whether in a setting's URL value, a frame variable, request.META or the exception text."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.views.debug import ExceptionReporter

from modestwear_config import BUILDERS
from modestwear_config.components.reporting import RedactingExceptionReporter, RedactingReporterFilter
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.env import Env
from tests.reporting_urls import CANARY

SECRET_URL_SETTINGS = {
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"redis://:{CANARY}-cache@a:6379/0,redis://:{CANARY}-cache2@b:6379/0",
        }
    },
    "CELERY_BROKER_URL": f"redis://:{CANARY}-broker@a:6379/0;redis://:{CANARY}-failover@b:6379/0",
    "CELERY_RESULT_BACKEND": f"redis://a:6379/1?password={CANARY}-backend",
    "SOME_SERVICE_DSN": f"postgresql://app:{CANARY}-dsn@db/app",
}


@pytest.fixture
def debug_page_settings():
    with override_settings(DEBUG=True, ROOT_URLCONF="tests.reporting_urls", **SECRET_URL_SETTINGS):
        yield


def test_core_settings__install_the_filter_and_reporter():
    built = build_settings(*BUILDERS, env=Env({"DEBUG": "true"}))
    assert (
        built["DEFAULT_EXCEPTION_REPORTER_FILTER"] == "modestwear_config.components.reporting.RedactingReporterFilter"
    )
    assert built["DEFAULT_EXCEPTION_REPORTER"] == "modestwear_config.components.reporting.RedactingExceptionReporter"


@pytest.mark.parametrize("accept", ["text/html", "text/plain"])
def test_technical_500__no_password_from_settings_or_frames(debug_page_settings, settings, accept):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "modestwear_config.components.reporting.RedactingReporterFilter"
    settings.DEFAULT_EXCEPTION_REPORTER = "modestwear_config.components.reporting.RedactingExceptionReporter"
    client = Client(
        raise_request_exception=False, HTTP_ACCEPT=accept, HTTP_X_PROXY_URL=f"http://u:{CANARY}-meta@proxy:3128"
    )
    response = client.get("/fail/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "the view failed" in page and "CELERY_BROKER_URL" in page  # a real page
    assert "conn_params" in page or accept == "text/plain"  # the text page has no frame variables
    assert "redis://***@a:6379/0" in page
    assert CANARY not in page


def test_technical_500__old_filter_shows_them(debug_page_settings, rf):
    """What the filter fixes: Django's own masks names, not passwords inside URL values."""
    from django.views.debug import SafeExceptionReporterFilter

    request = rf.get("/fail/")
    request.exception_reporter_filter = SafeExceptionReporterFilter()  # Django's documented per-request hook
    exc = RuntimeError("the view failed")
    page = ExceptionReporter(request, RuntimeError, exc, None).get_traceback_text()
    assert f"{CANARY}-cache" in page and f"{CANARY}-broker" in page


def test_reporter__scrubs_configured_secrets_from_the_exception_text(monkeypatch, rf, unbuilt):
    secret = f"{CANARY}-env&<'quoted'>"
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", secret)
    try:
        raise ConnectionError(f"login failed with {secret}")
    except ConnectionError as exc:
        reporter = RedactingExceptionReporter(rf.get("/"), type(exc), exc, exc.__traceback__)
        plain = ExceptionReporter(rf.get("/"), type(exc), exc, exc.__traceback__)
        html, text = reporter.get_traceback_html(), reporter.get_traceback_text()
    assert CANARY in plain.get_traceback_text()
    assert "login failed with ***" in text
    assert CANARY not in html and CANARY not in text


def test_filter__frame_dict_secrets_and_url_values():
    reporting_filter = RedactingReporterFilter()
    assert reporting_filter.cleanse_setting("X", "amqp://u:pw-long@h//") == "amqp://u:***@h//"
    assert reporting_filter.cleanse_setting("DATABASES", {"default": {"PASSWORD": "pw-long"}}) == {
        "default": {"PASSWORD": reporting_filter.cleansed_substitute}
    }
    assert reporting_filter.cleanse_setting("HOSTS", ["redis://:pw-long@h"]) == ["redis://***@h"]


def _client_call(key: str) -> None:
    """A client library building its request around a key (urllib3, as Mailgun's and others' SDKs do)."""
    import json

    from urllib3.util import make_headers

    headers = make_headers(basic_auth=f"api:{key}")  # {'authorization': 'Basic base64(api:key)'}
    digest = key.encode().hex()  # noqa: F841  (a frame variable: hex of the key)
    body = json.dumps({"credentials": {"key": key}})  # noqa: F841
    raise ConnectionError(f"401 from https://api.example.com with {headers} {json.dumps(body)}")


@pytest.mark.parametrize("key", ["key-0123456789abcdef0123456789abcdef", 'Pa"ss/wörd-1'])
def test_reporter__secret_encoded_by_a_client_library_never_shown(monkeypatch, rf, unbuilt, key):
    """The key reached a DEBUG page base64-encoded inside the Basic header a client library built:
    the page (HTML and text, frame variables and exception text) shows it in no encoding."""
    from tests.support.recoverable import recoverable

    monkeypatch.setenv("EMAIL_HOST_PASSWORD", key)
    try:
        _client_call(key)
    except ConnectionError as exc:
        reporter = RedactingExceptionReporter(rf.get("/"), type(exc), exc, exc.__traceback__)
        plain = ExceptionReporter(rf.get("/"), type(exc), exc, exc.__traceback__)
        html, text = reporter.get_traceback_html(), reporter.get_traceback_text()
    assert "Basic" in plain.get_traceback_html() and recoverable(key, plain.get_traceback_html())
    assert "headers" in html and "digest" in html  # the frame variables are on the page
    assert not recoverable(key, html) and not recoverable(key, text)
