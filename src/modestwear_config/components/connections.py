"""Connection health checks that cost a round trip only when they can protect something.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request
that reuses a connection: free on loopback, a whole round trip (20-150 ms) to a
remote Neon.  A connection dies between requests in two ways, and both are caught here
without that round trip on a busy connection:

- the server closed it (Neon's suspend, a restart, pg_terminate_backend): the server's
  goodbye (an error message, then FIN) is already waiting on the socket, so a zero-timeout
  poll of the socket finds it;
- it vanished silently (a NAT or proxy dropped it): only possible after it sat idle, so a
  connection idle for more than CONN_HEALTH_CHECKS_IDLE seconds still gets Django's check.

Otherwise the request skips the check by marking it done (`health_check_done`, the flag
Django itself sets after checking), right after Django's own `close_old_connections`
cleared it on request_started.  Idle time is measured from the last statement, recorded by
an execute wrapper (Django's documented ``connection.execute_wrapper()``, entered for the
length of each request), not from the last request: a request that never touches the
database does not make its connection any younger.
"""

from __future__ import annotations

import select
import time
import weakref
from collections.abc import Callable
from contextlib import ExitStack
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.backends.signals import connection_created

from modestwear_config.compat import health_check_pending, skip_health_check
from modestwear_config.concerns.database import IDLE_KEY

_last_used: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
# The request's execute wrappers, entered at request_started and left at request_finished.
_request_wrappers: ContextVar[ExitStack | None] = ContextVar("modestwear_request_wrappers", default=None)
UID = "modestwear_config.connections"


def install() -> None:
    """Connect the receivers (AppConfig.ready; dispatch_uid keeps it idempotent)."""
    connection_created.connect(_on_connect, dispatch_uid=UID)
    request_started.connect(_skip_needless_checks, dispatch_uid=UID)
    request_started.connect(_enter_wrappers, dispatch_uid=f"{UID}.wrappers")
    request_finished.connect(_leave_wrappers, dispatch_uid=f"{UID}.wrappers")


def _on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
    _last_used[connection] = time.monotonic()


def _enter_wrappers(**kwargs: Any) -> None:
    """Record each statement of this request: the first wrapper entered, the last left, so a
    project's own `with connection.execute_wrapper(...)` nests inside ours."""
    _leave_wrappers()
    stack = ExitStack()
    for conn in connections.all():
        stack.enter_context(conn.execute_wrapper(_record_use))
    _request_wrappers.set(stack)


def _leave_wrappers(**kwargs: Any) -> None:
    stack = _request_wrappers.get()
    if stack is not None:
        _request_wrappers.set(None)
        stack.close()


def _record_use(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]) -> Any:
    _last_used[context["connection"]] = time.monotonic()
    return execute(sql, params, many, context)


def _skip_needless_checks(**kwargs: Any) -> None:
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        # Were a future Django to rename its flags, every request keeps Django's own check (compat.py).
        if conn.connection is None or not health_check_pending(conn):
            continue
        idle_limit = conn.settings_dict.get(IDLE_KEY)
        last = _last_used.get(conn)
        if idle_limit and last is not None and now - last < idle_limit and _quiet(conn.connection):
            skip_health_check(conn)


def _quiet(raw: Any) -> bool:
    """True when nothing waits on the idle connection's socket (no error, no EOF, no data)."""
    fileno = getattr(raw, "fileno", None)
    if fileno is None:
        return False  # a driver without a socket to look at: keep Django's check
    try:
        poller = select.poll()
        poller.register(fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except Exception:  # noqa: BLE001 - a closed or broken handle: let Django's check decide
        return False
