"""WhiteNoise behind an async-capable wrapper: the same files and headers under WSGI and ASGI,
no chain adaptation, and no "must consume synchronous iterators" warning per file under ASGI."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.http import HttpResponse
from django.test import AsyncClient, Client, RequestFactory, override_settings

from modestwear_config.components.whitenoise_middleware import WhiteNoiseMiddleware

CSS = b"body { color: #333; }\n" * 200


@pytest.fixture
def static_file(settings, tmp_path, db):  # closing a response sends request_finished: connections are checked
    settings.STATIC_ROOT = str(tmp_path)
    (tmp_path / "shop.css").write_bytes(CSS)
    return f"{settings.STATIC_URL.rstrip('/')}/shop.css"


def test_staticfiles__sync_serves_the_file_and_passes_the_rest(static_file):
    below = HttpResponse(b"below")
    middleware = WhiteNoiseMiddleware(lambda request: below)
    response = middleware(RequestFactory().get(static_file))
    assert response.status_code == 200 and b"".join(response.streaming_content) == CSS
    assert response["Content-Length"] == str(len(CSS))
    response.close()
    assert middleware(RequestFactory().get("/api/")) is below


def test_staticfiles__async_capable_in_both_modes(static_file):
    assert WhiteNoiseMiddleware.sync_capable and WhiteNoiseMiddleware.async_capable

    async def below(request):
        return HttpResponse(b"below")

    assert iscoroutinefunction(WhiteNoiseMiddleware(below))
    assert not iscoroutinefunction(WhiteNoiseMiddleware(lambda request: HttpResponse()))


async def fetch(method: str, path: str) -> tuple[HttpResponse, bytes]:
    """An AsyncClient answer and its body, read as Django's ASGI handler reads it; files closed."""
    response = await getattr(AsyncClient(), method)(path)
    try:
        if method == "head":  # the test client empties a HEAD body with a plain list (a real server sends none)
            body = b"".join(response.streaming_content)
        else:
            body = b"".join([chunk async for chunk in response])
    finally:
        response.close()
    return response, body


@override_settings(DEBUG=True)
def test_staticfiles__async_client_serves_without_warning_or_adaptation(static_file, caplog):
    caplog.set_level(logging.DEBUG, logger="django.request")
    # filterwarnings=error: Django's "must consume synchronous iterators" warning would fail this.
    response, body = async_to_sync(fetch)("get", static_file)
    head, head_body = async_to_sync(fetch)("head", static_file)
    assert response.status_code == 200 and body == CSS and head_body == b""
    assert response["Content-Length"] == str(len(CSS)) and response["Content-Type"].startswith("text/css")
    assert head.status_code == 200 and head["Content-Length"] == str(len(CSS))
    assert [r.getMessage() for r in caplog.records if "adapted" in r.getMessage()] == []


def test_staticfiles__same_answer_as_under_wsgi(static_file):
    wsgi = Client().get(static_file)
    asgi, asgi_body = async_to_sync(fetch)("get", static_file)
    assert b"".join(wsgi.streaming_content) == asgi_body == CSS
    keep = ("Content-Type", "Content-Length", "Cache-Control", "Access-Control-Allow-Origin", "ETag")
    assert {k: wsgi.get(k) for k in keep} == {k: asgi.get(k) for k in keep}
    wsgi.close()
