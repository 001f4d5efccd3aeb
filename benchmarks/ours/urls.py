from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from plain.views import api_item

urlpatterns = [
    path("", include("modestwear_config.health.urls")),
    path("admin/", admin.site.urls),
    path("api/item", api_item),  # the remote-database suite's view, the same in both projects
]
