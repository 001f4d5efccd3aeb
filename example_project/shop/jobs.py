"""Tasks of the example shop for Django's Tasks framework (django.tasks; the backport on Django 5.2).

`TASKS_BACKEND` decides where they run: inline (immediate, the default), in `manage.py db_worker`
(database), or in a Celery worker (celery).
"""

from __future__ import annotations

import os

try:
    from django.tasks import task  # Django >= 6.0
except ImportError:  # Django 5.2: the django-tasks backport
    from django_tasks import task  # type: ignore[no-redef]


@task
def add_numbers(x: int, y: int) -> dict[str, int]:
    """The sum, and the process that computed it (the worker's, or the caller's when inline)."""
    return {"sum": x + y, "pid": os.getpid()}
