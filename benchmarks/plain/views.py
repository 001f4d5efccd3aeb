from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """The seed's liveness view, reached through the whole middleware stack."""
    return JsonResponse({"status": "ok"})
