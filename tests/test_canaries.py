"""Secret canaries everywhere: a canary in every secret variable (and every URL password), every
entry point driven, and no canary in any output, log or response.

Entry points: settings import, check, check --deploy, every management command of the package,
/healthz and /health up and down (with and without the token), a 500 page with DEBUG off, and the
logging output in text and JSON.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from modestwear_config.concerns import VARIABLES
from tests.support.servers import (
    ROOT,
    AsgiGunicorn,
    Gunicorn,
    RedisServer,
    SilentServer,
    free_port,
    fresh_postgres_database,
    manage,
    manage_each,
    project_env,
)

pytestmark = pytest.mark.slow

CANARY = "CanaryZ9q"  # short enough to hide inside longer values, long enough to be scrubbed
TOKEN = f"{CANARY}-token-0123456789"
PASSWORDS = {  # each secret gets its own canary-bearing value
    "SECRET_KEY": f"{CANARY}-secret-key-" + "x7Y" * 15,
    "EMAIL_HOST_PASSWORD": f"{CANARY}-smtp",
    "HEALTH_TOKEN": TOKEN,
    "DJANGO_SUPERUSER_PASSWORD": f"{CANARY}-Admin-Pass-42",
    "CLOUDINARY_URL": f"cloudinary://123456:{CANARY}-cloud@modestwear",
    # Sentry on, at a closed port: its key (the DSN's user part) and its events never show.
    "SENTRY_DSN": f"http://{CANARY}-sentry-key@127.0.0.1:9/1",
    "OTEL_EXPORTER_OTLP_HEADERS": f"x-api-key={CANARY}-otlp-key",
}
SECRET_NAMES = {v.name for v in VARIABLES if v.secret}
PRIVATE_HOST_HINTS = ("127.0.0.1", "localhost")


def canary_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {
        **PASSWORDS,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "DATABASE_REPLICA_URLS": database_url,
        "REDIS_URL": redis_url,
        "CACHES_EXTRA": f"sessions={redis_url},local=locmem://",  # a named cache: /health's cache:sessions
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_HOST_USER": "shop@example.com",
        "DJANGO_SUPERUSER_EMAIL": "canary-admin@example.com",
        "REDIS_SOCKET_TIMEOUT": "0.5",
        "REDIS_SOCKET_CONNECT_TIMEOUT": "0.5",
        "HEALTH_BUDGET_SECONDS": "1.5",
        "HEALTH_CACHE_SECONDS": "0",
        "DATABASE_CONNECT_TIMEOUT": "2",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        **extra,
    }
    # The HTTP email API's secrets exclude SMTP (EMAIL_HOST): tests/test_email_canaries.py carries their canaries.
    email_api = {"EMAIL_API_KEY", "EMAIL_AWS_ACCESS_KEY_ID"}
    # The S3 keys need a store to talk to: tests/test_s3.py carries their canaries (moto, up and silent).
    s3 = {"AWS_S3_ACCESS_KEY_ID", "AWS_S3_SECRET_ACCESS_KEY"}
    assert SECRET_NAMES - {"CLOUDINARY_API_SECRET", *email_api, *s3} <= set(env), "a secret variable has no canary"
    return project_env(env, debug=False)


def assert_clean(text: str, where: str) -> None:
    assert CANARY not in text, f"canary leaked in {where}:\n{text[:3000]}"


@pytest.fixture(scope="module")
def up_services() -> Iterator[tuple[str, str]]:
    """PostgreSQL (trust auth accepts any password) and a Redis that requires the canary password."""
    with fresh_postgres_database() as url, RedisServer(extra_args=("--requirepass", f"{CANARY}-redis")) as redis:
        db_url = url.replace("postgresql://postgres@", f"postgresql://postgres:{CANARY}-db@")
        yield db_url, f"redis://:{CANARY}-redis@127.0.0.1:{redis.port}/0"


@pytest.fixture(scope="module")
def down_services() -> Iterator[tuple[str, str]]:
    with SilentServer() as silent_redis:
        yield (
            f"postgresql://postgres:{CANARY}-db@127.0.0.1:{free_port()}/gone",
            f"redis://:{CANARY}-redis@127.0.0.1:{silent_redis.port}/0",
        )


def test_settings_import_and_checks(up_services):
    env = canary_env(*up_services)
    imported = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    assert_clean(imported.stdout + imported.stderr, "settings import")
    for args in (("check",), ("check", "--deploy")):
        result = manage(*args, env=env)
        assert_clean(result.stdout + result.stderr, " ".join(args))


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_management_commands(up_services, down_services, log_format):
    for services in (up_services, down_services):
        env = canary_env(*services, LOG_FORMAT=log_format, LOG_LEVEL="DEBUG")
        first = [("migrate", "--no-input")] if services is up_services else []
        readers = [("config",), ("config", "--json"), ("config", "--connections"), ("health",), ("health", "--json")]
        writers = [("ensure_superuser",), ("ensure_superuser", "--update-password")]
        results = [(args, manage(*args, env=env, timeout=120)) for args in first]
        results += manage_each(readers, env).items()  # they read, so they may run at once
        results += [(args, manage(*args, env=env, timeout=120)) for args in writers]
        for args, result in results:
            assert "Unknown command" not in result.stderr and "Traceback" not in result.stderr, result.stderr
            assert_clean(result.stdout + result.stderr, f"manage.py {' '.join(args)} ({log_format})")


def test_broken_configuration_error(up_services):
    env = canary_env(*up_services, DEBUG="maybe", DATABASE_URL=f"postgresql://u:{CANARY}@h:99999/db")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert_clean(result.stdout + result.stderr, "ImproperlyConfigured")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, str(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, str(error.headers), error.read().decode()


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("state", ["up", "down"])
def test_http_entry_points(up_services, down_services, state, log_format):
    services = up_services if state == "up" else down_services
    env = canary_env(
        *services,
        LOG_FORMAT=log_format,
        PYTHONPATH=f"{ROOT}:{ROOT / 'example_project'}",
        DJANGO_SETTINGS_MODULE="tests.canary_project.settings",
    )
    if state == "up":
        assert manage("migrate", "--no-input", env=env).returncode == 0
    with Gunicorn(env) as server:
        responses = [
            _get(f"{server.base_url}/healthz"),
            _get(f"{server.base_url}/health"),
            _get(f"{server.base_url}/health", {"Authorization": f"Bearer {TOKEN}"}),
            _get(f"{server.base_url}/health", {"Authorization": "Bearer wrong-token-0123456789"}),
            _get(f"{server.base_url}/boom/"),  # a 500 whose exception text carries the URLs
            # A secret in the request line (a client pasting it): gunicorn's access log writes that line.
            _get(f"{server.base_url}/healthz?token={TOKEN}"),
            _get(f"{server.base_url}/nowhere/{PASSWORDS['SECRET_KEY']}"),
        ]
        server.stop()
        log = server.output()
    assert responses[0][0] == 200
    assert {status for status, _, _ in responses[1:4]} <= {200, 503}
    assert responses[4][0] == 500
    assert "GET /healthz?token=*** HTTP/1.1" in log, "the access log did not log the request line"
    assert "Traceback" in log or "exc_info" in log, "the 500 was not logged"
    for status, headers, body in responses:
        assert_clean(headers + body, f"HTTP {status} response ({state})")
        assert not any(hint in body for hint in PRIVATE_HOST_HINTS), body
    assert_clean(log, f"server log ({state}, {log_format})")


def test_asgi_server__access_and_error_lines_are_redacted(up_services):
    """uvicorn's worker logs through gunicorn's handlers: its access lines are scrubbed too."""
    env = canary_env(*up_services, PYTHONPATH=f"{ROOT}:{ROOT / 'example_project'}")
    with AsgiGunicorn(env) as server:
        statuses = [
            _get(f"{server.base_url}/healthz?token={TOKEN}")[0],
            _get(f"{server.base_url}/nowhere/{PASSWORDS['SECRET_KEY']}")[0],
        ]
        server.stop()
        log = server.output()
    assert statuses == [200, 404]
    assert "/healthz?token=*** HTTP/1.1" in log, "uvicorn's access line was not logged"
    assert_clean(log, "the ASGI server's log")


def test_gunicorn_error_log__worker_boot_traceback_is_redacted(up_services):
    """gunicorn's own error log (outside Django's LOGGING) prints a failed worker's traceback, and
    the worker prints the exception's text to stderr itself."""
    env = canary_env(*up_services, PYTHONPATH=f"{ROOT}:{ROOT / 'example_project'}")

    class Broken(Gunicorn):
        app = "tests.canary_project.broken_wsgi:application"

    with pytest.raises(RuntimeError, match="gunicorn exited") as failed:
        Broken(env).start()
    output = str(failed.value)
    # The traceback (error log) and the exception text gunicorn prints to the worker's stderr.
    assert "Exception in worker process" in output and output.count("cannot start: *** ***") == 2
    assert_clean(output, "gunicorn's error log and the worker's stderr")


