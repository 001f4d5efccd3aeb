"""TASKS_BACKEND=web: django-tasks-db's table, run by a few threads of the web process itself.

No worker service.  A task is stored by django-tasks-db's DatabaseBackend (same table, same rows: a
project can switch to ``database`` and ``db_worker`` later), and the process that enqueued it runs it
after the response, on at most TASKS_WEB_THREADS threads of its own (never on the event loop).

- Choice and lease (``Lease``): a second connection, on a thread of its own, chooses the first claimable
  row ``FOR UPDATE SKIP LOCKED`` (priority, then run_after, then enqueued_at: the model's order) and holds
  ``FOR KEY SHARE`` on it until the task is over.  Other claimers skip it; the runner's own UPDATEs pass.
- Take (``Runner.take``): a compare-and-set marks it RUNNING with a token appended to ``worker_ids``
  (``web-<host>-<pid>-<random>``), committed, so the result shows it running; the task then runs on the
  runner's connection in autocommit, as under db_worker, and its result is written the same way.
- A process killed mid-task closes its connections: the row is RUNNING, a web runner's (token), and
  unlocked, so the next choice takes it again.  At least once; never twice at the same time.  A row
  db_worker runs (its worker id is not a web token) is never taken.
- Idle: nothing runs until a wake.  Wakes: a task enqueued (after the response, once committed); the
  first request of the process that opens a database connection (the database is awake anyway: /healthz
  probes never wake it); a timer at the earliest deferred ``run_after``.  Threads exit once a claim finds
  nothing: no query until the next wake.
- Other databases (SQLite): claims are a compare-and-set on READY, no lease; a task killed mid-run stays
  RUNNING (W092).
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import socket
import threading
import time
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeAlias, cast
from uuid import UUID

import django
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections, router, transaction
from django.db.backends.signals import connection_created
from django.db.models import Field, Min
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet, get_date_max

if django.VERSION >= (6, 0):
    from django.tasks import TaskContext, TaskResultStatus
    from django.tasks.signals import task_finished, task_started
else:  # the django-tasks backport on 5.2
    from django_tasks import TaskContext, TaskResultStatus  # type: ignore[assignment, no-redef, unused-ignore]
    from django_tasks.signals import task_finished, task_started  # type: ignore[assignment, no-redef, unused-ignore]

Row: TypeAlias = "DBTaskResult[Any, Any]"
logger = logging.getLogger("modestwear_config.tasks")
TOKEN_PREFIX = "web-"
UID = "modestwear_config.web_tasks"
SHUTDOWN_GRACE = 20.0  # seconds a stopping worker waits for its running tasks (gunicorn's graceful_timeout is 30)
MAX_TIMER = 86_400.0  # a task deferred further than a day is looked at again after a day
# The runners this request should wake once it is over (None outside a request).  Under ASGI Django sends
# the request signals from tasks of their own, whose context the view never sees: there the wake comes
# at commit, still on the runner's threads (never the event loop).
_after_response: ContextVar[list[Runner] | None] = ContextVar("modestwear_web_tasks", default=None)
_serving = threading.Event()  # this process has served a request (a server, not a management command)
_ours = threading.local()  # set on the runner's and the leases' threads


class WebBackend(DatabaseBackend):
    """django-tasks-db's backend, whose enqueue also wakes this process's runner."""

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        result: Any = super().enqueue(task, args, kwargs)
        transaction.on_commit(runner(self.alias).wake_after_response, using=router.db_for_write(DBTaskResult))
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
        self.due: datetime | None = None
        self.swept = False

    def wake_after_response(self) -> None:
        pending = _after_response.get()
        if pending is None:
            self.wake()
        else:
            pending.append(self)

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
        _ours.thread = True
        try:
            while True:
                with self.lock:
                    if self.stopping:
                        return
                    self.wanted = False
                close_old_connections()
                if self.run_one():
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
            connections.close_all()  # this thread's own connections

    def candidates(self) -> DBTaskResultQuerySet:
        every = cast(DBTaskResultQuerySet, DBTaskResult.objects.all())
        rows = every.ready()
        if self.leases():
            # RUNNING rows claimed by a web runner and not leased: their process died mid-task.
            rows = rows | every.running().filter(**{"worker_ids__-1__startswith": TOKEN_PREFIX})
        return rows.filter(backend_name=self.alias, queue_name__in=self.queues)

    def leases(self) -> bool:
        return bool(connections[router.db_for_write(DBTaskResult)].vendor == "postgresql")

    def run_one(self) -> bool:
        """Choose a task, take it and run it; False when nothing was claimable."""
        if not self.leases():
            row = self.candidates().first()
            if row is None:
                return False
            if self.take(row):
                execute(row)
            return True
        lease = Lease(self, router.db_for_write(DBTaskResult))
        try:
            row = lease.acquire()
            if row is None:
                return False
            if self.take(row):
                execute(row)
        finally:
            lease.release()
        return True

    def take(self, row: Row) -> bool:
        """Mark the chosen row RUNNING under a new token, if nobody changed it since it was chosen."""
        token = f"{TOKEN_PREFIX}{self.host}-{secrets.token_hex(4)}"
        taken = DBTaskResult.objects.filter(pk=row.pk, status=row.status, worker_ids=row.worker_ids).update(
            status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[*row.worker_ids, token]
        )
        if taken:
            row.refresh_from_db()
        return bool(taken)

    def _arm_timer(self) -> None:
        """One timer at the earliest deferred run_after of this backend's queues (none: no timer)."""
        due = (
            DBTaskResult.objects.filter(
                status=TaskResultStatus.READY,
                backend_name=self.alias,
                queue_name__in=self.queues,
                run_after__gt=timezone.now(),
            )
            .exclude(run_after=get_date_max())
            .aggregate(due=Min("run_after"))["due"]
        )
        with self.lock:
            if due is None or self.stopping or (self.due is not None and self.due <= due):
                return
            if self.timer is not None:
                self.timer.cancel()
            delay = min(MAX_TIMER, max(0.0, (due - timezone.now()).total_seconds()) + 0.05)
            self.due, self.timer = due, threading.Timer(delay, self._timer_fired)
            self.timer.daemon = True
            self.timer.start()

    def _timer_fired(self) -> None:
        with self.lock:
            self.due, self.timer = None, None
        self.wake()

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


