from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("modestwear_config.health.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("catalog.urls")),
]
