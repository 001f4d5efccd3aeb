"""TASKS for Django's Tasks framework (django.tasks, 6.0; the django-tasks backport on 5.2).

immediate (the default) runs a task inline where it is enqueued: nothing else to run, right for
development and a single free instance.  database stores tasks in the project's database and runs
them in django-tasks-db's `manage.py db_worker`; web stores them in the same table and runs them in the
web process itself, after the response, on a few threads (components/web_tasks.py: no second service,
no query while idle); celery hands them to Celery's broker and workers
(django-tasks-celery, Django >= 6.0); dummy stores them and never runs them (tests).
"""

from __future__ import annotations

import re
from typing import Any

import django
from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning
from django.utils.module_loading import import_string

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .celery import broker_url
from .compose import Rank
from .unit import CHECK_PREFIX, Check, Concern, Extra, Placed

BUILT_IN_SINCE = (6, 0)
WEB_BACKEND = "modestwear_config.components.web_tasks.WebBackend"
QUEUE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
V = variables_of("tasks")
VARIABLES = (
    V(
        "TASKS_BACKEND",
        "str",
        "Where django.tasks run: immediate (inline), database (db_worker), web (the database queue, run by "
        "the web process after the response), celery (Celery's workers; Django >= 6.0), dummy (never run).",
        "immediate",
        choices=("immediate", "database", "web", "celery", "dummy"),
    ),
    V(
        "TASKS_WEB_THREADS",
        "int",
        "With TASKS_BACKEND=web: most tasks one web process runs at once (each holds two database sessions, "
        "from DATABASE_POOL_MAX_SIZE under ASGI).",
        1,
        minimum=1,
        maximum=8,
    ),
    V(
        "TASKS_QUEUES",
        "list",
        "Queue names tasks may be enqueued on, comma-separated.",
        ("default",),
        example="default,emails",
        item_problem=lambda item: (
            None if QUEUE_NAME.fullmatch(item) else "expected queue names (letters, digits, _ . -)"
        ),
    ),
)
BACKPORT = Extra(
    "tasks",
    ("django_tasks",),
    "TASKS_BACKEND=immediate on Django 5.2 (the django-tasks backport)",
    ("django-tasks>=0.12",),
)
DATABASE = Extra(
    "tasks-db",
    ("django_tasks_db",),
    "TASKS_BACKEND=database (django-tasks-db, manage.py db_worker) and web",
    ("django-tasks-db>=0.13", "django-tasks>=0.12"),
)
CELERY = Extra(
    "tasks-celery",
    ("django_tasks_celery", "celery"),
    "TASKS_BACKEND=celery (Django >= 6.0)",
    ("django-tasks-celery>=0.1.1; python_version >= '3.12'", "celery[redis]>=5.6", "redis>=7.2"),
)


def built_in() -> bool:
    return django.VERSION[:2] >= BUILT_IN_SINCE


def _framework() -> str:
    return "django.tasks" if built_in() else "django_tasks"


def _backend(choice: str) -> str:
    return {
        "immediate": f"{_framework()}.backends.immediate.ImmediateBackend",
        "dummy": f"{_framework()}.backends.dummy.DummyBackend",
        "database": "django_tasks_db.DatabaseBackend",
        "web": WEB_BACKEND,
        "celery": "django_tasks_celery.CeleryBackend",
    }[choice]


def tasks_settings(env: Env) -> dict[str, Any]:
    choice: str = env("TASKS_BACKEND")
    queues: list[str] = env("TASKS_QUEUES")
    threads: int = env("TASKS_WEB_THREADS")  # read (and checked) whatever the backend
    if not queues:
        env.error("TASKS_QUEUES", "expected at least one queue name")
    settings: dict[str, Any] = {"TASKS": {"default": {"BACKEND": _backend(choice), "QUEUES": list(queues)}}}
    if choice == "web":
        settings["TASKS"]["default"]["OPTIONS"] = {"THREADS": threads}  # per web process
    if choice in ("database", "web"):
        DATABASE.require(env, "TASKS_BACKEND")  # its extra brings the backport too
    elif choice == "celery":
        _celery(env)
        settings["CELERY_RESULT_EXTENDED"] = True  # the task's name and arguments with its result
    elif env.is_set("TASKS_BACKEND") and not built_in():
        BACKPORT.require(env, "TASKS_BACKEND")  # Django 5.2 has no django.tasks of its own
    return settings


def _celery(env: Env) -> None:
    if not built_in():
        env.error("TASKS_BACKEND", "celery needs Django >= 6.0 (django-tasks-celery); use database, or Celery directly")
    elif broker_url(env) is None:
        env.error(
            "TASKS_BACKEND",
            "is celery but no broker is configured: set CELERY_BROKER_URL (or CELERY_USE_REDIS_URL=true) and run a worker",
        )
    else:
        CELERY.require(env, "TASKS_BACKEND")


def _backport_installed(env: Env) -> bool:
    return not built_in() and BACKPORT.installed()


def _database(env: Env) -> bool:
    return env("TASKS_BACKEND") in ("database", "web")


W092_TEXT = (
    "TASKS_BACKEND is web but the database is {vendor}, not PostgreSQL: a task whose process dies while it "
    "runs stays RUNNING and is never run again."
)
W092_HINT = "Use PostgreSQL (its row locks give the web runner at-least-once), or TASKS_BACKEND=database and db_worker."


def runs_in_web_process() -> bool:
    """A TASKS backend is the web runner (AppConfig.ready then connects its wakes)."""
    return any(conf.get("BACKEND") == WEB_BACKEND for conf in getattr(django_settings, "TASKS", {}).values())


def check_web_tasks_database(**kwargs: Any) -> list[CheckMessage]:
    """TASKS_BACKEND=web recovers a task killed mid-run only on PostgreSQL."""
    if not runs_in_web_process():
        return []
    engine = str(django_settings.DATABASES.get("default", {}).get("ENGINE", "django.db.backends.dummy"))
    vendor = str(import_string(f"{engine}.base.DatabaseWrapper").vendor)  # PostGIS's is postgresql too
    if vendor == "postgresql":
        return []
    return [Warning(W092_TEXT.format(vendor=vendor), hint=W092_HINT, obj="TASKS_BACKEND", id=CHECK_PREFIX + "W092")]


CONCERN = Concern(
    name="tasks",
    doc=(
        "TASKS for django.tasks: inline by default; a database queue with its worker, the same queue run by the "
        "web process itself (no second service), or Celery, on request."
    ),
    variables=VARIABLES,
    build=tasks_settings,
    checks=(Check(check_web_tasks_database, ("W092",), ("TASKS_BACKEND",), deploy=True),),
    extras=(BACKPORT, DATABASE, CELERY),
    apps=(
        Placed("django_tasks", Rank.THIRD_PARTY, _backport_installed),
        Placed("django_tasks_db", Rank.THIRD_PARTY, _database),
    ),
)

__getattr__ = lazy_settings(CONCERN)
