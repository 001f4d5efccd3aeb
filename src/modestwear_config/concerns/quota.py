"""The free tiers' quotas, forecast from the configuration: Redis commands and database-awake hours a month.

Upstash's free Redis allows 500,000 commands a month; Neon's free plan 100 CU-hours a month and
suspends after 5 idle minutes, so anything that queries it more often than that keeps it awake
(0.25 CU all month is 180 CU-hours).  The forecast adds up what the configuration makes happen
with no visitor at all: an idle worker (concerns/celery_idle.py's model, measured by
benchmarks/idle_cost.py), beat's schedule, a monitor requesting /health, and the cache use the
project declares.  Warnings only for a Redis on Upstash or a database on Neon (by host name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .celery_idle import idle_commands_per_month
from .unit import CHECK_PREFIX, Check, Concern

MONTH = 30 * 24 * 3600  # seconds
UPSTASH_FREE_COMMANDS = 500_000  # a month
NEON_FREE_CU_HOURS = 100.0  # a month
NEON_SUSPEND_SECONDS = 300  # idle time before Neon's free compute suspends (not configurable on free)
NEON_CU = 0.25  # the free plan's smallest compute
TASK_COMMANDS = 10  # a task through Redis: publish, the worker's pop, unacked bookkeeping, ack, result
V = variables_of("quota")
VARIABLES = (
    V(
        "QUOTA_HEALTH_PROBE_SECONDS",
        "float",
        "How often an uptime monitor requests /health (seconds; 0: none). /healthz costs nothing.",
        0.0,
        minimum=0,
        example="600",
    ),
    V(
        "QUOTA_CACHE_COMMANDS_PER_DAY",
        "int",
        "Redis commands the project's own cache use sends a day, for the quota forecast.",
        0,
        minimum=0,
        example="2000",
    ),
)


def quota_settings(env: Env) -> dict[str, Any]:
    return {
        # Inputs of the forecast (doctor and deploy checks) only: nothing else reads them.
        "MODESTWEAR_QUOTA_HEALTH_PROBE_SECONDS": env("QUOTA_HEALTH_PROBE_SECONDS"),
        "MODESTWEAR_QUOTA_CACHE_COMMANDS_PER_DAY": env("QUOTA_CACHE_COMMANDS_PER_DAY"),
    }


@dataclass
class Forecast:
    """Per 30 days: Redis commands by source, and the database's awake hours and CU-hours."""

    redis: dict[str, float] = field(default_factory=dict)
    awake_fraction: float = 0.0

    @property
    def redis_commands(self) -> float:
        return sum(self.redis.values())

    @property
    def database_awake_hours(self) -> float:
        return min(1.0, self.awake_fraction) * MONTH / 3600

    @property
    def database_cu_hours(self) -> float:
        return self.database_awake_hours * NEON_CU


def redis_broker(settings: Any) -> bool:
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    return broker.lower().startswith(("redis://", "rediss://")) and not eager


def forecast(settings: Any) -> Forecast:
    """What the configuration costs a month with no visitor."""
    result = Forecast()
    worker = redis_broker(settings)
    if worker:
        result.redis["idle worker"] = idle_commands_per_month(settings, MONTH)
    for seconds in beat_periods(settings):
        if worker:
            result.redis["beat tasks"] = result.redis.get("beat tasks", 0.0) + MONTH / seconds * TASK_COMMANDS
        result.awake_fraction += min(1.0, NEON_SUSPEND_SECONDS / seconds)  # a task may query the database
    probe = float(getattr(settings, "MODESTWEAR_QUOTA_HEALTH_PROBE_SECONDS", 0) or 0)
    if probe:
        cached = float(getattr(settings, "MODESTWEAR_HEALTH_CACHE_SECONDS", 0) or 0)
        probes = MONTH / max(probe, cached, 1.0)
        result.redis["/health probes"] = probes * len(redis_servers(settings, with_broker=worker))
        result.awake_fraction += min(1.0, NEON_SUSPEND_SECONDS / max(probe, cached, 1.0))
    cache = int(getattr(settings, "MODESTWEAR_QUOTA_CACHE_COMMANDS_PER_DAY", 0) or 0)
    if cache:
        result.redis["cache use"] = cache * MONTH / 86400
    return result


