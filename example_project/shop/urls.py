from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("hello/", views.hello, name="hello"),
    path("stats/", views.stats, name="stats"),
]
