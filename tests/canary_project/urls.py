from __future__ import annotations

import os

from django.urls import include, path


def leaky_failure(request):
    raise ConnectionError(f"cannot reach {os.environ.get('REDIS_URL')} or {os.environ.get('DATABASE_URL')}")


urlpatterns = [
    path("boom/", leaky_failure),
    path("", include("core.urls")),
]
