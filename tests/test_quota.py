"""concerns/quota.py: the free tiers' quota forecast, its deploy warnings, and the model checked
against a real idle worker (a project that is not the example) on a private redis-server."""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from modestwear_config.concerns.celery import celery_settings
from modestwear_config.concerns.celery_idle import idle_commands_per_month
from modestwear_config.concerns.quota import (
    MONTH,
    NEON_FREE_CU_HOURS,
    UPSTASH_FREE_COMMANDS,
    database_quota_messages,
    forecast,
    quota_settings,
    redis_quota_messages,
)
from modestwear_config.env import Env
from tests.support.idle_worker import IdleWorker, command_counts, write_project
from tests.support.servers import RedisServer

BUDGET = 25_000  # the issue's goal for an idle worker: 5% of Upstash's free quota
UPSTASH = "redis://default:token@eu1-free.upstash.io:6379"
NEON = {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "ep-x.eu-central-1.aws.neon.tech"}}
CELERYS_DEFAULTS: dict[str, Any] = {"CELERY_BROKER_TRANSPORT_OPTIONS": {}, "CELERY_WORKER_CONSUMER": None}


def library(broker: str = UPSTASH, **more: Any) -> SimpleNamespace:
    settings = celery_settings(Env({"CELERY_BROKER_URL": broker}))
    settings.update(quota_settings(Env({})), CACHES={}, DATABASES={}, MODESTWEAR_HEALTH_CACHE_SECONDS=2.0)
    settings.update(more)
    return SimpleNamespace(**settings)


def test_forecast__the_librarys_idle_worker_fits_the_budget():
    estimate = forecast(library())
    assert 0 < estimate.redis_commands <= BUDGET
    assert estimate.database_awake_hours == 0  # nothing queries the database


def test_forecast__celerys_defaults_match_the_issues_measurement_within_2x():
    measured = 99 * 60 * 24 * 30  # the issue: 99 commands a minute, 4.3 million per 30 days
    estimate = forecast(library(**CELERYS_DEFAULTS)).redis_commands
    assert measured / 2 <= estimate <= measured * 2


def test_forecast__eager_tasks_have_no_worker():
    assert forecast(library(CELERY_TASK_ALWAYS_EAGER=True)).redis == {}


def test_forecast__health_probes_count_each_redis_and_wake_the_database():
    caches = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": UPSTASH}}
    estimate = forecast(library(CACHES=caches, MODESTWEAR_QUOTA_HEALTH_PROBE_SECONDS=600.0))
    assert estimate.redis["/health probes"] == MONTH / 600 * 2  # the cache's PING, the worker check's PUBLISH
    assert estimate.database_awake_hours == pytest.approx(360)  # 5 awake minutes out of every 10


def test_forecast__beat_entries_every_form():
    schedule = {
        "seconds": {"task": "a", "schedule": 3600},
        "delta": {"task": "b", "schedule": timedelta(hours=1)},
        "crontab": {"task": "c", "schedule": SimpleNamespace(minute={0}, hour=set(range(24)))},
    }
    estimate = forecast(library(CELERY_BEAT_SCHEDULE=schedule))
    assert estimate.redis["beat tasks"] == pytest.approx(3 * MONTH / 3600 * 10)
    assert estimate.awake_fraction == pytest.approx(3 * 300 / 3600)


@pytest.mark.parametrize(
    ("changes", "warned"),
    [
        ({}, False),
        (CELERYS_DEFAULTS, True),
        ({**CELERYS_DEFAULTS, "CELERY_BROKER_URL": "redis://my-redis:6379"}, False),
    ],
)
def test_check_redis_quota__warns_over_upstashs_free_quota_only(changes, warned):
    messages = redis_quota_messages(library(**changes))
    assert [m.id for m in messages] == (["modestwear_config.W090"] if warned else [])
    if warned:
        assert messages[0].obj == "CELERY_BROKER_URL"
        assert f"{UPSTASH_FREE_COMMANDS:,}" in messages[0].msg
        assert "token" not in messages[0].msg  # no URL, so no secret


@pytest.mark.parametrize(("probe", "warned"), [(0.0, False), (600.0, False), (300.0, True), (60.0, True)])
def test_check_database_quota__a_health_probe_keeps_neon_awake(probe, warned):
    """Every 10 minutes: awake half the time, 90 CU-hours; every 5 or less: all month, 180."""
    messages = database_quota_messages(library(DATABASES=NEON, MODESTWEAR_QUOTA_HEALTH_PROBE_SECONDS=probe))
    assert [m.obj for m in messages] == (["DATABASE_URL"] if warned else [])
    if warned:
        assert f"{NEON_FREE_CU_HOURS:,.0f}" in messages[0].msg


def test_check_database_quota__another_host_is_not_neons():
    databases = {"default": {"HOST": "db.internal"}}
    assert database_quota_messages(library(DATABASES=databases, MODESTWEAR_QUOTA_HEALTH_PROBE_SECONDS=60.0)) == []


# Short intervals, so that a 40 s window holds tens of each of the model's sources.
SHORT = {"polling_interval": 2, "health_check_interval": 5, "unacked_restore_interval": 1}
TAILS = {
    "library": f"CELERY_BROKER_TRANSPORT_OPTIONS = {{**CELERY_BROKER_TRANSPORT_OPTIONS, **{SHORT!r}}}\n",
    "celery's consumer and control queues": (
        f"CELERY_BROKER_TRANSPORT_OPTIONS = {{**CELERY_BROKER_TRANSPORT_OPTIONS, **{SHORT!r}}}\n"
        "CELERY_WORKER_CONSUMER = 'celery.worker.consumer:Consumer'\nCELERY_CONTROL_QUEUE_EXPIRES = 10.0\n"
    ),
}
WINDOW = 40.0  # seconds


@pytest.mark.slow
@pytest.mark.idle  # a real idle worker, watched for its window
@pytest.mark.parametrize("variant", list(TAILS))
def test_forecast__within_2x_of_a_real_idle_worker(variant, tmp_path):
    """The model (idle_commands_per_month) against INFO commandstats of a real idle worker, same window."""
    write_project(tmp_path, TAILS[variant])
    with RedisServer() as server:
        settings = SimpleNamespace(**celery_settings(Env({"CELERY_BROKER_URL": server.url})))
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **SHORT}
        if variant != "library":
            settings.CELERY_WORKER_CONSUMER, settings.CELERY_CONTROL_QUEUE_EXPIRES = None, 10.0
        client = redis.Redis.from_url(server.url)
        with IdleWorker(tmp_path, server.url):
            time.sleep(5)  # start-up traffic is not idle
            client.config_resetstat()
            started = time.monotonic()
            time.sleep(WINDOW)
            measured = sum(command_counts(client).values())
            elapsed = time.monotonic() - started
    estimate = idle_commands_per_month(settings, elapsed)
    assert estimate / 2 <= measured <= estimate * 2, (measured, estimate)
