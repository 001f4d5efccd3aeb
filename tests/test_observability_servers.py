"""Sentry and the request id end to end: a project of its own (not example_project) served by real gunicorn
(sync and uvicorn workers), a real Celery worker (prefork) on a private Redis, and a local Sentry
(tests/support/sentry.py) the DSN points at. Secrets from the environment are planted in the URL, the
headers, the body and the exception texts; none may reach Sentry."""

from __future__ import annotations

import json
import textwrap
import uuid
from pathlib import Path

import pytest
import requests

from tests.support.recoverable import recoverable
from tests.support.sentry import SentryServer
from tests.support.servers import AsgiGunicorn, Gunicorn, RedisServer, project_env
from tests.test_celery import Worker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
pytest.importorskip("sentry_sdk", reason="the sentry extra is not installed")

COMMIT = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d"
FILES = {
    "__init__.py": "from .celery import app as celery_app\n",
    "celery.py": 'from modestwear_config.celery import create_celery_app\napp = create_celery_app("obs_site")\n',
    "settings.py": """
        from modestwear_config import *  # noqa: F403
        ROOT_URLCONF = "obs_site.urls"
        INSTALLED_APPS = [*INSTALLED_APPS, "obs_site"]  # noqa: F405
    """,
    "wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    "asgi.py": "from django.core.asgi import get_asgi_application\napplication = get_asgi_application()\n",
    "tasks.py": """
        import logging
        from celery import shared_task

        @shared_task
        def fail(secret):
            logging.getLogger("obs_site").warning("task starts")
            raise RuntimeError(f"task failed holding {secret}")
    """,
    "urls.py": """
        import os
        from django.conf import settings
        from django.http import HttpResponse
        from django.urls import path
        from django.views.decorators.csrf import csrf_exempt
        from .tasks import fail

        @csrf_exempt
        def boom(request):
            body = request.body.decode()
            raise RuntimeError(f"view failed: {body} {settings.SECRET_KEY} {os.environ['CELERY_BROKER_URL']}")

        def enqueue(request):
            fail.delay(settings.SECRET_KEY)
            return HttpResponse("queued")

        urlpatterns = [path("boom/", boom), path("enqueue/", enqueue)]
    """,
}


def write_project(root: Path) -> Path:
    package = root / "obs_site"
    package.mkdir()
    for name, text in FILES.items():
        (package / name).write_text(textwrap.dedent(text).lstrip())
    return root


@pytest.mark.parametrize("server_class", [Gunicorn, AsgiGunicorn], ids=["sync", "asgi"])
def test_sentry__one_event_per_error_with_release_and_request_id_and_no_secret(server_class, tmp_path):
    root = write_project(tmp_path)
    secret_key = f"Canary-secret-key-{uuid.uuid4().hex}-{uuid.uuid4().hex}"
    broker_password = f"Canary-broker-{uuid.uuid4().hex[:16]}"
    mail_password = f"Canary-mail-{uuid.uuid4().hex[:16]}"
    canaries = (secret_key, broker_password, mail_password)

    class Server(server_class):  # type: ignore[misc, valid-type]
        app = "obs_site.asgi:application" if server_class is AsgiGunicorn else "obs_site.wsgi:application"
        project = root

    class ProjectWorker(Worker):
        app = "obs_site"
        project = root

    with SentryServer() as sentry, RedisServer(extra_args=("--requirepass", broker_password)) as redis:
        env = project_env(
            {
                "PYTHONPATH": str(root),
                "DJANGO_SETTINGS_MODULE": "obs_site.settings",
                "BASE_DIR": str(root),
                "SECRET_KEY": secret_key,
                "EMAIL_HOST_USER": "shop@example.com",
                "EMAIL_HOST_PASSWORD": mail_password,
                "CELERY_BROKER_URL": redis.url.replace("redis://", f"redis://:{broker_password}@"),
                "SENTRY_DSN": sentry.dsn,
                "RENDER_GIT_COMMIT": COMMIT,
                "LOG_FORMAT": "json",
            }
        )
        with ProjectWorker(env, "celery", ("--pool", "prefork", "--concurrency", "1")) as worker, Server(env) as web:
            headers = {"Authorization": f"Bearer {secret_key}", "X-Mail": mail_password, "Cookie": f"s={secret_key}"}
            failed = requests.post(
                f"{web.base_url}/boom/?token={secret_key}",
                data={"password": secret_key, "broker": broker_password},
                headers={**headers, "X-Request-ID": "edge-view-1"},
                timeout=30,
            )
            queued = requests.get(f"{web.base_url}/enqueue/", headers={"X-Request-ID": "edge-task-1"}, timeout=30)
            events = sentry.wait_for_events(2)
            worker_log = worker.output()
        assert failed.status_code == 500 and failed.headers["X-Request-ID"] == "edge-view-1"
        assert queued.status_code == 200 and queued.headers["X-Request-ID"] == "edge-task-1"

    by_request = {event["tags"]["request_id"]: event for event in events}
    assert len(events) == 2 and set(by_request) == {"edge-view-1", "edge-task-1"}, [e.get("tags") for e in events]
    for event in events:
        assert (event["release"], event["environment"]) == (COMMIT, "development")
    assert "view failed" in json.dumps(by_request["edge-view-1"]["exception"])
    # Untraced, no span or transaction was started: the error still has its request and transaction name.
    view_request = by_request["edge-view-1"]["request"]
    assert view_request["method"] == "POST" and view_request["url"].endswith("/boom/"), view_request
    assert {k.lower(): v for k, v in view_request["headers"].items()}["x-request-id"] == "edge-view-1"  # ASGI: lower
    assert "boom" in by_request["edge-view-1"].get("transaction", ""), by_request["edge-view-1"].get("transaction")
    assert "task failed" in json.dumps(by_request["edge-task-1"]["exception"])
    received = sentry.received()
    assert [canary for canary in canaries if recoverable(canary, received)] == []
    # The worker's JSON lines carry the id of the request that enqueued the task.
    lines = [json.loads(line) for line in worker_log.splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "edge-task-1" and line["message"] == "task starts" for line in lines)
    assert not any(recoverable(canary, worker_log) for canary in canaries)


