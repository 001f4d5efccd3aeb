"""Tasks that leave traces in ERRANDS_DIR: one file per attempt started and per attempt finished."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

try:
    from django.tasks import task
except ImportError:  # Django 5.2: the backport
    from django_tasks import task  # type: ignore[no-redef]


def _trace(name: str, stage: str) -> None:
    """A file per attempt and stage, holding the name of the thread that ran it."""
    path = Path(os.environ["ERRANDS_DIR"]) / f"{name}.{stage}.{os.getpid()}.{time.monotonic_ns()}"
    path.write_text(threading.current_thread().name)


@task
def wait_for_release(name: str) -> int:
    """Starts, then waits until ERRANDS_DIR/release exists."""
    _trace(name, "started")
    while not (Path(os.environ["ERRANDS_DIR"]) / "release").exists():
        time.sleep(0.05)
    _trace(name, "done")
    return os.getpid()


@task
def record(name: str, seconds: float = 0.0) -> int:
    _trace(name, "started")
    time.sleep(seconds)
    _trace(name, "done")
    return os.getpid()
