"""The optional "sentry" and "otel" checks: can this process reach where its errors and spans go?

Each sends one ``HEAD /`` to the exporter's origin, the scheme, host and port of SENTRY_DSN or
OTEL_EXPORTER_OTLP_ENDPOINT, and nothing else: not the DSN's key, not its project path, not the
OTLP headers (an API key). Whatever the exporter answers proves it is reachable, TLS included: an
ingest host answers a request without credentials with 4xx, a test stand-in 501 for a method it does
not implement. Only a gateway error (502, 503, 504: a proxy that answers for an exporter that is down)
fails it, as do a refused connection, a failed TLS handshake and silence past the check's timeout.

Off by default (HEALTH_CHECKS=sentry,otel turns them on) and never part of /healthz, which runs no
check at all: an unreachable exporter loses errors and spans, not requests, so neither is critical
unless HEALTH_CRITICAL_CHECKS says so.  Skipped when the exporter is not configured.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from .catalog import SKIPPED, Probe

GATEWAY_ERRORS = frozenset({502, 503, 504})


class ExporterUnavailable(Exception):
    """The exporter's host answered with a gateway error: a proxy is up, the exporter behind it is not."""


def sentry_checks() -> dict[str, Probe]:
    return {"sentry": probe_sentry}


def otel_checks() -> dict[str, Probe]:
    return {"otel": probe_otel}


def probe_sentry(timeout: float) -> object:
    options: dict[str, Any] | None = getattr(settings, "MODESTWEAR_SENTRY", None)
    if not options:
        return SKIPPED  # no DSN: Sentry is off in this process
    reach(options["dsn"], timeout)
    return None


def probe_otel(timeout: float) -> object:
    options: dict[str, Any] | None = getattr(settings, "MODESTWEAR_OTEL", None)
    if not options:
        return SKIPPED  # no endpoint: tracing is off in this process
    reach(options["traces_endpoint"], timeout)
    return None


def reach(url: str, timeout: float) -> None:
    """One HEAD / to `url`'s origin within `timeout` seconds per operation (the runner's deadline bounds
    the whole); raises when nothing, or only a gateway error, answers. Never sends `url`'s user
    part, path or query, and never shows them: only the exception's type is ever reported."""
    from http.client import HTTPConnection, HTTPSConnection  # when a check runs, not when the catalog loads

    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme.lower() == "https"
    connection = (HTTPSConnection if https else HTTPConnection)(host, parts.port, timeout=timeout)
    try:
        connection.request("HEAD", "/", headers={"User-Agent": "modestwear-config-health"})
        status = connection.getresponse().status
    finally:
        connection.close()
    if status in GATEWAY_ERRORS:
        raise ExporterUnavailable()
