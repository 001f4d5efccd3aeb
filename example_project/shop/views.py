from __future__ import annotations

from django.core.cache import cache
from django.http import JsonResponse


def hello(request):
    """A page that uses the cache: it must keep answering when Redis is down."""
    visits = cache.get("shop:visits") or 0
    cache.set("shop:visits", visits + 1, timeout=60)
    return JsonResponse({"hello": "modestwear", "user": request.user.get_username() or None, "visits": visits + 1})


def stats(request):
    """A page that reads the database on every request (used by the fault and load tests)."""
    from django.contrib.auth import get_user_model

    return JsonResponse({"users": get_user_model().objects.count()})
