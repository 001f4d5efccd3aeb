#!/usr/bin/env python3
"""Benchmark "connections": PostgreSQL sessions under a burst, WSGI and ASGI, three configurations.

    .venv/bin/python benchmarks/connections.py [--quick]      (from the repository root)

A private PostgreSQL cluster allowing 25 connections (as a small managed plan does); the example
project under real gunicorn, 2 workers: gthread (4 threads) for WSGI, uvicorn's worker for ASGI.
100 concurrent clients send bursts of requests to a view that reads the database.  Candidates, the
same code with only the connection settings changed:

- "django": Django's defaults (CONN_MAX_AGE=0, no health checks, no pool);
- "seed": the seed's settings (CONN_MAX_AGE=600 with CONN_HEALTH_CHECKS);
- "library": the library's defaults (persistent per thread under WSGI, Django's pool under ASGI).

Reported per interface and candidate: the peak and the held (after the bursts) client sessions,
failed requests, and p50/p99 latency with their ratio to "django" measured in the same run.
Writes benchmarks/results/connections.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.servers import AsgiGunicorn, Gunicorn, PostgresCluster, manage, project_env  # noqa: E402

MAX_CONNECTIONS = 25
CLIENTS = 100
CANDIDATES = {
    "django": {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_CONN_HEALTH_CHECKS": "false", "DATABASE_POOL": "off"},
    "seed": {"DATABASE_CONN_MAX_AGE": "600", "DATABASE_CONN_HEALTH_CHECKS": "true", "DATABASE_POOL": "off"},
    "library": {},
}
SESSIONS = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"


def request(url: str) -> tuple[int, float]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, time.perf_counter() - start


def measure(cluster: PostgresCluster, server: Gunicorn, bursts: int) -> dict[str, Any]:
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        with psycopg.connect(cluster.url, autocommit=True, application_name="bench-watch") as admin:
            while not stop.is_set():
                peak[0] = max(peak[0], admin.execute(SESSIONS).fetchone()[0])  # type: ignore[index]
                time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    results: list[tuple[int, float]] = []
    url = f"{server.base_url}/api/stats/"
    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
        for _ in range(bursts):
            results += list(clients.map(request, [url] * CLIENTS))
            time.sleep(0.5)  # the pause between bursts: where persistent sessions stay behind
    time.sleep(1.0)
    stop.set()
    watcher.join(5)
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        held = admin.execute(SESSIONS).fetchone()[0]  # type: ignore[index]
    latencies = sorted(seconds * 1000 for status, seconds in results if status == 200)
    return {
        "requests": len(results),
        "failed": sum(1 for status, _ in results if status != 200),
        "peak_sessions": peak[0],
        "held_sessions": held,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1) if latencies else None,
    }


def run(bursts: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with PostgresCluster(server_options=(f"-c max_connections={MAX_CONNECTIONS}",)) as cluster:
        base = cluster.dir / "project"
        base.mkdir()
        common = {
            "SECRET_KEY": "bench-" + "Kp4-" * 14,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_LOG_LEVEL": "critical",
            "GUNICORN_MAX_REQUESTS": "0",
            "DATABASE_URL": cluster.url,
            "BASE_DIR": str(base),
        }
        migrated = manage("migrate", "--no-input", env=project_env(common, debug=False))
        assert migrated.returncode == 0, migrated.stderr
        for interface, server_class in (("wsgi", Gunicorn), ("asgi", AsgiGunicorn)):
            for name, overrides in CANDIDATES.items():
                env = project_env({**common, **overrides}, debug=False)
                with server_class(env) as server:
                    result = measure(cluster, server, bursts)
                results[f"{interface}/{name}"] = result
                print(f"[connections] {interface}/{name}: {result}", flush=True)
                time.sleep(1.0)  # the stopped server's sessions go away before the next one starts
    return results


def table(results: dict[str, Any]) -> str:
    rows = [
        "| interface | configuration | peak sessions | held after | failed | p50 ms | p99 ms | p50 vs django | p99 vs django |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in results.items():
        interface, name = key.split("/")
        base = results[f"{interface}/django"]

        def ratio(field: str, r: dict[str, Any] = r, base: dict[str, Any] = base) -> str:
            return f"{r[field] / base[field]:.2f}x" if r[field] and base[field] else "n/a"

        rows.append(
            f"| {interface} | {name} | {r['peak_sessions']} | {r['held_sessions']} | {r['failed']}/{r['requests']} "
            f"| {r['p50_ms']} | {r['p99_ms']} | {ratio('p50_ms')} | {ratio('p99_ms')} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one burst per candidate (a smoke test)")
    args = parser.parse_args()
    results = run(bursts=1 if args.quick else 5)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "connections.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
