"""celery.py: settings from REDIS_URL / CELERY_*, TLS that verifies, eager without a broker, and a
real worker process (`celery -A core worker` in the example project) on the real Redis and over TLS."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import redis
from django.core.checks import run_checks
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from modestwear_config.celery import create_celery_app
from modestwear_config.concerns.celery import IN_MEMORY_BROKER, celery_settings
from modestwear_config.concerns.celery_urls import BACKEND_SCHEMES, BROKER_SCHEMES
from modestwear_config.env import Env
from tests.support.servers import EXAMPLE_PROJECT, RedisServer, manage, project_env, stop_process_group

CANARY = "CeleryCanary-93b0e1"
EXAMPLES = int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300"))
WORKER_START_TIMEOUT = 30.0  # seconds; a worker that is not ready by then fails the test


def built(environ: dict[str, str]) -> dict[str, Any]:
    env = Env(environ)
    settings = celery_settings(env)
    assert env.problems == {}
    return settings


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


# -- the settings ------------------------------------------------------------------
def test_celery_settings__no_broker_means_eager_and_in_memory():
    settings = built({})
    assert settings["CELERY_BROKER_URL"] == IN_MEMORY_BROKER
    assert settings["CELERY_RESULT_BACKEND"] is None
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True
    assert settings["CELERY_TASK_EAGER_PROPAGATES"] is True
    assert "CELERY_BROKER_USE_SSL" not in settings


def test_celery_settings__redis_url_alone_is_the_cache_not_a_broker():
    """REDIS_URL for the cache used to become the broker too: tasks queued where no worker runs."""
    settings = built({"REDIS_URL": "redis://cache:6379/0"})
    assert settings["CELERY_BROKER_URL"] == IN_MEMORY_BROKER
    assert settings["CELERY_RESULT_BACKEND"] is None
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True


def test_celery_settings__broker_and_backend_reuse_redis_url_when_asked():
    settings = built({"REDIS_URL": "redis://cache:6379/0", "CELERY_USE_REDIS_URL": "true"})
    assert settings["CELERY_BROKER_URL"] == "redis://cache:6379/0"
    assert settings["CELERY_RESULT_BACKEND"] == "redis://cache:6379/0"
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False  # a broker means a worker runs the tasks
    assert "CELERY_BROKER_USE_SSL" not in settings
    assert "CELERY_REDIS_BACKEND_USE_SSL" not in settings


def test_celery_settings__explicit_urls_and_eager_win():
    settings = built(
        {
            "REDIS_URL": "redis://cache:6379/0",
            "CELERY_BROKER_URL": "amqp://guest:guest@mq:5672//",
            "CELERY_RESULT_BACKEND": "redis://cache:6379/2",
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
    )
    assert settings["CELERY_BROKER_URL"] == "amqp://guest:guest@mq:5672//"
    assert settings["CELERY_RESULT_BACKEND"] == "redis://cache:6379/2"
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True


def test_celery_settings__rediss_carries_cert_required_and_the_ca(ca_file):
    settings = built(
        {
            "REDIS_URL": "rediss://default:tok@h.upstash.io:6379",
            "REDIS_SSL_CA_CERTS": str(ca_file),
            "CELERY_USE_REDIS_URL": "true",
        }
    )
    expected = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": str(ca_file)}
    assert settings["CELERY_BROKER_USE_SSL"] == expected
    assert settings["CELERY_REDIS_BACKEND_USE_SSL"] == expected


def test_celery_settings__only_the_rediss_side_gets_tls_options():
    settings = built({"CELERY_BROKER_URL": "amqp://mq//", "CELERY_RESULT_BACKEND": "rediss://h:6379/1"})
    assert "CELERY_BROKER_USE_SSL" not in settings
    assert settings["CELERY_REDIS_BACKEND_USE_SSL"] == {"ssl_cert_reqs": ssl.CERT_REQUIRED}


def test_celery_settings__cert_reqs_none_gives_cert_none_and_a_deploy_warning():
    settings = built({"REDIS_URL": "rediss://h:6379", "REDIS_SSL_CERT_REQS": "none", "CELERY_USE_REDIS_URL": "true"})
    assert settings["CELERY_BROKER_USE_SSL"] == {"ssl_cert_reqs": ssl.CERT_NONE}
    assert settings["CELERY_REDIS_BACKEND_USE_SSL"] == {"ssl_cert_reqs": ssl.CERT_NONE}
    with override_settings(**settings):
        assert "modestwear_config.W003" in [m.id for m in run_checks(include_deployment_checks=True)]


def test_celery_settings__verified_tls_raises_no_warning():
    with override_settings(**built({"CELERY_BROKER_URL": "rediss://h:6379"})):
        assert "modestwear_config.W003" not in [m.id for m in run_checks(include_deployment_checks=True)]


def test_celery_settings__reach_kombu_and_the_redis_backend_as_verified_tls(ca_file):
    """What Celery builds from the settings (no connection made): never kombu's CERT_NONE fallback."""
    from celery import Celery
    from redis import SSLConnection

    settings = built(
        {"REDIS_URL": "rediss://127.0.0.1:6390/3", "REDIS_SSL_CA_CERTS": str(ca_file), "CELERY_USE_REDIS_URL": "true"}
    )
    app = Celery("probe", set_as_current=False)
    app.config_from_object(SimpleNamespace(**settings), namespace="CELERY")
    try:
        assert app.connection_for_write().ssl == {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": str(ca_file)}
        params = app.backend.connparams
        assert params["connection_class"] is SSLConnection
        assert params["ssl_cert_reqs"] == ssl.CERT_REQUIRED
        assert params["ssl_ca_certs"] == str(ca_file)
    finally:
        app.close()


@pytest.fixture
def tls_redis() -> Iterator[RedisServer]:
    with RedisServer(tls=True) as server:
        yield server


def probe_app(settings: dict[str, Any]) -> Any:
    from celery import Celery

    app = Celery("probe", set_as_current=False)
    app.config_from_object(SimpleNamespace(**settings), namespace="CELERY")
    return app


@pytest.mark.slow
def test_celery_settings__broker_and_backend_verify_the_tls_server(tls_redis):
    trusted = probe_app(
        built(
            {"REDIS_URL": tls_redis.url, "REDIS_SSL_CA_CERTS": str(tls_redis.ca_path), "CELERY_USE_REDIS_URL": "true"}
        )
    )
    # db 1: a pool of its own, not the trusted one's.
    untrusted = probe_app(built({"REDIS_URL": tls_redis.url.replace("/0", "/1"), "CELERY_USE_REDIS_URL": "true"}))
    try:
        with trusted.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)
        assert trusted.backend.client.ping() is True
        with untrusted.connection_for_write() as conn, pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
            conn.ensure_connection(max_retries=0)
        with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            untrusted.backend.client.ping()
    finally:
        trusted.close()
        untrusted.close()


