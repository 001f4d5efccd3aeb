"""The six measurements.  Each returns a JSON-able dict; report.py turns them into the table and plot.

Every figure is measured in this run, on this machine, next to its baseline (the plain
project, the bare WSGI callable, or a peer), and repeated: min / median / max.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from harness import HERE, Gunicorn, base_env, get, memory_kb, percentile, pinned, ratio, split_cpus, summary, wrk

sys.path.insert(0, str(HERE.parent))  # tests.support.servers: the project's private-server helpers
from modestwear_config.concerns.readiness import DEFAULT_CACHE_SECONDS  # noqa: E402
from tests.support.servers import PostgresCluster, RedisServer, SilentServer  # noqa: E402


@dataclass(frozen=True)
class Scale:
    """How much of everything: --quick shrinks each figure's repetitions, never what is measured."""

    setup_runs: int = 21
    boot_runs: int = 7
    memory_runs: int = 3
    memory_requests: int = 1000
    wrk_runs: int = 5
    wrk_seconds: int = 5
    probe_runs: int = 3
    probes: int = 1000
    idle_probes: int = 12
    fault_probes: int = 3
    fault_cap: float = 30.0
    remote_seconds: tuple[int, int, int] = (6, 8, 12)  # wrk seconds at 1, 10, 75 ms per direction
    remote_repeat: bool = True  # the 10 ms comparison twice (a second, separate pass)
    wake_cold_runs: int = 5
    wake_warm_runs: int = 7
    health_remote_runs: int = 5


QUICK = Scale(
    setup_runs=3,
    boot_runs=2,
    memory_runs=1,
    memory_requests=300,
    wrk_runs=1,
    wrk_seconds=2,
    probe_runs=1,
    probes=100,
    idle_probes=3,
    fault_probes=1,
    fault_cap=10.0,
    remote_seconds=(2, 2, 3),
    remote_repeat=False,
    wake_cold_runs=1,
    wake_warm_runs=1,
    health_remote_runs=1,
)
FULL = Scale()

JSON = {"Accept": "application/json"}
HTTPS = {"X-Forwarded-Proto": "https"}  # as Render's proxy sends it (TLS ends before gunicorn)
SEED_PROBES_PER_DAY = 24 * 60 // 10  # the seed's uptime monitor: every 10 minutes
NEON_SUSPEND_MINUTES = 5  # Neon's scale-to-zero delay (fixed on the free plan)
NEON_FREE_HOURS_PER_MONTH = 100  # the seed's figure for Neon's free plan
UPSTASH_FREE_COMMANDS_PER_DAY = 10_000  # the seed's figure for Upstash's free plan


