"""The variables of the server plan (server/plan.py): gunicorn's workers, threads, timeouts and interface."""

from __future__ import annotations

from modestwear_config.env import variables_of
from modestwear_config.env.items import network_problem
from modestwear_config.server.plan import ASGI, server_plan

from .unit import Concern, Extra, no_settings

V = variables_of("gunicorn")
VARIABLES = (
    V("PORT", "int", "Port gunicorn binds on 0.0.0.0 (the platform sets it).", 8000, minimum=1, maximum=65535),
    V(
        "WEB_CONCURRENCY",
        "int",
        "gunicorn worker processes.",
        default_doc="2 x CPUs + 1 (cgroup quota and affinity), at most what fits the cgroup memory limit",
        example="3",
        minimum=1,
        maximum=256,
    ),
    V(
        "GUNICORN_WORKER_MEMORY_MB",
        "int",
        "Resident memory of one worker, for the default worker count and the memory check (W083).",
        170,  # measured: the example's worker with the library's settings, 2 workers x 4 threads (PITFALLS)
        minimum=16,
        maximum=65536,
    ),
    V("GUNICORN_THREADS", "int", "Threads per worker (gthread when > 1).", 4, minimum=1, maximum=256),
    V(
        "GUNICORN_TIMEOUT",
        "int",
        "Seconds before a silent worker is killed and restarted.",
        120,
        minimum=1,
        maximum=3600,
    ),
    V(
        "GUNICORN_MAX_REQUESTS",
        "int",
        "Requests before a worker is recycled (bounds slow leaks; 0 = never).",
        1000,
        minimum=0,
        maximum=10_000_000,
    ),
    V(
        "GUNICORN_MAX_REQUESTS_JITTER",
        "int",
        "Random extra requests so workers do not recycle together.",
        100,
        minimum=0,
        maximum=10_000_000,
    ),
    V(
        "GUNICORN_LOG_LEVEL",
        "str",
        "gunicorn's error-log level.",
        "info",
        choices=("debug", "info", "warning", "error", "critical"),
    ),
    V(
        "SERVER_INTERFACE",
        "str",
        "wsgi: gunicorn's sync/gthread workers serve the project's wsgi module; asgi: uvicorn workers under "
        "gunicorn serve its asgi module (needs the asgi extra).",
        "wsgi",
        choices=("wsgi", "asgi"),
    ),
    *(
        V(
            f"{interface.upper()}_APPLICATION",
            "str",
            f"The {interface.upper()} application gunicorn serves (deploy.sh, the gunicorn config), as Django's "
            f"setting spells it.",
            default_doc=f"<package>.{interface}.application, the package found beside DJANGO_SETTINGS_MODULE",
            example=f"mysite.{interface}.application",
        )
        for interface in ("wsgi", "asgi")
    ),
    V(
        "FORWARDED_ALLOW_IPS",
        "list",
        "Peers whose X-Forwarded-* headers gunicorn trusts: addresses or networks, or * (any peer: right only "
        "when the platform's proxy is the sole way in, as on Render).",
        (),
        default_doc="* when BEHIND_TLS_PROXY, else 127.0.0.1,::1",
        example="10.0.0.0/8",
        item_problem=network_problem,
    ),
)

CONCERN = Concern(
    name="gunicorn",
    doc="gunicorn -c python:modestwear_config.gunicorn: workers from the CPU quota, WSGI or ASGI.",
    variables=VARIABLES,
    build=no_settings,
    validate=server_plan,
    extras=(
        Extra("gunicorn", ("gunicorn",), "the server plan (no variable)", ("gunicorn>=27.0.1",)),
        ASGI,
    ),
)
