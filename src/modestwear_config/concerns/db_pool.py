"""How PostgreSQL connections are held, chosen by the server interface (part of the database concern).

WSGI (gunicorn sync/gthread): one persistent connection per thread (CONN_MAX_AGE), so sessions are
bounded by workers x threads.  ASGI: Django runs each request's sync code on a thread of its own, so
persistent connections pile up, one per request that ever ran (22 idle sessions on one uvicorn
worker, "too many clients" at max_connections=25).  Django's docs say to turn them off under ASGI;
without a bound, 100 concurrent requests still open 100 sessions.  So under ASGI the default is
Django's psycopg pool (OPTIONS["pool"], Django >= 5.1): at most DATABASE_POOL_MAX_SIZE sessions per
worker process, a request waits up to DATABASE_POOL_TIMEOUT for one.  Behind Neon's ``-pooler`` host
PgBouncer already pools the server sessions: no second pool, and connections close after each
request under ASGI.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from modestwear_config.env import Env, variables_of

from .unit import Extra

V = variables_of("database")
POOL_VARIABLES = (
    V(
        "DATABASE_POOL",
        "str",
        "Django's psycopg connection pool: auto (on under ASGI, off under WSGI and behind a -pooler host), on, off.",
        "auto",
        choices=("auto", "on", "off"),
    ),
    V(
        "DATABASE_POOL_MAX_SIZE",
        "int",
        "Most PostgreSQL sessions one worker process holds with the pool (x workers x instances <= the server's limit).",
        4,
        minimum=1,
        maximum=1000,
    ),
    V(
        "DATABASE_POOL_MIN_SIZE",
        "int",
        "Sessions the pool keeps open even when idle (0 lets Neon suspend).",
        0,
        minimum=0,
        maximum=1000,
    ),
    V(
        "DATABASE_POOL_TIMEOUT",
        "float",
        "Seconds a request waits for a pooled connection before failing.",
        10.0,
        minimum=0.5,
        maximum=600,
    ),
)
# Idle pooled sessions above min_size are closed after this many seconds: before Neon's 5-minute
# suspend closes them from the server side under a waiting request.
POOL_MAX_IDLE = 240.0
# ASGI servers, as their command names (`uvicorn core.asgi:application`, `python -m daphne ...`).
ASGI_SERVERS = ("uvicorn", "daphne", "hypercorn", "granian")
# The pool comes with the postgres extras (their floors are declared with them, in database.py).
POOL = Extra("postgres", ("psycopg", "psycopg_pool"), "Django's psycopg pool")


def started_by_asgi_server(argv: list[str]) -> bool:
    """The process's command is an ASGI server, or gunicorn told to run uvicorn's workers.

    The command line, not the modules imported: a WSGI process may well have imported uvicorn
    (a test run, a shell), and gunicorn under the library's own config sets SERVER_INTERFACE itself.
    """
    if not argv:
        return False
    path = Path(argv[0])
    program = path.parent.name if path.name == "__main__.py" else path.name
    if program in ASGI_SERVERS:
        return True
    return program == "gunicorn" and any("uvicorn" in arg.lower() for arg in argv[1:])


def server_interface(env: Env) -> str:
    """SERVER_INTERFACE when set, else asgi when this process was started by an ASGI server."""
    if env.is_set("SERVER_INTERFACE"):
        return str(env("SERVER_INTERFACE"))
    detected = "asgi" if started_by_asgi_server(sys.argv) else "wsgi"
    env.derive("SERVER_INTERFACE", detected, ())
    return detected


def apply_connection_policy(env: Env, name: str, config: dict[str, Any], pooler: bool, poolable: bool) -> None:
    """CONN_MAX_AGE and OPTIONS["pool"] for one server database alias (`name` is its variable).

    `poolable`: the engine is PostgreSQL through psycopg 3 (Django's only pool).
    """
    asgi = server_interface(env) == "asgi"
    choice: str = env("DATABASE_POOL")
    if choice == "on" and not poolable:
        env.error("DATABASE_POOL", f"is on, but {name} is not PostgreSQL: Django pools psycopg connections only")
        return
    pooled = choice == "on" or (choice == "auto" and asgi and poolable and not pooler)
    if choice == "auto":
        env.derive("DATABASE_POOL", "on" if pooled else "off", ("SERVER_INTERFACE", "DATABASE_URL"))
    if choice == "on" and pooler:
        env.error(
            "DATABASE_POOL", f"is on, but {name} is a -pooler host (PgBouncer): a second pool only holds its sessions"
        )
        return
    if not pooled:
        if asgi and not env.is_set("DATABASE_CONN_MAX_AGE"):
            # Persistent connections pile up under ASGI (one per request thread): close each after its request.
            config["CONN_MAX_AGE"] = 0
            env.derive("DATABASE_CONN_MAX_AGE", 0, ("SERVER_INTERFACE",))
        return
    if env.is_set("DATABASE_CONN_MAX_AGE") and env("DATABASE_CONN_MAX_AGE") != 0:
        env.error(
            "DATABASE_CONN_MAX_AGE",
            "must be 0 (or unset) with DATABASE_POOL: Django refuses a pool with persistent connections",
        )
        return
    POOL.require(env, "DATABASE_POOL" if choice == "on" else "SERVER_INTERFACE")
    low: int = env("DATABASE_POOL_MIN_SIZE")
    high: int = env("DATABASE_POOL_MAX_SIZE")
    if low > high:
        env.error("DATABASE_POOL_MIN_SIZE", "must not exceed DATABASE_POOL_MAX_SIZE")
        return
    config["CONN_MAX_AGE"] = 0  # the pool keeps the sessions; Django returns each one after its request
    config["CONN_HEALTH_CHECKS"] = False  # nothing persistent to check; the pool discards broken sessions
    if not env.is_set("DATABASE_CONN_MAX_AGE"):
        env.derive("DATABASE_CONN_MAX_AGE", 0, ("DATABASE_POOL",))
    config["OPTIONS"]["pool"] = {
        "min_size": low,
        "max_size": high,
        "timeout": env("DATABASE_POOL_TIMEOUT"),  # seconds a request waits for a session
        "max_idle": POOL_MAX_IDLE,  # seconds before an idle session above min_size is closed
    }