# -- processes other than the web one: a real Celery worker ------------------------------
SEND_LEAK = """
from tests.canary_project.tasks import leak
result = leak.apply_async(queue={queue!r})
try:
    result.get(timeout=30)
except ConnectionError:
    print("task failed as expected")
"""


def test_celery_worker__task_logs_and_errors_are_redacted(tmp_path):
    """A task logging, printing and raising with the broker URL: the worker prints *** (Celery's own
    root handlers would print the password: create_celery_app keeps them off)."""
    from tests.test_celery import Worker

    password = f"{CANARY}-worker"
    with RedisServer(extra_args=("--requirepass", password)) as redis_server:
        url = f"redis://:{password}@127.0.0.1:{redis_server.port}/0"
        env = project_env(
            {
                "REDIS_URL": url,
                "BASE_DIR": str(tmp_path),
                "PYTHONPATH": f"{ROOT}:{ROOT / 'example_project'}",
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "CELERY_USE_REDIS_URL": "true",
            }
        )
        queue = "mwc-canary"
        with Worker(env, queue, ("--include", "tests.canary_project.tasks")) as worker:
            sent = manage("shell", "-c", SEND_LEAK.format(queue=queue), env=env, timeout=90)
            deadline = time.monotonic() + 20
            while "ConnectionError" not in worker.output() and time.monotonic() < deadline:
                time.sleep(0.2)
        output = worker.output()
    assert "task failed as expected" in sent.stdout, sent.stderr[-3000:]
    assert "connecting to" in output and "printed" in output and "ConnectionError" in output, output
    assert "cannot reach ***" in output
    assert_clean(output, "celery worker output")
    assert_clean(sent.stdout + sent.stderr, "the sender's output")


