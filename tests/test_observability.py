"""The observability concern: its settings, the request id (middleware, logs, task headers), Sentry's
options and scrubbing. End to end with real servers: tests/test_observability_servers.py."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import logging
import sys
from types import SimpleNamespace
from unittest import mock

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from modestwear_config.components import request_id as rid
from modestwear_config.components import sentry as sentry_component
from modestwear_config.components.log_formatters import JsonFormatter
from modestwear_config.components.request_id import RequestIdMiddleware, incoming_request_id
from modestwear_config.components.sentry import before_breadcrumb, before_send, scrubbed, sdk_major, sdk_options
from modestwear_config.concerns import CONCERNS, build_all, unit
from modestwear_config.concerns.observability import (
    REQUEST_ID_MIDDLEWARE,
    observability_settings,
    platform_release,
)
from modestwear_config.doctor.report import diagnose
from modestwear_config.env import Env, ImproperlyConfigured
from modestwear_config.scrub.scrubber import Scrubber
from tests.support.recoverable import recoverable

DSN = "https://0123456789abcdef@o0.ingest.sentry.io/42"
CANARY = "Canary-0bs3rv-5e1f9a"


def built(**environ: str) -> tuple[dict, Env]:
    env = Env(environ)
    settings = observability_settings(env)
    env.raise_if_problems()
    return settings, env


# -- settings -----------------------------------------------------------------------------------
def test_observability_settings__off_without_a_dsn():
    settings, _ = built()
    assert settings == {"MODESTWEAR_SENTRY": None, "MODESTWEAR_REQUEST_ID_TRUSTED": True}


def test_observability_settings__sentry_from_the_dsn_with_safe_defaults():
    settings, env = built(SENTRY_DSN=DSN, DEBUG="false", RENDER_GIT_COMMIT="3f2c1ab9")
    assert settings["MODESTWEAR_SENTRY"] == {
        "dsn": DSN,
        "environment": "production",
        "release": "3f2c1ab9",
        "traces_sample_rate": 0.0,
        "profiles_sample_rate": 0.0,
    }
    assert env.derived["SENTRY_RELEASE"] == ("3f2c1ab9", ("RENDER_GIT_COMMIT",))
    assert env.derived["SENTRY_ENVIRONMENT"] == ("production", ("DEBUG",))


def test_observability_settings__explicit_values_win():
    settings, _ = built(
        SENTRY_DSN=DSN,
        DEBUG="true",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="v1.2",
        RENDER_GIT_COMMIT="3f2c1ab9",
        SENTRY_TRACES_SAMPLE_RATE="0.25",
        SENTRY_PROFILES_SAMPLE_RATE="1",
        REQUEST_ID_TRUST_HEADER="false",
    )
    assert settings["MODESTWEAR_SENTRY"]["environment"] == "staging"
    assert settings["MODESTWEAR_SENTRY"]["release"] == "v1.2"
    assert settings["MODESTWEAR_SENTRY"]["traces_sample_rate"] == 0.25
    assert settings["MODESTWEAR_REQUEST_ID_TRUSTED"] is False


def test_observability_settings__development_and_no_release_off_a_platform():
    settings, _ = built(SENTRY_DSN=DSN, DEBUG="true")
    assert settings["MODESTWEAR_SENTRY"]["environment"] == "development"
    assert settings["MODESTWEAR_SENTRY"]["release"] == ""  # never None


def test_observability_settings__untrusted_proxy_means_generated_ids():
    settings, env = built(BEHIND_TLS_PROXY="false")
    assert settings["MODESTWEAR_REQUEST_ID_TRUSTED"] is False
    assert env.derived["REQUEST_ID_TRUST_HEADER"] == (False, ("BEHIND_TLS_PROXY",))


@pytest.mark.parametrize("name", ["SENTRY_TRACES_SAMPLE_RATE", "SENTRY_PROFILES_SAMPLE_RATE"])
@pytest.mark.parametrize("value", ["1.5", "-0.1", "often"])
def test_observability_settings__a_bad_rate_is_an_error_naming_it(name, value):
    with pytest.raises(ImproperlyConfigured) as caught:
        built(SENTRY_DSN=DSN, **{name: value})
    assert list(caught.value.problems) == [name]


@pytest.mark.parametrize(
    "dsn",
    [
        f"not a url {CANARY}",
        f"https://o0.ingest.sentry.io/{CANARY}",
        f"https://{CANARY}@o0.ingest.sentry.io/",
        f"ftp://{CANARY}@h/1",
    ],
)
def test_observability_settings__a_bad_dsn_never_shows_its_value(dsn):
    with pytest.raises(ImproperlyConfigured) as caught:
        built(SENTRY_DSN=dsn)
    assert list(caught.value.problems) == ["SENTRY_DSN"]
    assert CANARY not in str(caught.value)


def test_observability_settings__missing_extra_is_a_startup_error_naming_it(monkeypatch):
    real = unit.find_spec
    monkeypatch.setattr(unit, "find_spec", lambda name: None if name == "sentry_sdk" else real(name))
    with pytest.raises(ImproperlyConfigured) as caught:
        built(SENTRY_DSN=DSN)
    assert 'pip install "modestwear_config[sentry]"' in caught.value.problems["SENTRY_DSN"]
    built()  # without a DSN the extra is not needed


def test_platform_release__the_first_commit_a_platform_states():
    assert platform_release({"HEROKU_SLUG_COMMIT": "abc", "RAILWAY_GIT_COMMIT_SHA": "def"}) == (
        "abc",
        "HEROKU_SLUG_COMMIT",
    )
    assert platform_release({"RENDER_GIT_COMMIT": " "}) is None


def test_observability__middleware_placed_after_liveness_before_security():
    middleware = build_all(Env({"DEBUG": "true", "BASE_DIR": "/tmp"}))["MIDDLEWARE"]
    assert middleware.index(REQUEST_ID_MIDDLEWARE) == 1
    assert middleware[2] == "django.middleware.security.SecurityMiddleware"


def test_doctor__shows_sentry_and_where_its_values_came_from():
    env = Env({"DEBUG": "false", "SECRET_KEY": "x" * 60, "SENTRY_DSN": DSN, "RENDER_GIT_COMMIT": "3f2c1ab9"})
    report = diagnose(env, "observability")
    entries = {entry.name: entry for entry in report.entries}
    assert entries["SENTRY_DSN"].source == "environment" and entries["SENTRY_DSN"].value != DSN
    assert (entries["SENTRY_RELEASE"].source, entries["SENTRY_RELEASE"].origin) == ("derived", "RENDER_GIT_COMMIT")
    assert entries["SENTRY_TRACES_SAMPLE_RATE"].source == "default"
    assert "observability" in [c.name for c in CONCERNS]


# -- the request id -------------------------------------------------------------------------------
def _seen() -> tuple[list[str | None], object]:
    seen: list[str | None] = []

    def view(request):
        seen.append(rid.current_request_id())
        return HttpResponse("ok")

    return seen, view


@pytest.mark.parametrize("trusted", [True, False])
def test_request_id_middleware__sync_generates_or_keeps_the_proxys(trusted):
    seen, view = _seen()
    with override_settings(MODESTWEAR_REQUEST_ID_TRUSTED=trusted):
        middleware = RequestIdMiddleware(view)
    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="proxy-id-42"))
    assert response["X-Request-ID"] == seen[0]
    assert (seen[0] == "proxy-id-42") is trusted
    assert rid.current_request_id() is None  # reset after the request


def test_request_id_middleware__async_keeps_the_id_through_the_request():
    seen: list[str | None] = []

    async def view(request):
        await asyncio.sleep(0)
        seen.append(rid.current_request_id())
        return HttpResponse("ok")

    with override_settings(MODESTWEAR_REQUEST_ID_TRUSTED=True):
        middleware = RequestIdMiddleware(view)
    assert asyncio.iscoroutinefunction(middleware)
    response = asyncio.run(middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="edge-7")))
    assert response["X-Request-ID"] == seen[0] == "edge-7"


def test_request_id_middleware__the_id_is_reset_when_the_view_raises():
    def view(request):
        raise RuntimeError("boom")

    with override_settings(MODESTWEAR_REQUEST_ID_TRUSTED=False):
        middleware = RequestIdMiddleware(view)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().get("/"))
    assert rid.current_request_id() is None


@given(st.text(max_size=300))
def test_incoming_request_id__anything_from_outside_becomes_a_safe_id(value):
    chosen = incoming_request_id(value, trusted=True)
    assert rid.VALID.fullmatch(chosen) and "\n" not in chosen and len(chosen) <= 128
    assert chosen == value or not rid.VALID.fullmatch(value)
    assert incoming_request_id(value, trusted=False) != value or len(value) == 32


def test_json_formatter__every_line_carries_the_request_id(unbuilt):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(scrubber=Scrubber()))
    logger = logging.getLogger("tests.observability")
    logger.addHandler(handler)
    try:
        token = rid._current.set("req-123")
        logger.warning("inside")
        rid._current.reset(token)
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == "req-123" and "request_id" not in outside


def test_task_headers__the_request_id_travels_into_the_task_and_out_again():
    headers: dict[str, str] = {}
    rid.add_to_task_headers(headers=headers)
    assert headers == {}  # no request: nothing added
    token = rid._current.set("req-9")
    rid.add_to_task_headers(headers=headers)
    rid._current.reset(token)
    assert headers == {"request_id": "req-9"}
    task = SimpleNamespace(request=SimpleNamespace(request_id="req-9"))
    rid.enter_task(task_id="t1", task=task)
    assert rid.current_request_id() == "req-9"
    rid.leave_task(task_id="t1")
    assert rid.current_request_id() is None
    rid.enter_task(task_id="t2", task=SimpleNamespace(request=SimpleNamespace(request_id="bad\nid")))
    assert rid.VALID.fullmatch(rid.current_request_id() or "")  # a task sent with no or a bad id gets its own
    rid.leave_task(task_id="t2")


# -- Sentry: options and scrubbing ----------------------------------------------------------------
OPTIONS = {"dsn": DSN, "environment": "e", "release": "", "traces_sample_rate": 0.0, "profiles_sample_rate": 0.5}


@pytest.mark.parametrize("major", [2, 3])
def test_sdk_options__per_major_version(major, monkeypatch):
    monkeypatch.setattr(sentry_component, "integrations", lambda major, traced: [])  # the installed SDK's: below
    chosen = sdk_options(OPTIONS, major)
    assert ("send_default_pii" in chosen) is (major == 2)  # 3.x refuses the option
    assert ("data_collection" in chosen) is (major == 3)
    assert "traces_sample_rate" not in chosen and "profiles_sample_rate" not in chosen  # rate 0: no tracing
    assert chosen["release"] is None
    # The integrations passed are the only ones; no release-health session per request (the overhead goal).
    assert chosen["auto_enabling_integrations"] is False and chosen["auto_session_tracking"] is False
    traced = sdk_options({**OPTIONS, "traces_sample_rate": 0.1}, major)
    assert traced["traces_sample_rate"] == 0.1
    assert traced["profiles_sample_rate" if major == 2 else "profile_session_sample_rate"] == 0.5


def test_integrations__django_celery_redis_and_logging_without_sentry_logs():
    pytest.importorskip("sentry_sdk")
    chosen = {type(i).__name__: i for i in sentry_component.integrations(sdk_major())}
    assert {"DjangoIntegration", "LoggingIntegration", "CeleryIntegration", "RedisIntegration"} <= set(chosen)


def test_integrations__untraced_django_runs_no_tracing_hook_per_request():
    pytest.importorskip("sentry_sdk")
    untraced = next(i for i in sentry_component.integrations(sdk_major()) if type(i).__name__ == "DjangoIntegration")
    assert untraced.http_methods_to_capture == ()  # no trace continued, no transaction or span started
    assert not (untraced.middleware_spans or untraced.signals_spans or untraced.cache_spans)
    traced = next(
        i for i in sentry_component.integrations(sdk_major(), traced=True) if type(i).__name__ == "DjangoIntegration"
    )
    assert "GET" in traced.http_methods_to_capture and traced.signals_spans  # traced: the SDK's own defaults


@pytest.mark.parametrize("rates", [(0.0, 0.0), (0.5, 0.5)])
def test_sdk_options__the_installed_sdk_accepts_every_option(rates):
    """Against the installed SDK's own list of init options (2.x and 3.x differ; an unknown one is a TypeError)."""
    sentry_sdk = pytest.importorskip("sentry_sdk")
    from sentry_sdk.consts import ClientConstructor

    accepted = set(inspect.signature(ClientConstructor.__init__).parameters)
    options = {**OPTIONS, "traces_sample_rate": rates[0], "profiles_sample_rate": rates[1]}
    assert set(sdk_options(options, sdk_major())) <= accepted, sentry_sdk.VERSION


