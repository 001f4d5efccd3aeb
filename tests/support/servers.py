"""Real services for tests: the machine's shared ones (never reconfigured), and private ones a
test starts, breaks and removes itself (redis-server, a PostgreSQL cluster, a silent socket,
gunicorn serving the example project)."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PROJECT = ROOT / "example_project"
# Shared services, found through env vars with this machine's defaults.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
# Set by .ci/run: an unreachable service fails the test instead of skipping it.
REQUIRE_SERVICES = os.environ.get("MODESTWEAR_REQUIRE_SERVICES", "") == "1"
PG_BIN = Path(os.environ.get("TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def reachable(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=timeout):
            return True
    except OSError:
        return False


def require(url: str, what: str) -> str:
    """Skip (or, in CI, fail) when a shared service cannot be reached."""
    if reachable(url):
        return url
    parts = urlsplit(url)
    reason = f"{what} is not reachable at {parts.hostname}:{parts.port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MODESTWEAR_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(reason)


def which(name: str) -> str | None:
    """A program on PATH, beside this Python (the venv's bin/), or PostgreSQL's bin/."""
    for candidate in (
        shutil.which(name),
        shutil.which(name, path=str(Path(sys.executable).parent)),
        str(PG_BIN / name),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def require_binary(name: str) -> str:
    path = which(name)
    if path:
        return path
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is not installed (MODESTWEAR_REQUIRE_SERVICES=1)")
    pytest.skip(f"{name} is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# What a server that is still booting (or a machine under load) can answer before it is ready:
# refused or reset connections, timeouts, a half-written response. All are retried until a deadline.
TRANSIENT_ERRORS = (OSError, http.client.HTTPException)


def wait_for_port(port: int, timeout: float = 20.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


class SilentServer:
    """Accepts TCP connections and never answers: a hung database or Redis."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = int(self.sock.getsockname()[1])
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self.connections:
            conn.close()
        self.sock.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TricklingServer:
    """Accepts TCP connections and sends `payload` one byte every `interval` seconds, to each: a server
    that is never silent long enough for a per-read timeout to fire (an API, SMTP or Redis)."""

    def __init__(self, payload: bytes, interval: float = 0.2) -> None:
        self.payload = payload
        self.interval = interval
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = int(self.sock.getsockname()[1])
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(conn)
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        for byte in self.payload:
            if self._stop.wait(self.interval):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:  # the client gave up: what the test wants
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self.connections:
            conn.close()
        self.sock.close()

    def __enter__(self) -> TricklingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


HTTP_TRICKLE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"  # ~14 s at 0.2 s
SMTP_TRICKLE = b"220 a very slow greeting from a mail server that never quite finishes its line\r\n"


class RedisServer:
    """A private redis-server on a free port (optionally TLS-only, with a trustme CA)."""

    def __init__(self, tls: bool = False, extra_args: tuple[str, ...] = ()) -> None:
        self.binary = require_binary("redis-server")
        self.extra_args = extra_args  # e.g. ("--requirepass", "secret")
        self.dir = Path(tempfile.mkdtemp(prefix="mwc-redis-"))
        self.port = free_port()
        self.tls = tls
        self.ca_path: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://127.0.0.1:{self.port}/0"

    def _tls_args(self) -> list[str]:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_path = self.dir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        cert.cert_chain_pems[0].write_to_path(str(self.dir / "server.pem"))
        cert.private_key_pem.write_to_path(str(self.dir / "server.key"))
        return [
            "--port",
            "0",
            "--tls-port",
            str(self.port),
            "--tls-cert-file",
            str(self.dir / "server.pem"),
            "--tls-key-file",
            str(self.dir / "server.key"),
            "--tls-ca-cert-file",
            str(self.ca_path),
            "--tls-auth-clients",
            "no",
        ]

    def start(self) -> RedisServer:
        port_args = self._tls_args() if self.tls else ["--port", str(self.port)]
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                *port_args,
                *self.extra_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class PostgresCluster:
    """A private PostgreSQL cluster (initdb + pg_ctl) on a free port, run as the postgres user."""

    def __init__(self, server_options: tuple[str, ...] = ()) -> None:
        require_binary(str(PG_BIN / "initdb"))
        # Extra postgres options, e.g. ("-c log_connections=on",), appended to the defaults at start().
        self.server_options = server_options
        self.dir = Path(tempfile.mkdtemp(prefix="mwc-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, args: list[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> PostgresCluster:
        opts = " ".join(
            [f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", *self.server_options]
        )
        self._as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-l", str(self.dir / "log"), "start"]
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def stop_process_group(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """SIGTERM a process started with start_new_session=True and its children; SIGKILL after `timeout`."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def project_env(extra: Mapping[str, str] | None = None, debug: bool = True) -> dict[str, str]:
    """A clean environment for running the example project in a subprocess."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONPATH"] = str(EXAMPLE_PROJECT)
    env["DJANGO_SETTINGS_MODULE"] = "core.settings"
    env["DEBUG"] = "true" if debug else "false"
    env.update(extra or {})
    if not debug and "DATABASE_URL" not in env:
        # Production names its database (DEBUG off without DATABASE_URL is an error): the SQLite file
        # the development default would use, chosen explicitly.
        env["DATABASE_URL"] = explicit_sqlite(Path(env.get("BASE_DIR", EXAMPLE_PROJECT)))
    return env


def explicit_sqlite(base: Path) -> str:
    """DATABASE_URL for SQLite at BASE_DIR/db.sqlite3, as production must say it."""
    return f"sqlite:///{base / 'db.sqlite3'}"


def manage(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
    project: Path = EXAMPLE_PROJECT,
) -> subprocess.CompletedProcess[str]:
    """Run a project's manage.py (the example's by default) as a user would, in a subprocess."""
    return subprocess.run(
        [sys.executable, str(project / "manage.py"), *args],
        env=dict(env) if env is not None else project_env(),
        cwd=cwd or project,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage_each(
    runs: Sequence[tuple[str, ...]], env: Mapping[str, str], timeout: float = 120, project: Path = EXAMPLE_PROJECT
) -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    """Several independent manage.py commands at once (each is a second of start-up, mostly waiting on
    the other core): their results by arguments, in the order given."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {args: pool.submit(manage, *args, env=env, timeout=timeout, project=project) for args in runs}
    return {args: future.result() for args, future in futures.items()}


class Gunicorn:
    """gunicorn serving the example project with the package's configuration module."""

    app = "core.wsgi:application"
    project = EXAMPLE_PROJECT  # the directory gunicorn runs in (a test's own project: a subclass)

    def __init__(
        self, env: Mapping[str, str], args: tuple[str, ...] = (), cwd: Path | None = None, app: str = ""
    ) -> None:
        require_binary("gunicorn")
        self.cwd = cwd or self.project  # another project's directory, with its own `app`
        self.app = app or self.app
        self.port = free_port()
        # One worker unless a test asks for more: 2 x CPUs + 1 would slow every server test.
        self.env = {"WEB_CONCURRENCY": "1", **env, "PORT": str(self.port)}
        self.args = args
        self.process: subprocess.Popen[str] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="mwc-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115 - lives as long as the server; closed in stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Gunicorn:
        gunicorn = which("gunicorn") or "gunicorn"
        self.process = subprocess.Popen(
            [gunicorn, "-c", "python:modestwear_config.gunicorn", *self.args, self.app],
            cwd=self.cwd,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.output()
                self.__exit__()
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except TRANSIENT_ERRORS:  # HTTPError (a 5xx while booting) is an OSError too
                time.sleep(0.1)
        output = self.output()
        self.__exit__()
        raise TimeoutError(f"gunicorn did not answer /healthz within {timeout} s:\n{output}")

    def output(self) -> str:
        """The log once it has settled: gunicorn's descriptors 1 and 2 reach it through the redactor
        process (server/redactor.py), a pipe and a few milliseconds behind the response."""
        path = Path(self.log.name)
        sizes = [-1]
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not (len(sizes) >= 3 and len(set(sizes[-3:])) == 1):
            time.sleep(0.05)
            sizes.append(path.stat().st_size)
        return path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process:
            stop_process_group(self.process, timeout=15)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@contextmanager
def fresh_postgres_database(base_url: str = POSTGRES_URL) -> Iterator[str]:
    """A new, empty database on the shared PostgreSQL, dropped afterwards; yields its URL."""
    import uuid

    import psycopg

    require(base_url, "PostgreSQL")
    name = f"mwc_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base_url)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class AsgiGunicorn(Gunicorn):
    """gunicorn running uvicorn's workers on the example's core.asgi (SERVER_INTERFACE=asgi)."""

    app = "core.asgi:application"

    def __init__(self, env: Mapping[str, str], args: tuple[str, ...] = ()) -> None:
        super().__init__({**env, "SERVER_INTERFACE": "asgi"}, args)


# -- the shop project (tests/shop_project): a custom user model, an API app, its own tests ---------------
SHOP_PROJECT = ROOT / "tests" / "shop_project"


def shop_env(extra: Mapping[str, str] | None = None, debug: bool = True) -> dict[str, str]:
    """A clean environment for the shop project in a subprocess (its `core` is not the example's)."""
    return project_env({"PYTHONPATH": str(SHOP_PROJECT), **(extra or {})}, debug=debug)


def shop_manage(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120, project: Path = SHOP_PROJECT
) -> subprocess.CompletedProcess[str]:
    """Run the shop project's manage.py (a copy's, when `project` is given) as a user would."""
    return manage(*args, env=env if env is not None else shop_env(), timeout=timeout, project=project)


def wait_for_http(url: str, timeout: float = 120.0, alive: Any = None) -> Any:
    """GET `url` until it answers below 500; every transient failure (refused, reset, a read timeout
    under load, a 5xx while booting) is retried until the deadline. `alive()` raises when the server
    died, so a crash fails at once instead of at the deadline. Returns the requests.Response."""
    import requests

    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
        try:
            response = requests.get(url, timeout=min(10.0, max(0.5, deadline - time.monotonic())))
        except (requests.RequestException, *TRANSIENT_ERRORS) as exc:
            last = exc
        else:
            if response.status_code < 500:
                return response
            last = f"HTTP {response.status_code}"
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s (last: {last!r})")
