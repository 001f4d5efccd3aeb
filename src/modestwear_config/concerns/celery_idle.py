"""What an idle Celery worker costs on a Redis broker, and the settings that make it almost nothing.

Celery's and kombu's defaults send about 100 commands a minute from an idle worker (measured:
benchmarks/idle_cost.py; 4.3 million per 30 days, 8.6x Upstash's free 500,000 a month): BRPOP
every second, a heartbeat PUBLISH every 2 s, binding sweeps, unacked-restore sweeps and PINGs.
A task is still picked up at once: BRPOP *blocks* and returns as soon as a task is pushed, so
its timeout only decides how often an idle worker asks again, never how long a task waits.

The quota forecast (concerns/quota.py) uses idle_commands_per_month below, the same numbers.
"""

from __future__ import annotations

import socket
from typing import Any

# BRPOP's server-side timeout (kombu's polling_interval): one command per this many seconds while
# idle, 8,640 per 30 days (Celery's 1 s: 2.6 million).  Pickup is immediate whatever it is (a
# push wakes the blocked BRPOP, measured 0.01-0.15 s).  A warm shutdown would wait for the
# outstanding BRPOP, past a platform's ~30 s grace: the worker releases it on SIGTERM
# (modestwear_config.celery.unblock_brpop; measured: 2 s).
BRPOP_TIMEOUT = 300
# redis-py's PING on a connection idle this long, and kombu's PING of the pub/sub connection (remote
# control): 720 per 30 days (kombu's 25 s: 104,000).  Dead peers are found for free by TCP keepalive
# below (kernel probes, no Redis command), so this is only a last resort.
HEALTH_CHECK_INTERVAL = 3600
# Sweeps for unacknowledged messages to restore run every interval x throttle (10) seconds, about
# 4 commands each: hourly is 2,880 per 30 days (kombu's 100 s: 104,000).  A message only becomes
# restorable after the visibility timeout (an hour), so sweeping more often gains nothing.
UNACKED_RESTORE_INTERVAL = 360
# Kernel keepalive probes after 60 s of silence, every 15 s, 4 misses: a dead broker connection
# (a NAT or proxy that dropped it) is noticed in ~2 minutes at zero Redis commands.
KEEPALIVE = {"TCP_KEEPIDLE": 60, "TCP_KEEPINTVL": 15, "TCP_KEEPCNT": 4}

# The worker's consumer without its heartbeat (a PUBLISH every 2 s: 1.3 million per 30 days),
# gossip (receives those heartbeats, and its event queue's binding sweep is a script every
# minute) and mingle (a start-up broadcast; its reply wait leaves a BRPOP outstanding, which
# delayed the first tasks by up to BRPOP_TIMEOUT).  They serve monitors (Flower) and
# coordination between workers; a free tier runs one.  Celery's consumer back:
# CELERY_WORKER_CONSUMER = "celery.worker.consumer:Consumer".
WORKER_CONSUMER = "modestwear_config.celery_consumer:IdleFreeConsumer"
CONSUMER_OPTIONS = {"without_heartbeat": True, "without_gossip": True, "without_mingle": True}
# The name the broker connections carry (CLIENT SETNAME, once per connection), so that a worker's
# shutdown can find its own blocked BRPOP and release it (celery_consumer.unblock_brpop).
CLIENT_NAME = "modestwear-celery"


def keepalive_options() -> dict[int, int]:
    # Linux and macOS name the options differently (macOS lacks TCP_KEEPIDLE): set what exists.
    return {getattr(socket, name): value for name, value in KEEPALIVE.items() if hasattr(socket, name)}


def idle_settings(broker: str | None) -> dict[str, Any]:
    """The CELERY_* settings for a Redis broker; none for others (they are kombu's Redis options)."""
    if not broker or not broker.lower().startswith(("redis://", "rediss://")):
        return {}
    return {
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "polling_interval": BRPOP_TIMEOUT,
            "health_check_interval": HEALTH_CHECK_INTERVAL,
            "unacked_restore_interval": UNACKED_RESTORE_INTERVAL,
            "socket_keepalive": True,
            "socket_keepalive_options": keepalive_options(),
            "client_name": CLIENT_NAME,
        },
        # Remote-control queues without x-expires: with one, kombu sweeps their bindings with a script
        # every minute (43,200 per 30 days) and refreshes them every 20 minutes.  The worker still answers
        # pings; what is left behind is one set member per worker start, a few bytes.
        "CELERY_CONTROL_QUEUE_EXPIRES": None,
        "CELERY_WORKER_CONSUMER": WORKER_CONSUMER,
    }


def idle_commands_per_month(settings: Any, seconds: float = 30 * 24 * 3600) -> float:
    """Commands an idle worker configured by these (Django) settings sends in `seconds`: the
    forecast's model of the sources above, checked against a real worker by tests/test_quota.py."""
    options: dict[str, Any] = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    brpop = float(options.get("polling_interval") or 1)  # kombu: BRPOP timeout 1 s
    health = float(options.get("health_check_interval", 25) or 0)
    restore = float(options.get("unacked_restore_interval", 10) or 10) * 10  # x the throttle
    ours = getattr(settings, "CELERY_WORKER_CONSUMER", None) == WORKER_CONSUMER
    expiring = 0 if getattr(settings, "CELERY_CONTROL_QUEUE_EXPIRES", 10.0) is None else 1
    subscribers = 1 if ours else 2  # remote control; gossip's event receiver
    per_second = 1 / brpop + RESTORE_SWEEP_COMMANDS / restore + (subscribers / health if health else 0)
    if not ours:
        per_second += 1 / HEARTBEAT_SECONDS  # worker-heartbeat PUBLISH
        expiring += 1  # gossip's event queue expires too
    per_second += expiring * SWEEP_COMMANDS / SWEEP_SECONDS
    return per_second * seconds


HEARTBEAT_SECONDS = 2.0  # Celery's worker heartbeat
SWEEP_SECONDS = 60.0  # kombu's sweep of expiring bindings, per channel consuming an expiring queue
SWEEP_COMMANDS = 3  # EVALSHA, and the TIME and ZRANGEBYSCORE its script runs
RESTORE_SWEEP_COMMANDS = 4  # the mutex SET, ZRANGE, the mutex release script (and its GET)
