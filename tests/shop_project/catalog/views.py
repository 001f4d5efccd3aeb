"""A small JSON API: the catalogue, and the links the frontend's emails use."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from .models import Product


def products(request: HttpRequest) -> JsonResponse:
    items = [{"slug": p.slug, "name": p.name, "price": str(p.price)} for p in Product.objects.order_by("slug")]
    return JsonResponse({"products": items, "max_items": settings.ORDER_MAX_ITEMS})


def product(request: HttpRequest, slug: str) -> JsonResponse:
    item = get_object_or_404(Product, slug=slug)
    # FRONTEND_URL is "" when unset, never None: the link is relative, not "None/products/...".
    return JsonResponse({"name": item.name, "link": f"{settings.FRONTEND_URL}/products/{item.slug}"})
