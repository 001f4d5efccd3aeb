"""``SELECT 1`` on PostgreSQL through psycopg2, for projects that run Django on psycopg2 (Django
supports both): the same client-side deadline and kept connection as postgres.py, through psycopg2's
documented asynchronous mode (``async_=1``, ``poll()`` and ``fileno()``), every wait a poll() on the
socket bounded by the deadline."""

from __future__ import annotations

from typing import Any

import psycopg2  # type: ignore[import-untyped,unused-ignore]
import psycopg2.extensions  # type: ignore[import-untyped,unused-ignore]

from .libpq import KeptConnectionProbe, wait, with_hostaddr

APPLICATION_NAME = "modestwear-health"


class Psycopg2Probe(KeptConnectionProbe):
    """SELECT 1 through psycopg2's asynchronous mode, every wait bounded by the deadline."""

    driver_error = psycopg2.Error

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__()
        self._params = libpq_params(params)

    def connect(self, deadline: float) -> Any:
        return connect(self._params, deadline)

    def select_one(self, conn: Any, deadline: float) -> None:
        select_one(conn, deadline)

    def disconnect(self, conn: Any) -> None:
        conn.close()


def libpq_params(params: dict[str, Any]) -> dict[str, Any]:
    """Django's connection parameters that libpq knows (asked of libpq itself), as a DSN takes them."""
    kept: dict[str, Any] = {"application_name": APPLICATION_NAME}
    for key, value in params.items():
        if value is None or key in kept or not isinstance(value, (str, int, float)):
            continue  # cursor_factory and other driver objects
        try:
            psycopg2.extensions.make_dsn(**{key: value})
        except psycopg2.ProgrammingError:  # "invalid dsn: invalid connection option"
            continue
        kept[key] = value
    return kept


def connect(params: dict[str, Any], deadline: float) -> Any:
    dsn = psycopg2.extensions.make_dsn(**(with_hostaddr(params, deadline, psycopg2.OperationalError) or params))
    conn = psycopg2.connect(dsn, async_=1)
    try:
        poll(conn, deadline)
        return conn
    except BaseException:
        conn.close()
        raise


def select_one(conn: Any, deadline: float) -> None:
    if conn.closed:
        raise psycopg2.OperationalError("connection not usable")
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT 1")
        poll(conn, deadline)
        if cursor.fetchone() != (1,):
            raise psycopg2.DatabaseError("SELECT 1 did not return a row")
    finally:
        cursor.close()


def poll(conn: Any, deadline: float) -> None:
    """Until the connection's current operation completes, or TimeoutError at the deadline."""
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        if state not in (psycopg2.extensions.POLL_READ, psycopg2.extensions.POLL_WRITE):
            raise psycopg2.OperationalError("unexpected poll state")
        wait(conn.fileno(), state == psycopg2.extensions.POLL_WRITE, deadline)
