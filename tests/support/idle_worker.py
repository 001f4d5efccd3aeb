"""A project that is not the example (settings ``from modestwear_config import *``, app from
create_celery_app) and its real ``celery worker`` on a private Redis, for the idle-cost tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis

from tests.support.servers import project_env, stop_process_group

SETTINGS = "from modestwear_config import *  # noqa\nROOT_URLCONF = 'idleproj.urls'\n"
APP = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idleproj.settings")
from modestwear_config.celery import create_celery_app
app = create_celery_app("idleproj")

@app.task(name="idle.stamp")
def stamp(url, key):
    import redis, time
    redis.Redis.from_url(url).set(key, repr(time.time()))
"""


def write_project(directory: Path, settings_tail: str = "") -> None:
    package = directory / "idleproj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(SETTINGS + settings_tail)
    (package / "urls.py").write_text("urlpatterns = []\n")
    (package / "app.py").write_text(APP)


def project_environ(directory: Path, url: str) -> dict[str, str]:
    env = project_env({"CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url})
    env.update(PYTHONPATH=str(directory), DJANGO_SETTINGS_MODULE="idleproj.settings")
    return env


class IdleWorker:
    """``celery -A idleproj.app worker`` (prefork, concurrency 1), its log in the project directory."""

    def __init__(self, directory: Path, url: str) -> None:
        self.directory, self.url = directory, url
        self.log = directory / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> IdleWorker:
        celery = str(Path(sys.executable).with_name("celery"))
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [celery, "-A", "idleproj.app", "worker", "-l", "INFO", "-c", "1", "-n", "idle@test"],
                cwd=self.directory,
                env=project_environ(self.directory, self.url),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"worker not ready:\n{self.output()}")
            time.sleep(0.2)
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self) -> None:
        """SIGTERM, as a platform sends at a redeploy (a warm shutdown)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_process_group(self.process, timeout=5)

    def __enter__(self) -> IdleWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def command_counts(client: redis.Redis) -> dict[str, int]:
    """INFO commandstats without the measuring commands (INFO, CONFIG RESETSTAT)."""
    stats: dict[str, Any] = client.info("commandstats")
    counts = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    return {name: calls for name, calls in counts.items() if name.split("|")[0] not in ("info", "config")}


def send_stamp(url: str, key: str) -> None:
    """Send the task as a web process would: a bare producer, Celery's defaults."""
    from celery import Celery  # type: ignore[import-untyped]

    Celery("producer", broker=url, set_as_current=False).send_task("idle.stamp", args=[url, key])


def wait_for_key(client: redis.Redis, key: str, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = client.get(key)
        if value is not None:
            return bytes(value)
        time.sleep(0.05)
    raise TimeoutError(f"{key} was not set within {timeout} s")
