"""LivenessMiddleware: /healthz answered first, for any Host, over plain HTTP; sync and async capable."""

from __future__ import annotations

import logging
import threading

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.conf import settings
from django.http import HttpResponse
from django.test import AsyncClient, Client, RequestFactory, override_settings

from modestwear_config.health import builtin as checks
from modestwear_config.health.liveness import LIVENESS_PATHS, READINESS_PATHS
from modestwear_config.health.middleware import (
    LIVENESS_BODY,
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


@pytest.fixture
def custom_check():
    from modestwear_config.health import register_check, unregister

    names: list[str] = []

    def add(name: str, probe) -> None:
        register_check(name, probe)
        names.append(name)

    yield add
    for name in names:
        unregister(name)


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


def test_liveness_response__responses_are_independent():
    first, second = liveness_response(), liveness_response()
    first["X-Request-Id"] = "abc"
    first.set_cookie("c", "v")
    first.content = b"changed"
    assert "X-Request-Id" not in second and not second.cookies
    assert second.content == LIVENESS_BODY
    assert "X-Request-Id" not in liveness_response()


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_liveness_middleware__answers_without_calling_the_stack(path, method):
    request = getattr(RequestFactory(), method)(path, HTTP_HOST="10.0.0.7:10000")
    response = LivenessMiddleware(downstream)(request)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "method, path", [("post", "/healthz"), ("get", "/healthzz"), ("get", "/api/"), ("delete", "/health")]
)
def test_liveness_middleware__other_requests_go_down_the_stack(method, path):
    sentinel = object()
    request = getattr(RequestFactory(), method)(path)
    assert LivenessMiddleware(lambda r: sentinel)(request) is sentinel  # type: ignore[arg-type,return-value]


def test_liveness_middleware__routes_cover_both_endpoints():
    assert {"/healthz", "/healthz/", "/health", "/health/"} == LIVENESS_PATHS | READINESS_PATHS


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


# -- public API only, sync and async capable ----------------------------------------------------
def test_liveness_middleware__no_private_django_api():
    """Issue 12: the old response cloning used HttpResponse.__new__, ResponseHeaders._store, _container."""
    import inspect

    from modestwear_config.health import liveness, middleware

    for module in (middleware, liveness):
        source = inspect.getsource(module)
        for private in ("__new__", "_store", "_container", "__dict__", "_resource_closers", "ResponseHeaders"):
            assert private not in source, (module.__name__, private)


def test_liveness_middleware__sync_and_async_capable():
    assert LivenessMiddleware.sync_capable is True and LivenessMiddleware.async_capable is True

    async def async_next(request):
        raise AssertionError("the stack below was called")

    assert iscoroutinefunction(LivenessMiddleware(async_next))
    assert not iscoroutinefunction(LivenessMiddleware(downstream))


@pytest.mark.parametrize("method", ["get", "head"])
def test_liveness_middleware__async_answers_without_calling_the_stack(method):
    async def async_next(request):
        raise AssertionError("the stack below was called")

    request = getattr(RequestFactory(), method)("/healthz", HTTP_HOST="10.0.0.7:10000")
    response = async_to_sync(LivenessMiddleware(async_next))(request)
    assert response.status_code == 200 and response["Content-Length"] == str(len(LIVENESS_BODY))
    assert response.content == (b"" if method == "head" else LIVENESS_BODY)


def test_liveness_middleware__async_passes_other_requests_down():
    sentinel = HttpResponse(b"below")

    async def async_next(request):
        return sentinel

    middleware = LivenessMiddleware(async_next)
    for request in (RequestFactory().get("/api/"), RequestFactory().post("/healthz")):
        assert async_to_sync(middleware)(request) is sentinel


@override_settings(**{**PRODUCTION, "DEBUG": True})
def test_liveness_middleware__async_client_chain_never_adapted(caplog):
    """Django logs each adaptation at DEBUG (when DEBUG is on) while it builds the chain: under
    ASGI, one sync-only middleware (ours was, WhiteNoise's is) makes it adapt on every request."""
    caplog.set_level(logging.DEBUG, logger="django.request")
    client = AsyncClient()
    # AsyncClient always sends Host: testserver, which PRODUCTION's ALLOWED_HOSTS refuses.
    live = async_to_sync(client.get)("/healthz")
    head = async_to_sync(client.head)("/healthz/")
    refused = async_to_sync(client.get)("/api/hello/")
    adapted = [r.getMessage() for r in caplog.records if "adapted" in r.getMessage()]
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert head.status_code == 200 and head.content == b""
    assert refused.status_code == 400  # the chain (host validation) is really in force
    assert adapted == []
    assert "modestwear_config.health.middleware.LivenessMiddleware" in settings.MIDDLEWARE


@override_settings(**PRODUCTION)
def test_liveness_middleware__async_health_waits_on_the_loop_holding_no_thread(settings, custom_check):
    """/health under ASGI: the checks' flights run in threads of their own; the requests await them on
    the event loop. Before, each waiting probe held an executor thread for the whole budget."""
    import asyncio

    settings.MODESTWEAR_HEALTH_CACHE_SECONDS = 0
    settings.MODESTWEAR_HEALTH_BUDGET = 0.3
    release = threading.Event()
    custom_check("stuck", lambda timeout: release.wait(10))
    counts: list[int] = []

    async def storm():
        client = AsyncClient()
        before = threading.active_count()
        requests = [asyncio.ensure_future(client.get("/health")) for _ in range(12)]
        await asyncio.sleep(0.1)  # every probe is in, waiting on the stuck check
        counts.append(threading.active_count() - before)
        return await asyncio.gather(*requests)

    try:
        responses = async_to_sync(storm)()
    finally:
        release.set()
    assert all(r.json()["checks"]["stuck"]["timed_out"] for r in responses)
    # The one flight of the stuck check (and at most one per other check); never a thread per request.
    assert counts[0] <= 3, counts
