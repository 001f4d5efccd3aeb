"""What the Sentry and OTLP stand-ins share: a HEAD (the exporters' health check) answered as a real
ingest endpoint does, and recorded."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any


def answer_head(handler: BaseHTTPRequestHandler, received: Any) -> None:
    with received.lock:
        received.requests.append(("HEAD", handler.path, dict(handler.headers)))
    handler.send_response(405)  # the ingest endpoint takes POST only
    handler.send_header("Allow", "POST")
    handler.send_header("Content-Length", "0")
    handler.end_headers()
