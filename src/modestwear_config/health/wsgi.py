"""/healthz answered by the WSGI server's callable, before Django's handler.

    from django.core.wsgi import get_wsgi_application
    from modestwear_config.health.wsgi import liveness

    application = liveness(get_wsgi_application())

GET/HEAD /healthz never enters Django: no request object, no middleware, no host
validation, no SSL redirect, no signal (so no database connection is touched), no
cache.  Everything else, /health included, goes to Django unchanged, where
LivenessMiddleware still answers it first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .liveness import LIVENESS_BODY, LIVENESS_HEADERS, is_liveness_probe

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
else:
    StartResponse = Callable[..., Any]
    WSGIApplication = Callable[..., Iterable[bytes]]
    WSGIEnvironment = dict[str, Any]

_HEADERS = list(LIVENESS_HEADERS)


def liveness(application: WSGIApplication) -> WSGIApplication:
    """`application`, with GET/HEAD /healthz answered before it is called."""

    def wsgi_liveness(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if not is_liveness_probe(method, environ.get("PATH_INFO", "")):
            return application(environ, start_response)
        start_response("200 OK", list(_HEADERS))  # a copy: a server may append its own headers
        return [b""] if method == "HEAD" else [LIVENESS_BODY]

    wsgi_liveness.__wrapped__ = application  # type: ignore[attr-defined]  # introspection, as functools.wraps does
    return wsgi_liveness
