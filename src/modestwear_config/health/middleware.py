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

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.db import connections
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


def _readiness_off_thread(request: HttpRequest) -> HttpResponse:
    """/health in an executor thread: the connections it opened there (a staff session lookup)
    are closed before the thread goes back to the pool, where nothing else would close them."""
    try:
        return _readiness(request)
    finally:
        connections.close_all()


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
            # The checks wait up to the budget: in a thread of their own, never the event loop,
            # and never behind Django's one thread for sync code (thread_sensitive=False).
            return await sync_to_async(_readiness_off_thread, thread_sensitive=False)(request)
        return await get_response(request)