@pytest.mark.slow
def test_celery_settings__why_explicit_options_kombu_alone_skips_verification(tls_redis):
    """The pitfall the settings close: a bare rediss:// broker connects to an unverifiable server."""
    bare = probe_app({"CELERY_BROKER_URL": tls_redis.url.replace("/0", "/2")})
    try:
        with bare.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)  # no CA given, yet no verification error: CERT_NONE
            assert conn.connected
    finally:
        bare.close()


# -- eager mode: no broker at all --------------------------------------------------
def test_create_celery_app__eager_runs_the_task_inline_without_a_broker(settings):
    from celery.result import EagerResult
    from core.celery import app
    from shop.tasks import add

    assert settings.CELERY_BROKER_URL == IN_MEMORY_BROKER
    assert app.conf.task_always_eager is True
    result = add.delay(2, 3)
    assert isinstance(result, EagerResult)
    assert result.get() == {"sum": 5, "pid": os.getpid()}  # computed in this very process


def test_create_celery_app__defaults_the_settings_module(monkeypatch):
    from celery import current_app

    previous = current_app._get_current_object()
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    app = create_celery_app("shopfront")
    try:
        assert os.environ["DJANGO_SETTINGS_MODULE"] == "shopfront.settings"
        assert app.main == "shopfront"
        assert current_app._get_current_object() is app  # @shared_task binds to the project's app
    finally:
        app.close()
        previous.set_current()  # later tests keep the example project's app


