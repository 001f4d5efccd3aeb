"""Load the Celery app when Django starts, so @shared_task binds to it (Celery's Django recipe).

Guarded: without Celery installed the project still runs; with it, tasks run inline
until a broker is configured (modestwear_config.celery).
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("celery") is not None:
    from .celery import app as celery_app

    __all__ = ("celery_app",)
