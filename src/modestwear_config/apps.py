from __future__ import annotations

from django.apps import AppConfig


class ModestwearConfig(AppConfig):
    name = "modestwear_config"
    verbose_name = "modestwear_config"

    def ready(self) -> None:
        from . import checks

        checks.register_all()