# -- a real worker -----------------------------------------------------------------
class Worker:
    """`celery -A core worker` in the example project, consuming only its own queue."""

    app = "core"
    project = EXAMPLE_PROJECT  # another project's: a subclass

    def __init__(self, env: Mapping[str, str], queue: str, args: tuple[str, ...] = ()) -> None:
        self.env = dict(env)
        self.queue = queue
        self.args = args  # more worker options, e.g. ("--include", "tests.canary_project.tasks")
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process: subprocess.Popen[str] | None = None
        self.reader: threading.Thread | None = None

    def start(self, timeout: float = WORKER_START_TIMEOUT) -> Worker:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                self.app,
                "worker",
                "--pool",
                "solo",
                "--queues",
                self.queue,
                "--hostname",
                f"{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
                *self.args,
            ],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.ready.wait(timeout):
            self.stop()
            raise TimeoutError(f"worker not ready within {timeout} s:\n{self.output()}")
        return self

    def _read(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process_group(self.process)
        if self.reader:
            self.reader.join(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


SEND = """
import json, os
from shop.tasks import add
result = add.apply_async((2, 3), queue={queue!r})
value = result.get(timeout=20)
print(json.dumps({{"id": result.id, "kind": type(result).__name__, "value": value, "pid": os.getpid()}}))
"""


def send_from_example_project(env: Mapping[str, str], queue: str) -> dict[str, Any]:
    completed = manage("shell", "-c", SEND.format(queue=queue), env=env, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def forget_queue(url: str, queue: str, task_id: str | None) -> None:
    """Remove what this test left on the shared Redis (its queue's bindings, its result); nothing else."""
    client = redis.Redis.from_url(url)
    mine = queue.encode()
    try:
        for key in client.scan_iter("_kombu.binding*"):
            kind = client.type(key)
            if mine in key:  # kombu 5.7: _kombu.binding_permanent.<queue>
                client.delete(key)
            elif kind == b"set":  # older kombu: _kombu.binding.<exchange> holds one member per queue
                client.srem(key, *[m for m in client.smembers(key) if mine in m] or [b""])
            elif kind == b"zset":
                client.zrem(key, *[m for m in client.zrange(key, 0, -1) if mine in m] or [b""])
        client.delete(queue, *([f"celery-task-meta-{task_id}"] if task_id else []))
    finally:
        client.close()


def assert_ran_in_worker(reply: dict[str, Any], worker: Worker) -> None:
    assert reply["kind"] == "AsyncResult"  # sent through the broker, not run inline
    assert reply["value"]["sum"] == 5
    assert worker.process is not None
    assert reply["value"]["pid"] == worker.process.pid != reply["pid"]
    assert f"Task shop.tasks.add[{reply['id']}] succeeded" in worker.output()


@pytest.mark.slow
@pytest.mark.services
def test_worker__runs_a_task_sent_from_the_example_project(redis_url, tmp_path):
    queue = f"mwc-test-{uuid.uuid4().hex[:12]}"
    env = project_env({"REDIS_URL": redis_url, "CELERY_USE_REDIS_URL": "true", "BASE_DIR": str(tmp_path)})
    reply: dict[str, Any] = {}
    try:
        with Worker(env, queue) as worker:
            started = time.monotonic()
            reply = send_from_example_project(env, queue)
            assert time.monotonic() - started < 30
            assert_ran_in_worker(reply, worker)
    finally:
        forget_queue(redis_url, queue, reply.get("id"))


@pytest.mark.slow
def test_worker__runs_a_task_over_verified_tls(tls_redis, tmp_path):
    env = project_env(
        {
            "REDIS_URL": tls_redis.url,
            "REDIS_SSL_CA_CERTS": str(tls_redis.ca_path),
            "CELERY_USE_REDIS_URL": "true",
            "BASE_DIR": str(tmp_path),
        }
    )
    with Worker(env, "mwc-tls") as worker:
        reply = send_from_example_project(env, "mwc-tls")
        assert_ran_in_worker(reply, worker)
    assert "CERTIFICATE_VERIFY_FAILED" not in worker.output()


# -- never queued into the void ----------------------------------------------------------------------
def problems(environ: dict[str, str]) -> dict[str, str]:
    env = Env(environ)
    celery_settings(env)
    return env.problems


def test_celery_settings__eager_off_without_a_broker_is_an_error():
    assert "no broker is configured" in problems({"CELERY_TASK_ALWAYS_EAGER": "false"})["CELERY_TASK_ALWAYS_EAGER"]
    assert problems({"CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_BROKER_URL": "redis://mq:6379/0"}) == {}


# A broker or result backend URL whose scheme kombu or Celery cannot resolve: both accept it at
# start-up and fail at the first .delay() (KeyError "No such transport", ModuleNotFoundError), in the
# web request that sends the task. Any scheme is either a start-up error naming the variable, or one
# the installed kombu / Celery resolve.
SCHEMES = ["redis", "rediss", "REDIS", "amqp", "pyamqp", "memory", "sqs", "sqla+postgresql", "db+postgresql"]
SCHEMES += ["rpc", "file", "foo", "https", "http", "postgres", "cache+memcached", "mypkg.Transport", ""]


@hypothesis_settings(max_examples=EXAMPLES, deadline=None)
@given(broker=st.lists(st.sampled_from(SCHEMES), min_size=1, max_size=3), backend=st.sampled_from(SCHEMES))
def test_celery_settings__broker_and_backend_schemes_resolve_or_are_start_up_errors(broker, backend):
    from celery.app.backends import BACKEND_ALIASES
    from kombu.transport import TRANSPORT_ALIASES

    environ = {
        "CELERY_BROKER_URL": ";".join(f"{scheme}://guest:{CANARY}@mq.example.com/0" for scheme in broker),
        "CELERY_RESULT_BACKEND": f"{backend}://:{CANARY}@results.example.com/1",
    }
    env = Env(environ)
    celery_settings(env)
    for name, schemes, known in (
        ("CELERY_BROKER_URL", [s.lower() for s in broker], TRANSPORT_ALIASES),
        ("CELERY_RESULT_BACKEND", [backend], BACKEND_ALIASES),
    ):
        resolvable = all("." in s or s.partition("+")[0] in known for s in schemes)
        assert (name in env.problems) is not resolvable, name
        assert CANARY not in env.problems.get(name, "")


# The query options and database path of a Redis broker or result backend: kombu's Connection takes
# only its own options as keywords (a redis-py one such as socket_timeout, valid for the cache, was a
# TypeError at the first .delay()), and both need a database number. Accepted means the real Redis
# answers through kombu and through Celery's Redis backend.
OPTION_KEYS = st.sampled_from(["heartbeat", "connect_timeout", "socket_timeout", "db", "login_method", "foo", "userid"])
OPTION_VALUES = st.sampled_from(["5", "0.5", "abc", "AMQPLAIN", "-1"])


@pytest.mark.services
@hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["", "/", "/0", "/15", "/abc", "/1.5"]),
    query=st.dictionaries(OPTION_KEYS, OPTION_VALUES, max_size=2),
    shared=st.booleans(),
)
def test_celery_settings__redis_urls_accepted_are_ones_kombu_and_celery_take(redis_url, path, query, shared):
    from celery.backends.redis import RedisBackend
    from kombu import Connection

    server = urlsplit(redis_url).netloc
    url = f"redis://{server}{path}" + (f"?{urlencode(query)}" if query else "")
    environ = {"REDIS_URL": url, "CELERY_USE_REDIS_URL": "true"} if shared else {"CELERY_BROKER_URL": url}
    env = Env({**environ, **({} if shared else {"CELERY_RESULT_BACKEND": url})})
    settings = celery_settings(env)
    if env.problems:
        assert set(env.problems) <= {"REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
        return
    with Connection(settings["CELERY_BROKER_URL"], connect_timeout=2) as connection:
        connection.ensure_connection(max_retries=1)
        connection.default_channel  # noqa: B018  (kombu reads the database number here)
    app = create_celery_app("mwc_urls")
    backend = RedisBackend(url=settings["CELERY_RESULT_BACKEND"], app=app)
    assert backend.client.ping()


def test_celery_settings__the_schemes_cover_every_installed_transport_and_backend():
    """Pinned to the installed kombu and Celery: a scheme they add must not be refused."""
    from celery.app.backends import BACKEND_ALIASES
    from kombu.transport import TRANSPORT_ALIASES

    assert {alias.lower() for alias in TRANSPORT_ALIASES} <= BROKER_SCHEMES
    assert set(BACKEND_ALIASES) <= BACKEND_SCHEMES


def test_celery_settings__reusing_an_unset_redis_url_is_an_error():
    assert "REDIS_URL is not set" in problems({"CELERY_USE_REDIS_URL": "true"})["CELERY_USE_REDIS_URL"]


def test_health_settings__a_broker_turns_the_celery_check_on():
    from modestwear_config.concerns.readiness import health_settings

    assert health_settings(Env({"REDIS_URL": "redis://c:6379"}))["MODESTWEAR_HEALTH_CHECKS"] == ()
    with_broker = health_settings(Env({"CELERY_BROKER_URL": "redis://mq:6379"}))
    assert with_broker["MODESTWEAR_HEALTH_CHECKS"] == ("celery",)
    reused = health_settings(
        Env({"REDIS_URL": "redis://c:6379", "CELERY_USE_REDIS_URL": "true", "HEALTH_CHECKS": "migrations"})
    )
    assert reused["MODESTWEAR_HEALTH_CHECKS"] == ("migrations", "celery")


def doctor_connections(env: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    completed = manage("config", "--connections", "--json", env=env, timeout=60)
    assert completed.returncode in (0, 1), completed.stderr
    data = json.loads(completed.stdout)
    return completed.returncode, {c["name"]: c for c in data["connections"]}


@pytest.mark.slow
@pytest.mark.services
def test_doctor__a_worker_answers_on_the_real_redis(redis_url, tmp_path):
    queue = f"mwc-ping-{uuid.uuid4().hex[:12]}"
    env = project_env({"REDIS_URL": redis_url, "CELERY_USE_REDIS_URL": "true", "BASE_DIR": str(tmp_path)})
    try:
        with Worker(env, queue):
            _, connections = doctor_connections(env)
            assert (connections["celery"]["status"], connections["celery"]["error"]) == ("ok", None)
            health = manage("health", "--json", env={**env, "HEALTH_CACHE_SECONDS": "0"}, timeout=60)
            assert json.loads(health.stdout)["checks"]["celery"]["status"] == "ok", health.stdout + health.stderr
    finally:
        forget_queue(redis_url, queue, None)


@pytest.mark.slow
def test_doctor__a_broker_with_no_worker_is_a_problem(tmp_path):
    with RedisServer() as server:  # our own: no other test's worker can answer here
        # A roomy budget: on a loaded machine importing Celery and connecting can take the default 2.5 s,
        # and the check must have time left to wait for (no) worker and say so.
        env = project_env({"CELERY_BROKER_URL": server.url, "BASE_DIR": str(tmp_path), "HEALTH_BUDGET_SECONDS": "8"})
        code, connections = doctor_connections(env)
        assert code == 1
        assert (connections["celery"]["status"], connections["celery"]["error"]) == ("fail", "NoWorkerAnswered")
        text = manage("config", "--connections", env=env, timeout=60).stdout
        assert "No problems found." not in text and "NoWorkerAnswered" in text


BEAT_LOGGING = """
import logging, sys
from core.celery import app
app.log.setup(loglevel="INFO")  # what `celery beat` and `celery worker` call at start-up
root = logging.getLogger()
sys.__stdout__.write(f"{{app.conf.worker_hijack_root_logger}} {{[type(h.formatter).__name__ for h in root.handlers]}}\\n")
logging.getLogger("celery.beat").warning("broker %s", {url!r})
print("printed {url}")  # stdout goes through the celery.redirected logger, as Celery would do
"""


@pytest.mark.slow
def test_create_celery_app__beat_and_worker_logging_goes_through_the_redacting_formatter(tmp_path):
    """Celery's logging set-up (shared by beat and the worker) leaves the root logger to LOGGING."""
    url = "redis://:Beat-Canary-pw@127.0.0.1:1/0"
    env = project_env({"REDIS_URL": url, "BASE_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", BEAT_LOGGING.format(url=url)],
        cwd=EXAMPLE_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "False ['RedactingFormatter']" in result.stdout
    assert "broker ***" in result.stdout
    assert "celery.redirected printed ***" in result.stdout
    assert "Beat-Canary" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "environ",
    [
        {"CELERY_BROKER_URL": "redis+socket:///run/redis.sock", "CELERY_RESULT_BACKEND": "redis+socket:///run/r.sock"},
        {"CELERY_BROKER_URL": "sentinel://:pw@s1:26379/0;sentinel://:pw@s2:26379/0"},
        {"CELERY_BROKER_URL": "amqps://shop:pw@mq.example.com/shop?heartbeat=30", "CELERY_RESULT_BACKEND": "rpc://"},
        {"CELERY_BROKER_URL": "redis://:pw@h:6379/0?password=pw", "CELERY_RESULT_BACKEND": "redis://h:6379/1?db=1"},
    ],
)
def test_celery_settings__urls_kombu_and_celery_parse_themselves_are_accepted(environ):
    assert problems(environ) == {}
