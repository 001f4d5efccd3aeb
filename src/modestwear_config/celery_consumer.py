"""The worker's consumer for the idle-cost settings (concerns/celery_idle.py), named by
CELERY_WORKER_CONSUMER: it imports Celery's worker, so only a worker loads it, never a web process.

``IdleFreeConsumer`` is Celery's consumer as ``celery worker --without-heartbeat --without-gossip
--without-mingle`` runs it, without the flags.  Mingle matters beyond its start-up broadcast: its
  reply wait leaves a BRPOP outstanding for the whole BRPOP timeout, so a task sent in the worker's
first five minutes waited up to five minutes (measured: 115 s with a 120 s timeout).
"""

from __future__ import annotations

from typing import Any

from celery.worker.consumer import Consumer  # type: ignore[import-untyped]

from modestwear_config.concerns.celery_idle import CONSUMER_OPTIONS


class IdleFreeConsumer(Consumer):  # type: ignore[misc]
    """Celery's consumer with heartbeat, gossip and mingle off (Celery's own worker options)."""

    def __init__(self, *args: Any, worker_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, worker_options={**(worker_options or {}), **CONSUMER_OPTIONS}, **kwargs)
