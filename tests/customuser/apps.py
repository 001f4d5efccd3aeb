from __future__ import annotations

from django.apps import AppConfig


class CustomUserConfig(AppConfig):
    name = "tests.customuser"
    label = "customuser"
    default_auto_field = "django.db.models.BigAutoField"
