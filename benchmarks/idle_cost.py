#!/usr/bin/env python3
"""Benchmark "idle cost": Redis commands sent by idle Celery processes and a probed web instance.

    .venv/bin/python benchmarks/idle_cost.py --minutes 10 [--append]   (from the repository root)

Every candidate gets its own private redis-server on a free port (never the shared one); all of
them run side by side, so one run compares them on the same machine at the same time:

- "defaults": a bare ``Celery(broker=...)`` app: Celery's and kombu's defaults;
- "seed": the seed's settings (broker and result backend on Redis, JSON, nothing else);
- "library": a Django project whose settings are ``from modestwear_config import *`` and whose
  app is ``create_celery_app()``, with the same two URLs.

For each: a real ``celery worker`` (prefork, concurrency 1), and separately a worker plus
``celery beat``.  After a settling pause the server's counters are reset (CONFIG RESETSTAT), the
processes idle for ``--minutes``, then INFO commandstats gives the commands (INFO and CONFIG, the
benchmark's own, excluded), extrapolated to 30 days.  Then one task is sent and its pickup
latency measured (send -> the task's first line), and the worker's warm shutdown timed (SIGTERM ->
exit).  "web": the example project under gunicorn with every feature configured (cache, broker,
per-run PostgreSQL database), probed on /healthz every 5 minutes: its Redis commands and its
database's sessions and transactions (pg_stat_database) over the window.

Writes benchmarks/results/idle_cost.json; --append adds the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.servers import (  # noqa: E402
    Gunicorn,
    RedisServer,
    fresh_postgres_database,
    project_env,
    stop_process_group,
)

MONTH = 30 * 24 * 60  # minutes
BUDGET = 25_000  # commands per 30 days: 5% of Upstash's free 500,000 a month
SETTLE = 20.0  # seconds after the worker is ready: start-up traffic (mingle, first sweeps) is not idle
OWN_COMMANDS = {"info", "config"}  # the benchmark's
PROBE_EVERY = 300.0  # seconds: the monitor probes /healthz every 5 minutes

TASK = """
@app.task(name="bench.stamp")
def stamp(key):
    import time, redis
    redis.Redis.from_url(URL).set(key, repr(time.time()))
