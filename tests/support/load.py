"""A bounded HTTP load for fault and load tests: N client threads, each on its own keep-alive-free
connection per request, recording every outcome with its time."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Outcome:
    started: float
    finished: float
    status: int | None  # None: the request failed at the socket level
    error: str = ""


@dataclass
class LoadLoop:
    """Requests `url` from `clients` threads until stopped or `max_seconds` pass (never unbounded)."""

    url: str
    clients: int = 8
    max_seconds: float = 60.0
    timeout: float = 10.0
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.clients)]

    def _one(self) -> Outcome:
        parts = urlsplit(self.url)
        started = time.monotonic()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        try:
            conn.request("GET", parts.path or "/", headers={"Host": parts.netloc})
            response = conn.getresponse()
            response.read()
            return Outcome(started, time.monotonic(), response.status)
        except OSError as exc:
            return Outcome(started, time.monotonic(), None, type(exc).__name__)
        finally:
            conn.close()

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            outcome = self._one()
            with self._lock:
                self.outcomes.append(outcome)

    def start(self) -> LoadLoop:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def between(self, start: float, end: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.started >= start and o.finished <= end]

    def wait_for(self, count: int, after: float, limit: float = 30.0) -> None:
        """Block until `count` requests started after `after` have finished."""
        deadline = time.monotonic() + limit
        while len(self.between(after, float("inf"))) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {count} requests finished within {limit} s")
            time.sleep(0.05)

    def __enter__(self) -> LoadLoop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def failed(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status != 200]
