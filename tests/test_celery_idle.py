"""concerns/celery_idle.py, celery_consumer.py and the /health worker check: what an idle worker on
Redis costs, on a real worker of a project that is not the example, on a private redis-server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
import redis
from django.test import override_settings

from modestwear_config.concerns.celery import celery_settings
from modestwear_config.concerns.celery_idle import BRPOP_TIMEOUT, WORKER_CONSUMER, idle_settings
from modestwear_config.env import Env
from modestwear_config.health import builtin
from modestwear_config.health.builtin import NoWorkerAnswered, probe_celery
from tests.support.idle_worker import (
    IdleWorker,
    command_counts,
    project_environ,
    send_stamp,
    wait_for_key,
    write_project,
)
from tests.support.servers import RedisServer


@pytest.mark.parametrize("broker", ["redis://cache:6379/0", "REDIS://cache:6379/1"])
def test_celery_settings__a_redis_broker_gets_the_idle_options(broker):
    settings = celery_settings(Env({"CELERY_BROKER_URL": broker}))
    options = settings["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options["polling_interval"] == BRPOP_TIMEOUT
    assert options["socket_keepalive"] is True
    assert settings["CELERY_WORKER_CONSUMER"] == WORKER_CONSUMER
    assert settings["CELERY_CONTROL_QUEUE_EXPIRES"] is None


@pytest.mark.parametrize("broker", [None, "amqp://guest:guest@rabbit:5672//", "memory://localhost/"])
def test_idle_settings__none_for_other_brokers(broker):
    assert idle_settings(broker) == {}


def test_celery_settings__no_broker_gets_no_idle_options():
    assert "CELERY_BROKER_TRANSPORT_OPTIONS" not in celery_settings(Env({}))


@pytest.fixture
def server():
    with RedisServer() as running:
        yield running


@pytest.mark.slow
@pytest.mark.idle  # a real idle worker, watched for its window
def test_worker__idle_library_defaults(server, tmp_path):
    """An idle worker with the library's defaults: no heartbeat, gossip or mingle; a task sent in its
    first BRPOP window runs at once (mingle used to hold it up to the timeout); the /health check's
    empty PUBLISH reaches it and is ignored; SIGTERM ends it well before its 300 s BRPOP returns."""
    write_project(tmp_path)
    client = redis.Redis.from_url(server.url)
    with IdleWorker(tmp_path, server.url) as worker:
        time.sleep(3)
        client.config_resetstat()
        time.sleep(15)
        idle = command_counts(client)
        assert "publish" not in idle  # no heartbeat (Celery's: every 2 s)
        assert sum(idle.values()) <= 2, idle  # at most a BRPOP and a PING: Celery's defaults send ~25
        with override_settings(CELERY_BROKER_URL=server.url, CELERY_TASK_ALWAYS_EAGER=False):
            assert probe_celery(2.0) is None
        builtin.reset()
        send_stamp(server.url, "picked")
        wait_for_key(client, "picked", timeout=BRPOP_TIMEOUT / 5)
        worker.terminate()
        assert worker.process is not None
        worker.process.wait(timeout=BRPOP_TIMEOUT / 5)  # released by CLIENT UNBLOCK, not the timeout
        output = worker.output()
    assert "mingle" not in output
    assert "Cannot process event" not in output  # the empty health message is ignored, silently
    assert "Warm shutdown" in output


def test_probe_celery__no_worker_listening_is_a_failure(server):
    with (
        override_settings(CELERY_BROKER_URL=server.url, CELERY_TASK_ALWAYS_EAGER=False),
        pytest.raises(NoWorkerAnswered),
    ):
        probe_celery(2.0)
    builtin.reset()


CHECK_LIGHTLY = """
import sys, django
django.setup()
from modestwear_config.health.builtin import NoWorkerAnswered, probe_celery
try:
    probe_celery(2.0)
except NoWorkerAnswered:
    pass
print(sorted(name for name in ("celery", "kombu") if name in sys.modules))
"""


def test_probe_celery__on_redis_loads_neither_celery_nor_kombu(server, tmp_path):
    """The web worker's check PUBLISHes through redis-py: Celery's control client stays out of it."""
    write_project(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHECK_LIGHTLY)],
        cwd=tmp_path,
        env=project_environ(tmp_path, server.url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "[]"
