from __future__ import annotations

from django.apps import AppConfig


class ModestwearConfig(AppConfig):
    name = "modestwear_config"
    verbose_name = "modestwear_config"

    def ready(self) -> None:
        from . import checks, connections

        checks.register_all()
        connections.install()
