"""One row of django-tasks-db's table, held and run for the web runner (components/web_tasks.py).

``Lease`` chooses a claimable row and holds FOR KEY SHARE on it, on a connection of a thread of its own,
while the task runs: claimers (FOR UPDATE SKIP LOCKED) skip the row, the runner's UPDATEs of it (RUNNING,
the result) pass, and a process that dies takes the lock with its connection.  ``execute`` runs the row
as db_worker does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import suppress
from queue import SimpleQueue
from typing import Any, TypeAlias, cast
from uuid import UUID

import django
from django.core.exceptions import SuspiciousOperation
from django.db import connections, transaction
from django.db.models import Field
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

if django.VERSION >= (6, 0):
    from django.tasks import TaskContext
    from django.tasks.signals import task_finished, task_started
else:  # the django-tasks backport on 5.2
    from django_tasks import TaskContext  # type: ignore[assignment, no-redef, unused-ignore]
    from django_tasks.signals import task_finished, task_started  # type: ignore[assignment, no-redef, unused-ignore]

Row: TypeAlias = "DBTaskResult[Any, Any]"
logger = logging.getLogger("modestwear_config.tasks")
ours = threading.local()  # `thread` is set on the runner's and the leases' threads


class Lease:
    """A thread and its session choosing rows for one runner thread, one at a time.  Each choice, in one
    transaction: SAVEPOINT, the first claimable row FOR UPDATE SKIP LOCKED, then in one message ROLLBACK
    TO SAVEPOINT (dropping that lock) and FOR KEY SHARE on the row, held until release().  Two runners
    that chose the row in the microseconds between both hold it: take()'s compare-and-set keeps one."""

    def __init__(self, candidates: Callable[[], DBTaskResultQuerySet], using: str) -> None:
        self.candidates, self.using = candidates, using
        self.asks: SimpleQueue[bool] = SimpleQueue()  # True: choose a row; False: close
        self.rows: SimpleQueue[Row | None] = SimpleQueue()
        self.releases: SimpleQueue[None] = SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name="web-tasks-lease", daemon=True)
        self.thread.start()

    def acquire(self) -> Row | None:
        """The next claimable row, held until release(); None when there is none (or choosing failed)."""
        self.asks.put(True)
        return self.rows.get()

    def release(self) -> None:
        self.releases.put(None)

    def close(self) -> None:
        self.asks.put(False)
        self.thread.join()

    def _serve(self) -> None:
        """One session for a whole drain: a new one per task would cost a connection (TLS, auth) each."""
        ours.thread = True
        try:
            while self.asks.get():
                self._hold_one()
        finally:
            connections[self.using].close()

    def _hold_one(self) -> None:
        connection = connections[self.using]
        table = connection.ops.quote_name(DBTaskResult._meta.db_table)
        pk = connection.ops.quote_name(str(cast("Field[Any, Any]", DBTaskResult._meta.get_field("id")).column))
        answered = False
        try:
            with transaction.atomic(using=self.using), connection.cursor() as cursor:
                # A long task holds this transaction open: no server timeout may end it (and free the row).
                cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
                cursor.execute("SAVEPOINT modestwear_choose")
                row = self.candidates().select_for_update(skip_locked=True).first()
                if row is not None:
                    uuid = str(UUID(str(row.pk)))  # a literal: two statements in one message take no parameters
                    cursor.execute(
                        f"ROLLBACK TO SAVEPOINT modestwear_choose; "
                        f"SELECT 1 FROM {table} WHERE {pk} = '{uuid}' FOR KEY SHARE"  # noqa: S608 - quoted names, a UUID
                    )
                self.rows.put(row)
                answered = True
                if row is not None:
                    self.releases.get()
        except Exception:
            logger.exception("web tasks: choosing a task failed; the next wake tries again")
        finally:
            if not answered:
                self.rows.put(None)


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
    with suppress(ImportError, SuspiciousOperation):  # the task is gone: its row says FAILED already
        task_finished.send(sender=type(row.task.get_backend()), task_result=row.task_result)
