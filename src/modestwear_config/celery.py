"""The Celery app factory every project writes as core/celery.py (a public path: keep it).

``from modestwear_config.celery import create_celery_app; app = create_celery_app("core")``.
The CELERY_* settings are the celery concern's (concerns/celery.py).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery  # type: ignore[import-untyped]

__all__ = ["configure_logging_from_settings", "create_celery_app"]


def create_celery_app(main: str = "core", settings_module: str | None = None) -> Celery:
    """The project's Celery app, configured from Django settings, tasks autodiscovered.

    Usage in core/celery.py: ``app = create_celery_app("core")``.  Celery is
    imported here, not at settings import, so projects without it stay light.
    DJANGO_SETTINGS_MODULE defaults to ``<main>.settings`` (startproject's layout)
    so ``celery -A core worker`` works without exporting it.
    """
    from celery import Celery
    from celery.signals import setup_logging  # type: ignore[import-untyped]

    from .components import request_id

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module or f"{main}.settings")
    app = Celery(main)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # Workers and beat log through the project's LOGGING (the redacting formatter), like
    # the web process: Celery would otherwise put its own, unredacted handlers on the root logger.
    app.conf.worker_hijack_root_logger = False
    setup_logging.connect(configure_logging_from_settings, weak=False, dispatch_uid="modestwear_config")
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
