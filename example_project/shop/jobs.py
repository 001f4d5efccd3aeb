"""Tasks of the example shop for Django's Tasks framework (django.tasks; the backport on Django 5.2).

`TASKS_BACKEND` decides where they run: inline (immediate, the default), in `manage.py db_worker`
(database), or in a Celery worker (celery).  On Django 5.2 without the backport (the `tasks` extra)
there is no framework, and so no task.
"""

from __future__ import annotations

import os
from typing import Any

task: Any
try:
    from django.tasks import task  # Django >= 6.0
except ImportError:
    try:
        from django_tasks import task  # Django 5.2: the django-tasks backport
    except ImportError:
        task = None

if task is not None:

    @task
    def add_numbers(x: int, y: int) -> dict[str, int]:
        """The sum, and the process that computed it (the worker's, or the caller's when inline)."""
        return {"sum": x + y, "pid": os.getpid()}
