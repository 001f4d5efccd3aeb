"""Ours under ASGI (SERVER_INTERFACE=asgi): `application` as core/asgi.py (the liveness wrapper),
`django_application` without it (LivenessMiddleware only), `bare` the ceiling: an ASGI callable
answering /bare/healthz before Django, in the same worker."""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

from modestwear_config.health.asgi import liveness
from modestwear_config.health.liveness import LIVENESS_BODY, LIVENESS_HEADERS

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ours.settings")
django_application = get_asgi_application()
application = liveness(django_application)

# The same bytes on the wire as the wrapper's answer: the ratio is the dispatch cost alone.
BARE_BODY = LIVENESS_BODY
BARE_HEADERS = [(name.lower().encode(), value.encode()) for name, value in LIVENESS_HEADERS]


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"] == "/bare/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": BARE_HEADERS})
        await send({"type": "http.response.body", "body": BARE_BODY})
        return
    await django_application(scope, receive, send)
