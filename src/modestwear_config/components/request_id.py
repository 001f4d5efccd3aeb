"""A request id for every request: the trusted proxy's X-Request-ID, else a new one.

It is answered in the response's X-Request-ID header, held in a context variable for the
request's duration (the JSON log formatter and the Sentry events read it there), and carried
into the Celery tasks the request enqueues as a message header, where the worker sets it again
for the task's duration. Contextvars follow the request into threads (asgiref copies them for
sync views under ASGI) and asyncio tasks, so one mechanism serves WSGI and ASGI.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
TASK_HEADER = "request_id"  # the Celery message header (a task's request.request_id in the worker)
# What an id from outside may look like: a UUID, a hex or base64url token, a platform's "abc-123".
# Anything else (a newline, a megabyte, a script) is replaced, never echoed or logged.
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}")

_current: ContextVar[str | None] = ContextVar("modestwear_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or task) this code runs for; None outside of one."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(value: str | None, trusted: bool) -> str:
    """The id to use for a request whose X-Request-ID is `value`: kept only from a trusted proxy
    and only when it looks like an id; otherwise a new one."""
    if trusted and value and VALID.fullmatch(value):
        return value
    return new_request_id()


class RequestIdMiddleware:
    """Sets the request id for the request's duration and answers it in X-Request-ID.

    The incoming header is trusted when MODESTWEAR_REQUEST_ID_TRUSTED is on (derived from
    BEHIND_TLS_PROXY: the platform's proxy sets or overwrites it; a client reaching Django
    directly could otherwise choose ids that collide with another request's).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        # Read once at start-up: a dict lookup per request, nothing more.
        self.trusted = bool(getattr(settings, "MODESTWEAR_REQUEST_ID_TRUSTED", False))
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def _begin(self, request: HttpRequest) -> tuple[str, Token[str | None]]:
        request_id = incoming_request_id(request.META.get(META_KEY), self.trusted)
        request.request_id = request_id  # type: ignore[attr-defined]  # for views and templates
        return request_id, _current.set(request_id)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        request_id, token = self._begin(request)
        try:
            response: HttpResponseBase = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        request_id, token = self._begin(request)
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        try:
            response = await get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


# -- Celery: the receivers modestwear_config.celery.create_celery_app connects --------------------------
def add_to_task_headers(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """before_task_publish: a task enqueued while a request (or task) runs carries its id."""
    request_id = _current.get()
    if request_id is not None and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, Token[str | None]] = {}


def enter_task(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """task_prerun: the task runs under the id of the request that enqueued it (or a new one)."""
    sent = getattr(getattr(task, "request", None), TASK_HEADER, None)
    request_id = sent if isinstance(sent, str) and VALID.fullmatch(sent) else new_request_id()
    _task_tokens[task_id or ""] = _current.set(request_id)


def leave_task(task_id: str | None = None, **kwargs: Any) -> None:
    """task_postrun: back to no id (a worker runs many tasks in one thread)."""
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a pool that moved the task): just clear it
            _current.set(None)