def test_before_send__scrubs_every_string_and_tags_the_request_id(monkeypatch):
    scrubber = Scrubber([CANARY])
    monkeypatch.setattr("modestwear_config.components.sentry.BUILT", SimpleNamespace(scrubber=lambda: scrubber))
    event = {
        "exception": {
            "values": [{"value": f"failed with {CANARY}", "stacktrace": {"frames": [{"vars": {"k": CANARY}}]}}]
        },
        "request": {"url": f"https://shop.example.com/?token={CANARY}", "headers": {"X-Api": CANARY}, "data": CANARY},
        "extra": {CANARY: (1, f"'{CANARY}'")},
        "breadcrumbs": {"values": [{"message": f"GET redis://:{CANARY}@cache:6379"}]},
        "tags": {"kept": "yes"},
    }
    token = rid._current.set("req-5")
    try:
        cleaned = before_send(event, {})
    finally:
        rid._current.reset(token)
    assert not recoverable(CANARY, json.dumps(cleaned))
    assert cleaned["tags"] == {"kept": "yes", "request_id": "req-5"}
    crumb = before_breadcrumb({"data": {"url": f"http://u:{CANARY}@h/"}}, {})
    assert not recoverable(CANARY, json.dumps(crumb))


def test_before_send__drops_djangos_refusal_of_the_lifespan_scope():
    from django.core.handlers.asgi import ASGIHandler

    async def nothing(*args):
        return {}

    try:
        asyncio.run(ASGIHandler()({"type": "lifespan"}, nothing, nothing))
    except ValueError:
        refused = sys.exc_info()
    assert before_send({"exception": {}}, {"exc_info": refused}) is None
    try:
        raise ValueError("a view's own")
    except ValueError:
        own = sys.exc_info()
    assert before_send({"message": "kept"}, {"exc_info": own}) == {"message": "kept"}


