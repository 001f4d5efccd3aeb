"""/health against faults of the server itself, under real gunicorn (sync, gthread) and uvicorn workers.

A readiness storm during an outage: 8 clients loop on /health while PostgreSQL is silent (a socket
that accepts and never answers); /healthz and a page must keep answering in their usual time, and
the waiting probes must not hold every thread of the worker.  A worker at its thread limit (RLIMIT_NPROC
lowered on the running worker with prlimit): /health fails at once, and recovers by the next window
once threads can start again.  Figures are printed (benchmarks/RESULTS.md keeps them); the asserts
only bound what would otherwise be an outage (a liveness probe past Kubernetes' 1 s default).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.servers import (
    POSTGRES_URL,
    AsgiGunicorn,
    Gunicorn,
    RedisServer,
    SilentServer,
    fresh_postgres_database,
    project_env,
    require,
    require_binary,
)
from tests.test_health_gunicorn import SECRETS, fetch, threads_and_sockets, worker_pid

pytestmark = pytest.mark.slow

BUDGET = 2.0  # seconds: long enough that a probe waiting it out is plain to see next to /healthz
CLIENTS = 8  # concurrent /health clients: twice gthread's 4 threads
LIVENESS_BOUND = BUDGET / 2  # 1 s: Kubernetes' default liveness timeout; the old runner took up to 2.65 s
PUBLIC_HOST = "shop.example.com"


def storm_env(database_url: str, redis_url: str, threads: int, **extra: str) -> dict[str, str]:
    return project_env(
        {
            **SECRETS,
            "EMAIL_HOST_USER": "shop@example.com",
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "BEHIND_TLS_PROXY": "true",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_MAX_REQUESTS": "0",
            "HEALTH_BUDGET_SECONDS": str(BUDGET),
            "HEALTH_CACHE_SECONDS": "0",  # the worst case: every probe asks for a fresh answer
            **extra,
        },
        debug=False,
    )


def page(port: int) -> float:
    """A plain page (no database), as the platform's TLS proxy forwards it: its latency in seconds."""
    start = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/api/hello/", headers={"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
    finally:
        connection.close()
    return time.monotonic() - start


