"""A view that fails with connection details in its frame, for the DEBUG error page tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

CANARY = "Rep" + "Canary7x"  # never whole in the source lines the page shows


def failing_view(request: HttpRequest) -> HttpResponse:
    conn_params = {"host": "db.example.com", "user": "app", "password": f"{CANARY}-frame-db"}  # noqa: F841
    broker_url = f"redis://:{CANARY}-frame-url@cache.example.com:6379/0"  # noqa: F841
    conninfo = f"host=db.example.com user=app password={CANARY}-conninfo dbname=shop"  # noqa: F841
    servers = [f"redis://:{CANARY}-one@a:6379/0", f"redis://h:6379/0?password={CANARY}-query"]  # noqa: F841
    raise RuntimeError("the view failed")


urlpatterns = [path("fail/", failing_view)]
