"""Health views. /healthz is normally answered by LivenessMiddleware; the view covers
projects that leave the middleware out."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .middleware import liveness_response


def healthz(request: HttpRequest) -> HttpResponse:
    return liveness_response()


def health(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError("readiness checks arrive with the health issue")
