"""The worker side of the idle-cost settings (concerns/celery_idle.py); imports Celery, so only a
worker (CELERY_WORKER_CONSUMER) and create_celery_app load it.

- ``IdleFreeConsumer``: Celery's consumer as ``celery worker --without-heartbeat --without-gossip
  --without-mingle`` runs it, without the flags.  Mingle matters beyond its start-up broadcast: its
  reply wait leaves a BRPOP outstanding for the whole BRPOP timeout, so a task sent in the worker's
  first five minutes waited up to five minutes (measured: 115 s with a 120 s timeout).
- ``unblock_brpop``: on SIGTERM a worker reads its outstanding BRPOP before closing (so a popped
  task is never dropped), which with a 300 s timeout outlasts a platform's ~30 s grace.  CLIENT
  UNBLOCK makes that BRPOP return at once; where the server refuses it, shutdown just waits as before.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery.worker.consumer import Consumer  # type: ignore[import-untyped]

from modestwear_config.concerns.celery_idle import CLIENT_NAME, CONSUMER_OPTIONS

logger = logging.getLogger(__name__)
UNBLOCK_ATTEMPTS = 6  # x UNBLOCK_PAUSE: the consumer may send one more BRPOP before it sees the stop flag
UNBLOCK_PAUSE = 0.5  # seconds


class IdleFreeConsumer(Consumer):  # type: ignore[misc]
    """Celery's consumer with heartbeat, gossip and mingle off (Celery's own worker options)."""

    def __init__(self, *args: Any, worker_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, worker_options={**(worker_options or {}), **CONSUMER_OPTIONS}, **kwargs)


def unblock_brpop(sender: Any = None, **kwargs: Any) -> None:
    """celery.signals.worker_shutting_down: release this broker's blocked BRPOPs named CLIENT_NAME."""
    from celery import current_app  # type: ignore[import-untyped]

    url = str(current_app.conf.broker_url or "").split(";")[0]
    options = current_app.conf.broker_transport_options or {}
    if not url.lower().startswith(("redis://", "rediss://")) or options.get("client_name") != CLIENT_NAME:
        return
    ssl = current_app.conf.broker_use_ssl or {}
    threading.Thread(target=_unblock, args=(url, dict(ssl)), daemon=True, name="unblock-brpop").start()


def _unblock(url: str, ssl: dict[str, Any]) -> None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5, **ssl)
        for _ in range(UNBLOCK_ATTEMPTS):
            for entry in client.client_list(_type="normal"):
                if entry.get("name") == CLIENT_NAME and entry.get("cmd") in ("brpop", "blpop"):
                    client.client_unblock(entry["id"])
            time.sleep(UNBLOCK_PAUSE)
        client.close()
    except Exception as exc:  # a server without CLIENT LIST/UNBLOCK: shutdown waits for the BRPOP timeout
        logger.info("could not release the worker's BRPOP at shutdown (%s); it ends within its timeout", type(exc).__name__)
