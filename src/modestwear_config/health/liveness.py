"""The /healthz answer, declared once for the middleware, the views and the WSGI/ASGI wrappers.

No Django import: the server-level wrappers use it before Django's handler exists.
"""

from __future__ import annotations

LIVENESS_PATHS = frozenset({"/healthz", "/healthz/"})
READINESS_PATHS = frozenset({"/health", "/health/"})
PROBE_METHODS = frozenset({"GET", "HEAD"})  # other methods go down the stack (the views answer 405)
LIVENESS_BODY = b'{"status": "ok"}'
JSON_HEADERS = {
    "Cache-Control": "no-store",  # a proxy must never answer a probe from its cache
    "X-Content-Type-Options": "nosniff",  # SecurityMiddleware, which adds it elsewhere, runs after us
}
LIVENESS_HEADERS = (
    ("Content-Type", "application/json"),
    *JSON_HEADERS.items(),
    ("Content-Length", str(len(LIVENESS_BODY))),  # HEAD too: the length the GET body would have
)


def is_liveness_probe(method: str, path: str) -> bool:
    return path in LIVENESS_PATHS and method in PROBE_METHODS
