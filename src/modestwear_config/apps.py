from __future__ import annotations

from django.apps import AppConfig
from django.core.checks import Tags, register


class ModestwearConfig(AppConfig):
    name = "modestwear_config"
    verbose_name = "modestwear_config"

    def ready(self) -> None:
        from .components import connections, otel, sentry
        from .concerns import CONCERNS, tasks

        for concern in CONCERNS:
            for check in concern.checks:
                if check.deploy:
                    register(check.function, Tags.security, deploy=True)
                else:
                    register(check.function, Tags.security, Tags.compatibility)
        connections.install()
        sentry.install()  # with SENTRY_DSN: once in this process (web worker, Celery, a command)
        otel.install()  # with OTEL_EXPORTER_OTLP_ENDPOINT; before the middleware is loaded
        if tasks.runs_in_web_process():
            from .components import web_tasks  # django-tasks-db's models: only when configured

            web_tasks.install()
