"""Answer /healthz before anything else in the stack, with a response built once."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

LIVENESS_PATHS = frozenset({"/healthz", "/healthz/"})
LIVENESS_BODY = b'{"status": "ok"}'


def liveness_response() -> HttpResponse:
    response = HttpResponse(LIVENESS_BODY, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class LivenessMiddleware:
    """First in MIDDLEWARE: a platform probe (plain HTTP, internal Host header)
    gets 200 without host validation, the SSL redirect, a session or a query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in LIVENESS_PATHS and request.method in ("GET", "HEAD"):
            return liveness_response()
        return self.get_response(request)
