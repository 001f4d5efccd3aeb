"""``path("", include("modestwear_config.health.urls"))`` gives /healthz and /health."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("health", views.health, name="health"),
]
