"""Celery settings (CELERY_ namespace) and the app factory every project writes as core/celery.py."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .env import Env, lazy_settings
from .tls import celery_ssl_options, check_no_tls_query

if TYPE_CHECKING:
    from celery import Celery  # type: ignore[import-untyped]

# With a host: a bare memory:// makes kombu log "No hostname was supplied" on every send.
IN_MEMORY_BROKER = "memory://localhost/"


def celery_settings(env: Env) -> dict[str, Any]:
    broker = broker_url(env)
    uses_redis_url = env("CELERY_USE_REDIS_URL")
    backend: str | None = env("CELERY_RESULT_BACKEND") or (env("REDIS_URL") if uses_redis_url else None)
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CELERY_USE_REDIS_URL"):
        if env.is_set(name):  # configured on purpose: a REDIS_URL for the cache alone needs no Celery
            env.require_extra(name, "celery", "celery")
    if not env.is_set("CELERY_BROKER_URL"):
        env.derive("CELERY_BROKER_URL", broker or IN_MEMORY_BROKER, ("CELERY_USE_REDIS_URL", "REDIS_URL"))
    if not env.is_set("CELERY_RESULT_BACKEND"):
        env.derive("CELERY_RESULT_BACKEND", backend, ("CELERY_USE_REDIS_URL", "REDIS_URL"))
    eager: bool = env("CELERY_TASK_ALWAYS_EAGER", broker is None, from_=("CELERY_BROKER_URL", "CELERY_USE_REDIS_URL"))
    if broker is None and not eager:
        env.error(
            "CELERY_TASK_ALWAYS_EAGER",
            "is off but no broker is configured: tasks would be queued in "
            "memory and never run; set CELERY_BROKER_URL (or CELERY_USE_REDIS_URL=true) and run a worker",
        )
    settings: dict[str, Any] = {
        # No broker at all: an in-process broker, so the project still starts and runs tasks inline.
        "CELERY_BROKER_URL": broker or IN_MEMORY_BROKER,
        # None disables results: nothing to store them in without Redis.
        "CELERY_RESULT_BACKEND": backend,
        # Inline unless a broker was chosen: a queue nobody consumes would keep tasks forever.
        "CELERY_TASK_ALWAYS_EAGER": eager,
        # Inline tasks raise to the caller, as a plain function call would.
        "CELERY_TASK_EAGER_PROPAGATES": env("CELERY_TASK_EAGER_PROPAGATES"),
        # A worker waits for a broker that is still waking up instead of exiting (Celery 6 asks for it).
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        # JSON only: a pickle payload would run code written by anyone who can reach the broker.
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_RESULT_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
    }
    # kombu would fall back to CERT_NONE for a bare rediss:// broker, and the result
    # backend refuses one: both get explicit options, verified unless opted out.
    for name, url, setting in (
        ("CELERY_BROKER_URL", broker, "CELERY_BROKER_USE_SSL"),
        ("CELERY_RESULT_BACKEND", backend, "CELERY_REDIS_BACKEND_USE_SSL"),
    ):
        if url and url.lower().startswith("rediss://"):
            # Named after the variable the URL came from (REDIS_URL when it is the default).
            check_no_tls_query(env, name if env.is_set(name) else "REDIS_URL", url)
            settings[setting] = celery_ssl_options(env)
    return settings


def broker_url(env: Env) -> str | None:
    """The broker, only when chosen explicitly: CELERY_BROKER_URL, or REDIS_URL with CELERY_USE_REDIS_URL.

    REDIS_URL alone is the cache: the free tier runs no worker, so making it the broker
    would queue every task (verification emails...) where nothing ever runs it.
    """
    explicit: str | None = env("CELERY_BROKER_URL")
    if explicit or not env("CELERY_USE_REDIS_URL"):
        return explicit
    redis_url: str | None = env("REDIS_URL")
    if not redis_url:
        env.error("CELERY_USE_REDIS_URL", "is on but REDIS_URL is not set: there is no broker to use")
    return redis_url


def create_celery_app(main: str = "core", settings_module: str | None = None) -> Celery:
    """The project's Celery app, configured from Django settings, tasks autodiscovered.

    Usage in core/celery.py: ``app = create_celery_app("core")``.  Celery is
    imported here, not at settings import, so projects without it stay light.
    DJANGO_SETTINGS_MODULE defaults to ``<main>.settings`` (startproject's layout)
    so ``celery -A core worker`` works without exporting it.
    """
    from celery import Celery
    from celery.signals import setup_logging  # type: ignore[import-untyped]

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module or f"{main}.settings")
    app = Celery(main)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # Workers and beat log through the project's LOGGING (the redacting formatter), like
    # the web process: Celery would otherwise put its own, unredacted handlers on the root logger.
    app.conf.worker_hijack_root_logger = False
    setup_logging.connect(configure_logging_from_settings, weak=False, dispatch_uid="modestwear_config")
    app.autodiscover_tasks()
    return app


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


__getattr__ = lazy_settings(celery_settings)
