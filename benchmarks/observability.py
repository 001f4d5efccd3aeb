#!/usr/bin/env python3
"""Benchmark "observability": per-request cost of Sentry (traces at 0) and of OpenTelemetry (sampler at 0)
against neither, in one run.

    .venv/bin/python benchmarks/observability.py [--quick] [--append]      (from the repository root)

The benchmarks' `ours` project in production mode (DEBUG off, static manifest, SQLite) under real
gunicorn, 1 worker, WSGI (gthread x 4) and ASGI (uvicorn's worker), pinned to one CPU with wrk on the
other. Candidates differ only in SENTRY_DSN (a local envelope endpoint, tests/support/sentry.py, traces at 0)
or OTEL_EXPORTER_OTLP_ENDPOINT (a local receiver, tests/support/otlp.py, the ratio sampler at 0). All run
the request id middleware (always on). The page is
/admin/login/ (the whole middleware chain, a template, no query) and a 404 (the chain, Django's
resolver, the smallest response). Rounds alternate the candidates; each round's on/off ratio is
reported (median, min-max), with the goal of at most 5% overhead. Writes
benchmarks/results/observability.json; --append adds the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from harness import Gunicorn, base_env, split_cpus, summary, wrk  # noqa: E402

from tests.support.otlp import OtlpServer  # noqa: E402
from tests.support.sentry import SentryServer  # noqa: E402

PATHS = {"/admin/login/": "a page (/admin/login/)", "/missing/": "a 404"}
INTERFACES = {"WSGI": {}, "ASGI": {"SERVER_INTERFACE": "asgi"}}
HEADERS = {"X-Forwarded-Proto": "https"}  # BEHIND_TLS_PROXY: a page, not the SSL redirect
GOAL = 0.95  # on/off req/s: at most 5% overhead at sample rate 0
ON = ("sentry", "otel")  # each measured against "off"


def production(base: dict[str, str]) -> dict[str, str]:
    return {
        **base,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "s3cr3t-k3y-" * 6,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "ours.settings",
        "LOG_LEVEL": "WARNING",
    }


def collectstatic(stack: ExitStack, env: dict[str, str]) -> dict[str, str]:
    """deploy.sh's collectstatic into a scratch BASE_DIR (production static storage needs its manifest).
    suites.py has the same step but no longer imports (a stale name): this one stands alone."""
    base = stack.enter_context(tempfile.TemporaryDirectory(prefix="mwc-bench-obs-"))
    # DEBUG off requires DATABASE_URL: SQLite in the scratch directory (the pages make no query).
    env = {**env, "BASE_DIR": base, "DATABASE_URL": f"sqlite:///{base}/db.sqlite3"}
    command = [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v0"]
    subprocess.run(command, cwd=HERE, env=base_env(env), check=True)
    return env


def rotated(keys: list[Any], run: int) -> list[Any]:
    """The candidates, starting one further along each round: none always goes first."""
    shift = run % len(keys)
    return keys[shift:] + keys[:shift]


IN_PROCESS = r"""
import io, json, sys, time
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
def environ(path):
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https", "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1"}
def one(path):
    body = app(environ(path), lambda status, headers, exc_info=None: None)
    b"".join(body)
    body.close()
result = {}
for path in json.loads(sys.argv[1]):
    for _ in range(100):
        one(path)
    start = time.process_time()
    for _ in range(500):
        one(path)
    result[path] = (time.process_time() - start) / 500 * 1e6
