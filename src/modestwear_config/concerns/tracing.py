"""OpenTelemetry traces from the standard OTEL_* variables, exported over OTLP/HTTP.

The variables are the SDK's own names, declared here so they are checked at start-up, shown by the
doctor and (the headers) scrubbed. components/tracing.py starts the SDK in each process with these
values (a .env file's included, which the SDK alone would not read); nothing of OpenTelemetry is
imported at settings import, nor at all without OTEL_EXPORTER_OTLP_ENDPOINT.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from modestwear_config.env import Env, variables_of
from modestwear_config.env.parsers import pair_items, pair_values

from .assemble import lazy_settings
from .unit import Concern, Extra

V = variables_of("tracing")
SAMPLERS = (
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
    "always_on",
    "always_off",
    "traceidratio",
)
VARIABLES = (
    V(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "url",
        "OTLP/HTTP collector base URL; spans go to <it>/v1/traces (needs the otel extra).",
        default_doc="unset: tracing off",
        example="https://otlp.example.com:4318",
    ),
    V(
        "OTEL_EXPORTER_OTLP_HEADERS",
        "str",
        "Headers sent with each export, key=value pairs separated by commas (an API key).",
        "",
        secret=True,
        example="x-api-key=your-key",
        parts=pair_values,  # each header's value masked alone too, as written and percent-decoded
    ),
    V("OTEL_SERVICE_NAME", "str", "service.name of every span.", default_doc="the settings package's name"),
    V(
        "OTEL_RESOURCE_ATTRIBUTES",
        "str",
        "More resource attributes, key=value pairs separated by commas.",
        "",
        example="deployment.environment=production",
    ),
    V("OTEL_TRACES_SAMPLER", "str", "Which traces are kept.", "parentbased_always_on", choices=SAMPLERS),
    V("OTEL_TRACES_SAMPLER_ARG", "float", "The ratio of the *traceidratio samplers.", 1.0, minimum=0.0, maximum=1.0),
)
OTEL = Extra(
    "otel",
    # Each found without importing anything but the namespace package `opentelemetry` (find_spec imports parents).
    ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.instrumentation"),
    "OTEL_EXPORTER_OTLP_ENDPOINT=https://... (traces over OTLP/HTTP)",
    (
        "opentelemetry-sdk>=1.30",
        "opentelemetry-exporter-otlp-proto-http>=1.30",
        "opentelemetry-instrumentation-django>=0.51b0",
        "opentelemetry-instrumentation-asgi>=0.51b0",  # Django's instrumentation traces ASGI requests only with it
        "opentelemetry-instrumentation-celery>=0.51b0",
        "opentelemetry-instrumentation-redis>=0.51b0",
    ),
)


def pairs(env: Env, name: str) -> dict[str, str]:
    """`k=v,k2=v2` as the OpenTelemetry specification spells it (values percent-decoded); an item
    without `=` is an error naming the variable, never showing the value (it may be a key)."""
    result: dict[str, str] = {}
    for key, equals, value in pair_items(env(name)):
        if not equals or not key:
            env.error(name, "expected key=value pairs separated by commas")
            return {}
        result[key] = value
    return result


def tracing_settings(env: Env) -> dict[str, Any]:
    endpoint: str | None = env("OTEL_EXPORTER_OTLP_ENDPOINT")
    headers = pairs(env, "OTEL_EXPORTER_OTLP_HEADERS")
    attributes = pairs(env, "OTEL_RESOURCE_ATTRIBUTES")
    service: str | None = env("OTEL_SERVICE_NAME")
    sampler: str = env("OTEL_TRACES_SAMPLER")
    ratio: float = env("OTEL_TRACES_SAMPLER_ARG")
    if not endpoint:
        return {"MODESTWEAR_OTEL": None}
    if urlsplit(endpoint).scheme.lower() not in ("http", "https"):  # grpc:// (port 4317) takes no HTTP
        env.error("OTEL_EXPORTER_OTLP_ENDPOINT", "expected an http:// or https:// URL: spans go over OTLP/HTTP")
        return {"MODESTWEAR_OTEL": None}
    OTEL.require(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
    return {
        # Read by components/tracing.py.install() in each process; None: tracing off.
        "MODESTWEAR_OTEL": {
            "traces_endpoint": endpoint.rstrip("/") + "/v1/traces",  # the specification's path for traces
            "headers": headers,
            "service_name": service or "",  # "": the project's settings package decides (components/tracing.py)
            "resource_attributes": attributes,
            "sampler": sampler,
            "ratio": ratio,
        }
    }


CONCERN = Concern(
    name="tracing",
    doc="OpenTelemetry from the standard OTEL_* variables: Django, psycopg, Redis and Celery spans over "
    "OTLP/HTTP, one trace from a web request into the tasks it enqueues, started after fork in each process.",
    variables=VARIABLES,
    build=tracing_settings,
    extras=(OTEL,),
    shadows={"MODESTWEAR_OTEL": "OTEL_EXPORTER_OTLP_ENDPOINT"},
)

__getattr__ = lazy_settings(CONCERN)
