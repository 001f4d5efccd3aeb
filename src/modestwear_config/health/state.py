"""What /health keeps between probes in this process, owned by one object with one reset after fork.

The runner's flights and cached results, and the probes' kept clients (a PostgreSQL session per
alias, Redis clients, Celery control apps, the migrations verdict) all live in ``STATE``.
``close()`` closes what it holds (tests, or settings changed at run time); after a fork the child
gets a fresh state and never touches its parent's sockets (``os.register_at_fork``).
"""

from __future__ import annotations

import os
import threading
from typing import Any


class HealthState:
    def __init__(self) -> None:
        self.lock = threading.Lock()  # guards every dict below
        self.flights: dict[str, Any] = {}  # check name -> the _Flight running it (runner.py)
        self.cache: dict[str, tuple[float, Any]] = {}  # check name -> (when, Result)
        self.abandoned: dict[str, int] = {}  # check name -> flights given up on whose thread still runs
        self.sockets: dict[str, list[tuple[int, int]]] = {}  # check name -> kept sockets (fd, inode) it connected
        self.waiter = threading.Lock()  # held by the one request that may wait the whole budget
        self.database_probes: dict[str, tuple[dict[str, Any], Any]] = {}  # alias -> (its settings, probe)
        self.redis_clients: dict[tuple[str, str, float], Any] = {}
        self.celery_apps: dict[str, Any] = {}  # broker URL -> a control-only Celery app
        self.migrations: dict[str, float] = {}  # "applied_at" once none are pending; "pending_at" else

    def forget_results(self) -> None:
        """Forget every flight and cached result; a flight still running is orphaned, never awaited."""
        with self.lock:
            self.flights = {}
            self.cache = {}
            self.abandoned = {}

    def close(self) -> None:
        """Close every kept connection and forget everything."""
        with self.lock:
            kept = [probe for _, probe in self.database_probes.values()]
            clients = [*self.redis_clients.values(), *self.celery_apps.values()]
            self.database_probes, self.redis_clients, self.celery_apps = {}, {}, {}
            self.migrations = {}
            self.flights, self.cache, self.abandoned = {}, {}, {}
        for probe in kept:
            getattr(probe, "close", lambda: None)()
        for client in clients:
            client.close()

    def after_fork(self) -> None:
        """In a forked child: a new lock (the parent's may be held) and nothing of the parent's."""
        self.__init__()  # type: ignore[misc]


STATE = HealthState()
if hasattr(os, "register_at_fork"):  # gunicorn --preload forks after the parent may have probed
    os.register_at_fork(after_in_child=STATE.after_fork)
