"""Serves MEDIA_URL from MEDIA_ROOT when MEDIA_SERVE is on: one instance with a persistent disk, no CDN.

WhiteNoise serves only the files collectstatic gathered before start-up, never uploads; this
serves them with Django's ``django.views.static.serve`` (path traversal refused, Last-Modified and
304s), which Django documents as not built for heavy production use.  Its limits, stated in
docs/media.md: every download holds a worker thread for its whole transfer; no Range requests
(seeking in a video re-downloads it); the files exist only on the instance that has the disk.

Uploaded files are served from the site's own origin, so an uploaded HTML or SVG file opened
directly would run its scripts there: every response here carries a sandboxing
Content-Security-Policy (GitHub's for raw files) and nosniff.  Only GET and HEAD are served.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.views.static import serve

SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


class MediaFilesMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.prefix = str(settings.MEDIA_URL)
        if not self.prefix.startswith("/"):  # media on another host (a CDN): nothing of it is served here
            raise MiddlewareNotUsed
        self.root = str(settings.MEDIA_ROOT)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        if not self.is_media(request):
            return self.get_response(request)
        return self.serve(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if not self.is_media(request):
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            return await get_response(request)
        # A stat and an open: in a thread, as the body is read below, never on the event loop.
        response = await sync_to_async(self.serve, thread_sensitive=False)(request)
        if isinstance(response, StreamingHttpResponse) and isinstance(response.streaming_content, Iterable):
            response.streaming_content = _chunks(iter(response.streaming_content))
        return response

    def is_media(self, request: HttpRequest) -> bool:
        return request.method in ("GET", "HEAD") and request.path.startswith(self.prefix)

    def serve(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = serve(request, request.path[len(self.prefix) :], document_root=self.root)
        response.headers["Content-Security-Policy"] = SANDBOX
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


async def _chunks(content: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The file's chunks, each read in a thread: memory stays one chunk whatever the file's size."""
    read = sync_to_async(_next_chunk, thread_sensitive=False)
    while (chunk := await read(content)) is not None:
        yield chunk


def _next_chunk(content: Iterator[bytes]) -> bytes | None:
    return next(content, None)
