"""The project's Celery app (`celery -A core worker`), configured from the Django settings."""

from __future__ import annotations

from modestwear_config.celery import create_celery_app

app = create_celery_app("core")
