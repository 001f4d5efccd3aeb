"""A local Sentry: the envelope endpoint (POST /api/<project>/envelope/) that the SDK sends to.

The DSN http://<key>@127.0.0.1:<port>/<project> points at it. Each envelope is decoded as Sentry's
ingestion does (gzip, deflate or brotli body; a header line, then items each with a header line
and a payload, sized by `length` or ended by a newline) and kept, with the raw body, for the
tests to count events and look for canaries.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Envelope:
    path: str
    headers: dict[str, str]
    header: dict[str, Any]
    items: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)
    body: bytes = b""  # decoded

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        return [json.loads(payload) for header, payload in self.items if header.get("type") == kind]


def decode_body(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return bytes(brotli.decompress(body))
    return body


def parse_envelope(data: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    first, _, rest = data.partition(b"\n")
    header = json.loads(first or b"{}")
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        if not line.strip():
            continue
        item_header = json.loads(line)
        length = item_header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length:].removeprefix(b"\n")
        items.append((item_header, payload))
    return header, items


class SentryServer:
    def __init__(self, project: str = "1", key: str = "0123456789abcdef0123456789abcdef") -> None:
        self.project = project
        self.key = key
        self.envelopes: list[Envelope] = []
        self.lock = threading.Lock()
        # (method, path, headers) of every request, POSTs and the health checks' HEADs alike.
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = decode_body(body, (self.headers.get("Content-Encoding") or "").lower())
                header, items = parse_envelope(data)
                envelope = Envelope(self.path, dict(self.headers), header, items, data)
                with received.lock:
                    received.envelopes.append(envelope)
                    received.requests.append(("POST", self.path, dict(self.headers)))
                answer = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_HEAD(self) -> None:  # noqa: N802 - the health check's probe: answered as the real one would
                with received.lock:
                    received.requests.append(("HEAD", self.path, dict(self.headers)))
                self.send_response(405)  # the ingest endpoint takes POST only
                self.send_header("Allow", "POST")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://{self.key}@127.0.0.1:{self.port}/{self.project}"

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [event for envelope in self.envelopes for event in envelope.payloads("event")]

    def received(self) -> str:
        """Every item of every envelope, decoded (the envelope headers carry the DSN, by design)."""
        with self.lock:
            return "\n".join(payload.decode("utf-8", "replace") for e in self.envelopes for _, payload in e.items)

    def wait_for_events(self, count: int, timeout: float = 30.0, settle: float = 2.0) -> list[dict[str, Any]]:
        """The events once `count` have arrived and no more came for `settle` seconds (a duplicate
        would arrive right behind the first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.events()) < count:
            time.sleep(0.1)
        time.sleep(settle)
        return self.events()

    def __enter__(self) -> SentryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
