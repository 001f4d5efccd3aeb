"""The markdown table, the machine description and the plot."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PACKAGES = ("django", "gunicorn", "psycopg", "redis", "django-redis", "django-health-check", "django-alive")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    info = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
    }
    info["summary"] = (
        f"{info['nproc']} x {cpu}, {info['memory_gb']} GB, Linux {info['kernel']}, "
        f"Python {info['python']}, Django {versions['django']}, gunicorn {versions['gunicorn']}"
    )
    return info


# -- formatting ---------------------------------------------------------------------------------------
def mmm(s: dict[str, Any] | None, unit: str = "", digits: int = 1) -> str:
    """median (min-max): the shape of every repeated figure."""
    if not s or s.get("median") is None:
        return "n/a"
    if s.get("n", 0) <= 1 or s["min"] == s["max"]:
        return f"{s['median']:.{digits}f}{unit}"
    return f"{s['median']:.{digits}f}{unit} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# -- the table ------------------------------------------------------------------------------------------
def markdown(r: dict[str, Any]) -> str:
    parts = [
        f"Figures: median (min-max) of the runs; ratios are of medians measured in the same run.\n"
        f"Machine: {r['machine']['summary']}."
    ]
    summary_rows: list[list[str]] = []
    if "startup" in r:
        parts.append(_startup(r["startup"], summary_rows))
    if "memory" in r:
        parts.append(_memory(r["memory"], summary_rows))
    if "throughput" in r:
        parts.append(_throughput(r["throughput"], summary_rows))
    if "liveness" in r:
        parts.append(_liveness(r["liveness"], summary_rows))
    if "readiness" in r:
        parts.append(_readiness(r["readiness"], summary_rows))
    if "faults" in r:
        parts.append(_faults(r["faults"], summary_rows))
    if "budget" in r:
        parts.append(_budget(r["budget"], r["readiness"]))
    head = table(["Measure", "Ours", "Baseline", "Ratio / figure", "Target", "Met"], summary_rows)
    odd = anomalies(r)
    if odd:
        head += "\n\nUnexpected answers during the run: " + "; ".join(odd) + "."
    return "\n\n".join([parts[0], "### Summary\n\n" + head, *parts[1:]]) + "\n"


def anomalies(r: dict[str, Any]) -> list[str]:
    """Anything but a 200 where a 200 was expected: a figure measured on errors is no figure."""
    found = []
    memory = r.get("memory", {})
    for name, statuses in memory.get("statuses", {}).items():
        found += [f"memory {name}: {k} x{n}" for k, n in statuses.items() if not k.endswith(" 200")]
    for name, seed in memory.get("seed_configuration", {}).items():
        found += [f"seed {name}: {k} x{n}" for k, n in seed.get("statuses", {}).items() if not k.endswith(" 200")]
    for name, v in r.get("liveness", {}).get("candidates", {}).items():
        if v["non_2xx"] or v["socket_errors"]:
            found.append(f"liveness {name}: {v['non_2xx']} non-2xx, {v['socket_errors']} socket errors")
    for endpoint in ("healthz", "health"):
        for name, v in r.get("throughput", {}).get(endpoint, {}).items():
            if v["non_2xx"] or v["socket_errors"]:
                found.append(f"wrk /{endpoint} {name}: {v['non_2xx']} non-2xx, {v['socket_errors']} socket errors")
    for name, v in r.get("readiness", {}).get("candidates", {}).items():
        for key in ("statuses",):
            found += [f"{name}: {k} x{n}" for k, n in v[key].items() if k != "200"]
        found += [f"{name} after idle: {k} x{n}" for k, n in v["after_idle"]["statuses"].items() if k != "200"]
    return found


def _startup(s: dict[str, Any], summary_rows: list[list[str]]) -> str:
    setup, boot = s["django_setup_ms"], s["gunicorn_first_200_ms"]
    target = s["target_ratio"]
    for name, base, label in (
        ("ours_default", "plain_default", "embedded default (SQLite)"),
        ("ours_production", "plain", "production environment (PostgreSQL, Redis)"),
    ):
        summary_rows.append(
            [
                f"`django.setup()`, {label}",
                mmm(setup[name], " ms"),
                mmm(setup[base], " ms"),
                x(setup[name]["ratio"]),
                f"< {target:.2f}x",
                met(setup[name]["ratio"] < target),
            ]
        )
    summary_rows.append(
        [
            "gunicorn exec to first 200 on /healthz",
            mmm(boot["ours"], " ms", 0),
            mmm(boot["plain"], " ms", 0),
            x(boot["ours"]["ratio"]),
            f"< {target:.2f}x",
            met(boot["ours"]["ratio"] < target),
        ]
    )
    rows = [
        [
            "embedded default (DEBUG on, SQLite, local memory cache)",
            mmm(setup["plain_default"], " ms"),
            mmm(setup["ours_default"], " ms"),
            x(setup["ours_default"]["ratio"]),
        ],
        [
            "production environment (PostgreSQL, Redis, ...)",
            mmm(setup["plain"], " ms"),
            mmm(setup["ours_production"], " ms"),
            x(setup["ours_production"]["ratio"]),
        ],
    ]
    boot_rows = [
        [
            "production environment, 2 workers x 4 threads",
            mmm(boot["plain"], " ms", 0),
            mmm(boot["ours"], " ms", 0),
            x(boot["ours"]["ratio"]),
        ]
    ]
    return (
        "### 1. Start-up\n\n`django.setup()` in a fresh interpreter:\n\n"
        + table(["", "plain project", "ours", "ratio"], rows)
        + "\n\ngunicorn, exec to the first 200 on /healthz:\n\n"
        + table(["", "plain project", "ours", "ratio"], boot_rows)
    )


def _memory(m: dict[str, Any], summary_rows: list[list[str]]) -> str:
    w, seed = m["worker_rss_mb"], m["seed_configuration"]
    summary_rows.append(
        [
            f"worker RSS after {m['requests']:,} requests",
            mmm(w["ours"], " MB"),
            mmm(w["plain"], " MB"),
            f"{w['difference_mb']:+.1f} MB",
            f"within {m['target_difference_mb']} MB",
            met(abs(w["difference_mb"]) <= m["target_difference_mb"]),
        ]
    )
    o = seed["ours"]
    summary_rows.append(
        [
            "seed configuration (master + 2 workers x 4 threads), RSS",
            f"{o['rss_mb']:.1f} MB",
            f"{seed['plain']['rss_mb']:.1f} MB (plain)",
            f"headroom {o['headroom_mb']:.0f} MB",
            f"< {m['limit_mb']} MB",
            met(o["rss_mb"] < m["limit_mb"]),
        ]
    )
    rows = [
        [
            name,
            ", ".join(v["paths"]),
            f"{v['processes']}",
            f"{v['master_rss_mb']:.1f}",
            f"{v['rss_mb']:.1f}",
            f"{v['pss_mb']:.1f}",
            f"{v['headroom_mb']:.0f}",
        ]
        for name, v in seed.items()
    ]
    return (
        f"### 2. Memory\n\nOne worker (1 x 4 threads) after {m['requests']:,} requests alternating "
        f"{' and '.join(m['paths'])}: ours {mmm(w['ours'], ' MB')}, plain {mmm(w['plain'], ' MB')}.\n\n"
        f"The seed configuration after {2 * m['requests']:,} requests, in turn to each path:\n\n"
        + table(
            [
                "",
                "paths",
                "processes",
                "master RSS MB",
                "total RSS MB",
                "total PSS MB",
                f"headroom to {m['limit_mb']} MB",
            ],
            rows,
        )
    )


def _liveness(t: dict[str, Any], summary_rows: list[list[str]]) -> str:
    c, q, paired, goal = t["candidates"], t["ratios"], t["paired_ratios"], t["target_of_bare"]
    for iface in ("WSGI", "ASGI"):
        key = iface.lower()
        for how, label in (("wrapper", "liveness() wrapper"), ("middleware", "LivenessMiddleware only")):
            share, per_round = q[f"{key}_{how}_of_bare"] or 0, paired[f"{key}_{how}_of_bare"]
            summary_rows.append(
                [
                    f"/healthz req/s, {iface} {label} vs bare {iface} callable",
                    mmm(c[f"{iface}: {label}"]["rps"], "", 0),
                    mmm(c[f"{iface}: bare callable (ceiling)"]["rps"], "", 0),
                    f"{100 * share:.0f}% of it (per round: {_pct(per_round)})",
                    f">= {100 * goal:.0f}%" if how == "wrapper" else "report",
                    met(min(share, per_round["median"] or 0) >= goal) if how == "wrapper" else "",
                ]
            )
    summary_rows.append(
        [
            "/admin/login/ req/s, ASGI vs WSGI (full stack)",
            mmm(c["ASGI: /admin/login/ (full stack)"]["rps"], "", 0),
            mmm(c["WSGI: /admin/login/ (full stack)"]["rps"], "", 0),
            x(q["admin_asgi_over_wsgi"]),
            "report",
            "",
        ]
    )
    rows = [
        [
            name,
            mmm(v["rps"], "", 0),
            mmm(v["p50_ms"], " ms", 2),
            mmm(v["p99_ms"], " ms", 2),
            str(v["non_2xx"] + v["socket_errors"]),
        ]
        for name, v in c.items()
    ]
    micro = t.get("in_process_us", {})
    micro_rows = [[name, f"{us:.2f} us"] for name, us in micro.items()]
    return (
        f"### 3b. Liveness at the limit, WSGI and ASGI ({t['server']}; `{t['wrk']}`; access log off)\n\n"
        + table(["candidate", "req/s", "p50", "p99", "non-2xx + socket errors"], rows)
        + (
            "\n\nIn one process, no server and no network (best of 5 repeats): what each layer itself costs "
            "per /healthz, which other load on the machine blurs far less than the wrk figures.\n\n"
            + table(["candidate", "per call"], micro_rows)
            if micro_rows
            else ""
        )
    )


def _pct(s: dict[str, Any]) -> str:
    if s.get("median") is None:
        return "n/a"
    return f"{100 * s['median']:.0f}% ({100 * s['min']:.0f}-{100 * s['max']:.0f}%)"


def _throughput(t: dict[str, Any], summary_rows: list[list[str]]) -> str:
    live, ratios = t["healthz"], t["healthz_ratios"]
    summary_rows.append(
        [
            "/healthz req/s vs plain view (full stack)",
            mmm(live["ours"]["rps"], "", 0),
            mmm(live["plain view"]["rps"], "", 0),
            x(ratios["ours_over_plain"]),
            f">= {t['target_ratio']:.1f}x",
            met(ratios["ours_over_plain"] >= t["target_ratio"]),
        ]
    )
    summary_rows.append(
        [
            "/healthz p99 under load vs plain view",
            mmm(live["ours"]["p99_ms"], " ms", 1),
            mmm(live["plain view"]["p99_ms"], " ms", 1),
            x(ratios["p99_ours_over_plain"]),
            "report",
            "",
        ]
    )
    summary_rows.append(
        [
            "/healthz req/s vs bare WSGI callable (ceiling)",
            mmm(live["ours"]["rps"], "", 0),
            mmm(live["bare WSGI"]["rps"], "", 0),
            f"{100 * (ratios['ours_of_bare'] or 0):.0f}% of it",
            "report",
            "",
        ]
    )
    ready = t["health"]
    summary_rows.append(
        [
            "/health req/s under load",
            mmm(ready["ours"]["rps"], "", 0),
            "; ".join(f"{k}: {mmm(v['rps'], '', 0)}" for k, v in ready.items() if k.startswith("django-")),
            ", ".join(x(_r(ready["ours"]["rps"], v["rps"])) for k, v in ready.items() if k.startswith("django-")),
            "report",
            "",
        ]
    )
    before = next((v for k, v in ready.items() if k.startswith("ours before")), None)
    if before is not None:  # issue 16: the cache window's p99, against the cache off and the runner before
        summary_rows.append(
            [
                "/health p99 under load, cache on (stale-while-revalidate)",
                mmm(ready["ours"]["p99_ms"], " ms", 1),
                f"cache 0: {mmm(ready['ours, cache 0']['p99_ms'], ' ms', 1)}; "
                f"runner before: {mmm(before['p99_ms'], ' ms', 1)}",
                f"{x(_r(ready['ours']['p99_ms'], ready['ours, cache 0']['p99_ms']))}, "
                f"{x(_r(ready['ours']['p99_ms'], before['p99_ms']))}",
                "<= 1.0x vs cache 0",
                met((_r(ready["ours"]["p99_ms"], ready["ours, cache 0"]["p99_ms"]) or 9) <= 1.0),
            ]
        )
    sections = []
    for endpoint in ("healthz", "health"):
        rows = [
            [
                name,
                mmm(v["rps"], "", 0),
                mmm(v["p50_ms"], " ms", 2),
                mmm(v["p99_ms"], " ms", 2),
                str(v["non_2xx"] + v["socket_errors"]),
            ]
            for name, v in t[endpoint].items()
        ]
        sections.append(
            f"/{endpoint}:\n\n" + table(["candidate", "req/s", "p50", "p99", "non-2xx + socket errors"], rows)
        )
    return f"### 3. Throughput on loopback ({t['server']}; `{t['wrk']}`; access log off)\n\n" + "\n\n".join(sections)


def _readiness(rd: dict[str, Any], summary_rows: list[list[str]]) -> str:
    c = rd["candidates"]
    ours, peers = c["ours /health"], {k: v for k, v in c.items() if k.startswith("django-")}
    summary_rows.append(
        [
            "/health p50, sequential probes, services up",
            mmm(ours["p50_ms"], " ms", 2),
            "; ".join(f"{k.split()[0]}: {mmm(v['p50_ms'], ' ms', 2)}" for k, v in peers.items()),
            ", ".join(f"{x(_r(ours['p50_ms'], v['p50_ms']))}" for v in peers.values()),
            "report",
            "",
        ]
    )
    for key, label in (("pg_connections", "PostgreSQL connections"), ("redis_commands", "Redis commands")):
        summary_rows.append(
            [
                f"{label} per 1,000 /health probes",
                mmm(ours["per_1000"][key], "", 0)
                + f" ({mmm(c['ours /health, cache 0']['per_1000'][key], '', 0)} with cache 0)",
                "; ".join(f"{k.split()[0]}: {mmm(v['per_1000'][key], '', 0)}" for k, v in peers.items()),
                "",
                "report",
                "",
            ]
        )
    rows = []
    for name, v in rd["candidates"].items():
        p = v["per_1000"]
        idle = v["after_idle"]
        rows.append(
            [
                name,
                mmm(v["p50_ms"], " ms", 2),
                mmm(v["p99_ms"], " ms", 2),
                mmm(p["pg_connections"], "", 0),
                mmm(p["pg_statements"], "", 0),
                mmm(p["redis_commands"], "", 0),
                _commands(v["redis_by_command"], rd["probes"]),
                f"{idle['p50_ms']:.1f} ms",
                ", ".join(f"{k} x{n}" for k, n in idle["verdicts"].items()),
            ]
        )
    return (
        f"### 4. Readiness cost ({rd['probes']:,} sequential probes x {rd['runs']}, a new HTTP connection each)\n\n"
        + table(
            [
                "candidate",
                "p50",
                "p99",
                "PG connections / 1,000",
                "PG statements / 1,000",
                "Redis commands / 1,000",
                "commands",
                "p50 after idle",
                "answers after idle",
            ],
            rows,
        )
        + '\n\n"After idle": every PostgreSQL and Redis client connection is terminated before each probe, '
        "as Neon's scale to zero does between two probes 10 minutes apart."
    )


def _r(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    return None if not b.get("median") else round(a["median"] / b["median"], 3)


def _commands(by_command: dict[str, int], probes: int) -> str:
    return ", ".join(f"{name} {1000 * n / probes:.0f}" for name, n in sorted(by_command.items())) or "none"


def _faults(f: dict[str, Any], summary_rows: list[list[str]]) -> str:
    rows = []
    for scenario, by_name in f["scenarios"].items():
        for name, v in by_name.items():
            answer = "never (capped)" if not v["answered"] else f"{v['statuses'][0]} {v['verdicts'][0]}"
            rows.append(
                [scenario, name, mmm(v["seconds"], " s", 2) if v["answered"] else f"> {f['cap_seconds']:g} s", answer]
            )
        ours = by_name.get("ours")
        if ours:
            summary_rows.append(
                [
                    f"/health with a {scenario}",
                    mmm(ours["seconds"], " s", 2),
                    "; ".join(
                        f"{n}: " + (mmm(v["seconds"], " s", 1) if v["answered"] else f"> {f['cap_seconds']:g} s")
                        for n, v in by_name.items()
                        if n != "ours"
                    ),
                    "",
                    "budget 2.5 s",
                    met(ours["answered"] and ours["seconds"]["max"] < 2.5 * 1.1),
                ]
            )
    return (
        f"### 5. Deadline under faults ({f['worker']}, a socket that accepts and never answers, "
        f"cap {f['cap_seconds']:g} s)\n\n" + table(["fault", "candidate", "time to answer", "answer"], rows)
    )


def _budget(b: dict[str, Any], rd: dict[str, Any]) -> str:
    rows = []
    for name, v in b["candidates"].items():
        rows.append(
            [
                name,
                f"{v['pg_connections_per_day']:,}",
                f"{v['pg_statements_per_day']:,}",
                f"{v['neon_active_hours_per_day']:.0f} h ({v['neon_active_hours_per_month']} h/month)",
                f"{v['redis_commands_per_day']:,} ({100 * v['upstash_share']:.1f}%)",
            ]
        )
    return (
        f"### 6. Free-tier budget: a day of the seed's monitor ({b['probes_per_day']} probes, one every 10 minutes)\n\n"
        + table(
            [
                "endpoint",
                "PG connections/day",
                "PG statements/day",
                f"Neon active time (free: {b['neon_free_hours_per_month']} h/month)",
                f"Redis commands/day (of Upstash's {b['upstash_free_commands_per_day']:,})",
            ],
            rows,
        )
        + f"\n\nFrom the per-probe counts measured after idle (section 4). Any probe that reaches PostgreSQL wakes "
        f"Neon's compute, which then stays up {b['neon_suspend_minutes']} minutes: every 10 minutes that is "
        f"half of each day, whichever library runs the query. /healthz touches neither service."
    )


def results_page(r: dict[str, Any], markdown_table: str) -> str:
    markdown_table = "\n".join(line for line in markdown_table.splitlines() if not line.startswith("Machine: "))
    m = r["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    return (
        "# Benchmark results\n\n"
        f"Reproduce: `{r['command']}` (about {r['elapsed_s'] / 60:.0f} minutes here; `--quick` for a smoke run).\n\n"
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB, Linux {m['kernel']}; Python {m['python']}; "
        f"{packages}; PostgreSQL {m.get('postgresql', '?')}, Redis {m.get('redis', '?')} (private servers on "
        f"loopback); {m['wrk']}.\n\n"
        f"Load average (1 min) when the run started: {r.get('loadavg_start')}.\n\n"
        + markdown_table
        + "\n\n![throughput](throughput.png)\n\n"
        + METHODS
    )


METHODS = """## How each figure is measured

