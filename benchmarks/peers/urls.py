from __future__ import annotations

from django.urls import include, path
from health_check.views import HealthCheckView
from plain.urls import urlpatterns as plain_urlpatterns

urlpatterns = [
    *plain_urlpatterns,
    # django-health-check: its Database (SELECT 1) and Cache (set + get) checks.
    path("ht/", HealthCheckView.as_view(checks=["health_check.checks.Database", "health_check.checks.Cache"])),
    # django-alive: /-/alive/ (liveness) and /-/health/ (ALIVE_CHECKS).
    path("-/", include("django_alive.urls")),
]