class Lease:
    """The choice of a row and a FOR KEY SHARE lock on it, held by a connection of a thread of its own
    while the task runs on the runner's.

    In one transaction: ``SAVEPOINT``; the first claimable row ``FOR UPDATE SKIP LOCKED``; then, in one
    message to the server, ``ROLLBACK TO SAVEPOINT`` (which drops the FOR UPDATE lock) and ``FOR KEY SHARE``
    on that row.  Claimers skip the row from then on (FOR UPDATE conflicts with KEY SHARE), while the
    runner's UPDATEs of it (RUNNING, the result) pass.  Two runners that chose the same row in the
    microseconds between those statements both hold KEY SHARE: ``Runner.take``'s compare-and-set keeps one.
    """

    def __init__(self, runner: Runner, using: str) -> None:
        self.runner, self.using = runner, using
        self.row: Row | None = None
        self.decided = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._hold, name="web-tasks-lease", daemon=True)

    def acquire(self) -> Row | None:
        self.thread.start()
        self.decided.wait()
        return self.row

    def release(self) -> None:
        self.done.set()
        self.thread.join()

    def _hold(self) -> None:
        _ours.thread = True
        connection = connections[self.using]
        table = connection.ops.quote_name(DBTaskResult._meta.db_table)
        pk = connection.ops.quote_name(_column("id"))
        try:
            with transaction.atomic(using=self.using), connection.cursor() as cursor:
                # A long task holds this transaction open: no server timeout may end it (and free the row).
                cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
                cursor.execute("SAVEPOINT modestwear_choose")
                row = self.runner.candidates().select_for_update(skip_locked=True).first()
                if row is not None:
                    uuid = str(UUID(str(row.pk)))  # a literal: two statements in one message take no parameters
                    cursor.execute(
                        f"ROLLBACK TO SAVEPOINT modestwear_choose; "
                        f"SELECT 1 FROM {table} WHERE {pk} = '{uuid}' FOR KEY SHARE"  # noqa: S608 - quoted names, a UUID
                    )
                self.row = row
                self.decided.set()
                if row is not None:
                    self.done.wait()
        except Exception:
            logger.exception("web tasks: choosing a task failed; the next wake tries again")
        finally:
            self.decided.set()
            connection.close()


def _column(name: str) -> str:
    field = cast("Field[Any, Any]", DBTaskResult._meta.get_field(name))
    return str(field.column)


def execute(row: Row) -> None:
    """Run a claimed row as db_worker does: the signals, the context, the result or the error."""
    try:
        task = row.task
        result = row.task_result
        sender = type(task.get_backend())
        task_started.send(sender=sender, task_result=result)
        args = (TaskContext(task_result=result), *result.args) if task.takes_context else tuple(result.args)
        row.set_successful(task.call(*args, **result.kwargs))
    except BaseException as exc:  # as db_worker: a SystemExit inside a task is its failure, not ours
        logger.exception("task %s failed", row.pk)
        row.set_failed(exc)
    try:
        task_finished.send(sender=type(row.task.get_backend()), task_result=row.task_result)
    except ImportError:  # the task's module is gone: its row says FAILED already
        pass


# -- per process -----------------------------------------------------------------------------------
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
    path = f"{WebBackend.__module__}.{WebBackend.__qualname__}"
    return [alias for alias, conf in getattr(settings, "TASKS", {}).items() if conf.get("BACKEND") == path]


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
    pending = _after_response.get()
    _after_response.set(None)
    for each in dict.fromkeys(pending or ()):
        each.wake()


def _first_connection(**kwargs: Any) -> None:
    """A request opened a database connection: the database is awake, sweep once after this response."""
    if not _serving.is_set() or getattr(_ours, "thread", False):
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
