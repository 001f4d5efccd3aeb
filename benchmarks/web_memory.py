#!/usr/bin/env python3
"""Benchmark "web memory": RSS of web workers, plain Django against the library with every feature of
the seed configured, side by side after the same requests.

    .venv/bin/python benchmarks/idle_cost.py ... ; .venv/bin/python benchmarks/web_memory.py [--append]

Both run under real gunicorn with the seed's sizing (2 workers x 4 threads, gthread), on the same
private redis-server and the same per-run PostgreSQL database:

- "plain": a startproject-style project (no library) with PostgreSQL, a /healthz view answering
  {"status": "ok"} and a /health view running SELECT 1 (the seed's two endpoints);
- "library, ... no Celery app": the same configuration in a project without Celery's Django recipe
  (a core/__init__.py importing the Celery app into every web process), to separate the two;
- "library": the example project configured like the seed: PostgreSQL, the Redis cache, a Celery broker
  and result backend on Redis, Cloudinary media (a local server speaking its API), with a real Celery
  worker answering the /health worker check.

Each gets the same requests (--rounds x: /healthz, /health, one after the other, on a new connection),
then every process's RSS is read from /proc (VmRSS): the master, each worker, and any helper process.
Writes benchmarks/results/web_memory.json; --append adds the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.fake_cloudinary import FakeCloudinary  # noqa: E402
from tests.support.servers import (  # noqa: E402
    EXAMPLE_PROJECT,
    RedisServer,
    free_port,
    fresh_postgres_database,
    project_env,
    stop_process_group,
    wait_for_http,
)

PLAIN_SETTINGS = """
import dj_database_url, os
SECRET_KEY = "plain-benchmark-" + "x" * 50
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware", "django.middleware.clickjacking.XFrameOptionsMiddleware"]
ROOT_URLCONF = "plain.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
STATIC_URL = "static/"
USE_TZ = True
"""
PLAIN_URLS = """
from django.db import connection
from django.http import JsonResponse
from django.urls import path

def healthz(request):
    return JsonResponse({"status": "ok"})

def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": "ok"})

