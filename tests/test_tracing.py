"""The tracing concern: OTEL_* variables read and checked, the settings components/tracing.py starts the SDK
from, the sampler and the scrubbing exporter. End to end (a real collector, gunicorn and a Celery worker):
tests/test_observability_servers.py."""

from __future__ import annotations

import pytest

from modestwear_config.concerns import unit
from modestwear_config.concerns.tracing import tracing_settings
from modestwear_config.env import Env, ImproperlyConfigured

ENDPOINT = "https://otlp.example.com:4318"
CANARY = "Canary-otel-9f8e7d6c"


def built(**environ: str) -> dict:
    env = Env(environ)
    settings = tracing_settings(env)
    env.raise_if_problems()
    return settings


def test_tracing_settings__off_without_an_endpoint():
    assert built(OTEL_SERVICE_NAME="shop") == {"MODESTWEAR_OTEL": None}


def test_tracing_settings__the_standard_variables():
    settings = built(
        OTEL_EXPORTER_OTLP_ENDPOINT=ENDPOINT + "/",
        OTEL_EXPORTER_OTLP_HEADERS=f"x-api-key={CANARY}, x-team=shop%20team",
        OTEL_SERVICE_NAME="shop",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment=production",
        OTEL_TRACES_SAMPLER="parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG="0.25",
    )["MODESTWEAR_OTEL"]
    assert settings == {
        "traces_endpoint": ENDPOINT + "/v1/traces",
        "headers": {"x-api-key": CANARY, "x-team": "shop team"},
        "service_name": "shop",
        "resource_attributes": {"deployment.environment": "production"},
        "sampler": "parentbased_traceidratio",
        "ratio": 0.25,
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OTEL_EXPORTER_OTLP_HEADERS", CANARY),  # no '=': a bare key pasted in
        ("OTEL_RESOURCE_ATTRIBUTES", "=x"),
        ("OTEL_TRACES_SAMPLER", "sometimes"),
        ("OTEL_TRACES_SAMPLER_ARG", "2"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "otlp.example.com"),
    ],
)
def test_tracing_settings__a_bad_value_is_an_error_naming_it_never_showing_it(name, value):
    with pytest.raises(ImproperlyConfigured) as caught:
        built(**{"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, name: value})
    assert list(caught.value.problems) == [name]
    assert CANARY not in str(caught.value)


def test_tracing_settings__missing_extra_is_a_startup_error_naming_it(monkeypatch):
    real = unit.find_spec
    monkeypatch.setattr(unit, "find_spec", lambda name: None if name.startswith("opentelemetry") else real(name))
    with pytest.raises(ImproperlyConfigured) as caught:
        built(OTEL_EXPORTER_OTLP_ENDPOINT=ENDPOINT)
    assert 'pip install "modestwear_config[otel]"' in caught.value.problems["OTEL_EXPORTER_OTLP_ENDPOINT"]


@pytest.mark.parametrize("name", ["always_on", "always_off", "traceidratio", "parentbased_always_on"])
def test_sampler__each_choice_is_the_sdks(name):
    pytest.importorskip("opentelemetry.sdk")
    from modestwear_config.components.otel import sampler

    assert sampler(name, 0.5).get_description()


def test_scrubbing_exporter__spans_leave_without_the_secret(monkeypatch):
    pytest.importorskip("opentelemetry.sdk")
    from types import SimpleNamespace

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from modestwear_config.components.otel import scrubbing
    from modestwear_config.scrub.scrubber import Scrubber

    scrubber = Scrubber([CANARY])
    monkeypatch.setattr("modestwear_config.concerns.assemble.BUILT", SimpleNamespace(scrubber=lambda: scrubber))
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(scrubbing(memory)))
    tracer = provider.get_tracer("tests")
    with tracer.start_as_current_span("GET /cart/", attributes={"http.target": f"/cart/?token={CANARY}"}) as span:
        span.record_exception(RuntimeError(f"failed with {CANARY}"))
    with tracer.start_as_current_span("clean", attributes={"n": 1}):
        pass
    dirty, clean = memory.get_finished_spans()
    assert dirty.attributes["http.target"] == "/cart/?token=***"
    assert CANARY not in str(dict(dirty.events[0].attributes or {}))
    assert clean.attributes == {"n": 1}


def test_request_id_processor__every_span_under_a_request_or_task_carries_its_id():
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from modestwear_config.components import request_id as rid
    from modestwear_config.components.otel import REQUEST_ID_ATTRIBUTE, request_id_processor

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(request_id_processor())
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("tests")
    token = rid._current.set("edge-7")
    try:
        with tracer.start_as_current_span("apply_async/shop.tasks.mail"):
            pass
    finally:
        rid._current.reset(token)
    with tracer.start_as_current_span("outside"):
        pass
    inside, outside = memory.get_finished_spans()
    assert inside.attributes[REQUEST_ID_ATTRIBUTE] == "edge-7"
    assert REQUEST_ID_ATTRIBUTE not in (outside.attributes or {})


@pytest.mark.parametrize(
    ("current", "sent", "expected"), [("req-1", None, "req-1"), (None, "req-2", "req-2"), (None, "bad\nid", None)]
)
def test_tag_task_span__the_tasks_span_gets_the_id_it_runs_under(current, sent, expected):
    """Whichever task_prerun receiver Celery calls first (the id set by request_id.enter_task, or still only in
    the task's headers), the task's span gets the id; a malformed header is never copied."""
    pytest.importorskip("opentelemetry.sdk")
    from types import SimpleNamespace

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from modestwear_config.components import request_id as rid
    from modestwear_config.components.otel import REQUEST_ID_ATTRIBUTE, tag_task_span

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    token = rid._current.set(current)
    try:
        with provider.get_tracer("tests").start_as_current_span("run/shop.tasks.mail"):
            tag_task_span(task=SimpleNamespace(request=SimpleNamespace(request_id=sent)))
    finally:
        rid._current.reset(token)
    [span] = memory.get_finished_spans()
    assert (span.attributes or {}).get(REQUEST_ID_ATTRIBUTE) == expected


def test_otlp_headers__each_value_is_a_secret_of_its_own():
    """The scrubber masks each header's value alone (a client that logs one header holds it alone), as
    written and as the SDK percent-decodes it, in each spelling; header names stay readable."""
    from modestwear_config.scrub.scrubber import Scrubber

    first, second = "Canary-hdr+one/5e1f", "Canary-hdr-two-9a0b"
    raw = f"x-api-key={first.replace('+', '%2B').replace('/', '%2F')}, x-team = {second}"
    scrubber = Scrubber(Env({"OTEL_EXPORTER_OTLP_HEADERS": raw}).secret_values())
    for leaked in (
        f"sending x-api-key: {first}",
        f"headers={{'x-team': '{second}'}}",
        f"x-api-key={first.replace('+', '%2B').replace('/', '%2F')}",  # as written
        f'"{second}"',
    ):
        cleaned = scrubber.text(leaked)
        assert first not in cleaned and second not in cleaned and "Canary" not in cleaned, cleaned
    assert scrubber.text("x-api-key and x-team") == "x-api-key and x-team"
    assert built(OTEL_EXPORTER_OTLP_ENDPOINT=ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS=raw)["MODESTWEAR_OTEL"][
        "headers"
    ] == {
        "x-api-key": first,
        "x-team": second,
    }


@pytest.mark.parametrize(
    ("headers", "secrets"),
    [
        (f"x-honeycomb-team={CANARY}-key,x-honeycomb-dataset=shop", [f"{CANARY}-key"]),
        (f"authorization=Bearer%20{CANARY}-tok", [f"{CANARY}-tok", f"Bearer {CANARY}-tok"]),
        (f"dd-api-key={CANARY}%2Bplus", [f"{CANARY}+plus"]),
    ],
)
def test_tracing_settings__each_header_value_is_masked_in_the_settings_shown(headers, secrets):
    """The exporter holds the headers as a dict: a DEBUG page's settings, --settings-values or a debug
    log show each value alone, under a name Django's filter does not hide (x-honeycomb-team)."""
    from modestwear_config.scrub.scrubber import Scrubber

    env = Env({"OTEL_EXPORTER_OTLP_ENDPOINT": "https://api.honeycomb.io", "OTEL_EXPORTER_OTLP_HEADERS": headers})
    settings = tracing_settings(env)
    scrubber = Scrubber(env.secret_values())
    shown = str(scrubber.value("MODESTWEAR_OTEL", settings["MODESTWEAR_OTEL"]))
    logged = scrubber.text(f"exporting with headers {settings['MODESTWEAR_OTEL']['headers']!r}")
    for secret in secrets:
        assert secret not in shown and secret not in logged


@pytest.mark.parametrize("endpoint", ["grpc://otel.internal:4317", "ftp://otel.internal/", "unix:///run/otel.sock"])
def test_tracing_settings__an_endpoint_that_is_no_http_url_is_a_start_up_error(endpoint):
    """The exporter speaks OTLP over HTTP: a gRPC collector's URL would fail every export, silently."""
    env = Env({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
    assert tracing_settings(env) == {"MODESTWEAR_OTEL": None}
    assert list(env.problems) == ["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert "otel.internal" not in str(env.problems)
