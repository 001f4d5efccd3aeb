"""TASKS_BACKEND=web: django-tasks-db's table (the rows db_worker runs too), run after the response by at
most TASKS_WEB_THREADS threads of the web process that enqueued the task.

- ``Lease``: a second connection chooses the first claimable row (priority, run_after, enqueued_at) and
  holds FOR KEY SHARE on it while the task runs: claimers (FOR UPDATE SKIP LOCKED) skip it, the runner's
  UPDATEs pass.  ``Runner.take`` marks it RUNNING (compare-and-set) with a ``web-<host>-<pid>-<random>``
  token appended to ``worker_ids``; the task runs in autocommit on the runner's connection, as under db_worker.
- A process killed mid-task loses its connections: its row, RUNNING with a web token and unlocked, is taken
  again by the next choice.  At least once, never twice at once; db_worker's rows are never taken.
- No query until a wake: a task enqueued (after the response, once committed), the first request of the
  process that opens a database connection (/healthz never does), a timer at the earliest deferred
  run_after.  Threads exit once a choice finds nothing.  Other databases: compare-and-set only (W092).
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import threading
import time
from contextvars import ContextVar
from typing import Any, cast

import django
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections, router, transaction
from django.db.backends.signals import connection_created
from django.db.models import Min
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet, get_date_max

from modestwear_config.concerns.tasks import WEB_BACKEND

from .row_lease import Lease, Row, execute, logger, ours

if django.VERSION >= (6, 0):
    from django.tasks import TaskResultStatus
else:  # the django-tasks backport on 5.2
    from django_tasks import TaskResultStatus  # type: ignore[assignment, no-redef, unused-ignore]

TOKEN_PREFIX = "web-"
UID = "modestwear_config.web_tasks"
SHUTDOWN_GRACE = 20.0  # seconds a stopping worker waits for its running tasks (gunicorn's graceful_timeout is 30)
MAX_ATTEMPTS = 5  # starts of a task whose process died each time before it is marked FAILED
MAX_TIMER = 86_400.0  # a task deferred further than a day is looked at again after a day
# Runners to wake after this request (None outside one).  Under ASGI Django sends the request signals from
# asyncio tasks of their own, whose context the view never sees: the wake comes at commit there.
_after_response: ContextVar[list[Runner] | None] = ContextVar("modestwear_web_tasks", default=None)
_serving = threading.Event()  # this process has served a request (a server, not a management command)


class ProcessDied(Exception):
    """The FAILED result of a task whose process died in every attempt."""


class WebBackend(DatabaseBackend):
    """django-tasks-db's backend, whose enqueue also wakes this process's runner."""

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        result: Any = super().enqueue(task, args, kwargs)
        each = runner(self.alias)
        transaction.on_commit(each.wake_after_response, using=each.using)
        return result

    async def aenqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        result: Any = await super().aenqueue(task, args, kwargs)
        runner(self.alias).wake_after_response()  # async code runs in no transaction: stored already
        return result


class Runner:
    """One per process and backend alias: up to `size` threads, started by a wake, gone once drained."""

    def __init__(self, alias: str) -> None:
        conf = settings.TASKS[alias]
        self.alias = alias
        self.queues: list[str] = list(conf.get("QUEUES") or ["default"])
        self.size = int(conf.get("OPTIONS", {}).get("THREADS", 1))
        self.host = f"{socket.gethostname()[:32]}-{os.getpid()}"
        self.lock = threading.Lock()
        self.threads: set[threading.Thread] = set()
        self.wanted = False  # a wake not yet answered by a claim
        self.stopping = False
        self.timer: threading.Timer | None = None
        self.swept = False
        self.using = router.db_for_write(DBTaskResult)
        self.leases = connections[self.using].vendor == "postgresql"  # FOR KEY SHARE (no connection made)

    def wake_after_response(self) -> None:
        pending = _after_response.get()
        if pending is not None:
            pending.append(self)
            return
        self.wake()

    def wake(self) -> None:
        with self.lock:
            if self.stopping:
                return
            self.wanted = True
            if len(self.threads) >= self.size:
                return  # a running thread claims again before it exits
            thread = threading.Thread(target=self._work, name=f"web-tasks-{self.alias}", daemon=True)
            self.threads.add(thread)
        thread.start()

    def _work(self) -> None:
        ours.thread = True
        lease = Lease(self.candidates, self.using) if self.leases else None  # one for the whole drain
        try:
            while True:
                with self.lock:
                    if self.stopping:
                        return
                    self.wanted = False
                close_old_connections()
                if self.run_one(lease):
                    continue
                with self.lock:
                    if not self.wanted or self.stopping:
                        self.threads.discard(threading.current_thread())
                        last = not self.threads
                        break
            if last:
                self._arm_timer()
        except Exception:
            logger.exception("web tasks runner %s stopped; the next wake starts another", self.alias)
        finally:
            with self.lock:
                self.threads.discard(threading.current_thread())
            if lease:
                lease.close()
            connections.close_all()  # this thread's own connections

    def candidates(self) -> DBTaskResultQuerySet:
        every = cast(DBTaskResultQuerySet, DBTaskResult.objects.all())
        rows = every.ready()
        if self.leases:
            # RUNNING rows claimed by a web runner and not leased: their process died mid-task.
            rows = rows | every.running().filter(**{"worker_ids__-1__startswith": TOKEN_PREFIX})
        return rows.filter(backend_name=self.alias, queue_name__in=self.queues)

    def run_one(self, lease: Lease | None = None) -> bool:
        """Choose a task, take it and run it; False when nothing was claimable."""
        own = lease is None and self.leases
        lease = Lease(self.candidates, self.using) if own else lease
        try:
            row = lease.acquire() if lease else self.candidates().first()
            if row is not None and self.take(row):
                execute(row)
            return row is not None
        finally:
            if lease:
                lease.release()
            if lease and own:
                lease.close()

    def take(self, row: Row) -> bool:
        """Mark the chosen row RUNNING under a new token, if nobody changed it since it was chosen."""
        if row.status == TaskResultStatus.RUNNING and len(row.worker_ids) >= MAX_ATTEMPTS:
            row.set_failed(ProcessDied(f"its process died in each of its {len(row.worker_ids)} attempts"))
            return False  # a task that kills its process (memory) would otherwise take every new one down
        token = f"{TOKEN_PREFIX}{self.host}-{secrets.token_hex(4)}"
        taken = DBTaskResult.objects.filter(pk=row.pk, status=row.status, worker_ids=row.worker_ids).update(
            status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[*row.worker_ids, token]
        )
        if taken:
            row.refresh_from_db()
        return bool(taken)

    def _arm_timer(self) -> None:
        """One timer at the earliest deferred run_after of this backend's queues (none: no timer)."""
        deferred = DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__gt=timezone.now())
        deferred = deferred.filter(backend_name=self.alias, queue_name__in=self.queues)
        due = deferred.exclude(run_after=get_date_max()).aggregate(due=Min("run_after"))["due"]
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = None
            if due is None or self.stopping:
                return
            delay = min(MAX_TIMER, max(0.0, (due - timezone.now()).total_seconds()) + 0.05)
            self.timer = threading.Timer(delay, self.wake)
            self.timer.daemon = True
            self.timer.start()

    def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Claim nothing more; give running tasks `grace` seconds (an unfinished one stays claimable)."""
        with self.lock:
            self.stopping = True
            if self.timer is not None:
                self.timer.cancel()
            threads = list(self.threads)
        deadline = time.monotonic() + grace
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


_runners: dict[tuple[int, str], Runner] = {}
_runners_lock = threading.Lock()


def runner(alias: str) -> Runner:
    """This process's runner of `alias` (a forked child gets its own)."""
    key = (os.getpid(), alias)
    with _runners_lock:
        if key not in _runners:
            _runners[key] = Runner(alias)
        return _runners[key]


