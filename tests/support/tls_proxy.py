"""A TLS-terminating reverse proxy like Render's: HTTPS in front, plain HTTP behind, with
X-Forwarded-Proto: https (or the headers a platform's proxy adds) added to every request head.

One request per connection (the backend is gunicorn with sync workers, which closes each
connection after its response), so only the first head of a connection needs the header.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Mapping
from pathlib import Path

HEAD_END = b"\r\n\r\n"


class TLSProxy:
    def __init__(
        self, backend_port: int, cert_file: Path, key_file: Path, headers: Mapping[str, str] | None = None
    ) -> None:
        self.backend_port = backend_port
        self.headers = dict(headers) if headers is not None else {"X-Forwarded-Proto": "https"}
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(str(cert_file), str(key_file))
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = int(self.listener.getsockname()[1])
        self.requests_seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> TLSProxy:
        self._thread.start()
        return self

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, raw_client: socket.socket) -> None:
        try:
            client = self.context.wrap_socket(raw_client, server_side=True)
        except (ssl.SSLError, OSError):
            raw_client.close()
            return
        backend: socket.socket | None = None
        try:
            head, rest = self._read_head(client)
            if not head:
                return
            self.requests_seen += 1
            backend = socket.create_connection(("127.0.0.1", self.backend_port), timeout=30)
            line_end = head.index(b"\r\n")
            added = b"".join(f"\r\n{name}: {value}".encode() for name, value in self.headers.items())
            backend.sendall(head[:line_end] + added + head[line_end:] + rest)
            upstream = threading.Thread(target=self._pipe, args=(client, backend), daemon=True)
            upstream.start()
            self._pipe(backend, client)
            upstream.join(timeout=5)
        except OSError:
            pass
        finally:
            if backend is not None:
                backend.close()
            client.close()

    @staticmethod
    def _read_head(client: ssl.SSLSocket) -> tuple[bytes, bytes]:
        data = b""
        while HEAD_END not in data:
            chunk = client.recv(65536)
            if not chunk:
                return b"", b""
            data += chunk
        head, _, rest = data.partition(HEAD_END)
        return head + HEAD_END, rest

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.listener.close()

    def __enter__(self) -> TLSProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
