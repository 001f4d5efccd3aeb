"""WhiteNoise's middleware, made sync *and* async capable.

WhiteNoise 6 is sync-only middleware: under ASGI, Django adapts the chain around
it on every request (async_to_sync below it, sync_to_async above), so every
request, /health and async views included, runs through Django's one thread for
sync code.  This wrapper gives WhiteNoise a sync ``get_response`` of its own and
calls the real next handler itself, in the mode the handler has: a static file is
served by WhiteNoise as before, anything else goes on without adaptation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoise  # type: ignore[import-untyped]

_NOT_STATIC = HttpResponse(status=404)  # what WhiteNoise returns for a path that is not a static file


def _not_static(request: HttpRequest) -> HttpResponse:
    return _NOT_STATIC


class WhiteNoiseMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.whitenoise = _WhiteNoise(_not_static)  # its documented settings, read as before
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        response: HttpResponseBase = self.whitenoise(request)
        return self.get_response(request) if response is _NOT_STATIC else response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        # A dict lookup (a stat with WHITENOISE_AUTOREFRESH, in development): fine on the loop.
        response: HttpResponseBase = self.whitenoise(request)
        if response is not _NOT_STATIC:
            return response
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        return await get_response(request)