def web_aliases() -> list[str]:
    return [alias for alias, conf in settings.TASKS.items() if conf.get("BACKEND") == WEB_BACKEND]


def install() -> None:
    """Connect the wakes (AppConfig.ready, only when a TASKS backend is this one)."""
    request_started.connect(_request_started, dispatch_uid=UID)
    request_finished.connect(_request_finished, dispatch_uid=UID)
    connection_created.connect(_first_connection, dispatch_uid=UID)
    atexit.register(stop_all)


def _request_started(**kwargs: Any) -> None:
    _serving.set()
    _after_response.set([])


def _request_finished(**kwargs: Any) -> None:
    for each in dict.fromkeys(_after_response.get() or ()):
        each.wake()
    _after_response.set(None)


def _first_connection(**kwargs: Any) -> None:
    """A request opened a database connection: the database is awake, sweep once after this response."""
    if not _serving.is_set() or getattr(ours, "thread", False):
        return  # a management command, the runner's own threads
    for alias in web_aliases():
        each = runner(alias)
        if not each.swept:
            each.swept = True
            each.wake_after_response()


def stop_all() -> None:
    """At exit (a gunicorn worker stopping): this process's runners claim nothing more and finish, within a grace."""
    for (pid, _), each in list(_runners.items()):
        if pid == os.getpid():
            each.stop()
