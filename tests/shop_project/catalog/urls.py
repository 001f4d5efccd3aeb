from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("products/", views.products),
    path("products/<slug:slug>/", views.product),
]
