"""The /healthz response as Django serves it (the middleware's and the view's)."""

from __future__ import annotations

from django.http import HttpResponse

from .liveness import LIVENESS_BODY, LIVENESS_HEADERS

_HEADERS = {name: value for name, value in LIVENESS_HEADERS if name != "Content-Type"}  # that one: content_type=


def liveness_response(method: str = "GET") -> HttpResponse:
    """{"status": "ok"}; HEAD gets the same headers and no body."""
    body = b"" if method == "HEAD" else LIVENESS_BODY
    return HttpResponse(body, content_type="application/json", headers=_HEADERS)
