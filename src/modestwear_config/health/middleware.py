"""Answer /healthz (and /health) before anything else in the stack.

First in MIDDLEWARE, so a platform probe (plain HTTP, an internal Host header)
gets its answer without host validation, the SSL redirect, a session or a
query.  Every other request pays a set lookup or two.  Sync and async capable, like
django-cors-headers' middleware: under ASGI it never makes Django adapt the
chain.  The fastest path is one level up, before Django's handler: see
``modestwear_config.health.wsgi`` and ``.asgi``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .liveness import (
    JSON_HEADERS,
    LIVENESS_BODY,
    LIVENESS_PATHS,
    PROBE_METHODS,
    READINESS_PATHS,
)
from .responses import liveness_response

__all__ = ["JSON_HEADERS", "LIVENESS_BODY", "LivenessMiddleware", "liveness_response"]


def _readiness(request: HttpRequest) -> HttpResponse:
    from .views import health  # imported on the first /health only: /healthz stays light

    return health(request)


async def _readiness_async(request: HttpRequest) -> HttpResponse:
    from .views import health_async

    return await health_async(request)


class LivenessMiddleware:
    """GET/HEAD /healthz and /health, before host validation and the SSL redirect; other methods
    and paths go down the stack untouched."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)  # Django then calls us as a coroutine function

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        if request.method not in PROBE_METHODS:
            return self.get_response(request)
        if request.path_info in LIVENESS_PATHS:
            return liveness_response(request.method)
        if request.path_info in READINESS_PATHS:
            return _readiness(request)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        if request.method not in PROBE_METHODS:
            return await get_response(request)
        if request.path_info in LIVENESS_PATHS:
            return liveness_response(request.method or "GET")
        if request.path_info in READINESS_PATHS:
            # The checks' flights run in threads of their own; the request awaits them on the loop,
            # holding no thread (never Django's one thread for sync code, nor an executor's).
            return await _readiness_async(request)
        return await get_response(request)
