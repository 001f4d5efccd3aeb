"""LivenessMiddleware: /healthz answered first, from a prebuilt response, for any Host, over plain HTTP."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from modestwear_config.health import checks
from modestwear_config.health.middleware import (
    LIVENESS_BODY,
    ROUTES,
    LivenessMiddleware,
    liveness_response,
)
from modestwear_config.health.runner import RUNNER

PRODUCTION = {"ALLOWED_HOSTS": ["shop.example.com"], "SECURE_SSL_REDIRECT": True, "DEBUG": False}


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)  # WhiteNoise warns (an error here) when it does not exist
    yield
    checks.reset()  # /health keeps a connection to the test database open: close it
    RUNNER.reset()


def downstream(request):
    raise AssertionError("the stack below was called")


def test_liveness_response__body_and_headers():
    response = liveness_response()
    assert response.status_code == 200
    assert response.content == LIVENESS_BODY == b'{"status": "ok"}'
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Length"] == str(len(LIVENESS_BODY))
    assert response["X-Content-Type-Options"] == "nosniff"


def test_liveness_response__head_has_no_body_same_length():
    response = liveness_response("HEAD")
    assert response.content == b""
    assert response["Content-Length"] == str(len(LIVENESS_BODY))


def test_liveness_response__clones_are_independent():
    first, second = liveness_response(), liveness_response()
    first["X-Request-Id"] = "abc"
    first.set_cookie("c", "v")
    first._resource_closers.append(lambda: None)
    first.content = b"changed"
    assert "X-Request-Id" not in second and not second.cookies and not second._resource_closers
    assert second.content == LIVENESS_BODY
    assert "X-Request-Id" not in liveness_response()


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_liveness_middleware__answers_without_calling_the_stack(path, method):
    request = getattr(RequestFactory(), method)(path, HTTP_HOST="10.0.0.7:10000")
    response = LivenessMiddleware(downstream)(request)
    assert response.status_code == 200


@pytest.mark.parametrize("method, path", [("post", "/healthz"), ("get", "/healthzz"), ("get", "/api/"),
                                          ("delete", "/health")])
def test_liveness_middleware__other_requests_go_down_the_stack(method, path):
    sentinel = object()
    request = getattr(RequestFactory(), method)(path)
    assert LivenessMiddleware(lambda r: sentinel)(request) is sentinel  # type: ignore[arg-type,return-value]


def test_liveness_middleware__routes_cover_both_endpoints():
    assert set(ROUTES) == {"/healthz", "/healthz/", "/health", "/health/"}


def test_liveness_middleware__first_in_the_package_middleware(settings):
    assert settings.MIDDLEWARE[0] == "modestwear_config.health.middleware.LivenessMiddleware"


@override_settings(**PRODUCTION)
def test_liveness_middleware__unknown_host_plain_http_production(db, django_assert_num_queries):
    client = Client()
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7:10000")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    # The same Host and scheme elsewhere are refused or redirected: the settings are in force.
    assert client.get("/api/hello/", HTTP_HOST="10.0.0.7:10000").status_code == 400
    assert client.get("/admin/", HTTP_HOST="shop.example.com").status_code == 301


@override_settings(**PRODUCTION)
def test_liveness_middleware__health_also_answered_before_host_validation(settings):
    settings.MODESTWEAR_HEALTH_CACHE_SECONDS = 0
    response = Client().get("/health", HTTP_HOST="10.0.0.7:10000")
    assert response.status_code in (200, 503)
    assert set(response.json()) == {"status", "version", "checks"}
    assert response["Cache-Control"] == "no-store"


def test_healthz_view__without_the_middleware(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "LivenessMiddleware" not in m]
    client = Client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == LIVENESS_BODY
    assert client.post("/healthz").status_code == 405