def test_scrubbed_item__a_clean_item_goes_out_as_it_is(monkeypatch):
    scrubber = Scrubber([CANARY])
    monkeypatch.setattr("modestwear_config.components.sentry.BUILT", SimpleNamespace(scrubber=lambda: scrubber))
    crumb = {"category": "shop", "message": "GET /cart", "data": {"n": 3}}
    assert sentry_component.scrubbed_item(crumb) is crumb


SECRETS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=8, max_size=40).filter(
    lambda s: s.strip() == s and len(set(s)) >= 5
)


@hypothesis_settings(deadline=None)  # the first example builds the scrubber's patterns: 266 ms on a busy machine
@given(secret=SECRETS, before=st.text(max_size=10), after=st.text(max_size=10))
def test_scrubbed_item__no_secret_survives_the_one_pass_check(secret, before, after):
    """Whatever the secret's characters (quotes, backslashes, non-ASCII), the JSON pass never calls dirty clean."""
    scrubber = Scrubber([secret])
    item = {"message": before + secret + after, "data": {"k": [f"x{secret}"]}}
    with mock.patch("modestwear_config.components.sentry.BUILT", SimpleNamespace(scrubber=lambda: scrubber)):
        cleaned = sentry_component.scrubbed_item(item)
    assert secret not in cleaned["message"] and secret not in cleaned["data"]["k"][0]


