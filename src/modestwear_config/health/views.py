"""/healthz (liveness) and /health (readiness).

Both are normally answered by LivenessMiddleware; the views serve projects that
leave it out or mount the URLs elsewhere.  /health tells anonymous callers the
overall status and each check's status; the error types and timings need
``Authorization: Bearer <MODESTWEAR_HEALTH_TOKEN>`` or a staff session.  No
exception text, host, port, user or URL is ever part of a response.
"""

from __future__ import annotations

import hmac
import json
import logging
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from .. import __version__
from .conf import conf
from .liveness import JSON_HEADERS
from .middleware import liveness_response
from .runner import Report, run_checks

logger = logging.getLogger("modestwear_config.health")


def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return liveness_response(request.method)


def health(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        report = run_checks()
    except Exception as exc:  # noqa: BLE001 - bad MODESTWEAR_HEALTH_* settings: fail closed, type only
        logger.error("Health checks could not run: %s", type(exc).__name__)
        return _json({"status": "fail", "version": __version__, "checks": {}}, 503, request.method)
    body = report.as_dict(detailed=_may_see_details(request, report), version=__version__)
    return _json(body, 503 if report.status == "fail" else 200, request.method)


def _json(body: dict[str, Any], status: int, method: str | None) -> HttpResponse:
    content = json.dumps(body).encode()
    response = HttpResponse(b"" if method == "HEAD" else content, status=status,
                            content_type="application/json", headers=JSON_HEADERS)
    response["Content-Length"] = str(len(content))
    return response


def _may_see_details(request: HttpRequest, report: Report) -> bool:
    return _has_token(request) or _is_staff(request, report)


def _has_token(request: HttpRequest) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time; never read from the query string."""
    token = conf.token
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _is_staff(request: HttpRequest, report: Report) -> bool:
    """A staff session, looked up only when a session cookie came and everything is up.

    Reading the session and the user queries the database (or the cache): with
    no cookie that would be wasted, and with a dependency down it could hang
    past the budget, so only the token unlocks details then.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or report.status != "ok":
        return False
    if not (apps.is_installed("django.contrib.sessions") and apps.is_installed("django.contrib.auth")):
        return False
    try:
        user = getattr(request, "user", None) or _session_user(request)
        return bool(user.is_active and user.is_staff)
    except Exception as exc:  # noqa: BLE001 - a broken session store must not break /health
        logger.warning("Health check could not read the session: %s", type(exc).__name__)
        return False


def _session_user(request: HttpRequest) -> Any:
    """What SessionMiddleware and AuthenticationMiddleware would give, for a request they never saw."""
    from django.contrib.auth import get_user

    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(request.COOKIES[settings.SESSION_COOKIE_NAME])
    return get_user(request)
