"""gunicorn configuration, served at its public path: ``gunicorn -c python:modestwear_config.gunicorn``.

gunicorn reads this module's top-level names; the plan itself is server/plan.py (which
the doctor reads too). A bad variable exits 2 before binding, naming it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from modestwear_config.compat import gunicorn_settings_in_force
from modestwear_config.env import Env

from .application import ApplicationNotFound, application
from .plan import SHOWN, Plan, describe, gunicorn_settings, where


def when_ready(server: Any) -> None:
    """Logged once by the master, after the socket is bound (workers never run this hook): the settings
    gunicorn uses, which its command line and GUNICORN_CMD_ARGS may have changed, not the plan alone."""
    server.log.info(describe(PLAN, gunicorn_settings_in_force(server, SHOWN)))


def post_fork(server: Any, worker: Any) -> None:
    """In each worker: stderr (where gunicorn prints a failed boot's exception text) through the redaction."""
    from .log_streams import redact_stderr

    redact_stderr()


def post_worker_init(worker: Any) -> None:
    """In each worker, once the application is loaded: Sentry started in this process. ready() has
    done it unless the application was preloaded (--preload): then the master ran ready(), not us."""
    from django.conf import settings

    if not settings.configured:  # not a Django application, or not loaded yet: nothing to read the options from
        return
    from modestwear_config.components import otel, sentry

    sentry.install()
    otel.install()


def load() -> Plan:
    """The plan for this process's environment, or exit 2 with the message naming each bad variable.

    gunicorn runs this while importing its configuration, before binding: a clean message
    and a non-zero exit beat a traceback.
    """
    try:
        return gunicorn_settings(Env.from_os())
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"modestwear_config.gunicorn: {exc}\n")
        sys.stderr.flush()
        raise SystemExit(2) from None


def project_application(interface: str) -> str | None:
    """The project's application in this directory (WSGI_APPLICATION, ASGI_APPLICATION or beside
    DJANGO_SETTINGS_MODULE), or None: gunicorn serves it when its command line names none."""
    try:
        return application(Env.from_os(), interface, Path.cwd())
    except ApplicationNotFound:
        return None


def main(argv: list[str]) -> int:
    """`python -m modestwear_config.gunicorn [--where | --interface | --application]`: check the environment
    and show the plan (or where the server will answer, which interface, which application to serve),
    start nothing. deploy.sh runs it before migrating: a project it cannot find exits 2 naming what is missing."""
    plan = load()
    if "--interface" in argv:
        print(plan.settings["interface"])
    elif "--application" in argv:
        try:
            print(application(Env.from_os(), plan.settings["interface"], Path.cwd()))
        except ApplicationNotFound as exc:
            sys.stderr.write(f"modestwear_config.gunicorn: {exc}\n")
            return 2
    else:
        print(where(plan, Env.from_os()) if "--where" in argv else describe(plan))
    return 0


# Module-level names are what gunicorn reads from `-c python:modestwear_config.gunicorn`.
PLAN = load()
bind = PLAN.settings["bind"]
workers = PLAN.settings["workers"]
threads = PLAN.settings["threads"]
worker_class = PLAN.settings["worker_class"]
timeout = PLAN.settings["timeout"]
accesslog = PLAN.settings["accesslog"]
errorlog = PLAN.settings["errorlog"]
logger_class = PLAN.settings["logger_class"]
loglevel = PLAN.settings["loglevel"]
max_requests = PLAN.settings["max_requests"]
max_requests_jitter = PLAN.settings["max_requests_jitter"]
forwarded_allow_ips = PLAN.settings["forwarded_allow_ips"]
control_socket_disable = PLAN.settings["control_socket_disable"]
wsgi_app = project_application(PLAN.settings["interface"])  # used when the command line names no application
