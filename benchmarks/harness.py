"""Process, HTTP and statistics helpers for the benchmarks (no measurement logic here)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


# -- statistics ---------------------------------------------------------------------------------
def summary(values: Iterable[float], digits: int = 3) -> dict[str, Any]:
    """min / median / max of several runs (the shape every figure is reported in)."""
    data = sorted(values)
    if not data:
        return {"min": None, "median": None, "max": None, "n": 0}
    return {
        "min": round(data[0], digits),
        "median": round(statistics.median(data), digits),
        "max": round(data[-1], digits),
        "n": len(data),
    }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 1,000 probes is the 990th slowest)."""
    data = sorted(values)
    rank = max(1, min(len(data), -(-len(data) * pct // 100)))
    return data[int(rank) - 1]


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or not baseline:
        return None
    return round(value / baseline, 3)


# -- HTTP ---------------------------------------------------------------------------------------
@dataclass
class Reply:
    status: int | None  # None: no answer within the client's cap
    seconds: float
    body: bytes = b""


def get(port: int, path: str, headers: Mapping[str, str] | None = None, timeout: float = 30.0) -> Reply:
    """One GET on a new connection (as an uptime monitor probes), timed from connect to last byte."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict(headers or {}))
        response = conn.getresponse()
        body = response.read()
        return Reply(response.status, time.perf_counter() - start, body)
    except (OSError, http.client.HTTPException):
        return Reply(None, time.perf_counter() - start)
    finally:
        conn.close()


def first_200(
    port: int,
    path: str,
    process: subprocess.Popen[Any],
    start: float,
    timeout: float,
    headers: Mapping[str, str] | None = None,
) -> float:
    """Seconds from `start` to the first 200 on `path`; polls every 5 ms."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
                if sock.recv(16).startswith((b"HTTP/1.0 200", b"HTTP/1.1 200")):
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.005)
    raise TimeoutError(f"no 200 on {path} within {timeout} s")


# -- gunicorn -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    env["PATH"] = f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONPATH"] = str(HERE)
    env.update(extra)
    return env


@dataclass
class Gunicorn:
    """gunicorn with our configuration module for every candidate (same workers, threads, timeouts).

    Recycling (max_requests) is off so no worker restarts inside a measurement, and the access
    log goes to /dev/null for every candidate.
    """

    app: str  # "ours.wsgi:application"
    env: dict[str, str]
    workers: int = 2
    threads: int = 4
    ready_path: str = "/healthz"
    ready_headers: dict[str, str] | None = None  # e.g. X-Forwarded-Proto for a page behind SECURE_SSL_REDIRECT
    cpus: str | None = None  # taskset list: master and workers stay on these CPUs
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    boot_seconds: float | None = None

    def command(self) -> list[str]:
        return [
            *pinned(self.cpus),
            str(BIN / "gunicorn"),
            "-c",
            "python:modestwear_config.gunicorn",
            "--access-logfile",
            "/dev/null",
            self.app,
        ]

    def start(self, timeout: float = 60.0) -> Gunicorn:
        env = base_env(
            {
                **self.env,
                "PORT": str(self.port),
                "WEB_CONCURRENCY": str(self.workers),
                "GUNICORN_THREADS": str(self.threads),
                "GUNICORN_MAX_REQUESTS": "0",
                "GUNICORN_LOG_LEVEL": "warning",
            }
        )
        handle, name = tempfile.mkstemp(prefix="mwc-bench-gunicorn-", suffix=".log")
        self.log = Path(name)
        start = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(), cwd=HERE, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        os.close(handle)
        try:
            self.boot_seconds = first_200(self.port, self.ready_path, self.process, start, timeout, self.ready_headers)
        except (RuntimeError, TimeoutError) as exc:
            output = self.output()
            self.stop()
            raise RuntimeError(f"gunicorn {self.app} did not start: {exc}\n{output[-3000:]}") from None
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""

    def workers_pids(self) -> list[int]:
        assert self.process is not None
        return children(self.process.pid)

    def stop(self, quick: bool = False) -> None:
        """SIGTERM (graceful), or SIGQUIT (quick: a worker stuck on a silent server is not waited for)."""
        if self.process is not None:
            stop_group(self.process, signal.SIGQUIT if quick else signal.SIGTERM)
        self.process = None
        if self.log:
            self.log.unlink(missing_ok=True)
            self.log = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class CeleryWorker:
    """One real Celery worker of the `ours` project on `broker_url`, as the seed deploys one.

    With a broker configured the library's /health also asks a worker to answer a ping (its
    default): without a worker every refresh would wait out the ping and report "degraded".
    """

    env: dict[str, str]
    broker_url: str
    process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CeleryWorker:
        env = base_env(
            {
                **self.env,
                "DJANGO_SETTINGS_MODULE": "ours.settings",
                "CELERY_BROKER_URL": self.broker_url,
                "CELERY_RESULT_BACKEND": self.broker_url,
            }
        )
        command = [str(BIN / "celery"), "-A", "ours.celery:app", "worker", "--pool", "solo", "--loglevel", "warning"]
        self.process = subprocess.Popen(
            [*command, "--without-gossip", "--without-mingle"],
            cwd=HERE,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        from celery import Celery

        app = Celery("bench-ping", broker=self.broker_url, set_as_current=False)
        deadline = time.monotonic() + 60
        try:
            while not app.control.ping(timeout=0.5, limit=1):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the benchmark's Celery worker did not answer a ping within 60 s")
        except BaseException:
            self.__exit__()  # never leave the worker running
            raise
        finally:
            app.close()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            stop_group(self.process, signal.SIGTERM)
        self.process = None


def stop_group(process: subprocess.Popen[bytes], sig: int) -> None:
    """`sig` to the process group (a server and its workers), then SIGKILL after 15 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return sorted(found)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident, shared pages counted in full) and Pss (shared pages split between sharers)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    pss = int(re.search(r"^Pss:\s+(\d+) kB", rollup.read_text(), re.M).group(1)) if rollup.exists() else rss  # type: ignore[union-attr]
    return {"rss": rss, "pss": pss}


# -- wrk --------------------------------------------------------------------------------------------
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def pinned(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus else []


def split_cpus() -> tuple[str | None, str | None]:
    """(server CPU, client CPU): the server and wrk on different cores, or no pinning on one core.

    Unpinned, the scheduler moves the worker's threads between the cores wrk also uses, and
    the same endpoint measured twice differs by up to 2x; pinned, runs agree within ~10%.
    """
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) < 2 or not shutil.which("taskset"):
        return None, None
    return str(cores[0]), str(cores[1])


def wrk(
    port: int,
    path: str,
    seconds: int,
    connections: int = 50,
    headers: Mapping[str, str] | None = None,
    cpus: str | None = None,
) -> dict[str, Any]:
    """`wrk -t1 -c50 -dNs --latency`: requests/s and the latency percentiles in ms."""
    args = [*pinned(cpus), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    latency = {
        f"p{m.group(1)}": float(m.group(2)) * _UNITS[m.group(3)]
        for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        **{k: round(v, 3) for k, v in latency.items()},
        "requests": int(total.group(1)) if total else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }
