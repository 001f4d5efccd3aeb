"""Suite "remote": PostgreSQL and Redis one round trip away, PostgreSQL over TLS, as on Neon.

Each service is reached through latency_proxy.py (a delay per direction: 1, 10 and 75 ms) and
PostgreSQL accepts TLS connections only (ssl=on, a trustme CA, hostssl in pg_hba.conf; every
candidate connects with PGSSLMODE=require).  The view is an ordinary API view: one indexed
query and one cache read.  Candidates, all in one run, same gunicorn, same view:

- startproject + dj-database-url defaults (CONN_MAX_AGE=0: connect, TLS, auth per request);
- the seed's hand-written DATABASES (CONN_MAX_AGE=600 + CONN_HEALTH_CHECKS=True);
- Django's psycopg pool (OPTIONS["pool"], whose check runs on every connection it lends);
- the library as it was (DATABASE_CONN_HEALTH_CHECKS_IDLE=0: Django's check before every request);
- the library now (the check only after 30 s idle, or when the server closed the connection).

Round trips are counted at the proxy (client->server bursts, plus one per TCP handshake).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from harness import HERE, Gunicorn, base_env, free_port, get, ratio, split_cpus, summary, wrk

sys.path.insert(0, str(HERE.parent))
from tests.support.servers import PostgresCluster, RedisServer  # noqa: E402

DELAYS_MS = (1.0, 10.0, 75.0)
API = "/api/item"
HTTPS = {"X-Forwarded-Proto": "https"}
CANDIDATES = {  # name: (project, extra environment)
    "startproject + dj-database-url (CONN_MAX_AGE=0)": ("plain", {"PLAIN_DATABASES": "dj-database-url"}),
    "seed (CONN_MAX_AGE=600 + CONN_HEALTH_CHECKS)": ("plain", {}),
    "psycopg pool (OPTIONS pool + CONN_HEALTH_CHECKS)": ("plain", {"PLAIN_DATABASES": "pool"}),
    "library before (check every request)": ("ours", {"DATABASE_CONN_HEALTH_CHECKS_IDLE": "0"}),
    "library now (check after 30 s idle)": ("ours", {}),
}
SHAPES = {  # name: (workers, threads, wrk connections)
    "1 worker x 1 thread": (1, 1, 1),
    "2 workers x 4 threads": (2, 4, 8),
}


class TlsPostgres(PostgresCluster):
    """A private cluster that accepts TLS connections only (its certificate from a trustme CA)."""

    def __init__(self) -> None:
        import trustme

        super().__init__()
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_path = self.dir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        cert.cert_chain_pems[0].write_to_path(str(self.dir / "server.crt"))
        cert.private_key_pem.write_to_path(str(self.dir / "server.key"))
        for name in ("server.crt", "server.key"):
            shutil.chown(self.dir / name, "postgres", "postgres")
        (self.dir / "server.key").chmod(0o600)
        self.server_options = (
            f"-c ssl=on -c ssl_cert_file={self.dir / 'server.crt'} -c ssl_key_file={self.dir / 'server.key'}",
        )
        hba = self.data / "pg_hba.conf"
        lines = hba.read_text().splitlines()
        hba.write_text("\n".join("hostssl" + line[4:] if line.startswith("host ") else line for line in lines) + "\n")


class Proxy:
    """latency_proxy.py in its own process: routes "pg" and "redis", one delay."""

    def __init__(self, delay_ms: float, pg_port: int, redis_port: int) -> None:
        self.control = free_port()
        self.pg_port, self.redis_port = free_port(), free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "latency_proxy.py"),
                "--delay-ms",
                str(delay_ms),
                "--control",
                str(self.control),
                "--route",
                f"pg:{self.pg_port}:{pg_port}",
                "--route",
                f"redis:{self.redis_port}:{redis_port}",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("latency proxy did not start")

    def ask(self, command: str) -> dict[str, dict[str, int]]:
        with socket.create_connection(("127.0.0.1", self.control), timeout=10) as sock:
            sock.sendall(f"{command}\n".encode())
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        result: dict[str, dict[str, int]] = json.loads(data)
        return result

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def remote_services() -> Iterator[tuple[TlsPostgres, RedisServer]]:
    with ExitStack() as stack:
        pg = stack.enter_context(TlsPostgres())
        redis = stack.enter_context(RedisServer())
        yield pg, redis


def prepare_database(pg: TlsPostgres, prod: dict[str, str]) -> None:
    """Tables (migrate, straight to the server) and the row the view reads."""
    env = {**prod, "DATABASE_URL": pg.url, "PGSSLMODE": "require", "DJANGO_SETTINGS_MODULE": "ours.settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--no-input", "-v0"], cwd=HERE, env=base_env(env), check=True
    )
    import psycopg

    with psycopg.connect(pg.url, sslmode="require", autocommit=True) as conn:
        conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined) VALUES ('!', false, 'bench', '', '', '', false, true, now()) "
            "ON CONFLICT DO NOTHING"
        )


def candidate_env(name: str, prod: dict[str, str], proxy: Proxy) -> tuple[str, dict[str, str]]:
    project, extra = CANDIDATES[name]
    env = {
        **prod,
        **extra,
        "PGSSLMODE": "require",
        "DJANGO_SETTINGS_MODULE": f"{project}.settings",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{proxy.pg_port}/postgres",
        "REDIS_URL": f"redis://127.0.0.1:{proxy.redis_port}/0",
    }
    return f"{project}.wsgi:application", env


def runner_env(prod: dict[str, str], proxy: Proxy) -> tuple[str, dict[str, str]]:
    """The library now, for the /health runner suites: database and cache checks only.

    Without a broker, as the runner before (which had no Celery check by default) ran them:
    both runners refresh the same two checks, so the figures compare the runners alone.
    """
    app, env = candidate_env("library now (check after 30 s idle)", prod, proxy)
    return app, {k: v for k, v in env.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}


def measure(
    name: str,
    shape: str,
    delay_ms: float,
    seconds: int,
    prod: dict[str, str],
    proxy: Proxy,
    cpus: tuple[str | None, str | None],
) -> dict[str, Any]:
    workers, threads, clients = SHAPES[shape]
    app, env = candidate_env(name, prod, proxy)
    with Gunicorn(app, env, workers=workers, threads=threads, cpus=cpus[0]) as server:
        reply = get(server.port, API, HTTPS)
        if reply.status != 200:
            raise RuntimeError(
                f"{name}: {API} answered {reply.status}: {reply.body[:300]!r}\n{server.output()[-2000:]}"
            )
        wrk(server.port, API, 1 if delay_ms < 50 else 2, connections=clients, headers=HTTPS, cpus=cpus[1])  # warm-up
        proxy.ask("reset")
        run = wrk(server.port, API, seconds, connections=clients, headers=HTTPS, cpus=cpus[1])
        counted = proxy.ask("stats")
    requests = max(1, run["requests"])
    rtt = 2 * delay_ms
    pg, redis = counted.get("pg", {}), counted.get("redis", {})
    return {
        "requests": run["requests"],
        "rps": run["rps"],
        "non_2xx": run["non_2xx"],
        "socket_errors": run["socket_errors"],
        "p50_ms": run.get("p50"),
        "p99_ms": run.get("p99"),
        "p50_rt": round(run.get("p50", 0) / rtt, 2),
        "p99_rt": round(run.get("p99", 0) / rtt, 2),
        "pg_rt_per_request": round(pg.get("round_trips", 0) / requests, 3),
        "pg_connections_per_request": round(pg.get("connections", 0) / requests, 3),
        "redis_rt_per_request": round(redis.get("round_trips", 0) / requests, 3),
    }


def remote(
    seconds_by_delay: dict[float, int], prod: dict[str, str], log: Any, repeat_delay: float | None = 10.0
) -> dict[str, Any]:
    cpus = split_cpus()
    result: dict[str, Any] = {
        "delays_ms": {},
        "view": "one indexed query (auth_user by username) + one cache read",
        "tls": "PostgreSQL: TLS only (hostssl, sslmode=require); Redis: plain TCP",
        "shapes": {k: {"workers": v[0], "threads": v[1], "wrk_connections": v[2]} for k, v in SHAPES.items()},
    }
    delays = [*DELAYS_MS, *([repeat_delay] if repeat_delay else [])]
    with remote_services() as (pg, redis):
        prepare_database(pg, prod)
        for index, delay in enumerate(delays):
            key = f"{delay:g}" + (" (repeat)" if index >= len(DELAYS_MS) else "")
            proxy = Proxy(delay, pg.port, redis.port)
            try:
                rows: dict[str, Any] = {}
                for shape in SHAPES:
                    for name in CANDIDATES:
                        rows[f"{name} | {shape}"] = row = measure(
                            name, shape, delay, seconds_by_delay[delay], prod, proxy, cpus
                        )
                        log(
                            f"remote {key} ms, {shape}, {name}: p50 {row['p50_ms']} ms "
                            f"({row['p50_rt']} RT), pg RT/req {row['pg_rt_per_request']}"
                        )
                    seed = rows[f"{list(CANDIDATES)[1]} | {shape}"]
                    before = rows[f"{list(CANDIDATES)[3]} | {shape}"]
                    for name in CANDIDATES:
                        row = rows[f"{name} | {shape}"]
                        row["p50_vs_seed"] = ratio(row["p50_ms"], seed["p50_ms"])
                        row["p50_vs_before"] = ratio(row["p50_ms"], before["p50_ms"])
            finally:
                proxy.close()
            result["delays_ms"][key] = rows
    return result


# -- the RESULTS.md section --------------------------------------------------------------------------------------
def section(data: dict[str, Any]) -> str:
    lines = [
        "## Remote database (PostgreSQL over TLS and Redis behind a delay proxy)",
        "",
        f"Reproduce: `python benchmarks/run.py --only remote`. View: {data['view']}. {data['tls']}. "
        "Every delay is per direction (a round trip, RT, costs twice it); latency from wrk (keep-alive), "
        "database round trips counted at the proxy (client->server bursts + one per TCP handshake). "
        "The candidates run the same gunicorn, the same view, in the same run; ratios are p50 against "
        "the seed's settings and against the library before this change. Concurrency: 1 wrk connection for "
        "1 worker x 1 thread, 8 for 2 workers x 4 threads.",
        "",
    ]
    for delay, rows in data["delays_ms"].items():
        rtt = 2 * float(delay.split()[0])
        lines += [
            f"### {delay} ms each way (RT {rtt:g} ms)",
            "",
            "| candidate | server | req/s | p50 ms | p99 ms | p50 RT | p99 RT | PG RT/req | PG connects/req "
            "| Redis RT/req | p50 vs seed | p50 vs library before |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key, row in rows.items():
            name, shape = key.split(" | ")
            lines.append(
                f"| {name} | {shape} | {row['rps']:.1f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
                f"{row['p50_rt']} | {row['p99_rt']} | {row['pg_rt_per_request']} | "
                f"{row['pg_connections_per_request']} | {row['redis_rt_per_request']} | "
                f"{row['p50_vs_seed']}x | {row['p50_vs_before']}x |"
            )
        errors = {k: r["non_2xx"] + r["socket_errors"] for k, r in rows.items() if r["non_2xx"] + r["socket_errors"]}
        lines += [f"Errors during these runs: {errors}." if errors else "No non-2xx answer, no socket error.", ""]
    return "\n".join(lines)


def update_results_page(page: Path, key: str, body: str) -> None:
    """Replace (or append) one marked section of RESULTS.md, leaving the rest as it is."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    text = page.read_text() if page.exists() else "# Benchmark results\n"
    new = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + new + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    page.write_text(text)


# -- /health under load when the checks cost round trips (issue 16, item 5) ----------------------------------------
def health_load(
    prod: dict[str, str],
    log: Any,
    seconds: int,
    runs: int,
    before_path: str,
    delay_ms: float = 10.0,
    concurrency: tuple[int, ...] = (4, 50),
) -> dict[str, Any]:
    """/health under wrk, 1 worker x 4 threads, with each check one delayed round trip away.

    On loopback a check costs ~1 ms, so the probes that wait for a refresh hardly show; here the
    refresh costs a round trip per check, and every probe arriving while it flies waited for it
    (the runner before) or gets the previous result at once (stale-while-revalidate).  With 4
    connections (one per thread) nothing queues in gunicorn, so the wait shows alone; with 50 it
    adds to the queueing.
    """
    cpus = split_cpus()
    candidates = {
        "ours, cache 2 s (stale-while-revalidate)": {},
        "ours, cache 2 s, runner before": {"PYTHONPATH": before_path},
        "ours, cache 0": {"HEALTH_CACHE_SECONDS": "0"},
    }
    json_accept = {"Accept": "application/json"}
    samples: dict[str, list[dict[str, Any]]] = {f"{n} | wrk -c{c}": [] for c in concurrency for n in candidates}
    with remote_services() as (pg, redis):
        prepare_database(pg, prod)
        proxy = Proxy(delay_ms, pg.port, redis.port)
        try:
            for run in range(runs):
                order = list(candidates.items())
                order = order[run % len(order) :] + order[: run % len(order)]
                for name, extra in order:
                    app, env = runner_env(prod, proxy)
                    with Gunicorn(app, {**env, **extra}, workers=1, threads=4, cpus=cpus[0]) as server:
                        wrk(server.port, "/health", 2, headers=json_accept, cpus=cpus[1])
                        for clients in concurrency:
                            key = f"{name} | wrk -c{clients}"
                            samples[key].append(
                                wrk(
                                    server.port,
                                    "/health",
                                    seconds,
                                    connections=clients,
                                    headers=json_accept,
                                    cpus=cpus[1],
                                )
                            )
                            log(
                                f"health over {delay_ms:g} ms, {key}: p50 {samples[key][-1].get('p50')} "
                                f"p99 {samples[key][-1].get('p99')}"
                            )
        finally:
            proxy.close()
    result: dict[str, Any] = {"delay_ms": delay_ms, "runs": runs, "seconds": seconds, "candidates": {}}
    for key, values in samples.items():
        result["candidates"][key] = {
            k: summary([v[k] for v in values if k in v], 2) for k in ("rps", "p50", "p90", "p99")
        }
        result["candidates"][key]["errors"] = sum(v["non_2xx"] + v["socket_errors"] for v in values)
    return result


def health_section(data: dict[str, Any]) -> str:
    rows = data["candidates"]
    lines = [
        "## /health under load with the checks one round trip away",
        "",
        f"Reproduce: `python benchmarks/run.py --only health_remote`. gunicorn 1 worker x 4 threads, "
        f"`wrk -t1 -cN -d{data['seconds']}s`, {data['runs']} runs each (interleaved), median (min-max); "
        f"PostgreSQL (TLS) and Redis behind the proxy at {data['delay_ms']:g} ms per direction, so one "
        "refresh of the checks costs a round trip each (about 20 ms, run in parallel). The runner before is "
        "the library at the commit before stale-while-revalidate, in the same run.",
        "",
        "| candidate | load | req/s | p50 ms | p90 ms | p99 ms | errors | p99 vs cache 0 | p99 vs runner before |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in rows.items():
        name, load = key.split(" | ")
        cache0 = rows[f"ours, cache 0 | {load}"]["p99"]["median"]
        before = rows[f"ours, cache 2 s, runner before | {load}"]["p99"]["median"]
        lines.append(
            f"| {name} | {load} | {r['rps']['median']:.0f} | {r['p50']['median']:.2f} "
            f"({r['p50']['min']:.2f}-{r['p50']['max']:.2f}) | {r['p90']['median']:.2f} | "
            f"{r['p99']['median']:.2f} ({r['p99']['min']:.2f}-{r['p99']['max']:.2f}) | {r['errors']} | "
            f"{ratio(r['p99']['median'], cache0)}x | {ratio(r['p99']['median'], before)}x |"
        )
    return "\n".join(lines)


def health_expiry(
    prod: dict[str, str], log: Any, probes: int, before_path: str, delay_ms: float = 10.0, cache_seconds: float = 2.0
) -> dict[str, Any]:
    """The mechanism alone: one probe just after each expiry of the cached result, nothing else running.

    Such a probe finds the window expired: the runner before made it wait for the refresh (one round
    trip per check), stale-while-revalidate answers from the previous result while the refresh runs.
    """
    candidates = {"ours, stale-while-revalidate": {}, "ours, runner before": {"PYTHONPATH": before_path}}
    result: dict[str, Any] = {"delay_ms": delay_ms, "probes": probes, "cache_seconds": cache_seconds, "candidates": {}}
    with remote_services() as (pg, redis):
        prepare_database(pg, prod)
        proxy = Proxy(delay_ms, pg.port, redis.port)
        try:
            for name, extra in candidates.items():
                app, env = runner_env(prod, proxy)
                with Gunicorn(app, {**env, **extra}, workers=1, threads=4) as server:
                    get(server.port, "/health", {"Accept": "application/json"})  # the first result, then expiries
                    latencies, statuses = [], []
                    for _ in range(probes):
                        time.sleep(cache_seconds + 0.05)
                        reply = get(server.port, "/health", {"Accept": "application/json"})
                        latencies.append(reply.seconds * 1000)
                        statuses.append(reply.status)
                result["candidates"][name] = {"ms": summary(latencies, 2), "statuses": sorted(set(map(str, statuses)))}
                log(f"health expiry probes, {name}: {result['candidates'][name]}")
        finally:
            proxy.close()
    ours, before = (result["candidates"][n]["ms"]["median"] for n in candidates)
    result["ratio"] = ratio(ours, before)
    return result


def expiry_section(data: dict[str, Any]) -> str:
    rows = data["candidates"]
    lines = [
        "### /health: one probe just after each expiry of the cached result",
        "",
        f"`python benchmarks/run.py --only health_expiry`: {data['probes']} sequential probes, each "
        f"{data['cache_seconds']:g} s + 50 ms after the previous one (so the cached result has just expired), "
        f"checks {data['delay_ms']:g} ms per direction away, nothing else running. Median (min-max).",
        "",
        "| runner | probe after expiry | statuses |",
        "|---|---|---|",
    ]
    for name, row in rows.items():
        ms = row["ms"]
        lines.append(
            f"| {name} | {ms['median']:.1f} ms ({ms['min']:.1f}-{ms['max']:.1f}) | {', '.join(row['statuses'])} |"
        )
    lines += ["", f"Ratio, stale-while-revalidate against the runner before: {data['ratio']}x."]
    return "\n".join(lines)


if __name__ == "__main__":  # python remote.py results/latest.json: rewrite the sections from a saved run
    import wake

    saved = json.loads(Path(sys.argv[1]).read_text())
    if "remote" in saved:
        update_results_page(HERE / "RESULTS.md", "remote-database", section(saved["remote"]))
    if "health_remote" in saved:
        update_results_page(HERE / "RESULTS.md", "health-remote", health_section(saved["health_remote"]))
    if "health_expiry" in saved:
        update_results_page(HERE / "RESULTS.md", "health-expiry", expiry_section(saved["health_expiry"]))
    if "wake" in saved:
        update_results_page(HERE / "RESULTS.md", "wake", wake.section(saved["wake"]))
    print(os.fspath(HERE / "RESULTS.md"))
