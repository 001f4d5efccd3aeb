from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """The seed's liveness view, reached through the whole middleware stack."""
    return JsonResponse({"status": "ok"})


def api_item(request: HttpRequest) -> JsonResponse:
    """An ordinary API view (the remote-database suite): one indexed query and one cache read."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    user = get_user_model().objects.filter(username="bench").values("id", "username").first()
    return JsonResponse({"item": user, "banner": cache.get("bench:banner")})
