"""Celery settings (CELERY_ namespace) and the app factory every project writes as core/celery.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .env import Env, lazy_settings
from .tls import celery_ssl_options

if TYPE_CHECKING:
    from celery import Celery

IN_MEMORY_BROKER = "memory://"


def celery_settings(env: Env) -> dict[str, Any]:
    redis_url: str | None = env("REDIS_URL")
    broker: str | None = env("CELERY_BROKER_URL") or redis_url
    backend: str | None = env("CELERY_RESULT_BACKEND") or redis_url
    settings: dict[str, Any] = {
        # No broker at all: tasks run inline (the seed's free tier has no worker).
        "CELERY_BROKER_URL": broker or IN_MEMORY_BROKER,
        "CELERY_RESULT_BACKEND": backend,
        "CELERY_TASK_ALWAYS_EAGER": env("CELERY_TASK_ALWAYS_EAGER", broker is None),
        "CELERY_TASK_EAGER_PROPAGATES": env("CELERY_TASK_EAGER_PROPAGATES"),
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_RESULT_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
    }
    if broker and broker.lower().startswith("rediss://"):
        settings["CELERY_BROKER_USE_SSL"] = celery_ssl_options(env)
    if backend and backend.lower().startswith("rediss://"):
        settings["CELERY_REDIS_BACKEND_USE_SSL"] = celery_ssl_options(env)
    return settings


def create_celery_app(main: str = "core") -> Celery:
    """The project's Celery app, configured from Django settings, tasks autodiscovered.

    Usage in core/celery.py: ``app = create_celery_app("core")``.  Celery is
    imported here, not at settings import, so projects without it stay light.
    """
    from celery import Celery

    app = Celery(main)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.autodiscover_tasks()
    return app


__getattr__ = lazy_settings(celery_settings)
