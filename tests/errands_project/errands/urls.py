from __future__ import annotations

from django.urls import include, path

from errands import views

urlpatterns = [
    path("", include("modestwear_config.health.urls")),
    path("enqueue/<str:name>", views.enqueue),
    path("aenqueue/<str:name>", views.aenqueue),
    path("ping", views.ping),
    path("result/<str:task_id>", views.result),
]