# -- environments ---------------------------------------------------------------------------------
class Services:
    """A private PostgreSQL (connections and statements logged) and Redis: clean counters."""

    def __init__(self, stack: ExitStack) -> None:
        self.pg = stack.enter_context(PostgresCluster(server_options=("-c log_connections=on",)))
        self.redis = stack.enter_context(RedisServer())
        # Celery's broker on its own server: the worker's polling never shows in the cache's command counts.
        self.broker = stack.enter_context(RedisServer())
        self.log = self.pg.dir / "log"
        import psycopg
        import redis

        self.admin = psycopg.connect(f"{self.pg.url}?application_name=bench-admin", autocommit=True)
        self.admin.execute("ALTER SYSTEM SET log_line_prefix = '%a|'")  # tells the admin's lines apart
        self._reload()
        stack.callback(self.admin.close)
        self.redis_admin = redis.Redis.from_url(self.redis.url)
        self.redis_admin.ping()
        stack.callback(self.redis_admin.close)

    def _reload(self) -> None:
        self.admin.execute("SELECT pg_reload_conf()")
        time.sleep(0.3)  # backends apply SIGHUP before their next command

    def log_statements(self, on: bool) -> None:
        """log_statement=all only while counting: its log writes would slow the throughput runs."""
        self.admin.execute(f"ALTER SYSTEM SET log_statement = '{'all' if on else 'none'}'")
        self._reload()

    def snapshot(self) -> dict[str, Any]:
        time.sleep(0.2)  # let the server write its log lines
        stats = self.redis_admin.info("stats")
        commands = {k.removeprefix("cmdstat_"): v["calls"] for k, v in self.redis_admin.info("commandstats").items()}
        return {
            "log_offset": self.log.stat().st_size,
            "redis_connections": stats["total_connections_received"],
            "redis_commands": commands,
        }

    def counts(self, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        with self.log.open("rb") as handle:
            handle.seek(before["log_offset"])
            lines = handle.read(after["log_offset"] - before["log_offset"]).decode(errors="replace").splitlines()
        ours = [line for line in lines if not line.startswith("bench-admin|")]
        commands = {
            name: calls - before["redis_commands"].get(name, 0)
            for name, calls in after["redis_commands"].items()
            if name not in ("info", "client|kill")
        }  # the benchmark's own commands
        commands = {name: calls for name, calls in commands.items() if calls}
        return {
            "pg_connections": sum("LOG:  connection authorized" in line for line in ours),
            "pg_statements": sum(("LOG:  statement: " in line or "LOG:  execute " in line) for line in ours),
            "redis_connections": after["redis_connections"] - before["redis_connections"],
            "redis_commands": sum(commands.values()),
            "redis_by_command": commands,
        }

    def drop_idle_connections(self) -> None:
        """What Neon's scale to zero (and a Redis idle timeout) do between two probes 10 minutes apart."""
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        self.redis_admin.execute_command("CLIENT", "KILL", "TYPE", "normal")  # SKIPME yes: not this one


def production_env(database_url: str, redis_url: str, broker_url: str) -> dict[str, str]:
    """The seed's environment variables (local services instead of Neon/Upstash; Redis without TLS)."""
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,modestwear.onrender.com,modestwear-app.vercel.app",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "EMAIL_HOST": "smtp.gmail.com",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "shop@example.com",
        "EMAIL_HOST_PASSWORD": secrets.token_urlsafe(12),
        "CLOUDINARY_URL": f"cloudinary://123456789012345:{secrets.token_urlsafe(20)}@modestwear",
        "GOOGLE_CLIENT_ID": "bench-client-id",
        "FACEBOOK_APP_ID": "bench-app-id",
        "FRONTEND_URL": "https://modestwear-app.vercel.app",
        "CORS_ALLOWED_ORIGINS": "https://modestwear-app.vercel.app,https://modestwear.onrender.com",
        "CSRF_TRUSTED_ORIGINS": "https://modestwear-app.vercel.app,https://modestwear.onrender.com",
        "DJANGO_SUPERUSER_EMAIL": "admin@modestwear.com",
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16),
    }


def collectstatic(stack: ExitStack, prod: dict[str, str]) -> dict[str, str]:
    """deploy.sh's collectstatic into a scratch BASE_DIR: production static storage needs its manifest."""
    base = stack.enter_context(tempfile.TemporaryDirectory(prefix="mwc-bench-base-"))
    env = {**prod, "BASE_DIR": base, "DJANGO_SETTINGS_MODULE": "ours.settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"], cwd=HERE, env=base_env(env), check=True
    )
    return {**prod, "BASE_DIR": base}


def ours(env: dict[str, str], **extra: str) -> tuple[str, dict[str, str]]:
    return "ours.wsgi:application", {**env, **extra, "DJANGO_SETTINGS_MODULE": "ours.settings"}


BEFORE_SWR = "f45a9f8"  # the library before /health served a stale result while refreshing (issue 16)