Candidates: **ours** is `benchmarks/ours/` (settings = `from modestwear_config import *`, URLs = the
package's health URLs + admin); **plain** is `benchmarks/plain/`, a `startproject`-style settings file
with the same INSTALLED_APPS and MIDDLEWARE minus modestwear_config and its LivenessMiddleware (run.py
checks they match), the seed's hand-written DATABASES/CACHES dicts, a `JsonResponse({"status": "ok"})`
view at /healthz, and a bare WSGI callable at /bare/healthz in the same gunicorn; **peers** is the plain
project plus django-health-check (`HealthCheckView` with its Database and Cache checks at /ht/) and
django-alive (/-/health/ with `check_database` and `check_cache`). Every candidate runs in the same
virtual environment under `gunicorn -c python:modestwear_config.gunicorn` with the access log sent to
/dev/null and worker recycling off (GUNICORN_MAX_REQUESTS=0), against a private PostgreSQL cluster and a
private redis-server started for the run. Ours gets the seed's production environment (DEBUG off, strong
SECRET_KEY, DATABASE_URL, REDIS_URL, Celery, e-mail, Cloudinary, CORS; Redis without TLS on loopback) after
`collectstatic`, as deploy.sh does. A real Celery worker of `benchmarks/ours` runs on its own private Redis (the
broker, so its polling never shows in the cache's command counts): with a broker, ours' /health also asks a
worker for a ping (its default), which the peers do not; the remote /health suites run without a broker, so
both runners there refresh the same two checks.

1. **Start-up**: `import django; django.setup()` timed inside a fresh interpreter (settings import and
   app registry), candidates interleaved in rotating order, the first round discarded (bytecode cache).
   gunicorn: from exec to the first 200 on /healthz (polled every 5 ms), WEB_CONCURRENCY=2,
   GUNICORN_THREADS=4 for both.
2. **Memory**: VmRSS of the one worker (1 worker x 4 threads) after N requests alternating /healthz and
   the admin login page (templates, sessions, CSRF: the whole stack). The seed configuration: master + 2
   workers x 4 threads after 2N requests; total RSS counts shared pages once per process (an upper
   bound), PSS splits them.
3. **Throughput**: `wrk -t1 -c50 --latency` with keep-alive, one gunicorn worker with 4 threads pinned to
   one CPU and wrk on the other (with two workers, wrk's connections stay on whichever worker accepted them
   and the same endpoint measured twice differed by up to 3x). Each candidate is warmed up for 1 s, then
   runs are interleaved in rotating order.
3b. **Liveness at the limit**: the same wrk runs, one worker pinned as above, on /healthz answered three
   ways in ours: the `liveness()` wrapper of `modestwear_config.health.wsgi` / `.asgi` (as the example's
   core/wsgi.py and core/asgi.py apply it), `LivenessMiddleware` only (the plain Django application), and
   a bare callable answering /bare/healthz in the same worker before either (the ceiling: same settings,
   same loaded modules, the same response bytes). WSGI: gthread x 4 threads; ASGI: `SERVER_INTERFACE=asgi`, gunicorn running
   `uvicorn_worker.UvicornWorker` (uvicorn[standard]: uvloop, httptools). /admin/login/ (full stack, over
   "https" through `X-Forwarded-Proto`) under both gives the server interfaces' cost for a sync Django view.
   In-process: each callable called in a loop in one process with a synthetic request (timeit, best of 5
   repeats; the ASGI ones inside one event loop), pinned to the server CPU.
4. **Readiness cost**: sequential GETs from a Python client, a new TCP connection each (as an uptime
   monitor probes), JSON asked for. PostgreSQL connections are counted from the server log
   (`log_connections=on`) and statements from `log_statement=all` (on only while counting); Redis
   commands from `INFO commandstats`, connections from `INFO stats`. The benchmark's own connection and
   commands are excluded. "After idle": before each probe every client connection to PostgreSQL and Redis
   is terminated (Neon closes them when its compute scales to zero after 5 idle minutes) and any cached
   result is left to expire, which is what a probe every 10 minutes meets.
5. **Faults**: DATABASE_URL or REDIS_URL points at a socket that accepts and never answers
   (tests.support.servers.SilentServer); gunicorn sync workers (GUNICORN_THREADS=1), one server per
   candidate and fault; probes repeat until one is not answered within the cap.
6. **Free-tier budget**: the after-idle per-probe counts x 144 probes a day. Neon: each probe that reaches
   PostgreSQL activates the compute for at least its 5-minute scale-to-zero delay.
"""


# -- the plot ---------------------------------------------------------------------------------------------
def plot(r: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = r["throughput"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), dpi=80)
    for col, endpoint in enumerate(("healthz", "health")):
        names = list(t[endpoint])
        colours = ["#1f6f43" if n.startswith("ours") else "#888888" for n in names]
        for row, (key, label) in enumerate(
            (("rps", "requests/s (higher is better)"), ("p99_ms", "p99 latency, ms (lower is better)"))
        ):
            ax = axes[row][col]
            med = [t[endpoint][n][key]["median"] for n in names]
            low = [m - t[endpoint][n][key]["min"] for n, m in zip(names, med)]
            high = [t[endpoint][n][key]["max"] - m for n, m in zip(names, med)]
            ax.barh(names, med, xerr=[low, high], color=colours, capsize=3)
            ax.invert_yaxis()
            ax.set_xlabel(label, fontsize=9)
            ax.tick_params(labelsize=8)
            if row == 0:
                ax.set_title(f"/{endpoint}", fontsize=10)
            for i, value in enumerate(med):  # beside the error bar, not on it
                ax.text(
                    value + high[i], i, f"  {value:,.0f}" if key == "rps" else f"  {value:.1f}", va="center", fontsize=7
                )
            ax.set_xlim(0, max(m + h for m, h in zip(med, high)) * 1.18)
    fig.suptitle(f"{t['server']}; {t['wrk']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    if path.stat().st_size > 200_000:
        print(f"warning: {path} is {path.stat().st_size} bytes", file=sys.stderr)
