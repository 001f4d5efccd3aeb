"""Ours as the example project's core/wsgi.py is written: /healthz answered before Django's handler.

`bare` is the ceiling in the same worker: a WSGI callable answering /bare/healthz before Django,
so the wrapper's share of it measures the wrapper alone (same settings, same loaded modules).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

from modestwear_config.health.liveness import LIVENESS_BODY, LIVENESS_HEADERS
from modestwear_config.health.wsgi import liveness

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ours.settings")
django_application = get_wsgi_application()
application = liveness(django_application)

# The same bytes on the wire as the wrapper's answer: the ratio is the dispatch cost alone.
BARE_BODY = LIVENESS_BODY
BARE_HEADERS = list(LIVENESS_HEADERS)


def bare(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/bare/healthz":
        start_response("200 OK", list(BARE_HEADERS))
        return [BARE_BODY]
    return application(environ, start_response)