print(json.dumps(result))
"""


def in_process(env: dict[str, str], extra: dict[str, dict[str, str]], rounds: int, cpus: str | None) -> dict[str, Any]:
    """CPU microseconds per request through Django's WSGI handler (the SDKs patch it), no server and no
    client: processes alternate off and each candidate every round; the figure is each round's ratio."""
    from harness import pinned

    names = ("off", *ON)
    samples: dict[tuple[str, str], list[float]] = {(n, p): [] for n in names for p in PATHS}
    for _ in range(rounds):
        for name in names:
            run_env = base_env({**env, **extra.get(name, {})})
            out = subprocess.run(
                [*pinned(cpus), sys.executable, "-W", "ignore", "-c", IN_PROCESS, json.dumps(list(PATHS))],
                cwd=HERE,
                env=run_env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for path, micros in json.loads(out.strip().splitlines()[-1]).items():
                samples[(name, path)].append(micros)
    return {
        f"{PATHS[path]}, {name}": {
            "off_us": summary(samples[("off", path)], 1),
            "on_us": summary(samples[(name, path)], 1),
            "ratio": summary([b / a for a, b in zip(samples[("off", path)], samples[(name, path)], strict=True)], 3),
        }
        for name in ON
        for path in PATHS
    }


def measure(rounds: int, seconds: int) -> dict[str, Any]:
    server_cpu, client_cpu = split_cpus()
    with ExitStack() as stack:
        sentry = stack.enter_context(SentryServer())
        collector = stack.enter_context(OtlpServer())
        prod = collectstatic(stack, production({}))
        extra = {
            "sentry": {"SENTRY_DSN": sentry.dsn},  # SENTRY_TRACES_SAMPLE_RATE's default: 0
            "otel": {  # sample rate 0: the ratio sampler at 0
                "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
                "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "0",
            },
        }
        specs = {
            (interface, name): {**prod, **interface_env, **extra.get(name, {})}
            for interface, interface_env in INTERFACES.items()
            for name in ("off", *ON)
        }
        apps = {"WSGI": "ours.wsgi:application", "ASGI": "ours.asgi:application"}
        running = {
            key: stack.enter_context(Gunicorn(apps[key[0]], env, workers=1, cpus=server_cpu))
            for key, env in specs.items()
        }
        samples: dict[tuple[str, str, str], list[dict[str, Any]]] = {(i, n, p): [] for i, n in specs for p in PATHS}
        for key in samples:  # warm-up: imports, template caches, the SDKs' first exports
            wrk(running[key[:2]].port, key[2], 1, headers=HEADERS, cpus=client_cpu)
        for run in range(rounds):
            for key in rotated(list(samples), run):
                samples[key].append(wrk(running[key[:2]].port, key[2], seconds, headers=HEADERS, cpus=client_cpu))
        events = len(sentry.events())
        spans = len(collector.spans)
        cpu = in_process(specs[("WSGI", "off")], extra, rounds, server_cpu)
    table = []
    for interface in INTERFACES:
        for name in ON:
            for path, label in PATHS.items():
                off, on = samples[(interface, "off", path)], samples[(interface, name, path)]
                paired = summary([b["rps"] / a["rps"] for a, b in zip(off, on, strict=True) if a["rps"]], 3)
                table.append(
                    {
                        "interface": interface,
                        "candidate": name,
                        "path": label,
                        "off_rps": summary([s["rps"] for s in off], 1),
                        "on_rps": summary([s["rps"] for s in on], 1),
                        "off_p50_ms": summary([s["p50"] for s in off], 2),
                        "on_p50_ms": summary([s["p50"] for s in on], 2),
                        "ratio": paired,
                        "errors": sum(s["socket_errors"] for s in off + on),
                    }
                )
    return {
        "rounds": rounds,
        "wrk": f"wrk -t1 -c50 -d{seconds}s --latency",
        "server": "gunicorn, 1 worker: gthread x 4 threads (WSGI) or uvicorn_worker.UvicornWorker (ASGI)"
        + (f", pinned to CPU {server_cpu}; wrk on CPU {client_cpu}" if server_cpu else ""),
        "events_received": events,
        "spans_received": spans,
        "load_average": os.getloadavg()[0],
        "table": table,
        "in_process": cpu,
    }


def _figure(s: dict[str, Any], unit: str = "") -> str:
    return f"{s['median']}{unit} ({s['min']}-{s['max']})"


def markdown(result: dict[str, Any]) -> str:
    import opentelemetry.sdk.version
    import sentry_sdk

    lines = [
        f"## Observability: Sentry's and OpenTelemetry's per-request cost (`benchmarks/observability.py`, "
        f"{time.strftime('%Y-%m-%d')})",
        "",
        f"The `ours` project in production mode, {result['server']}; `{result['wrk']}`, {result['rounds']} rounds "
        "alternating the candidates. Off: neither configured. sentry: SENTRY_DSN at a local envelope endpoint, "
        f"SENTRY_TRACES_SAMPLE_RATE=0 (sentry-sdk {sentry_sdk.VERSION}). otel: OTEL_EXPORTER_OTLP_ENDPOINT at a local "
        "OTLP/HTTP receiver, OTEL_TRACES_SAMPLER=parentbased_traceidratio at 0 (opentelemetry-sdk "
        f"{opentelemetry.sdk.version.__version__}). The request id middleware runs in all. Ratio: candidate/off req/s "
        "of each round, median (min-max); goal >= 0.95 (at most 5% overhead). Received during the run: "
        f"{result['events_received']} events, {result['spans_received']} spans. Load average (1 min) at the end: "
        f"{result['load_average']:.1f} on 2 CPUs.",
        "",
        "| interface | candidate | request | off req/s | on req/s | off p50 | on p50 | on/off | goal met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["table"]:
        met = "yes" if row["ratio"]["median"] is not None and row["ratio"]["median"] >= GOAL else "**no**"
        lines.append(
            f"| {row['interface']} | {row['candidate']} | {row['path']} | {_figure(row['off_rps'])} | "
            f"{_figure(row['on_rps'])} | {_figure(row['off_p50_ms'], ' ms')} | {_figure(row['on_p50_ms'], ' ms')} | "
            f"{_figure(row['ratio'])} | {met} |"
        )
    lines += [
        "",
        "CPU time per request through Django's WSGI handler in one process (no server, no client; processes "
        "alternate off and each candidate every round): the SDKs' own cost, less exposed to other load on the "
        "machine. Ratio: candidate/off of each round (CPU time: above 1 is overhead).",
        "",
        "| request, candidate | off CPU per request | on CPU per request | on/off |",
        "|---|---|---|---|",
    ]
    for label, row in result["in_process"].items():
        lines.append(
            f"| {label} | {_figure(row['off_us'], ' us')} | {_figure(row['on_us'], ' us')} | {_figure(row['ratio'])} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s: a smoke run")
    parser.add_argument("--append", action="store_true", help="append the table to benchmarks/RESULTS.md")
    args = parser.parse_args()
    result = measure(rounds=1 if args.quick else 5, seconds=2 if args.quick else 5)
    out = HERE / "results" / "observability.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    print(text)
    if args.append:
        with (HERE / "RESULTS.md").open("a") as results:
            results.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
