"""The project's Celery app, as the example project writes it: the benchmarks run one worker of it."""

from __future__ import annotations

from modestwear_config.celery import create_celery_app

app = create_celery_app("ours")
