"""The Celery app factory every project writes as core/celery.py (a public path: keep it).

``from modestwear_config.celery import create_celery_app; app = create_celery_app("core")``.
The CELERY_* settings are the celery concern's (concerns/celery.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from modestwear_config.concerns.celery_idle import CLIENT_NAME

if TYPE_CHECKING:
    from celery import Celery  # type: ignore[import-untyped]

__all__ = ["configure_logging_from_settings", "create_celery_app", "unblock_brpop"]

logger = logging.getLogger(__name__)
UNBLOCK_ATTEMPTS = 6  # x UNBLOCK_PAUSE: the consumer may send one more BRPOP before it sees the stop flag
UNBLOCK_PAUSE = 0.5  # seconds


def create_celery_app(main: str = "core", settings_module: str | None = None) -> Celery:
    """The project's Celery app, configured from Django settings, tasks autodiscovered.

    Usage in core/celery.py: ``app = create_celery_app("core")``.  Celery is
    imported here, not at settings import, so projects without it stay light.
    DJANGO_SETTINGS_MODULE defaults to ``<main>.settings`` (startproject's layout)
    so ``celery -A core worker`` works without exporting it.
    """
    from celery import Celery
    from celery.signals import setup_logging, worker_shutting_down  # type: ignore[import-untyped]

    from .components import request_id

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module or f"{main}.settings")
    app = Celery(main)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # Workers and beat log through the project's LOGGING (the redacting formatter), like
    # the web process: Celery would otherwise put its own, unredacted handlers on the root logger.
    app.conf.worker_hijack_root_logger = False
    setup_logging.connect(configure_logging_from_settings, weak=False, dispatch_uid="modestwear_config")
    # A 300 s BRPOP would hold a warm shutdown past a platform's grace period: release it.
    worker_shutting_down.connect(unblock_brpop, weak=False, dispatch_uid="modestwear_config")
    _connect_observability(request_id)
    app.autodiscover_tasks()
    return app


def _connect_observability(request_id: Any) -> None:
    """The request id travels in each task's headers and is set while the task runs; Sentry starts
    in each prefork child and in beat (ready() already started it in the worker's main process)."""
    from celery.signals import beat_init, before_task_publish, task_postrun, task_prerun, worker_process_init

    from .components import otel, sentry

    uid = "modestwear_config"
    before_task_publish.connect(request_id.add_to_task_headers, weak=False, dispatch_uid=uid)
    task_prerun.connect(request_id.enter_task, weak=False, dispatch_uid=uid)
    task_postrun.connect(request_id.leave_task, weak=False, dispatch_uid=uid)
    for started in (worker_process_init, beat_init):
        started.connect(lambda **kwargs: (sentry.install(), otel.install()), weak=False, dispatch_uid=uid)


def configure_logging_from_settings(**kwargs: Any) -> None:
    """celery.signals.setup_logging: with a receiver, Celery leaves logging to it (worker and beat).

    Celery then also skips redirecting stdout and stderr to its logger, so a task's
    print() would bypass the formatter: redirect them here, as Celery would have.
    """
    import logging.config

    from celery import current_app
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if current_app.conf.worker_redirect_stdouts:
        current_app.log.redirect_stdouts(current_app.conf.worker_redirect_stdouts_level)


def unblock_brpop(sender: Any = None, **kwargs: Any) -> None:
    """celery.signals.worker_shutting_down: release the broker's blocked BRPOPs named CLIENT_NAME.

    On SIGTERM a worker reads its outstanding BRPOP before closing (so a popped task is never
    dropped), which with a 300 s timeout outlasts a platform's ~30 s grace.  CLIENT UNBLOCK makes it
    return at once (another worker's, released too, simply asks again: one command).  Where the server
    refuses CLIENT LIST or UNBLOCK, shutdown waits for the BRPOP as before.
    """
    from celery import current_app

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
            entries: list[dict[str, Any]] = client.client_list(_type="normal")  # type: ignore[assignment,unused-ignore]
            for entry in entries:
                if entry.get("name") == CLIENT_NAME and entry.get("cmd") in ("brpop", "blpop"):
                    client.client_unblock(int(entry["id"]))
            time.sleep(UNBLOCK_PAUSE)
        client.close()
    except Exception as exc:  # a server without CLIENT LIST/UNBLOCK: shutdown waits for the BRPOP timeout
        logger.info(
            "could not release the worker's BRPOP at shutdown (%s); it ends within its timeout", type(exc).__name__
        )
