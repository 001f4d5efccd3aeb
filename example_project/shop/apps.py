from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self) -> None:
        # django.tasks are declared at import: every process that loads the project (the web, db_worker,
        # a Celery worker through the celery backend) then knows them.
        from . import jobs  # noqa: F401
