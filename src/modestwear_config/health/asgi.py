"""/healthz answered by the ASGI application, before Django's handler.

    from django.core.asgi import get_asgi_application
    from modestwear_config.health.asgi import liveness

    application = liveness(get_asgi_application())

GET/HEAD /healthz is answered on the event loop without entering Django: no
request object, no middleware, no host validation, no SSL redirect, no thread, no
database, no cache, and never behind a /health that is waiting on a silent
dependency.  Other requests and scopes (lifespan, websocket) go to Django
unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .liveness import LIVENESS_BODY, LIVENESS_HEADERS, is_liveness_probe

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApplication = Callable[[Scope, Receive, Send], Awaitable[None]]

_RAW_HEADERS = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in LIVENESS_HEADERS]


def path_info(scope: Scope) -> str:
    """The path below the mount point, as Django's ASGIRequest computes it."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def liveness(application: ASGIApplication) -> ASGIApplication:
    """`application`, with GET/HEAD /healthz answered before it is called."""

    async def asgi_liveness(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_liveness_probe(scope.get("method", ""), path_info(scope)):
            return await application(scope, receive, send)
        await send({"type": "http.response.start", "status": 200, "headers": list(_RAW_HEADERS)})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else LIVENESS_BODY})
        return None

    asgi_liveness.__wrapped__ = application  # type: ignore[attr-defined]  # introspection, as functools.wraps does
    return asgi_liveness