# -- DEBUG error pages over real HTTP ----------------------------------------------------
@pytest.mark.parametrize("accept", ["text/html", "text/plain"])
def test_debug_error_page__no_canary_over_http(up_services, accept):
    """DEBUG on: Django's technical 500 page lists every setting (CACHES LOCATION, CELERY_BROKER_URL,
    DATABASES) and the exception text (here it carries REDIS_URL and DATABASE_URL)."""
    env = canary_env(
        *up_services,
        DEBUG="true",
        PYTHONPATH=f"{ROOT}:{ROOT / 'example_project'}",
        DJANGO_SETTINGS_MODULE="tests.canary_project.settings",
        CELERY_BROKER_URL=f"{up_services[1]};{up_services[1].replace('-redis@', '-failover@')}",
    )
    with Gunicorn(env) as server:
        status, headers, body = _get(f"{server.base_url}/boom/", {"Accept": accept})
        server.stop()
        log = server.output()
    assert status == 500
    assert "CELERY_BROKER_URL" in body and "ConnectionError" in body, body[:2000]  # the technical page
    assert_clean(headers + body, f"DEBUG 500 page ({accept})")
    assert_clean(log, "server log")


# -- every URL shape a consumer reads a password from, through the real commands ---------------
def url_shapes_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The canary in a query string, in a 2nd server of a list, in a kombu failover list, in a
    libpq multi-host URL, and in a list item holding the list separator."""
    redis_host = redis_url.rpartition("@")[2]
    database_host = database_url.rpartition("@")[2]
    return canary_env(
        database_url,
        redis_url,
        DATABASE_URL=f"postgresql://postgres@{database_host}?password={CANARY}-query",
        DATABASE_REPLICA_URLS=f"postgresql://ro@{database_host}?sslpassword={CANARY}-replica,"
        f"postgresql://ro:{CANARY}-second@{database_host}",
        REDIS_URL=f"redis://{redis_host},redis://:{CANARY}-second@{redis_host}",
        CELERY_BROKER_URL=f"redis://{redis_host};redis://:{CANARY}-failover@{redis_host}",
        CELERY_RESULT_BACKEND=f"redis://{redis_host}?password={CANARY}-backend",
    )


def test_doctor__url_shapes_never_print_the_canary(up_services):
    env = url_shapes_env(*up_services)
    host = up_services[0].rpartition("@")[2]
    # An item holding the list separator (settings cannot import: only the standalone doctor runs).
    broken = {**env, "DATABASE_REPLICA_URLS": f"postgresql://ro:{CANARY},x@{host},postgresql://ro@h1,h2/db"}
    runs = [manage("config", env=env), manage("config", "--json", env=env)]
    for environ in (env, broken):
        for args in ((), ("--json",)):
            runs.append(
                subprocess.run(
                    [sys.executable, "-m", "modestwear_config.doctor", *args],
                    env=environ,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            )
    for result in runs:
        assert "DATABASE_URL" in result.stdout, result.stderr[-2000:]
        assert "Traceback" not in result.stderr, result.stderr[-2000:]
        assert_clean(result.stdout + result.stderr, f"{result.args}")


# -- secrets as a client library encodes them, and the project's own secrets of every kind -----------
PROJECT_SECRET_VALUES = {  # tests/canary_project/project_settings.py declares one of each kind
    "SHOP_SECRET_STR": f"{CANARY}-str",
    "SHOP_SECRET_LIST": f"{CANARY}-item-one, {CANARY}-item-two",
    "SHOP_SECRET_INT": "0090817263",
    "SHOP_SECRET_FLOAT": "1.2345678901e2",
    "SHOP_SECRET_URL": f"https://hooks.example.com/services/{CANARY}-hook",
    "SHOP_SECRET_PATH": f"~/keys/{CANARY}-key.pem",
}
HELD_NUMBERS = ("90817263", "123.45678901")  # the int and the float as the program holds (and prints) them


def assert_clean_in_any_encoding(text: str, where: str) -> None:
    """No canary, and no secret in base64 (of anything holding it), hex or JSON: an attacker's reading."""
    from tests.support.recoverable import recoverable

    assert_clean(text, where)
    for secret in (*PASSWORDS.values(), f"{CANARY}-smtp", *HELD_NUMBERS):
        assert not recoverable(secret, text), f"{secret!r} recoverable in {where}:\n{text[:3000]}"


