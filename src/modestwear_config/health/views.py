"""/healthz (liveness) and /health (readiness).

Both are normally answered by LivenessMiddleware; the views serve projects that
leave it out or mount the URLs elsewhere.  /health tells anonymous callers the
overall status and each check's status; the error types and timings need
``Authorization: Bearer <MODESTWEAR_HEALTH_TOKEN>`` (never a session: see _may_see_details).  No
exception text, host, port, user or URL is ever part of a response.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from modestwear_config.about import version

from .conf import conf
from .liveness import JSON_HEADERS
from .responses import liveness_response
from .runner import RUNNER, Report, arun_checks, run_checks

logger = logging.getLogger("modestwear_config.health")


def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return liveness_response(request.method)


def health(request: HttpRequest) -> HttpResponse:
    """Under WSGI: the checks wait in this request's thread, as long as views.RUNNER.waiting allows
    (a single-threaded server, ``wsgi.multithread`` false, serves nothing else meanwhile)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        with RUNNER.waiting(single_threaded=not request.META.get("wsgi.multithread", True)) as wait:
            report = run_checks(wait=wait)
    except Exception as exc:  # noqa: BLE001 - bad MODESTWEAR_HEALTH_* settings: fail closed, type only
        return _could_not_run(exc, request.method)
    return _answer(request, report)


async def health_async(request: HttpRequest) -> HttpResponse:
    """Under ASGI (LivenessMiddleware's async path): the checks are awaited on the event loop, so
    waiting probes hold no thread, however many arrive."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        report = await arun_checks()
    except Exception as exc:  # noqa: BLE001 - as in health()
        return _could_not_run(exc, request.method)
    return _answer(request, report)


def _could_not_run(exc: Exception, method: str | None) -> HttpResponse:
    logger.error("Health checks could not run: %s", type(exc).__name__)
    return _json({"status": "fail", "version": version(), "checks": {}}, 503, method)


def _answer(request: HttpRequest, report: Report) -> HttpResponse:
    body = report.as_dict(detailed=_may_see_details(request, report), version=version())
    return _json(body, 503 if report.status == "fail" else 200, request.method)


def _json(body: dict[str, Any], status: int, method: str | None) -> HttpResponse:
    content = json.dumps(body).encode()
    response = HttpResponse(
        b"" if method == "HEAD" else content, status=status, content_type="application/json", headers=JSON_HEADERS
    )
    response["Content-Length"] = str(len(content))
    return response


def _may_see_details(request: HttpRequest, report: Report) -> bool:
    """Only the bearer token: a session cookie is anyone's to send, and reading the session and
    the user costs database queries in the request thread, outside the checks' deadline (with
    PostgreSQL silent, one such probe pinned a worker thread past 20 s)."""
    return _has_token(request)


def _has_token(request: HttpRequest) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time; never read from the query string."""
    token = conf.token
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
