"""Tasks of the example shop, found by the Celery app's autodiscovery."""

from __future__ import annotations

import os

from celery import shared_task


@shared_task
def add(x: int, y: int) -> dict[str, int]:
    """The sum, and the process that computed it (a worker's, or the caller's when eager)."""
    return {"sum": x + y, "pid": os.getpid()}