def beat_periods(settings: Any) -> list[float]:
    """Seconds between runs of each CELERY_BEAT_SCHEDULE entry (a crontab: its runs a day, spread evenly)."""
    periods = []
    for entry in (getattr(settings, "CELERY_BEAT_SCHEDULE", None) or {}).values():
        schedule: Any = entry.get("schedule") if isinstance(entry, dict) else None
        if isinstance(schedule, timedelta):
            schedule = schedule.total_seconds()
        if isinstance(schedule, (int, float)) and schedule > 0:
            periods.append(float(schedule))
        elif hasattr(schedule, "minute") and hasattr(schedule, "hour"):  # celery.schedules.crontab
            runs = len(schedule.minute) * len(schedule.hour) * len(getattr(schedule, "day_of_week", range(7))) / 7
            periods.append(86400 / max(runs, 1e-9))
    return periods


def redis_servers(settings: Any, with_broker: bool) -> list[str]:
    """The hosts /health sends a command to: each Redis cache alias, and the broker (the worker check)."""
    hosts = []
    for config in (getattr(settings, "CACHES", None) or {}).values():
        location = config.get("LOCATION")
        urls = location.split(",") if isinstance(location, str) else list(location or [])
        hosts += [url for url in urls if str(url).lower().startswith(("redis://", "rediss://"))][:1]
    if with_broker:
        hosts.append(str(settings.CELERY_BROKER_URL))
    return hosts


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def on_upstash(settings: Any) -> bool:
    urls = redis_servers(settings, with_broker=redis_broker(settings))
    return any(host_of(url).endswith(".upstash.io") for url in urls)


def on_neon(settings: Any) -> bool:
    databases = getattr(settings, "DATABASES", None) or {}
    return any(str(db.get("HOST") or "").lower().endswith(".neon.tech") for db in databases.values())


W090 = "Forecast: about {:,.0f} Redis commands a month with no visitor, over Upstash's free {:,} ({})."
W091 = "Forecast: the database awake {:,.0f} hours a month with no visitor, {:,.0f} CU-hours, over Neon's free {:,.0f}."


def check_redis_quota(**kwargs: Any) -> list[CheckMessage]:
    """The Redis commands a month, with no visitor, fit Upstash's free quota."""
    return redis_quota_messages(django_settings)


def check_database_quota(**kwargs: Any) -> list[CheckMessage]:
    """The database's awake hours a month, with no visitor, fit Neon's free compute."""
    return database_quota_messages(django_settings)


def redis_quota_messages(settings: Any) -> list[CheckMessage]:
    estimate = forecast(settings)
    if not on_upstash(settings) or estimate.redis_commands <= UPSTASH_FREE_COMMANDS:
        return []
    parts = ", ".join(f"{name} {value:,.0f}" for name, value in estimate.redis.items())
    return [
        Warning(
            W090.format(estimate.redis_commands, UPSTASH_FREE_COMMANDS, parts),
            hint="Probe /healthz rather than /health, probe less often, or keep the library's Celery "
            "transport options (CELERY_BROKER_TRANSPORT_OPTIONS): docs/free-tiers.md.",
            obj="CELERY_BROKER_URL" if "idle worker" in estimate.redis else "REDIS_URL",
            id=CHECK_PREFIX + "W090",
        )
    ]


def database_quota_messages(settings: Any) -> list[CheckMessage]:
    estimate = forecast(settings)
    if not on_neon(settings) or estimate.database_cu_hours <= NEON_FREE_CU_HOURS:
        return []
    return [
        Warning(
            W091.format(estimate.database_awake_hours, estimate.database_cu_hours, NEON_FREE_CU_HOURS),
            hint=f"Anything that queries it more often than every {NEON_SUSPEND_SECONDS // 60} minutes keeps it "
            "awake: probe /healthz (no query) rather than /health, or less often (docs/free-tiers.md).",
            obj="DATABASE_URL",
            id=CHECK_PREFIX + "W091",
        )
    ]


CONCERN = Concern(
    name="quota",
    doc="The free tiers' quotas forecast from the configuration: Redis commands (Upstash) and "
    "database-awake hours (Neon) a month with no visitor; a deploy warning when over.",
    variables=VARIABLES,
    build=quota_settings,
    checks=(
        Check(check_redis_quota, ("W090",), ("CELERY_BROKER_URL", "REDIS_URL", "QUOTA_HEALTH_PROBE_SECONDS"), True),
        Check(check_database_quota, ("W091",), ("DATABASE_URL", "QUOTA_HEALTH_PROBE_SECONDS"), True),
    ),
)

__getattr__ = lazy_settings(CONCERN)
