"""The plain project's WSGI application, plus a bare WSGI callable at /bare/healthz (the ceiling).

The bare callable answers before Django is entered at all: the fastest any /healthz
can be in this gunicorn, so the liveness figures are read against it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plain.settings")
django_application = get_wsgi_application()

BARE_PATH = "/bare/healthz"
BARE_BODY = b'{"status": "ok"}'
BARE_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BARE_BODY)))]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == BARE_PATH:
        start_response("200 OK", BARE_HEADERS)
        return [BARE_BODY]
    return django_application(environ, start_response)
