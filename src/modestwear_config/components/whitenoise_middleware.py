"""WhiteNoise's middleware, made sync *and* async capable.

WhiteNoise 6 is sync-only middleware: under ASGI, Django adapts the chain around
it on every request (async_to_sync below it, sync_to_async above), so every
request, /health and async views included, runs through Django's one thread for
sync code.  This wrapper gives WhiteNoise a sync ``get_response`` of its own and
calls the real next handler itself, in the mode the handler has: a static file is
served by WhiteNoise as before, anything else goes on without adaptation.

Under ASGI a static file's body is read in a worker thread and handed to Django
as an async iterator: Django would otherwise read WhiteNoise's file iterator the
same way, after warning on every file that it had to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
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
            return await _async_body(response)
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        return await get_response(request)


async def _async_body(response: HttpResponseBase) -> HttpResponseBase:
    if not isinstance(response, StreamingHttpResponse):
        return response
    content = response.streaming_content
    if not isinstance(content, Iterable):  # already asynchronous
        return response
    chunks = await sync_to_async(_read, thread_sensitive=False)(content)
    response.streaming_content = _aiter(chunks)  # the file stays in the response's closers
    return response


def _read(content: Iterable[bytes]) -> list[bytes]:
    return list(content)


async def _aiter(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
