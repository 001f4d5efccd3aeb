"""OpenTelemetry, started once per process from MODESTWEAR_OTEL (the tracing concern's setting).

Called where Sentry is (components/sentry.py): the app's ready(), gunicorn's post_worker_init, Celery's
worker_process_init and beat_init. The SDK's span processor runs a thread: it must start in the process
that exports: after fork the SDK restarts it in the child (os.register_at_fork), so the provider is
set up once per interpreter and a child inherits it. Django (before its middleware is
loaded: ready() runs first), psycopg, Redis and Celery are instrumented when installed; Celery's
instrumentation carries the trace in the task's headers, so the task's span joins the request's trace.
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec
from typing import Any

from django.conf import settings

from .request_id import HEADER, TASK_HEADER, VALID, current_request_id

_started_in: int | None = None
# The request id on every span recorded while a request or task runs under it: the request's server
# span, the task's producer and consumer spans, the Redis and database spans inside them. The semantic
# conventions name no request or correlation id (messaging.conversation_id is Celery's correlation id,
# the task's own id, already set by its instrumentation): one attribute of ours, the same everywhere.
REQUEST_ID_ATTRIBUTE = "request.id"


def install() -> bool:
    """Start tracing in this process if it is configured and not started here yet; True if started now."""
    global _started_in
    options = getattr(settings, "MODESTWEAR_OTEL", None)
    if not options or _started_in is not None:
        # Once per interpreter: a forked child (a Celery prefork child, a preloaded gunicorn worker)
        # inherits the provider, and the SDK's span processor restarts its export thread after fork.
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({**options["resource_attributes"], "service.name": service_name(options)})
    provider = TracerProvider(resource=resource, sampler=sampler(options["sampler"], options["ratio"]))
    exporter = OTLPSpanExporter(endpoint=options["traces_endpoint"], headers=options["headers"] or None)
    provider.add_span_processor(request_id_processor())
    provider.add_span_processor(BatchSpanProcessor(scrubbing(exporter)))
    trace.set_tracer_provider(provider)
    instrument(provider)
    _started_in = os.getpid()
    return True


def scrubbing(exporter: Any) -> Any:
    """`exporter`, with every span's attributes, events and status passed through the one scrubber first:
    a URL's query (http.target), a task's arguments in a Redis command, an exception's text."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Status

    from modestwear_config.concerns.assemble import BUILT

    from .sentry import scrubbed

    def clean(span: ReadableSpan) -> ReadableSpan:
        text = BUILT.scrubber().text
        parts = [dict(span.attributes or {}), [dict(e.attributes or {}) for e in span.events], span.status.description]
        if scrubbed(parts, text) == parts:
            return span  # the usual case: one pass over the strings, nothing rebuilt
        events = [Event(e.name, scrubbed(dict(e.attributes or {}), text), e.timestamp) for e in span.events]
        status = Status(span.status.status_code, scrubbed(span.status.description, text))
        return ReadableSpan(
            name=text(span.name),
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=scrubbed(dict(span.attributes or {}), text),
            events=events,
            links=span.links,
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    class ScrubbingExporter(SpanExporter):
        def export(self, spans: Any) -> Any:
            return exporter.export([clean(span) for span in spans])

        def shutdown(self) -> None:
            exporter.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return bool(exporter.force_flush(timeout_millis))

    return ScrubbingExporter()


def service_name(options: dict[str, Any]) -> str:
    """OTEL_SERVICE_NAME, else the settings package's name ("core"), else the program's."""
    module = str(getattr(settings, "SETTINGS_MODULE", "") or "")
    return str(options["service_name"] or module.partition(".")[0] or os.path.basename(sys.argv[0]) or "django")


def sampler(name: str, ratio: float) -> Any:
    from opentelemetry.sdk.trace import sampling

    chosen = {
        "always_on": sampling.ALWAYS_ON,
        "always_off": sampling.ALWAYS_OFF,
        "traceidratio": sampling.TraceIdRatioBased(ratio),
        "parentbased_always_on": sampling.ParentBased(sampling.ALWAYS_ON),
        "parentbased_always_off": sampling.ParentBased(sampling.ALWAYS_OFF),
        "parentbased_traceidratio": sampling.ParentBased(sampling.TraceIdRatioBased(ratio)),
    }
    return chosen[name]


def request_id_processor() -> Any:
    """A span processor: each span started while a request or task runs gets its id. Only sampled
    spans reach it (at ratio 0 it costs nothing)."""
    from opentelemetry.sdk.trace import SpanProcessor

    class RequestIdProcessor(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            request_id = current_request_id()
            if request_id is not None:
                span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

    return RequestIdProcessor()


def _response_hook(span: Any, request: Any, response: Any) -> None:
    """The request id on the request's span: it starts before RequestIdMiddleware runs (the instrumentation's
    middleware comes first), so it is set from the response, where RequestIdMiddleware answered it."""
    request_id = response.get(HEADER) if hasattr(response, "get") else None
    if request_id and span is not None and span.is_recording():
        span.set_attribute("http.request.header.x_request_id", request_id)  # the header, as captured headers are
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)


def tag_task_span(task: Any = None, **kwargs: Any) -> None:
    """task_prerun, connected after Celery's instrumentation: the task's span (current now) gets the id
    it runs under, whichever of this and request_id.enter_task Celery calls first."""
    from opentelemetry import trace

    span = trace.get_current_span()
    if not span.is_recording():
        return
    sent = getattr(getattr(task, "request", None), TASK_HEADER, None)
    request_id = current_request_id() or (sent if isinstance(sent, str) and VALID.fullmatch(sent) else None)
    if request_id is not None:
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)


def instrument(provider: Any) -> None:
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    DjangoInstrumentor().instrument(tracer_provider=provider, response_hook=_response_hook)
    if find_spec("celery") is not None and find_spec("opentelemetry.instrumentation.celery") is not None:
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        CeleryInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call,unused-ignore]
        from celery.signals import task_prerun  # type: ignore[import-untyped,unused-ignore]

        task_prerun.connect(tag_task_span, weak=False, dispatch_uid="modestwear_config.otel.tag_task_span")
    if find_spec("psycopg") is not None and find_spec("opentelemetry.instrumentation.psycopg") is not None:
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

        PsycopgInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    if find_spec("redis") is not None and find_spec("opentelemetry.instrumentation.redis") is not None:
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        RedisInstrumentor().instrument(tracer_provider=provider)
