"""liveness() around the WSGI and ASGI applications: /healthz answered before Django's handler."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from modestwear_config.health import asgi as asgi_wrapper
from modestwear_config.health import wsgi as wsgi_wrapper
from modestwear_config.health.liveness import LIVENESS_BODY


# -- WSGI ---------------------------------------------------------------------------------------------
def wsgi_call(app: Any, method: str, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen.update(status=status, headers=headers)

    body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "10.0.0.7:10000"}, start_response))
    return seen["status"], seen["headers"], body


def django_stand_in(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("418 I'm a teapot", [])
    return [b"django"]


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_wsgi_liveness__answers_get_and_head_without_the_application(path):
    app = wsgi_wrapper.liveness(django_stand_in)
    status, headers, body = wsgi_call(app, "GET", path)
    assert (status, body) == ("200 OK", LIVENESS_BODY)
    assert dict(headers) == {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Length": "16",
    }
    head = wsgi_call(app, "HEAD", path)
    assert head[0] == "200 OK" and head[2] == b"" and dict(head[1])["Content-Length"] == "16"


@pytest.mark.parametrize(
    "method, path", [("POST", "/healthz"), ("GET", "/health"), ("GET", "/healthzz"), ("GET", "/api/")]
)
def test_wsgi_liveness__everything_else_goes_to_the_application(method, path):
    assert wsgi_call(wsgi_wrapper.liveness(django_stand_in), method, path)[2] == b"django"


def test_wsgi_liveness__each_answer_gets_its_own_header_list():
    app = wsgi_wrapper.liveness(django_stand_in)
    _, first, _ = wsgi_call(app, "GET", "/healthz")
    first.append(("Server", "gunicorn"))  # what a server may do to the list it was given
    assert ("Server", "gunicorn") not in wsgi_call(app, "GET", "/healthz")[1]
    assert app.__wrapped__ is django_stand_in


# -- ASGI ---------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.reached: list[str] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    async def receive(self) -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.reached.append(scope["type"])


def asgi_call(scope: dict[str, Any]) -> Recorder:
    recorder = Recorder()
    asyncio.run(asgi_wrapper.liveness(recorder.app)(scope, recorder.receive, recorder.send))
    return recorder


def http(method: str, path: str, root_path: str = "") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": root_path,
        "headers": [(b"host", b"10.0.0.7:10000")],
    }


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("path, root", [("/healthz", ""), ("/healthz/", ""), ("/shop/healthz", "/shop")])
def test_asgi_liveness__answers_without_the_application(method, path, root):
    recorder = asgi_call(http(method, path, root))
    start, body = recorder.messages
    assert recorder.reached == []
    assert start["type"] == "http.response.start" and start["status"] == 200
    assert dict(start["headers"]) == {
        b"content-type": b"application/json",
        b"cache-control": b"no-store",
        b"x-content-type-options": b"nosniff",
        b"content-length": b"16",
    }
    assert body == {"type": "http.response.body", "body": b"" if method == "HEAD" else LIVENESS_BODY}


@pytest.mark.parametrize(
    "scope",
    [
        http("POST", "/healthz"),
        http("GET", "/health"),
        http("GET", "/api/"),
        http("GET", "/shop/healthz"),
        {"type": "lifespan"},
        {"type": "websocket", "path": "/healthz"},
    ],
)
def test_asgi_liveness__everything_else_goes_to_the_application(scope):
    recorder = asgi_call(scope)
    assert recorder.reached == [scope["type"]] and recorder.messages == []


def test_asgi_liveness__path_info_as_django_computes_it():
    assert asgi_wrapper.path_info({"path": "/shop/healthz", "root_path": "/shop"}) == "/healthz"
    assert asgi_wrapper.path_info({"path": "/healthz", "root_path": "/shop"}) == "/healthz"
    assert asgi_wrapper.path_info({"path": "/healthz"}) == "/healthz"


# -- the example project's applications --------------------------------------------------------------
def test_example_project__wsgi_and_asgi_are_wrapped():
    """core/wsgi.py and core/asgi.py apply the wrappers (what deploy.sh serves)."""
    from tests.support.servers import EXAMPLE_PROJECT

    for name, module in (("wsgi", wsgi_wrapper), ("asgi", asgi_wrapper)):
        source = (EXAMPLE_PROJECT / "core" / f"{name}.py").read_text()
        assert f"from modestwear_config.health.{name} import liveness" in source
        assert f"application = liveness(get_{name}_application())" in source
        assert module.__name__ == f"modestwear_config.health.{name}"
