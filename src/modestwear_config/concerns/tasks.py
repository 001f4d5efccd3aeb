"""TASKS for Django's Tasks framework (django.tasks, 6.0; the django-tasks backport on 5.2).

immediate (the default) runs a task inline where it is enqueued: nothing else to run, right for
development and a single free instance.  database stores tasks in the project's database and runs
them in django-tasks-db's `manage.py db_worker`; celery hands them to Celery's broker and workers
(django-tasks-celery, Django >= 6.0); dummy stores them and never runs them (tests).
"""

from __future__ import annotations

import re
from typing import Any

import django

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .celery import broker_url
from .compose import Rank
from .unit import Concern, Extra, Placed

BUILT_IN_SINCE = (6, 0)
QUEUE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
V = variables_of("tasks")
VARIABLES = (
    V(
        "TASKS_BACKEND",
        "str",
        "Where django.tasks run: immediate (inline), database (db_worker), celery (Celery's workers; "
        "Django >= 6.0), dummy (never run).",
        "immediate",
        choices=("immediate", "database", "celery", "dummy"),
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
    "TASKS_BACKEND=database (django-tasks-db, manage.py db_worker)",
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
        "celery": "django_tasks_celery.CeleryBackend",
    }[choice]


def tasks_settings(env: Env) -> dict[str, Any]:
    choice: str = env("TASKS_BACKEND")
    queues: list[str] = env("TASKS_QUEUES")
    if not queues:
        env.error("TASKS_QUEUES", "expected at least one queue name")
    settings: dict[str, Any] = {"TASKS": {"default": {"BACKEND": _backend(choice), "QUEUES": list(queues)}}}
    if choice == "database":
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
    return bool(env("TASKS_BACKEND") == "database")


CONCERN = Concern(
    name="tasks",
    doc="TASKS for django.tasks: inline by default; a database queue with its worker, or Celery, on request.",
    variables=VARIABLES,
    build=tasks_settings,
    extras=(BACKPORT, DATABASE, CELERY),
    apps=(
        Placed("django_tasks", Rank.THIRD_PARTY, _backport_installed),
        Placed("django_tasks_db", Rank.THIRD_PARTY, _database),
    ),
)

__getattr__ = lazy_settings(CONCERN)
