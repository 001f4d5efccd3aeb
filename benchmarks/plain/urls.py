from __future__ import annotations

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz),
    path("api/item", views.api_item),
    path("admin/", admin.site.urls),
]