@pytest.mark.parametrize("server_class", [Gunicorn, AsgiGunicorn], ids=["sync", "asgi"])
def test_tracing__the_tasks_span_is_a_child_of_the_web_request(server_class, tmp_path):
    pytest.importorskip("opentelemetry.instrumentation.django", reason="the otel extra is not installed")
    from tests.support.otlp import OtlpServer

    root = write_project(tmp_path)
    header_key = f"Canary-otlp-{uuid.uuid4().hex[:16]}"
    secret_key = f"Canary-secret-key-{uuid.uuid4().hex}-{uuid.uuid4().hex}"

    class Server(server_class):  # type: ignore[misc, valid-type]
        app = "obs_site.asgi:application" if server_class is AsgiGunicorn else "obs_site.wsgi:application"
        project = root

    class ProjectWorker(Worker):
        app = "obs_site"
        project = root

    with OtlpServer() as collector, RedisServer() as redis:
        env = project_env(
            {
                "PYTHONPATH": str(root),
                "DJANGO_SETTINGS_MODULE": "obs_site.settings",
                "BASE_DIR": str(root),
                "CELERY_BROKER_URL": redis.url,
                "SECRET_KEY": secret_key,
                "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
                "OTEL_EXPORTER_OTLP_HEADERS": f"x-api-key={header_key}",
                "OTEL_SERVICE_NAME": "obs-shop",
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=e2e",
                "OTEL_BSP_SCHEDULE_DELAY": "500",  # the SDK's own: export every 0.5 s, not 5 s
            }
        )
        with ProjectWorker(env, "celery", ("--pool", "prefork", "--concurrency", "1")), Server(env) as web:
            queued = requests.get(
                f"{web.base_url}/enqueue/?token={secret_key}", headers={"X-Request-ID": "edge-trace-1"}, timeout=30
            )

            def complete(spans: list[dict]) -> bool:
                # The enqueueing request's own server span: the readiness probe's may be exported first.
                return any(s["name"].startswith("run/") for s in spans) and any(
                    s["kind"] == 2 and s["attributes"].get("http.request.header.x_request_id") for s in spans
                )

            spans = collector.wait_for(complete)
    assert queued.status_code == 200
    by_id = {span["span_id"]: span for span in spans}
    server = next(s for s in spans if s["kind"] == 2 and s["attributes"].get("http.request.header.x_request_id"))
    run = next(s for s in spans if s["name"].startswith("run/"))
    ancestors = []
    parent = by_id.get(run["parent_id"])
    while parent is not None:
        ancestors.append(parent["name"])
        parent = by_id.get(parent["parent_id"])
    assert run["trace_id"] == server["trace_id"]
    assert server["name"] in ancestors, (run, ancestors)
    assert server["attributes"]["http.request.header.x_request_id"] == "edge-trace-1"
    # The request id on the request's span, the task's producer span (web) and its run span (worker).
    produce = next(s for s in spans if s["name"].startswith("apply_async/"))
    assert [s["attributes"].get("request.id") for s in (server, produce, run)] == ["edge-trace-1"] * 3
    assert {s["service"] for s in (server, run)} == {"obs-shop"}
    assert server["resource"]["deployment.environment"] == "e2e"
    assert all(h.get("x-api-key") == header_key for h in collector.headers)  # the header reaches the collector...
    assert not any(header_key in json.dumps(s) for s in spans)  # ...and no span
    # The secret in the URL's query, the task's argument (a Redis command) and the task's exception: in none.
    assert any("***" in value for value in server["attributes"].values()), server["attributes"]
    assert not recoverable(secret_key, json.dumps(spans))