class Storm:
    """CLIENTS threads looping on /health until stopped (bounded: at most 60 s)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.answers: list[tuple[int, float]] = []
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(CLIENTS)]

    def _loop(self) -> None:
        deadline = time.monotonic() + 60
        while not self.stop.is_set() and time.monotonic() < deadline:
            answer = fetch(self.port, "/health")
            self.answers.append((answer.status, answer.elapsed))

    def __enter__(self) -> Storm:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def measure(server: Gunicorn, seconds: float) -> dict[str, object]:
    worker = worker_pid(server.process.pid)
    fetch(server.port, "/health")  # warm: the registry, the probes, one flight
    with ThreadPoolExecutor(CLIENTS) as pool:  # and every thread of gthread's pool
        list(pool.map(lambda _: fetch(server.port, "/healthz"), range(4 * CLIENTS)))
    before = threads_and_sockets(worker)
    live: list[float] = []
    pages: list[float] = []
    peak = before
    with Storm(server.port) as storm:
        time.sleep(0.3)  # every client is in
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            answer = fetch(server.port, "/healthz")
            assert answer.status == 200
            live.append(answer.elapsed)
            pages.append(page(server.port))
            peak = max(peak, threads_and_sockets(worker))
            time.sleep(0.05)
    return {"live": live, "pages": pages, "health": storm.answers, "threads": (before[0], peak[0])}


def report(kind: str, figures: dict[str, object]) -> str:
    live = sorted(figures["live"])  # type: ignore[arg-type]
    pages = sorted(figures["pages"])  # type: ignore[arg-type]
    health = figures["health"]
    waits = sorted(e for _, e in health)  # type: ignore[attr-defined]
    return (
        f"{kind}: {len(live)} /healthz under {CLIENTS} /health clients (silent PostgreSQL, budget {BUDGET} s): "
        f"median {live[len(live) // 2] * 1000:.1f} ms, max {live[-1] * 1000:.0f} ms; a page: max {pages[-1] * 1000:.0f}"
        f" ms; {len(waits)} /health answered, median {waits[len(waits) // 2] * 1000:.0f} ms, max {waits[-1]:.2f} s; "
        f"worker threads {figures['threads']}"
    )


@pytest.mark.parametrize("kind, threads", [("sync", 1), ("gthread", 4), ("asgi", 1)])
def test_health_storm__liveness_and_pages_answer_whatever_readiness_waits_for(kind, threads, tmp_path):
    if kind == "asgi":
        pytest.importorskip("uvicorn_worker", reason="the asgi extra is not installed")
    require_binary("gunicorn")
    with SilentServer() as silent_pg, RedisServer() as redis_server:
        env = storm_env(f"postgresql://postgres@127.0.0.1:{silent_pg.port}/app", redis_server.url, threads)
        server_class = AsgiGunicorn if kind == "asgi" else Gunicorn
        with server_class({**env, "BASE_DIR": str(tmp_path)}) as server:
            figures = measure(server, seconds=3 * BUDGET)
    print("\n" + report(kind, figures))
    live, pages = figures["live"], figures["pages"]
    assert max(live) < LIVENESS_BOUND, report(kind, figures)  # type: ignore[type-var]
    assert max(pages) < LIVENESS_BOUND, report(kind, figures)  # type: ignore[type-var]
    before, peak = figures["threads"]  # type: ignore[misc]
    if kind != "asgi":  # Django's ASGI handler gives each request in progress a thread of its own (idle here)
        # The flights (one per check in the air, the stuck database's), never a thread per waiting probe.
        assert peak - before <= 3, report(kind, figures)
    # Every /health answered, failing on the silent database; none waited past the budget and slack.
    assert all(status == 503 and elapsed < BUDGET + 1.5 for status, elapsed in figures["health"])  # type: ignore[attr-defined]


class ThreadLimit:
    """A private pids cgroup (v1) around one running process: `limit()` caps it at the tasks it has,
    as a container's pids.max does; removed on exit (the process goes back to the root group)."""

    ROOT = Path("/sys/fs/cgroup/pids")

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.group = self.ROOT / f"mwc-test-{os.getpid()}-{pid}"
        try:
            self.group.mkdir()
        except OSError as exc:
            pytest.skip(f"cannot create a pids cgroup here: {exc}")
        (self.group / "cgroup.procs").write_text(str(pid))

    def limit(self) -> None:
        (self.group / "pids.max").write_text((self.group / "pids.current").read_text())

    def lift(self) -> None:
        (self.group / "pids.max").write_text("max")

    def __enter__(self) -> ThreadLimit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lift()
        with contextlib.suppress(OSError):  # the process may have exited
            (self.ROOT / "cgroup.procs").write_text(str(self.pid))
        self.group.rmdir()


def test_health_thread_limit__fails_at_once_then_recovers_by_the_next_window():
    """RuntimeError: can't start new thread, for real: the worker's pids cgroup is capped at the tasks it
    has. The old runner kept the flight that never flew: every later /health waited the budget and
    answered 503 for the rest of the process."""
    require(POSTGRES_URL, "PostgreSQL")
    window = 0.5
    with fresh_postgres_database() as db_url:
        env = storm_env(db_url, "", 1, HEALTH_CACHE_SECONDS=str(window), HEALTH_BUDGET_SECONDS="1.0")
        env.pop("REDIS_URL")  # local memory: the database check alone
        with Gunicorn(env) as server:
            assert fetch(server.port, "/health").json()["status"] == "ok"
            with ThreadLimit(worker_pid(server.process.pid)) as cgroup:
                cgroup.limit()
                time.sleep(window * 1.2)
                limited = fetch(server.port, "/health", token=True)
                cgroup.lift()
                time.sleep(window * 1.2)
                recovered = [fetch(server.port, "/health", token=True) for _ in range(2)]
            log = server.output()
    print(f"\nthread limit: {limited.status} {limited.body!r} in {limited.elapsed:.3f} s; then {recovered[-1].status}")
    assert limited.status == 503 and limited.json()["checks"]["database"]["error"] == "RuntimeError", limited.text
    assert limited.elapsed < 0.5  # at once: no flight to wait for
    assert [a.json()["status"] for a in recovered] == ["ok", "ok"], [a.text for a in recovered]
    assert "Health check database could not start: RuntimeError" in log