@pytest.mark.parametrize("debug", ["true", "false"])
def test_encoded_and_project_secrets__doctor_pages_and_logs(up_services, debug):
    """A key a client library base64-encoded into a Basic header (and put in hex and JSON), and project
    secrets of every kind (list items, numbers, paths, an http(s) URL's token): on the DEBUG page
    (HTML and text), in the server log, and in the doctor's text, JSON and settings values."""
    env = canary_env(
        *up_services,
        DEBUG=debug,
        PYTHONPATH=f"{ROOT}:{ROOT / 'example_project'}",
        DJANGO_SETTINGS_MODULE="tests.canary_project.project_settings",
        **PROJECT_SECRET_VALUES,
    )
    for args in (("config",), ("config", "--json"), ("config", "--settings-values"), ("check", "--deploy")):
        result = manage(*args, env=env)
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        assert args[0] != "config" or "SHOP_SECRET_LIST" in result.stdout, result.stdout[-2000:]
        assert_clean_in_any_encoding(result.stdout + result.stderr, f"manage.py {' '.join(args)}")
    with Gunicorn(env) as server:
        responses = [
            _get(f"{server.base_url}/{page}/", {"Accept": accept})
            for page in ("client", "project-secrets")
            for accept in ("text/html", "text/plain")
        ]
        server.stop()
        log = server.output()
    assert [status for status, _, _ in responses] == [500] * 4
    if debug == "true":
        assert "make_headers" in responses[0][2] and "SHOP_SECRET_LIST" in responses[2][2]  # technical pages
    assert "request failed" in log and "using ***" in log, log[-3000:]
    for status, headers, body in responses:
        assert_clean_in_any_encoding(headers + body, f"HTTP {status} (DEBUG={debug})")
    assert_clean_in_any_encoding(log, f"server log (DEBUG={debug})")
