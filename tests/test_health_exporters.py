"""The optional "sentry" and "otel" health checks: the exporters' hosts, reached without a secret, against the
local stand-ins (tests/support/sentry.py, otlp.py), a closed port and a socket that never answers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from modestwear_config.health import builtin as checks
from modestwear_config.health.catalog import SKIPPED, registered
from modestwear_config.health.exporters import ExporterUnavailable, probe_otel, probe_sentry
from modestwear_config.health.runner import RUNNER
from tests.support.otlp import OtlpServer
from tests.support.sentry import SentryServer
from tests.support.servers import SilentServer, free_port

pytestmark = pytest.mark.slow  # starts local servers

KEY = "0123456789abcdef0123456789abcdef"  # the stand-in's DSN key
HEADER_KEY = "Canary-otlp-key-5e1f9a0b"
BUDGET = 1.0


@pytest.fixture(autouse=True)
def health_settings(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)  # WhiteNoise warns (an error here) when it does not exist
    settings.MODESTWEAR_HEALTH_CACHE_SECONDS = 0
    settings.MODESTWEAR_HEALTH_BUDGET = BUDGET
    settings.MODESTWEAR_HEALTH_TOKEN = None
    checks.reset()
    RUNNER.reset()
    yield settings
    checks.reset()
    RUNNER.reset()


def sentry_at(dsn: str) -> dict[str, Any]:
    return {"dsn": dsn, "environment": "e", "release": "", "traces_sample_rate": 0.0, "profiles_sample_rate": 0.0}


def otel_at(endpoint: str) -> dict[str, Any]:
    return {
        "traces_endpoint": endpoint + "/v1/traces",
        "headers": {"x-api-key": HEADER_KEY},
        "service_name": "shop",
        "resource_attributes": {},
        "sampler": "parentbased_always_on",
        "ratio": 1.0,
    }


def test_exporter_checks__optional_and_named_in_the_registry():
    regs = registered()
    assert regs["sentry"].optional and regs["otel"].optional
    assert not regs["sentry"].critical and not regs["otel"].critical


def test_exporter_checks__sentry_reached_without_the_key(settings):
    with SentryServer() as sentry:
        settings.MODESTWEAR_SENTRY = sentry_at(sentry.dsn)
        assert probe_sentry(2.0) is None
    [(method, path, headers)] = sentry.requests
    assert (method, path) == ("HEAD", "/")  # the origin only: no project path, no envelope
    assert KEY not in json.dumps(headers) and "sentry_key" not in json.dumps(headers).lower()
    assert sentry.envelopes == []


def test_exporter_checks__otlp_reached_without_the_headers(settings):
    with OtlpServer() as collector:
        settings.MODESTWEAR_OTEL = otel_at(collector.endpoint)
        assert probe_otel(2.0) is None
    [(method, path, headers)] = collector.requests
    assert (method, path) == ("HEAD", "/")
    assert HEADER_KEY not in json.dumps(headers) and "x-api-key" not in {h.lower() for h in headers}
    assert collector.spans == []


def test_exporter_checks__skipped_when_not_configured(settings):
    settings.MODESTWEAR_SENTRY = None
    settings.MODESTWEAR_OTEL = None
    assert probe_sentry(1.0) == SKIPPED and probe_otel(1.0) == SKIPPED


def test_exporter_checks__refused_connection_fails_at_once(settings):
    port = free_port()  # nothing listens
    settings.MODESTWEAR_SENTRY = sentry_at(f"http://{KEY}@127.0.0.1:{port}/1")
    start = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        probe_sentry(2.0)
    assert time.monotonic() - start < 1.0


class GatewayError(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(503)  # a proxy whose exporter behind it is down
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_exporter_checks__gateway_error_fails(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), GatewayError)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.MODESTWEAR_OTEL = otel_at(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(ExporterUnavailable):
            probe_otel(2.0)
    finally:
        server.shutdown()
        server.server_close()


def test_exporter_checks__manage_py_health_runs_them_when_enabled(db, settings):
    with SentryServer() as sentry, OtlpServer() as collector:
        settings.MODESTWEAR_SENTRY = sentry_at(sentry.dsn)
        settings.MODESTWEAR_OTEL = otel_at(collector.endpoint)
        settings.MODESTWEAR_HEALTH_CHECKS = ("sentry", "otel")
        out = StringIO()
        call_command("health", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["checks"]["sentry"]["status"], report["checks"]["otel"]["status"]) == ("ok", "ok")
    assert [r[0] for r in sentry.requests + collector.requests] == ["HEAD", "HEAD"]
    assert KEY not in out.getvalue() and HEADER_KEY not in out.getvalue()


def test_exporter_checks__not_run_unless_enabled_nor_by_healthz(db, settings):
    with SentryServer() as sentry, OtlpServer() as collector:
        settings.MODESTWEAR_SENTRY = sentry_at(sentry.dsn)
        settings.MODESTWEAR_OTEL = otel_at(collector.endpoint)
        out = StringIO()
        call_command("health", "--json", stdout=out)
        assert not {"sentry", "otel"} & set(json.loads(out.getvalue())["checks"])
        settings.MODESTWEAR_HEALTH_CHECKS = ("sentry", "otel")
        assert Client().get("/healthz").status_code == 200  # liveness runs no check, enabled or not
    assert sentry.requests == [] and collector.requests == []


def test_exporter_checks__a_silent_exporter_is_reported_within_the_budget(db, settings):
    """Both exporters accept the connection and never answer: /health answers within its budget, degraded
    (neither check is critical), each exporter timed out, the database still ok; nothing of the DSN or the
    headers in the answer."""
    with SilentServer() as silent:
        settings.MODESTWEAR_SENTRY = sentry_at(f"http://{KEY}@127.0.0.1:{silent.port}/1")
        settings.MODESTWEAR_OTEL = otel_at(f"http://127.0.0.1:{silent.port}")
        settings.MODESTWEAR_HEALTH_CHECKS = ("sentry", "otel")
        settings.MODESTWEAR_HEALTH_TOKEN = "Canary-health-token-0123456789"
        start = time.monotonic()
        response = Client().get("/health", HTTP_AUTHORIZATION="Bearer Canary-health-token-0123456789")
        elapsed = time.monotonic() - start
        assert silent.connections  # the exporters were asked
    body = response.json()
    assert elapsed < BUDGET + 0.5, elapsed
    assert (response.status_code, body["status"]) == (200, "degraded")
    assert body["checks"]["database"]["status"] == "ok"
    for name in ("sentry", "otel"):
        assert (body["checks"][name]["status"], body["checks"][name]["timed_out"]) == ("fail", True), body
    assert KEY not in response.content.decode() and str(silent.port) not in response.content.decode()