"""
APPS = {
    "defaults": "from celery import Celery\nURL = {url!r}\napp = Celery('bench', broker=URL)\n" + TASK,
    "seed": (
        "from celery import Celery\nURL = {url!r}\napp = Celery('bench')\n"
        "app.conf.update(broker_url=URL, result_backend=URL, task_serializer='json',\n"
        "    result_serializer='json', accept_content=['json'])\n" + TASK
    ),
    "library": (
        "import os\nURL = {url!r}\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'benchproj.settings')\n"
        "from modestwear_config.celery import create_celery_app\napp = create_celery_app('benchproj')\n" + TASK
    ),
}
SETTINGS = "from modestwear_config import *  # noqa\nROOT_URLCONF = 'benchproj.urls'\n"


def write_project(directory: Path, candidate: str, url: str) -> None:
    package = directory / "benchproj"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(SETTINGS)
    (package / "urls.py").write_text("urlpatterns = []\n")
    (package / "bench.py").write_text(APPS[candidate].format(url=url))


def command_counts(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    counts = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    return {name: calls for name, calls in counts.items() if name.split("|")[0] not in OWN_COMMANDS}


class Run:
    """One candidate in one mode on its own redis-server."""

    def __init__(self, candidate: str, beat: bool, minutes: float) -> None:
        self.candidate, self.beat, self.minutes = candidate, beat, minutes
        self.result: dict[str, Any] = {"candidate": candidate, "mode": "worker+beat" if beat else "worker"}

    def env(self, directory: Path, url: str) -> dict[str, str]:
        env = project_env({"CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url}, debug=True)
        env["PYTHONPATH"] = str(directory)
        env["DJANGO_SETTINGS_MODULE"] = "benchproj.settings"
        return env

    def start(self, args: list[str], directory: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
        celery = str(Path(sys.executable).with_name("celery"))
        with log.open("wb") as out:
            return subprocess.Popen(
                [celery, "-A", "benchproj.bench", *args],
                cwd=directory,
                env=self.env(directory, url),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def __call__(self) -> None:
        try:
            self.run()
        except Exception as exc:  # reported in the table rather than lost in a thread
            self.result["error"] = repr(exc)

    def run(self) -> None:
        with RedisServer() as server, tempfile.TemporaryDirectory(prefix="mwc-idle-") as tmp:
            directory = Path(tmp)
            write_project(directory, self.candidate, server.url)
            client = redis.Redis.from_url(server.url)
            log = directory / "worker.log"
            name = f"{self.candidate}-{self.result['mode']}@bench"
            worker = self.start(["worker", "-l", "INFO", "-c", "1", "-n", name], directory, server.url, log)
            beat = None
            if self.beat:
                schedule = str(directory / "beat-schedule")
                beat = self.start(["beat", "-l", "INFO", "-s", schedule], directory, server.url, directory / "beat.log")
            try:
                wait_ready(log, worker)
                time.sleep(SETTLE)
                client.config_resetstat()
                started = time.monotonic()
                time.sleep(self.minutes * 60)
                elapsed = (time.monotonic() - started) / 60
                counts = command_counts(client)
                total = sum(counts.values())
                self.result.update(
                    minutes=round(elapsed, 2),
                    commands=total,
                    per_minute=round(total / elapsed, 2),
                    per_30_days=round(total / elapsed * MONTH),
                    by_command=dict(sorted(counts.items(), key=lambda item: -item[1])),
                    pickup_seconds=pickup(client, directory, server.url),
                )
                self.result["shutdown_seconds"] = warm_shutdown(worker)
            finally:
                for process in (worker, beat):
                    if process is not None and process.poll() is None:
                        stop_process_group(process, timeout=5)


def wait_ready(log: Path, worker: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b" ready." in log.read_bytes():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"worker not ready:\n{log.read_text(errors='replace')[-3000:]}")


def pickup(client: redis.Redis, directory: Path, url: str) -> float:
    """Seconds from sending a task (a bare producer, as a web process would) to the task's first line."""
    from celery import Celery  # type: ignore[import-untyped]

    producer = Celery("producer", broker=url, set_as_current=False)
    key = f"bench-pickup-{time.time_ns()}"
    sent = time.time()
    producer.send_task("bench.stamp", args=[key])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        value = client.get(key)
        if value is not None:
            return round(float(value) - sent, 3)
        time.sleep(0.01)
    raise TimeoutError("the task was not picked up within 120 s")


def warm_shutdown(worker: subprocess.Popen[bytes], cap: float = 60) -> float:
    """Seconds from SIGTERM (what a platform sends at a redeploy) to the worker's exit."""
    started = time.monotonic()
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=cap)
    except subprocess.TimeoutExpired:
        return float("inf")
    return round(time.monotonic() - started, 2)


class WebRun:
    """The example project under gunicorn, every feature configured, probed on /healthz."""

    def __init__(self, minutes: float) -> None:
        self.minutes = minutes
        self.result: dict[str, Any] = {"candidate": "library", "mode": "web, /healthz every 5 min"}

    def __call__(self) -> None:
        try:
            self.run()
        except Exception as exc:
            self.result["error"] = repr(exc)

    def run(self) -> None:
        import psycopg

        with RedisServer() as server, fresh_postgres_database() as database:
            client = redis.Redis.from_url(server.url)
            name = database.rsplit("/", 1)[1]
            admin = database.rsplit("/", 1)[0] + "/postgres"
            env = project_env(
                {
                    "DATABASE_URL": database,
                    "REDIS_URL": server.url,
                    "CELERY_BROKER_URL": server.url,
                    "CELERY_RESULT_BACKEND": server.url,
                    "WEB_CONCURRENCY": "2",
                    "GUNICORN_THREADS": "4",
                },
                debug=True,
            )
            before_boot = sum(command_counts(client).values())
            with Gunicorn(env) as web, psycopg.connect(admin, autocommit=True) as admin_connection:
                boot = sum(command_counts(client).values()) - before_boot
                before = database_activity(admin_connection, name)
                client.config_resetstat()
                started, probes = time.monotonic(), 0
                while True:
                    try:
                        with urllib.request.urlopen(f"{web.base_url}/healthz", timeout=10) as response:
                            response.read()
                    except OSError as exc:
                        raise RuntimeError(f"{exc!r}; gunicorn's log: {web.output()[-2000:]}") from None
                    probes += 1
                    left = self.minutes * 60 - (time.monotonic() - started)
                    if left <= 0:
                        break
                    time.sleep(min(PROBE_EVERY, left))
                counts = command_counts(client)
                time.sleep(1)  # backends report their statistics at most once a second
                after = database_activity(admin_connection, name)
            self.result.update(
                minutes=round((time.monotonic() - started) / 60, 2),
                probes=probes,
                boot_commands=boot,
                commands=sum(counts.values()),
                by_command=counts,
                per_30_days=0 if not counts else None,
                sql=after["transactions"] - before["transactions"],
                sessions=after["sessions"] - before["sessions"],
            )