def test_scrubbed__leaves_numbers_and_none_alone():
    assert scrubbed({"a": [1, None, 2.5, True]}, str.upper) == {"A": [1, None, 2.5, True]}


def test_sentry_dsn__its_key_alone_is_masked():
    """sentry_sdk sends the DSN's key in X-Sentry-Auth (sentry_key=<key>): an error report of a failed
    upload, or the SDK's debug log, shows it without the rest of the DSN."""
    from modestwear_config.env import Env
    from modestwear_config.scrub.scrubber import Scrubber

    key = "0123456789abcdef0123456789abcdef"
    scrubber = Scrubber(Env({"SENTRY_DSN": f"https://{key}@o0.ingest.sentry.io/42"}).secret_values())
    line = f"X-Sentry-Auth: Sentry sentry_key={key}, sentry_version=7, sentry_client=sentry.python/2.0"
    assert key not in scrubber.text(line)


# -- SENTRY_ENVIRONMENT: a name Sentry files events under, or a start-up error ---------------------------
@pytest.mark.parametrize("name", ["staging", "production", "pr-42", "eu.prod_2", "x" * 64])
def test_sentry_environment__sentrys_names_accepted(name):
    env = Env({"SENTRY_ENVIRONMENT": name})
    observability_settings(env)
    assert "SENTRY_ENVIRONMENT" not in env.problems


@pytest.mark.parametrize("name", ["prod env", "eu/prod", "None", "x" * 65, "a\tb", " "])
def test_sentry_environment__a_name_sentry_refuses_is_a_start_up_error(name):
    env = Env({"SENTRY_ENVIRONMENT": name})
    observability_settings(env)
    assert list(env.problems) == ["SENTRY_ENVIRONMENT"]
    if name.strip() not in ("", "None"):  # the message quotes Sentry's rule, never the value
        assert name.strip() not in str(env.problems["SENTRY_ENVIRONMENT"])