@contextmanager
def library_at(rev: str) -> Iterator[str]:
    """This package's source at an earlier commit, for PYTHONPATH: the same run measures before and after."""
    with tempfile.TemporaryDirectory(prefix="mwc-bench-src-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(HERE.parent), "archive", rev, "src/modestwear_config"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        yield f"{tmp}/src:{HERE}"


def plain(env: dict[str, str]) -> tuple[str, dict[str, str]]:
    return "plain.wsgi:application", {**env, "DJANGO_SETTINGS_MODULE": "plain.settings"}


def peers(env: dict[str, str]) -> tuple[str, dict[str, str]]:
    return "plain.wsgi:application", {**env, "DJANGO_SETTINGS_MODULE": "peers.settings"}


def rotated(items: dict[str, Any], run: int) -> list[tuple[str, Any]]:
    """The candidates, starting one further along each run: no candidate always goes first."""
    pairs = list(items.items())
    shift = run % len(pairs)
    return pairs[shift:] + pairs[:shift]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- sanity: the plain project mirrors ours ------------------------------------------------------------
def check_plain_mirrors_ours() -> dict[str, Any]:
    code = (
        "import json; from modestwear_config.concerns.core import _installed_apps, _middleware; "
        "import plain.settings as p; w = True; "
        "apps = [a for a in _installed_apps(w) if a != 'modestwear_config']; "
        "mw = [m.replace('modestwear_config.components.whitenoise_middleware', 'whitenoise.middleware') for m in _middleware(w) "
        "if 'LivenessMiddleware' not in m]; "
        "print(json.dumps({'apps': apps == p.INSTALLED_APPS, 'middleware': mw == p.MIDDLEWARE}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=HERE, env=base_env({}), capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, Any] = json.loads(out)
    if not all(result.values()):
        raise SystemExit(f"plain/settings.py no longer mirrors our INSTALLED_APPS/MIDDLEWARE: {result}")
    return result


# -- 1. start-up ---------------------------------------------------------------------------------------
SETUP_CODE = "import time; t = time.perf_counter(); import django; django.setup(); print(time.perf_counter() - t)"


def startup(scale: Scale, prod: dict[str, str]) -> dict[str, Any]:
    variants = {  # each of ours against the plain project configured alike (SQLite, or PostgreSQL + Redis)
        "plain_default": {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "plain.settings"},
        "ours_default": {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "ours.settings"},
        "plain": {**prod, "DJANGO_SETTINGS_MODULE": "plain.settings"},
        "ours_production": {**prod, "DJANGO_SETTINGS_MODULE": "ours.settings"},
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(scale.setup_runs + 1):  # run 0 warms the bytecode cache, not counted
        for name, env in rotated(variants, run):  # interleaved: drift hits every variant alike
            out = subprocess.run(
                [sys.executable, "-c", SETUP_CODE],
                cwd=HERE,
                env=base_env(env),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if run:
                times[name].append(float(out) * 1000)
    setup = {name: summary(values) for name, values in times.items()}
    setup["ours_default"]["ratio"] = ratio(setup["ours_default"]["median"], setup["plain_default"]["median"])
    setup["ours_production"]["ratio"] = ratio(setup["ours_production"]["median"], setup["plain"]["median"])
    log(f"django.setup() ms: { {k: v['median'] for k, v in setup.items()} }")

    boots: dict[str, list[float]] = {"plain": [], "ours": []}
    candidates = {"plain": plain(prod), "ours": ours(prod)}
    for run in range(scale.boot_runs):
        for name, (app, env) in rotated(candidates, run):
            with Gunicorn(app, env) as server:
                assert server.boot_seconds is not None
                boots[name].append(server.boot_seconds * 1000)
    boot = {name: summary(values, 1) for name, values in boots.items()}
    boot["ours"]["ratio"] = ratio(boot["ours"]["median"], boot["plain"]["median"])
    log(f"gunicorn exec -> first 200 ms: { {k: v['median'] for k, v in boot.items()} }")
    return {"django_setup_ms": setup, "gunicorn_first_200_ms": boot, "target_ratio": 1.10}


# -- 2. memory -------------------------------------------------------------------------------------------
def _workload(port: int, requests: int, paths: tuple[str, ...]) -> dict[str, int]:
    statuses: dict[str, int] = {}
    for i in range(requests):
        reply = get(port, paths[i % len(paths)], HTTPS)
        key = f"{paths[i % len(paths)]} {reply.status}"
        statuses[key] = statuses.get(key, 0) + 1
    return statuses


def memory(scale: Scale, prod: dict[str, str]) -> dict[str, Any]:
    """One worker's RSS after N requests (half /healthz, half the admin login page through the stack)."""
    paths = ("/healthz", "/admin/login/")
    rss: dict[str, list[float]] = {"plain": [], "ours": []}
    statuses: dict[str, Any] = {}
    for _ in range(scale.memory_runs):
        for name, (app, env) in {"plain": plain(prod), "ours": ours(prod)}.items():
            with Gunicorn(app, env, workers=1) as server:
                statuses[name] = _workload(server.port, scale.memory_requests, paths)
                (worker,) = server.workers_pids()
                rss[name].append(memory_kb(worker)["rss"] / 1024)
    worker = {name: summary(values, 1) for name, values in rss.items()}
    worker["difference_mb"] = round(worker["ours"]["median"] - worker["plain"]["median"], 1)
    log(
        f"worker RSS MB after {scale.memory_requests} requests: "
        f"{ {k: v['median'] for k, v in worker.items() if isinstance(v, dict)} }"
    )

    # The seed's whole configuration: master + 2 workers x 4 threads, /health in the mix.
    seed = {}
    mixes = {
        "plain": ((), plain(prod)),
        "ours": (("/health",), ours(prod)),
        "peers": (("/ht/", "/-/health/"), peers(prod)),
    }
    for name, (readiness_paths, (app, env)) in mixes.items():
        with Gunicorn(app, env, workers=2, threads=4) as server:
            mix = paths + readiness_paths
            answered = _workload(server.port, scale.memory_requests * 2, mix)
            assert server.process is not None
            pids = [server.process.pid, *server.workers_pids()]
            mem = [memory_kb(pid) for pid in pids]
            total_rss = sum(m["rss"] for m in mem) / 1024
            seed[name] = {
                "paths": list(mix),
                "statuses": answered,
                "processes": len(pids),
                "rss_mb": round(total_rss, 1),
                "pss_mb": round(sum(m["pss"] for m in mem) / 1024, 1),
                "master_rss_mb": round(mem[0]["rss"] / 1024, 1),
                "headroom_mb": round(512 - total_rss, 1),
            }
    log(f"seed configuration RSS MB: { {k: v['rss_mb'] for k, v in seed.items()} }")
    return {
        "worker_rss_mb": worker,
        "requests": scale.memory_requests,
        "paths": list(paths),
        "statuses": statuses,
        "seed_configuration": seed,
        "limit_mb": 512,
        "target_difference_mb": 3,
    }


# -- 3 and 4 under load: throughput --------------------------------------------------------------------------
@contextmanager
def servers(specs: dict[str, tuple[str, dict[str, str]]], **options: Any) -> Iterator[dict[str, Gunicorn]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(Gunicorn(app, env, **options)) for name, (app, env) in specs.items()}


def throughput(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    with library_at(BEFORE_SWR) as before_path:
        specs = {
            "ours": ours(prod),
            "ours_nocache": ours(prod, HEALTH_CACHE_SECONDS="0"),
            # The Celery check turned on by itself with a broker only later: asked for, the checks match.
            "ours_before": ours(prod, PYTHONPATH=before_path, HEALTH_CHECKS="celery"),
            "plain": plain(prod),
            "peers": peers(prod),
        }
        return _throughput(scale, specs)


def _throughput(scale: Scale, specs: dict[str, tuple[str, dict[str, str]]]) -> dict[str, Any]:
    # (server, path) of each candidate; /health candidates are asked for JSON.
    liveness = {
        "ours": ("ours", "/healthz"),
        "plain view": ("plain", "/healthz"),
        "bare WSGI": ("plain", "/bare/healthz"),
        "django-alive /-/alive/": ("peers", "/-/alive/"),
    }
    readiness = {
        "ours": ("ours", "/health"),
        "ours, cache 0": ("ours_nocache", "/health"),
        f"ours before stale-while-revalidate ({BEFORE_SWR})": ("ours_before", "/health"),
        "django-health-check": ("peers", "/ht/"),
        "django-alive": ("peers", "/-/health/"),
    }
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        "healthz": {k: [] for k in liveness},
        "health": {k: [] for k in readiness},
    }
    server_cpu, client_cpu = split_cpus()
    # One worker (4 threads): wrk's 50 keep-alive connections stay on the worker that accepted
    # them, so with two workers a run measures one or both of them, by chance.
    with servers(specs, workers=1, cpus=server_cpu) as running:
        for endpoint, table in (("healthz", liveness), ("health", readiness)):
            for _name, (server, path) in table.items():  # warm-up: connections, caches, lazy imports
                wrk(running[server].port, path, 1, headers=JSON, cpus=client_cpu)
            for run in range(scale.wrk_runs):
                for name, (server, path) in rotated(table, run):
                    runs[endpoint][name].append(
                        wrk(running[server].port, path, scale.wrk_seconds, headers=JSON, cpus=client_cpu)
                    )
    result: dict[str, Any] = {}
    for endpoint, by_name in runs.items():
        result[endpoint] = {}
        for name, samples in by_name.items():
            result[endpoint][name] = {
                "rps": summary([s["rps"] for s in samples], 1),
                "p50_ms": summary([s["p50"] for s in samples], 3),
                "p99_ms": summary([s["p99"] for s in samples], 3),
                "non_2xx": sum(s["non_2xx"] for s in samples),
                "socket_errors": sum(s["socket_errors"] for s in samples),
            }
    live = result["healthz"]
    result["healthz_ratios"] = {
        "ours_over_plain": ratio(live["ours"]["rps"]["median"], live["plain view"]["rps"]["median"]),
        "ours_of_bare": ratio(live["ours"]["rps"]["median"], live["bare WSGI"]["rps"]["median"]),
        "p99_ours_over_plain": ratio(live["ours"]["p99_ms"]["median"], live["plain view"]["p99_ms"]["median"]),
    }
    result["target_ratio"] = 1.3
    result["wrk"] = f"wrk -t1 -c50 -d{scale.wrk_seconds}s --latency"
    result["server"] = "gunicorn, 1 worker x 4 threads (gthread)" + (
        f", pinned to CPU {server_cpu}; wrk on CPU {client_cpu}" if server_cpu else ""
    )
    log(f"req/s: { {e: {k: v['rps']['median'] for k, v in result[e].items()} for e in ('healthz', 'health')} }")
    return result


PAIRS = {
    "wsgi_wrapper_of_bare": ("WSGI: liveness() wrapper", "WSGI: bare callable (ceiling)"),
    "wsgi_middleware_of_bare": ("WSGI: LivenessMiddleware only", "WSGI: bare callable (ceiling)"),
    "asgi_wrapper_of_bare": ("ASGI: liveness() wrapper", "ASGI: bare callable (ceiling)"),
    "asgi_middleware_of_bare": ("ASGI: LivenessMiddleware only", "ASGI: bare callable (ceiling)"),
    "admin_asgi_over_wsgi": ("ASGI: /admin/login/ (full stack)", "WSGI: /admin/login/ (full stack)"),
}


def _paired(runs: dict[str, list[dict[str, Any]]], num: str, den: str) -> dict[str, Any]:
    return summary([a["rps"] / b["rps"] for a, b in zip(runs[num], runs[den], strict=True) if b["rps"]], 3)


IN_PROCESS_CODE = r"""
import asyncio, io, json, sys, timeit
sys.path.insert(0, ".")
import ours.wrapped as w, ours.wsgi as d, ours.asgi as a

def environ(path):
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "QUERY_STRING": ""}

def wsgi(app, path):
    def call():
        body = app(environ(path), lambda status, headers, exc_info=None: None)
        b"".join(body); getattr(body, "close", lambda: None)()
    return call

def receiver():
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    async def receive():  # the body, then nothing until the server would say the client left
        if messages:
            return messages.pop()
        await asyncio.Event().wait()
    return receive

async def send(message):
    pass

def asgi(app, path, n):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    async def many():
        for _ in range(n):
            await app(dict(scope), receiver(), send)
    return lambda: asyncio.run(many())

def best(call, number):
    call()
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6

N = 200
out = {
    "WSGI: bare callable": best(wsgi(w.bare, "/bare/healthz"), 20000),
    "WSGI: liveness() wrapper": best(wsgi(w.application, "/healthz"), 20000),
    "WSGI: LivenessMiddleware only": best(wsgi(d.application, "/healthz"), 2000),
    "ASGI: bare callable": best(asgi(a.bare, "/bare/healthz", N), 20) / N,
    "ASGI: liveness() wrapper": best(asgi(a.application, "/healthz", N), 20) / N,
    "ASGI: LivenessMiddleware only": best(asgi(a.django_application, "/healthz", N), 2) / N,
}
print(json.dumps({k: round(v, 2) for k, v in out.items()}))
"""


def in_process(prod: dict[str, str]) -> dict[str, float]:
    """Microseconds per /healthz call, in one process, no server and no network: each layer's own
    cost, which the other load on the machine cannot blur the way it blurs the wrk figures."""
    env = base_env({**prod, "DJANGO_SETTINGS_MODULE": "ours.settings", "BEHIND_TLS_PROXY": "true"})
    out = subprocess.run(
        [*pinned(split_cpus()[0]), sys.executable, "-c", IN_PROCESS_CODE],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    log(f"in-process us per /healthz: {result}")
    return result


# -- 3b. liveness at the limit: server-level wrappers vs the middleware, WSGI and ASGI ------------------------
def liveness(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    """/healthz req/s against a bare callable in the same worker (same settings and modules: the
    ratio is the wrapper's or the middleware's own cost), and a full-stack page, in one run."""
    proxied = {"BEHIND_TLS_PROXY": "true"}  # /admin/login/ over "https" (X-Forwarded-Proto), not a 301
    asgi = {**proxied, "SERVER_INTERFACE": "asgi"}
    specs = {  # name: (app, env); the ASGI ones run uvicorn's worker under the same gunicorn config
        "ours": ours(prod, **proxied),
        "ours_wrapped": ("ours.wrapped:application", ours(prod, **proxied)[1]),
        "wsgi_bare": ("ours.wrapped:bare", ours(prod, **proxied)[1]),
        "asgi_wrapped": ("ours.asgi:application", ours(prod, **asgi)[1]),
        "asgi_middleware": ("ours.asgi:django_application", ours(prod, **asgi)[1]),
        "asgi_bare": ("ours.asgi:bare", ours(prod, **asgi)[1]),
    }
    candidates = {
        "WSGI: bare callable (ceiling)": ("wsgi_bare", "/bare/healthz"),
        "WSGI: liveness() wrapper": ("ours_wrapped", "/healthz"),
        "WSGI: LivenessMiddleware only": ("ours", "/healthz"),
        "ASGI: bare callable (ceiling)": ("asgi_bare", "/bare/healthz"),
        "ASGI: liveness() wrapper": ("asgi_wrapped", "/healthz"),
        "ASGI: LivenessMiddleware only": ("asgi_middleware", "/healthz"),
        "WSGI: /admin/login/ (full stack)": ("ours_wrapped", "/admin/login/"),
        "ASGI: /admin/login/ (full stack)": ("asgi_wrapped", "/admin/login/"),
    }
    https = {**JSON, "X-Forwarded-Proto": "https"}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in candidates}
    server_cpu, client_cpu = split_cpus()
    with servers(specs, workers=1, cpus=server_cpu) as running:
        for _name, (server, path) in candidates.items():
            wrk(running[server].port, path, 1, headers=https, cpus=client_cpu)
        for run in range(scale.wrk_runs):
            for name, (server, path) in rotated(candidates, run):
                runs[name].append(wrk(running[server].port, path, scale.wrk_seconds, headers=https, cpus=client_cpu))
    result: dict[str, Any] = {"candidates": {}}
    for name, samples in runs.items():
        result["candidates"][name] = {
            "rps": summary([s["rps"] for s in samples], 1),
            "p50_ms": summary([s["p50"] for s in samples], 3),
            "p99_ms": summary([s["p99"] for s in samples], 3),
            "non_2xx": sum(s["non_2xx"] for s in samples),
            "socket_errors": sum(s["socket_errors"] for s in samples),
        }
    c = {k: v["rps"]["median"] for k, v in result["candidates"].items()}
    result["ratios"] = {key: ratio(c[num], c[den]) for key, (num, den) in PAIRS.items()}
    # Each round measures every candidate within seconds of the others: the median of the per-round
    # ratios is less exposed to other load on the machine drifting across the run than the ratio of medians.
    result["paired_ratios"] = {key: _paired(runs, num, den) for key, (num, den) in PAIRS.items()}
    result["in_process_us"] = in_process(prod)
    result["target_of_bare"] = 0.95
    result["wrk"] = f"wrk -t1 -c50 -d{scale.wrk_seconds}s --latency"
    result["server"] = "gunicorn, 1 worker: gthread x 4 threads (WSGI) or uvicorn_worker.UvicornWorker (ASGI)" + (
        f", pinned to CPU {server_cpu}; wrk on CPU {client_cpu}" if server_cpu else ""
    )
    log(f"liveness req/s: {c}; ratios {result['ratios']}")
    return result


# -- 4. readiness cost: sequential probes, counted ------------------------------------------------------------
def readiness(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    specs = {
        "ours": ours(prod),
        "ours_nocache": ours(prod, HEALTH_CACHE_SECONDS="0"),
        "plain": plain(prod),
        "peers": peers(prod),
    }
    candidates = {  # name: (server, path, seconds a result is reused)
        "ours /health": ("ours", "/health", DEFAULT_CACHE_SECONDS),
        "ours /health, cache 0": ("ours_nocache", "/health", 0.0),
        "django-health-check /ht/": ("peers", "/ht/", 0.0),
        "django-alive /-/health/": ("peers", "/-/health/", 0.0),
        "ours /healthz": ("ours", "/healthz", 0.0),
        "plain /healthz": ("plain", "/healthz", 0.0),
    }
    result: dict[str, Any] = {}
    services.log_statements(True)
    try:
        with servers(specs) as running:
            for name, (server, path, reuse) in candidates.items():
                port = running[server].port
                for _ in range(10):  # warm-up: every worker has its connections
                    get(port, path, JSON)
                latencies: list[list[float]] = []
                counted: list[dict[str, Any]] = []
                statuses: dict[str, int] = {}
                for _ in range(scale.probe_runs):
                    before = services.snapshot()
                    run = []
                    for _ in range(scale.probes):
                        reply = get(port, path, JSON)
                        run.append(reply.seconds * 1000)
                        statuses[str(reply.status)] = statuses.get(str(reply.status), 0) + 1
                    counted.append(services.counts(before, services.snapshot()))
                    latencies.append(run)
                per_1000 = 1000 / scale.probes
                result[name] = {
                    "p50_ms": summary([percentile(r, 50) for r in latencies], 2),
                    "p99_ms": summary([percentile(r, 99) for r in latencies], 2),
                    "statuses": statuses,
                    "per_1000": {
                        key: summary([c[key] * per_1000 for c in counted], 1)
                        for key in ("pg_connections", "pg_statements", "redis_connections", "redis_commands")
                    },
                    "redis_by_command": counted[-1]["redis_by_command"],
                }
                result[name]["after_idle"] = _after_idle(scale, services, port, path, reuse)
                log(
                    f"readiness {name}: p50 {result[name]['p50_ms']['median']} ms, per 1000 "
                    f"{ {k: v['median'] for k, v in result[name]['per_1000'].items()} }, "
                    f"after idle {result[name]['after_idle']['per_probe']}"
                )
    finally:
        services.log_statements(False)
    return {"candidates": result, "probes": scale.probes, "runs": scale.probe_runs}


def _after_idle(scale: Scale, services: Services, port: int, path: str, reuse: float) -> dict[str, Any]:
    """Probes as the seed's monitor makes them: 10 minutes apart, so Neon has suspended (closing
    every connection) in between, and no cached result is still fresh; simulated by terminating
    every client connection, and waiting out the candidate's result cache, before each probe."""
    latencies, statuses, bodies = [], {}, {}
    before = services.snapshot()
    for _ in range(scale.idle_probes):
        time.sleep(reuse + 0.1 if reuse else 0)
        services.drop_idle_connections()
        reply = get(port, path, JSON)
        latencies.append(reply.seconds * 1000)
        statuses[str(reply.status)] = statuses.get(str(reply.status), 0) + 1
        verdict = _verdict(reply.body)
        bodies[verdict] = bodies.get(verdict, 0) + 1
    counted = services.counts(before, services.snapshot())
    per_probe = {
        key: round(counted[key] / scale.idle_probes, 2)
        for key in ("pg_connections", "pg_statements", "redis_connections", "redis_commands")
    }
    return {
        "per_probe": per_probe,
        "p50_ms": round(percentile(latencies, 50), 2),
        "statuses": statuses,
        "verdicts": bodies,
        "redis_by_command": counted["redis_by_command"],
    }


def _verdict(body: bytes) -> str:
    """The overall answer in each product's own words: ours' "status", alive's "healthy", health-check's per-check."""
    try:
        data = json.loads(body)
    except ValueError:
        return "non-JSON"
    if "status" in data:
        return str(data["status"])
    if "healthy" in data:
        return f"healthy={data['healthy']}"
    return "all OK" if all(v == "OK" for v in data.values()) else "some failed"


# -- 5. deadline under faults -----------------------------------------------------------------------------
def faults(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    """Silent PostgreSQL / silent Redis, gunicorn sync workers; each candidate's own server."""
    candidates = {
        "ours": ("ours", "/health", DEFAULT_CACHE_SECONDS),
        "django-health-check": ("peers", "/ht/", 0.0),
        "django-alive": ("peers", "/-/health/", 0.0),
    }
    result: dict[str, Any] = {}
    with SilentServer() as silent_pg, SilentServer() as silent_redis:
        scenarios = {
            "silent PostgreSQL": {**prod, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{silent_pg.port}/postgres"},
            "silent Redis": {**prod, "REDIS_URL": f"redis://127.0.0.1:{silent_redis.port}/0"},
        }
        jobs: list[tuple[str, str, Gunicorn, str, float]] = []
        try:
            for scenario, env in scenarios.items():
                for name, (kind, path, reuse) in candidates.items():
                    app, full_env = {"ours": ours, "peers": peers}[kind](env)
                    jobs.append((scenario, name, Gunicorn(app, full_env, threads=1).start(), path, reuse))
            threads = [threading.Thread(target=_probe_until_cap, args=(scale, job, result)) for job in jobs]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for job in jobs:
                job[2].stop(quick=True)
    order = list(candidates)  # threads finish in any order; report in a fixed one
    result = {scenario: {name: result[scenario][name] for name in order} for scenario in scenarios}
    for scenario, by_name in result.items():
        log(f"{scenario}: { {k: v['seconds']['median'] for k, v in by_name.items()} }")
    return {"scenarios": result, "cap_seconds": scale.fault_cap, "worker": "sync (GUNICORN_THREADS=1)"}


def _probe_until_cap(scale: Scale, job: tuple[str, str, Gunicorn, str, float], result: dict[str, Any]) -> None:
    scenario, name, server, path, reuse = job
    seconds, statuses, verdicts = [], [], []
    for probe in range(scale.fault_probes):
        if probe and reuse:
            time.sleep(reuse + 0.1)  # a cached failure would answer at once: measure the deadline each time
        reply = get(server.port, path, JSON, timeout=scale.fault_cap)
        seconds.append(reply.seconds)
        statuses.append(reply.status)
        verdicts.append(_verdict(reply.body) if reply.status else f"no answer within {scale.fault_cap:g} s")
        if reply.status is None:
            break  # a worker that never answers stays stuck: more probes would only wait again
    result.setdefault(scenario, {})[name] = {
        "seconds": summary(seconds, 2),
        "statuses": statuses,
        "verdicts": verdicts,
        "answered": all(s is not None for s in statuses),
    }


# -- 6. free-tier budget ------------------------------------------------------------------------------------------
def budget(ready: dict[str, Any]) -> dict[str, Any]:
    """A day of the seed's monitor (every 10 minutes), from the per-probe counts measured after idle."""
    rows = {}
    for name, data in ready["candidates"].items():
        per = data["after_idle"]["per_probe"]
        touches_db = per["pg_statements"] > 0
        active_hours = SEED_PROBES_PER_DAY * NEON_SUSPEND_MINUTES / 60 if touches_db else 0.0
        rows[name] = {
            "pg_statements_per_day": round(per["pg_statements"] * SEED_PROBES_PER_DAY),
            "pg_connections_per_day": round(per["pg_connections"] * SEED_PROBES_PER_DAY),
            "redis_commands_per_day": round(per["redis_commands"] * SEED_PROBES_PER_DAY),
            "upstash_share": round(per["redis_commands"] * SEED_PROBES_PER_DAY / UPSTASH_FREE_COMMANDS_PER_DAY, 4),
            "neon_active_hours_per_day": round(active_hours, 1),
            "neon_active_hours_per_month": round(active_hours * 30),
        }
    return {
        "probes_per_day": SEED_PROBES_PER_DAY,
        "neon_suspend_minutes": NEON_SUSPEND_MINUTES,
        "neon_free_hours_per_month": NEON_FREE_HOURS_PER_MONTH,
        "upstash_free_commands_per_day": UPSTASH_FREE_COMMANDS_PER_DAY,
        "candidates": rows,
    }


# -- 7. a remote database (remote.py): PostgreSQL over TLS and Redis behind a delay proxy ------------------------------
def remote(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    import remote as suite

    seconds = dict(zip(suite.DELAYS_MS, scale.remote_seconds, strict=True))
    return suite.remote(seconds, prod, log, repeat_delay=10.0 if scale.remote_repeat else None)


# -- 8. waking from sleep (wake.py): exec to the first 200, cold and warm ----------------------------------------------
def wake(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    import wake as suite

    return suite.wake(prod, scale.wake_cold_runs, scale.wake_warm_runs, log)


# -- 9. /health under load, the checks one delayed round trip away (remote.py) ------------------------------------------
def health_remote(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    import remote as suite

    with library_at(BEFORE_SWR) as before_path:
        return suite.health_load(prod, log, scale.wrk_seconds * 2, scale.health_remote_runs, before_path)


def health_expiry(scale: Scale, services: Services, prod: dict[str, str]) -> dict[str, Any]:
    import remote as suite

    with library_at(BEFORE_SWR) as before_path:
        return suite.health_expiry(prod, log, 12 if scale is FULL else 3, before_path)