def database_activity(connection: Any, name: str) -> dict[str, int]:
    connection.execute("SELECT pg_stat_clear_snapshot()")
    row = connection.execute(
        "SELECT xact_commit + xact_rollback, sessions FROM pg_stat_database WHERE datname = %s", (name,)
    ).fetchone()
    return {"transactions": int(row[0]), "sessions": int(row[1])}


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| Idle process | Setting | Window (min) | Commands | Per minute | Per 30 days | vs Celery's defaults "
        "| Within 25,000 | Pickup (s) | Warm shutdown (s) | Commands seen |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    baseline = {r["mode"]: r.get("per_30_days") for r in results if r["candidate"] == "defaults"}
    for r in results:
        if "error" in r:
            lines.append(f"| {r['mode']} | {r['candidate']} | error: {r['error']} |||||||||")
            continue
        if r["mode"].startswith("web"):
            lines.append(
                f"| {r['mode']} | {r['candidate']} | {r['minutes']} | {r['commands']} Redis; {r['sql']} SQL "
                f"transactions, {r['sessions']} sessions ({r['probes']} probes; {r['boot_commands']} Redis "
                "commands at boot) | | | | | | | |"
            )
            continue
        base = baseline.get(r["mode"])
        ratio = f"{r['per_30_days'] / base:.4f}x" if base else "-"
        seen = ", ".join(f"{k} {v}" for k, v in list(r["by_command"].items())[:6])
        lines.append(
            f"| {r['mode']} | {r['candidate']} | {r['minutes']} | {r['commands']} | {r['per_minute']} "
            f"| {r['per_30_days']:,} | {ratio} | {'yes' if r['per_30_days'] <= BUDGET else 'no'} "
            f"| {r['pickup_seconds']} | {r['shutdown_seconds']} | {seen} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="idle window per run (the record: >= 10)")
    parser.add_argument("--candidates", default="defaults,seed,library")
    parser.add_argument("--no-beat", action="store_true", help="skip the worker+beat runs")
    parser.add_argument("--no-web", action="store_true", help="skip the probed web instance")
    parser.add_argument("--append", action="store_true", help="append the table to benchmarks/RESULTS.md")
    args = parser.parse_args()
    runs: list[Any] = []
    for candidate in filter(None, args.candidates.split(",")):
        runs.append(Run(candidate, False, args.minutes))
        if not args.no_beat:
            runs.append(Run(candidate, True, args.minutes))
    if not args.no_web:
        runs.append(WebRun(args.minutes))
    threads = [threading.Thread(target=run) for run in runs]
    for thread in threads:
        thread.start()
        time.sleep(2)  # stagger the start-ups on a small machine
    for thread in threads:
        thread.join()
    results = [run.result for run in runs]
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "idle_cost.json").write_text(json.dumps(results, indent=2))
    report = table(results)
    print(report)
    if args.append:
        heading = textwrap.dedent(f"""

            ## Idle cost: Redis commands of idle Celery processes and a probed web instance (`benchmarks/idle_cost.py`)

            {time.strftime("%Y-%m-%d")}, `--minutes {args.minutes:g}`, every candidate on its own private redis-server,
            all side by side; commands per 30 days extrapolated from the window; goal <= {BUDGET:,} per 30 days
            (5% of Upstash's free 500,000 a month). Pickup: send -> the task's first line, after the idle window.
            """)
        with (ROOT / "benchmarks" / "RESULTS.md").open("a") as results_file:
            results_file.write(heading + "\n" + report + "\n")


if __name__ == "__main__":
    main()