urlpatterns = [path("healthz", healthz), path("health", health)]
"""
PLAIN_WSGI = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'plain.settings')\n" + (
    "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
)


LEAN_URLS = (
    "from django.urls import include, path\nurlpatterns = [path('', include('modestwear_config.health.urls'))]\n"
)
LEAN_WSGI = PLAIN_WSGI.replace("plain.settings", "lean.settings")


def write_lean(directory: Path) -> None:
    """The library's settings without Celery's Django recipe (core/__init__.py importing the app)."""
    package = directory / "lean"
    package.mkdir()
    settings = "from modestwear_config import *  # noqa\nROOT_URLCONF = 'lean.urls'\n"
    for name, text in {"__init__": "", "settings": settings, "urls": LEAN_URLS, "wsgi": LEAN_WSGI}.items():
        (package / f"{name}.py").write_text(text)


def write_plain(directory: Path) -> None:
    package = directory / "plain"
    package.mkdir()
    for name, text in {"__init__": "", "settings": PLAIN_SETTINGS, "urls": PLAIN_URLS, "wsgi": PLAIN_WSGI}.items():
        (package / f"{name}.py").write_text(text)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def alive(process: subprocess.Popen[bytes], log: str) -> None:
    if process.poll() is not None:
        raise RuntimeError(f"gunicorn exited:\n{Path(log).read_text(errors='replace')[-3000:]}")


def measure(name: str, command: list[str], cwd: Path, env: dict[str, str], rounds: int) -> dict[str, Any]:
    port = free_port()
    env = {**env, "PORT": str(port)}
    log = tempfile.NamedTemporaryFile(prefix=f"mwc-mem-{name}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}"],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", timeout=60, alive=lambda: alive(process, log.name))
        statuses: dict[str, list[int]] = {"/healthz": [], "/health": []}
        for _ in range(rounds):
            for path, seen in statuses.items():
                seen.append(get(base + path))
        time.sleep(1)
        workers = children(process.pid)
        # gthread workers run several threads; the library's log redactor (forked by the master) one.
        gunicorn_workers = [pid for pid in workers if threads(pid) > 1]
        worker_rss = sorted(rss_kb(pid) for pid in gunicorn_workers)
        others = [rss_kb(pid) for pid in workers if pid not in gunicorn_workers]
        return {
            "candidate": name,
            "statuses": {path: sorted(set(seen)) for path, seen in statuses.items()},
            "master_mb": round(rss_kb(process.pid) / 1024, 1),
            "worker_mb": [round(kb / 1024, 1) for kb in worker_rss],
            "helpers_mb": [round(kb / 1024, 1) for kb in others],
            "total_mb": round((rss_kb(process.pid) + sum(worker_rss) + sum(others)) / 1024, 1),
        }
    finally:
        stop_process_group(process)
        log.close()
        Path(log.name).unlink(missing_ok=True)


def celery_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    celery = str(Path(sys.executable).with_name("celery"))
    return subprocess.Popen(
        [celery, "-A", "core", "worker", "-l", "WARNING", "-c", "1", "-n", "memory@bench"],
        cwd=EXAMPLE_PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    with RedisServer() as redis_server, fresh_postgres_database() as database, FakeCloudinary() as cloudinary:
        with tempfile.TemporaryDirectory(prefix="mwc-plain-") as tmp:
            write_plain(Path(tmp))
            plain_env = {**project_env(), "PYTHONPATH": tmp, "DATABASE_URL": database}
            plain_env["DJANGO_SETTINGS_MODULE"] = "plain.settings"
            plain = measure(
                "plain Django",
                [gunicorn, "--workers", "2", "--threads", "4", "--worker-class", "gthread", "plain.wsgi:application"],
                Path(tmp),
                plain_env,
                args.rounds,
            )
        library_env = project_env(
            {
                "DATABASE_URL": database,
                "REDIS_URL": redis_server.url,
                "CELERY_BROKER_URL": redis_server.url,
                "CELERY_RESULT_BACKEND": redis_server.url,
                "CLOUDINARY_URL": f"cloudinary://key:secret@demo?upload_prefix={cloudinary.url}",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "4",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
            },
            debug=False,
        )
        library_env["SECRET_KEY"] = "library-benchmark-" + "y" * 50
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=EXAMPLE_PROJECT, env=library_env, check=True
        )
        worker = celery_worker(library_env)
        try:
            time.sleep(8)
            library = measure(
                "library, seed's features",
                [gunicorn, "-c", "python:modestwear_config.gunicorn", "core.wsgi:application"],
                EXAMPLE_PROJECT,
                library_env,
                args.rounds,
            )
            with tempfile.TemporaryDirectory(prefix="mwc-lean-") as tmp:
                write_lean(Path(tmp))
                lean_env = {**library_env, "PYTHONPATH": tmp, "DJANGO_SETTINGS_MODULE": "lean.settings"}
                lean = measure(
                    "library, seed's features, no Celery app in the web process",
                    [gunicorn, "-c", "python:modestwear_config.gunicorn", "lean.wsgi:application"],
                    Path(tmp),
                    lean_env,
                    args.rounds,
                )
        finally:
            stop_process_group(worker)
    results = [plain, library, lean]
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "web_memory.json").write_text(json.dumps(results, indent=2))
    base = sum(plain["worker_mb"]) / len(plain["worker_mb"])
    lines = [
        "| Web process | Statuses (/healthz, /health) | Master (MB) | Workers (MB) | Helpers (MB) | Total (MB) "
        "| Worker vs plain |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        mean = sum(r["worker_mb"]) / len(r["worker_mb"])
        lines.append(
            f"| {r['candidate']} | {r['statuses']['/healthz']}, {r['statuses']['/health']} | {r['master_mb']} "
            f"| {', '.join(map(str, r['worker_mb']))} | {', '.join(map(str, r['helpers_mb'])) or '-'} "
            f"| {r['total_mb']} | {mean / base:.3f}x |"
        )
    report = "\n".join(lines)
    print(report)
    if args.append:
        heading = textwrap.dedent(f"""

            ## Web worker memory, side by side (`benchmarks/web_memory.py`)

            {time.strftime("%Y-%m-%d")}, gunicorn 2 workers x 4 threads (gthread), {args.rounds} x (/healthz, /health)
            each, then VmRSS of every process; same private Redis, same per-run PostgreSQL database.
            """)
        with (ROOT / "benchmarks" / "RESULTS.md").open("a") as results_file:
            results_file.write(heading + "\n" + report + "\n")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
