"""The shop's own tests: run by `pytest` (pytest-django) and by `manage.py test`, no collectstatic."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import TestCase

from .models import Product

PASSWORD = "Shop-Test-Pw-4kQ9z"


class CatalogApiTests(TestCase):
    def setUp(self) -> None:
        Product.objects.create(slug="abaya", name="Abaya", price=Decimal("59.90"))

    def test_products__listed_with_the_typed_project_setting(self) -> None:
        data = self.client.get("/api/products/").json()
        self.assertEqual(data["products"], [{"slug": "abaya", "name": "Abaya", "price": "59.90"}])
        self.assertEqual(data["max_items"], settings.ORDER_MAX_ITEMS)
        self.assertIsInstance(settings.ORDER_MAX_ITEMS, int)

    def test_product__link_never_starts_with_none(self) -> None:
        link = self.client.get("/api/products/abaya/").json()["link"]
        self.assertEqual(link, f"{settings.FRONTEND_URL}/products/abaya")
        self.assertFalse(link.startswith("None"))


class AdminTests(TestCase):
    """Admin pages use {% static %}: with DEBUG forced off by the test runner, this is the case
    that needed collectstatic before."""

    def test_admin__login_page_renders_without_collectstatic(self) -> None:
        response = self.client.get("/admin/login/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "admin/css/base.css")

    def test_admin__superuser_logs_in_by_email(self) -> None:
        get_user_model().objects.create_superuser(email="boss@shop.example", username="boss", password=PASSWORD)
        self.assertTrue(self.client.login(username="boss@shop.example", password=PASSWORD))
        response = self.client.get("/admin/catalog/product/")
        self.assertEqual(response.status_code, 200)
