"""A local OpenTelemetry collector: OTLP/HTTP traces (POST /v1/traces, protobuf, optionally gzip).

Each ExportTraceServiceRequest is decoded with the protocol's own classes (opentelemetry-proto) into
plain span records (hex ids, the resource's service.name, attributes as strings), with the request
headers kept, for the tests to follow parents and look for canaries.
"""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _value(value: Any) -> str:
    kind = value.WhichOneof("value")
    return str(getattr(value, kind)) if kind else ""


def decode(body: bytes) -> list[dict[str, Any]]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    {
                        "name": span.name,
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_id": span.parent_span_id.hex(),
                        "kind": span.kind,
                        "service": resource.get("service.name", ""),
                        "resource": resource,
                        "scope": scope_spans.scope.name,
                        "attributes": {a.key: _value(a.value) for a in span.attributes},
                    }
                )
    return spans


class OtlpServer:
    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        # (method, path, headers) of every request, POSTs and the health checks' HEADs alike.
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
                    body = gzip.decompress(body)
                spans = decode(body) if self.path == "/v1/traces" else []
                with received.lock:
                    received.spans.extend(spans)
                    received.headers.append(dict(self.headers))
                    received.requests.append(("POST", self.path, dict(self.headers)))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
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
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for(self, predicate: Any, timeout: float = 40.0) -> list[dict[str, Any]]:
        """The spans once `predicate(spans)` holds (the SDK exports in batches, every 5 s by default)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                spans = list(self.spans)
            if predicate(spans):
                return spans
            time.sleep(0.2)
        with self.lock:
            return list(self.spans)

    def __enter__(self) -> OtlpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
