"""Celery settings (CELERY_ namespace); the app factory is modestwear_config.celery.create_celery_app."""

from __future__ import annotations

import importlib.util
from typing import Any

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .celery_idle import idle_settings
from .celery_urls import check_celery_urls
from .redis_tls import celery_ssl_options, check_no_tls_query
from .unit import CHECK_PREFIX, Check, Concern, Extra

V = variables_of("celery")
# django-celery-results' backends, which Celery finds by these names (its celery.result_backends entry points).
DJANGO_CELERY_RESULTS = ("django-db", "django-cache")
VARIABLES = (
    V(
        "CELERY_BROKER_URL",
        "url",
        "Celery broker; with one, tasks go to a worker (health and the doctor ask it).",
        secret=True,
        default_doc="REDIS_URL with CELERY_USE_REDIS_URL, else none: tasks run inline",
        example="rediss://default:token@host.upstash.io:6379",
    ),
    V(
        "CELERY_RESULT_BACKEND",
        "url",
        "Celery result backend: a URL, or a name Celery knows without one (django-db: django-celery-results).",
        secret=True,
        # Celery's result backends named without a URL (celery.app.backends.by_url: no "://", by name).
        choices=("rpc", "disabled", *DJANGO_CELERY_RESULTS),
        default_doc="REDIS_URL with CELERY_USE_REDIS_URL, else none",
        example="rediss://default:token@host.upstash.io:6379",
    ),
    V(
        "CELERY_TASK_ALWAYS_EAGER",
        "bool",
        "Run tasks inline in the web process (free tier: no worker).",
        default_doc="true when no broker is configured, else false",
        example="false",
    ),
    V(
        "CELERY_USE_REDIS_URL",
        "bool",
        "Use REDIS_URL as the broker and result backend (a worker must run).",
        False,
    ),
    V("CELERY_TASK_EAGER_PROPAGATES", "bool", "Eager tasks raise their exceptions to the caller.", True),
)
CELERY = Extra(
    "celery",
    ("celery", "redis"),
    "CELERY_BROKER_URL=redis://... (a worker runs the tasks)",
    ("celery[redis]>=5.6", "redis>=7.2"),
)

# With a host: a bare memory:// makes kombu log "No hostname was supplied" on every send.
IN_MEMORY_BROKER = "memory://localhost/"


def celery_settings(env: Env) -> dict[str, Any]:
    broker = broker_url(env)
    uses_redis_url = env("CELERY_USE_REDIS_URL")
    backend: str | None = env("CELERY_RESULT_BACKEND") or (env("REDIS_URL") if uses_redis_url else None)
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CELERY_USE_REDIS_URL"):
        if env.is_set(name):  # configured on purpose: a REDIS_URL for the cache alone needs no Celery
            CELERY.require(env, name)
    check_celery_urls(env, broker, backend)
    if backend in DJANGO_CELERY_RESULTS and importlib.util.find_spec("django_celery_results") is None:
        env.error("CELERY_RESULT_BACKEND", f"{backend} needs django-celery-results installed (and in INSTALLED_APPS)")
    if not env.is_set("CELERY_BROKER_URL"):
        env.derive("CELERY_BROKER_URL", broker or IN_MEMORY_BROKER, ("CELERY_USE_REDIS_URL", "REDIS_URL"))
    if not env.is_set("CELERY_RESULT_BACKEND"):
        env.derive("CELERY_RESULT_BACKEND", backend, ("CELERY_USE_REDIS_URL", "REDIS_URL"))
    eager: bool = env("CELERY_TASK_ALWAYS_EAGER", broker is None, from_=("CELERY_BROKER_URL", "CELERY_USE_REDIS_URL"))
    if broker is None and not eager:
        env.error(
            "CELERY_TASK_ALWAYS_EAGER",
            "is off but no broker is configured: tasks would be queued in "
            "memory and never run; set CELERY_BROKER_URL (or CELERY_USE_REDIS_URL=true) and run a worker",
        )
    settings: dict[str, Any] = {
        # No broker at all: an in-process broker, so the project still starts and runs tasks inline.
        "CELERY_BROKER_URL": broker or IN_MEMORY_BROKER,
        # None disables results: nothing to store them in without Redis.
        "CELERY_RESULT_BACKEND": backend,
        # Inline unless a broker was chosen: a queue nobody consumes would keep tasks forever.
        "CELERY_TASK_ALWAYS_EAGER": eager,
        # Inline tasks raise to the caller, as a plain function call would.
        "CELERY_TASK_EAGER_PROPAGATES": env("CELERY_TASK_EAGER_PROPAGATES"),
        # A worker waits for a broker that is still waking up instead of exiting (Celery 6 asks for it).
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        # JSON only: a pickle payload would run code written by anyone who can reach the broker.
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_RESULT_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
        # A Redis broker: an idle worker sends ~12,000 commands per 30 days, not 4.3 million (celery_idle.py).
        **idle_settings(broker),
    }
    # kombu would fall back to CERT_NONE for a bare rediss:// broker, and the result
    # backend refuses one: both get explicit options, verified unless opted out.
    for name, url, setting in (
        ("CELERY_BROKER_URL", broker, "CELERY_BROKER_USE_SSL"),
        ("CELERY_RESULT_BACKEND", backend, "CELERY_REDIS_BACKEND_USE_SSL"),
    ):
        if url and url.lower().startswith("rediss://"):
            # Named after the variable the URL came from (REDIS_URL when it is the default).
            check_no_tls_query(env, name if env.is_set(name) else "REDIS_URL", url)
            settings[setting] = celery_ssl_options(env)
    return settings


def broker_url(env: Env) -> str | None:
    """The broker, only when chosen explicitly: CELERY_BROKER_URL, or REDIS_URL with CELERY_USE_REDIS_URL.

    REDIS_URL alone is the cache: the free tier runs no worker, so making it the broker
    would queue every task (verification emails...) where nothing ever runs it.
    """
    explicit: str | None = env("CELERY_BROKER_URL")
    if explicit or not env("CELERY_USE_REDIS_URL"):
        return explicit
    redis_url: str | None = env("REDIS_URL")
    if not redis_url:
        env.error("CELERY_USE_REDIS_URL", "is on but REDIS_URL is not set: there is no broker to use")
    return redis_url


W032 = Warning(
    "CELERY_TASK_ALWAYS_EAGER is on while a broker is configured: tasks run in the web process "
    "and the broker is never used.",
    hint="Unset CELERY_TASK_ALWAYS_EAGER (it defaults to on only without a broker).",
    obj="CELERY_TASK_ALWAYS_EAGER",
    id=CHECK_PREFIX + "W032",
)


def check_eager_with_broker(**kwargs: Any) -> list[CheckMessage]:
    """Tasks run inline although a broker is configured."""
    broker = str(getattr(django_settings, "CELERY_BROKER_URL", "") or "")
    eager = getattr(django_settings, "CELERY_TASK_ALWAYS_EAGER", False)
    return [W032] if eager and broker and not broker.startswith("memory://") else []


CONCERN = Concern(
    name="celery",
    doc="Celery's broker, results and TLS options: tasks inline until a broker is chosen.",
    variables=VARIABLES,
    build=celery_settings,
    checks=(Check(check_eager_with_broker, ("W032",), ("CELERY_TASK_ALWAYS_EAGER",), deploy=True),),
    extras=(CELERY,),
)

__getattr__ = lazy_settings(CONCERN)
