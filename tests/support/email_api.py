"""Local stand-ins for the HTTP email APIs (Resend, Brevo, Mailgun, Postmark, SendGrid, Amazon SES v2) and SMTP.

It answers each provider's send and credential-check endpoints with the shapes
anymail parses, and records every request (method, path, headers, body) so a
test can assert what the provider would have received.  Loopback only, free port.
"""

from __future__ import annotations

import base64
import json
import re
import socketserver
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.utils.crypto import get_random_string

# (method, path pattern) -> (status, JSON body or None): what each provider answers on success.
ROUTES: list[tuple[str, str, int, Any]] = [
    ("POST", r"/emails", 200, {"id": "re-0001"}),  # Resend
    ("GET", r"/domains", 200, {"data": []}),
    ("POST", r"/v3/smtp/email", 201, {"messageId": "<brevo-0001@smtp-relay.mailin.fr>"}),  # Brevo
    ("GET", r"/v3/account", 200, {"email": "owner@example.com"}),
    ("POST", r"/v3/[^/]+/messages", 200, {"id": "<mailgun-0001@mg.example.com>", "message": "Queued. Thank you."}),
    ("GET", r"/v3/domains/[^/]+", 200, {"domain": {"state": "active"}}),  # Mailgun
    ("POST", r"/email", 200, {"To": "buyer@example.com", "MessageID": "pm-0001", "ErrorCode": 0, "Message": "OK"}),
    ("GET", r"/server", 200, {"ID": 1, "Name": "shop"}),  # Postmark
    ("POST", r"/v3/mail/send", 202, None),  # SendGrid
    ("GET", r"/v3/scopes", 200, {"scopes": ["mail.send"]}),
    ("POST", r"/v2/email/outbound-emails", 200, {"MessageId": "ses-0001"}),  # Amazon SES v2
    ("GET", r"/v2/email/account", 200, {"SendQuota": {"Max24HourSend": 200.0}}),
]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class EmailApiServer:
    """``with EmailApiServer() as api:`` then point EMAIL_API_URL at ``api.url(prefix)``."""

    def __init__(self, status: int | None = None, error_body: Any = None) -> None:
        self.requests: list[Recorded] = []
        self.status = status  # force this status on every request (error cases)
        self.error_body = error_body if error_body is not None else {"message": "The API key is invalid"}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, prefix: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{prefix}"

    def answer(self, method: str, path: str) -> tuple[int, Any]:
        if self.status is not None:
            return self.status, self.error_body
        for route_method, pattern, status, body in ROUTES:
            if method == route_method and re.fullmatch(pattern, path):
                return status, body
        return 404, {"message": "no such endpoint"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                api.requests.append(Recorded(self.command, path, dict(self.headers.items()), body))
                status, payload = api.answer(self.command, path)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", get_random_string(12))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # requests are recorded, not printed

        return Handler

    def __enter__(self) -> EmailApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class SmtpServer:
    """A minimal SMTP server (EHLO, AUTH PLAIN, MAIL, RCPT, DATA) that records each message it accepts."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        smtp = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                message: dict[str, Any] = {"rcpt": [], "auth": None}
                self.reply("220 stand-in ESMTP")
                while line := self.rfile.readline().decode(errors="replace").rstrip("\r\n"):
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-stand-in\r\n250 AUTH PLAIN")
                    elif verb == "AUTH":
                        message["auth"] = base64.b64decode(line.split()[-1]).split(b"\0")[1:]
                        self.reply("235 2.7.0 Authentication successful")
                    elif verb == "MAIL":
                        message["from"] = line
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        message["rcpt"].append(line)
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        message["data"] = self._data()
                        smtp.messages.append(message)
                        message = {"rcpt": [], "auth": message["auth"]}
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("250 OK")

            def _data(self) -> str:
                lines = []
                while (line := self.rfile.readline().decode(errors="replace")).rstrip("\r\n") != ".":
                    lines.append(line)
                return "".join(lines)

        return Handler

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
