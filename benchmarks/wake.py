"""Suite "wake": a sleeping service's first request, ours against the plain project configured alike.

Render's free service sleeps after 15 minutes idle; the next request execs gunicorn.  Measured:
exec to the first 200 on /admin/login/ (a real page, no database) and on the API view (one
indexed query over TLS plus one cache read, both behind the 10 ms-per-direction delay proxy),
seed shape (2 workers x 4 threads).

- warm: the bytecode cache (__pycache__) is there, as on a service woken a second time;
- cold: PYTHONPYCACHEPREFIX points at a new empty directory and PYTHONDONTWRITEBYTECODE=1, so
  every module of Django, the drivers and the project is compiled from source (a fresh deploy).
  The page cache cannot be dropped without root; the source files stay in it.

The request is sent on the first connection the master accepts and waits for its answer, so
the figure is exec -> 200 with no polling error.  Then `python -X importtime` shows where the
start-up goes (the worker's imports: the WSGI application), top entries by cumulative time.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from harness import HERE, Gunicorn, base_env, ratio, summary
from remote import HTTPS, Proxy, candidate_env, prepare_database, remote_services

PATHS = ("/admin/login/", "/api/item")
CANDIDATES = {"plain": "seed (CONN_MAX_AGE=600 + CONN_HEALTH_CHECKS)", "ours": "library now (check after 30 s idle)"}
DELAY_MS = 10.0


def exec_to_200(app: str, env: dict[str, str], path: str, timeout: float = 90.0) -> float:
    server = Gunicorn(app, env, workers=2, threads=4)
    command = server.command()
    run_env = base_env(
        {
            **server.env,
            "PORT": str(server.port),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_LOG_LEVEL": "warning",
        }
    )
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=HERE, env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    server.process = process
    try:
        return _answer(server.port, path, process, start, timeout)
    finally:
        server.stop()


def _answer(port: int, path: str, process: subprocess.Popen[bytes], start: float, timeout: float) -> float:
    headers = "".join(f"{k}: {v}\r\n" for k, v in HTTPS.items())
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        except OSError:
            time.sleep(0.005)
            continue
        with sock:
            sock.settimeout(max(1.0, deadline - time.perf_counter()))
            sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
            head = sock.recv(16)
            if head.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200")):
                return time.perf_counter() - start
            raise RuntimeError(f"{path} answered {head!r}")
    raise TimeoutError(f"no answer on {path} within {timeout} s")


def importtime(env: dict[str, str], module: str, top: int = 12) -> dict[str, Any]:
    """Import time of the worker's application module (django.setup() included), by top-level package."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=HERE,
        env=base_env(env),
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    by_package: dict[str, int] = {}
    for line in out.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            package = match.group(2).split(".")[0]
            by_package[package] = by_package.get(package, 0) + int(match.group(1))
    total = sum(by_package.values())
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    return {
        "total_ms": round(total / 1000, 1),
        "modestwear_config_self_ms": round(by_package.get("modestwear_config", 0) / 1000, 1),
        "top": [{"module": name, "self_ms": round(us / 1000, 1)} for name, us in ranked],
    }


def wake(prod: dict[str, str], cold_runs: int, warm_runs: int, log: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"delay_ms": DELAY_MS, "server": "gunicorn 2 workers x 4 threads", "paths": {}}
    with remote_services() as (pg, redis):
        prepare_database(pg, prod)
        proxy = Proxy(DELAY_MS, pg.port, redis.port)
        try:
            specs = {short: candidate_env(name, prod, proxy) for short, name in CANDIDATES.items()}
            for path in PATHS:
                times: dict[str, list[float]] = {f"{c} {k}": [] for k in ("cold", "warm") for c in specs}
                for run in range(max(cold_runs, warm_runs) + 1):  # run 0 warms the bytecode cache
                    for short, (app, env) in list(specs.items()) if run % 2 else list(specs.items())[::-1]:
                        if run and run <= warm_runs:
                            times[f"{short} warm"].append(exec_to_200(app, env, path) * 1000)
                        elif not run:
                            exec_to_200(app, env, path)
                        if run and run <= cold_runs:
                            with tempfile.TemporaryDirectory(prefix="mwc-bench-pyc-") as prefix:
                                cold = {**env, "PYTHONPYCACHEPREFIX": prefix, "PYTHONDONTWRITEBYTECODE": "1"}
                                times[f"{short} cold"].append(exec_to_200(app, cold, path) * 1000)
                figures = {k: summary(v, 1) for k, v in times.items()}
                for kind in ("cold", "warm"):
                    figures[f"ratio {kind}"] = ratio(
                        figures[f"ours {kind}"]["median"], figures[f"plain {kind}"]["median"]
                    )
                result["paths"][path] = figures
                log(f"wake {path}: { {k: (v['median'] if isinstance(v, dict) else v) for k, v in figures.items()} }")
            result["importtime"] = {short: importtime(env, app.split(":")[0]) for short, (app, env) in specs.items()}
        finally:
            proxy.close()
    return result


def section(data: dict[str, Any]) -> str:
    lines = [
        "## Waking from sleep (exec to the first 200)",
        "",
        f"Reproduce: `python benchmarks/run.py --only wake`. {data['server']}, the seed's environment; "
        f"PostgreSQL (TLS only) and Redis behind the delay proxy at {data['delay_ms']:g} ms per direction. "
        "Cold: no bytecode cache (an empty PYTHONPYCACHEPREFIX, PYTHONDONTWRITEBYTECODE=1), every module "
        "compiled from source; warm: the bytecode cache in place. The page cache stays warm (no root). "
        "The request waits on the first connection the master accepts: no polling error.",
        "",
        "| page | | plain project | ours | ratio |",
        "|---|---|---|---|---|",
    ]
    for path, figures in data["paths"].items():
        for kind in ("cold", "warm"):
            plain, ours = figures[f"plain {kind}"], figures[f"ours {kind}"]
            lines.append(
                f"| {path} | {kind} | {plain['median']:.0f} ms ({plain['min']:.0f}-{plain['max']:.0f}) | "
                f"{ours['median']:.0f} ms ({ours['min']:.0f}-{ours['max']:.0f}) | {figures[f'ratio {kind}']}x |"
            )
    lines += [
        "",
        "Where the worker's start-up goes (`python -X importtime -c 'import <project>.wsgi'`, which "
        "runs django.setup(); warm; self time summed by top-level package):",
        "",
    ]
    imports = data["importtime"]
    lines += [
        "| | plain project | ours |",
        "|---|---|---|",
        f"| all imports | {imports['plain']['total_ms']} ms | {imports['ours']['total_ms']} ms |",
        f"| of which modestwear_config's own modules | - | {imports['ours']['modestwear_config_self_ms']} ms |",
    ]
    lines += ["", "| rank | plain project | ms | ours | ms |", "|---|---|---|---|---|"]
    for rank, (p, o) in enumerate(zip(imports["plain"]["top"], imports["ours"]["top"], strict=False), start=1):
        lines.append(f"| {rank} | {p['module']} | {p['self_ms']} | {o['module']} | {o['self_ms']} |")
    return "\n".join(lines)
