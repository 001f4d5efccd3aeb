"""A local stand-in for Cloudinary's upload API: an http.server in a thread that records each request.

Point the SDK at it with ``upload_prefix`` (``?upload_prefix=http://127.0.0.1:PORT`` on CLOUDINARY_URL):
``POST /v1_1/<cloud>/<resource_type>/upload`` and ``.../destroy`` then arrive here instead of at
api.cloudinary.com.  Only the upload API honours upload_prefix; delivery URLs (exists, size, open)
would still go to res.cloudinary.com, so tests must not call them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    method: str
    path: str
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (file name, content)

    @property
    def action(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """Fields and files of a multipart/form-data or urlencoded body (no deprecated cgi module)."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode()).items()}, {}
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = (str(part.get_filename()), payload)
        else:
            fields[name] = payload.decode()
    return fields, files


class FakeCloudinary:
    """Answers upload and destroy like Cloudinary does; anything else is a 404."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fields, files = parse_form(self.headers.get("Content-Type", ""), body)
                request = Received("POST", self.path, fields, files)
                fake.received.append(request)
                self._answer(fake.answer(request))

            def do_GET(self) -> None:  # noqa: N802
                fake.received.append(Received("GET", self.path))
                self._answer(None)

            def _answer(self, payload: dict[str, Any] | None) -> None:
                data = json.dumps(payload or {"error": {"message": "not found"}}).encode()
                self.send_response(200 if payload else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass  # keep test output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, request: Received) -> dict[str, Any] | None:
        parts = request.path.strip("/").split("/")  # v1_1/<cloud>/<resource_type>/<action>
        if len(parts) != 4 or parts[0] != "v1_1":
            return None
        cloud, resource_type, action = parts[1:]
        if action == "upload":
            file_name, content = request.files.get("file", ("upload", b""))
            folder = request.fields.get("folder", "")
            stem = PurePosixPath(file_name).stem  # use_filename=True, unique_filename=False-like
            public_id = f"{folder}/{stem}" if folder else stem
            return {
                "public_id": public_id,
                "version": 1,
                "resource_type": resource_type,
                "type": "upload",
                "format": "png",
                "bytes": len(content),
                "secure_url": f"https://res.cloudinary.com/{cloud}/{resource_type}/upload/v1/{public_id}.png",
            }
        if action == "destroy":
            return {"result": "ok"}
        return None

    def start(self) -> FakeCloudinary:
        self._thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeCloudinary:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
