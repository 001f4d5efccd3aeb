"""``SELECT 1`` on PostgreSQL with a client-side deadline, over one kept-open connection per alias.

libpq in non-blocking mode (psycopg.pq, its public libpq wrapper): every wait
is a poll() on the socket bounded by the deadline, so a server that accepts and
never answers the startup packet, or freezes mid-query, costs exactly the
deadline.  libpq's own connect_timeout cannot do that (it is >= 2 s and does not
cover a frozen server), and a server-side statement_timeout needs a live server
and a startup ``options`` parameter that poolers (PgBouncer, Neon's -pooler
hosts) reject.  The connection is dedicated to health checks (application_name
modestwear-health), separate from Django's request connections, and is reused
by every probe; an idle one does not keep Neon awake (it counts queries).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .libpq import KeptConnectionProbe, wait, with_hostaddr

APPLICATION_NAME = "modestwear-health"
_KEYWORDS: frozenset[str] | None = None


class PostgresProbe(KeptConnectionProbe):
    """SELECT 1 through psycopg 3's libpq wrapper (psycopg.pq), every wait bounded by the deadline."""

    driver_error = psycopg.Error

    def __init__(self, conninfo: str) -> None:
        super().__init__()
        self._conninfo = conninfo.encode()

    def connect(self, deadline: float) -> pq.abc.PGconn:
        return connect(self._conninfo, deadline)

    def select_one(self, conn: Any, deadline: float) -> None:
        select_one(conn, deadline)

    def disconnect(self, conn: Any) -> None:
        conn.finish()


def conninfo(params: dict[str, Any]) -> str:
    """A libpq connection string from Django's connection parameters (psycopg-only keys dropped)."""
    global _KEYWORDS
    if _KEYWORDS is None:
        _KEYWORDS = frozenset(d.keyword.decode() for d in pq.Conninfo.get_defaults())
    kept = {k: v for k, v in params.items() if k in _KEYWORDS and v is not None}
    kept["application_name"] = APPLICATION_NAME  # tells these sessions apart in pg_stat_activity
    return make_conninfo("", **kept)


def connect(conninfo_bytes: bytes, deadline: float) -> pq.abc.PGconn:
    pg = pq.PGconn.connect_start(resolved(conninfo_bytes, deadline))
    try:
        if pg.status == pq.ConnStatus.BAD:
            raise psycopg.OperationalError("connection could not start")
        state = pq.PollingStatus.WRITING  # libpq: act as if the last poll asked to write
        while state != pq.PollingStatus.OK:
            if state == pq.PollingStatus.FAILED:
                raise psycopg.OperationalError("connection failed")
            wait(pg.socket, state == pq.PollingStatus.WRITING, deadline)
            state = pq.PollingStatus(pg.connect_poll())
        pg.nonblocking = 1
        return pg
    except BaseException:
        pg.finish()
        raise


def resolved(conninfo_bytes: bytes, deadline: float) -> bytes:
    """The conninfo with `hostaddr` for each host name, looked up here, not by libpq.

    PQconnectStart resolves host names synchronously while psycopg holds the
    GIL: a slow resolver then stalls every thread of the worker (/healthz
    included).  socket.getaddrinfo releases the GIL, and runs in the probe's
    thread, which the runner stops waiting for at the deadline.
    """
    params = with_hostaddr(conninfo_to_dict(conninfo_bytes.decode()), deadline, psycopg.OperationalError)
    return conninfo_bytes if params is None else make_conninfo("", **params).encode()


def select_one(pg: pq.abc.PGconn, deadline: float) -> None:
    if pg.status != pq.ConnStatus.OK or pg.transaction_status != pq.TransactionStatus.IDLE:
        raise psycopg.OperationalError("connection not usable")
    pg.send_query(b"SELECT 1")
    while pg.flush():
        wait(pg.socket, True, deadline)
    pg.consume_input()
    while pg.is_busy():
        wait(pg.socket, False, deadline)
        pg.consume_input()
    statuses = []
    while (result := pg.get_result()) is not None:
        statuses.append(result.status)
    if statuses != [pq.ExecStatus.TUPLES_OK]:
        raise psycopg.DatabaseError("SELECT 1 did not return a row")
