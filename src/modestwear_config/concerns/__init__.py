"""The concerns, in order: everything else is derived from this one list.

The builders and their order, the registry of variables, the reference tables and
``.env.example`` (doctor/docs.py), the extras table, the doctor's sections, the check-ID
ledger, INSTALLED_APPS, MIDDLEWARE and the context processors all come from CONCERNS.
Adding a concern is one module here, one line below, and its tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modestwear_config.env import REGISTRY, Env, Variable
from modestwear_config.env import defaults as set_defaults

from . import (
    admins,
    cache,
    celery,
    core,
    cors,
    csp,
    database,
    environment,
    frontend,
    logs,
    mail,
    media_disk,
    observability,
    platforms,
    quota,
    readiness,
    s3,
    security,
    storage,
    superuser,
    tasks,
    tracing,
    web_server,
    wiring,
)
from .assemble import BUILT, Part, build_settings
from .project import project_settings
from .unit import CHECK_PREFIX, Check, Concern, Extra

CONCERNS: tuple[Concern, ...] = (
    core.CONCERN,
    platforms.CONCERN,
    frontend.CONCERN,
    database.CONCERN,
    cache.CONCERN,
    celery.CONCERN,
    tasks.CONCERN,
    storage.CONCERN,
    s3.CONCERN,
    media_disk.CONCERN,
    security.CONCERN,
    cors.CONCERN,
    csp.CONCERN,
    logs.CONCERN,
    observability.CONCERN,
    tracing.CONCERN,
    mail.CONCERN,
    admins.CONCERN,
    readiness.CONCERN,
    quota.CONCERN,
    superuser.CONCERN,
    web_server.CONCERN,
    environment.CONCERN,
    wiring.CONCERN,
)
VARIABLES: tuple[Variable, ...] = tuple(var for concern in CONCERNS for var in concern.variables)
REGISTRY.add_builtin(VARIABLES)

# What a full build runs: every concern, then the project's own declared variables.
PARTS: tuple[Part, ...] = (*CONCERNS, project_settings)

# Check ids once used and since retired: never reused for another meaning (django-anymail's rule).
RETIRED_CHECK_IDS: frozenset[str] = frozenset()


def check_ledger() -> dict[str, tuple[Concern, Check]]:
    """Every check id the library can report (modestwear_config.W001 ...) -> the concern and check declaring it."""
    ledger: dict[str, tuple[Concern, Check]] = {}
    for concern in CONCERNS:
        for check in concern.checks:
            for short in check.ids:
                ledger[CHECK_PREFIX + short] = (concern, check)
    return ledger


def django_check_variables() -> dict[str, str]:
    """Django's own check ids -> the variable each is about."""
    return {check_id: variable for c in CONCERNS for check_id, variable in c.django_checks.items()}


def extras() -> tuple[Extra, ...]:
    return tuple(extra for concern in CONCERNS for extra in concern.extras)


def build_all(env: Env | None = None) -> dict[str, Any]:
    """Every setting: each concern's, then the project's declared variables."""
    return build_settings(*PARTS, env=env)


def configure(*variables: Variable, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Declare the project's variables and its defaults (env/defaults.py), then build every setting
    (the library's and these) at once.

    ``globals().update(configure(...))`` puts the very objects built here into the settings module, so
    the check of assignments after it (W030) watches them as it does after the star import.
    """
    REGISTRY.declare(*variables)
    set_defaults(**(defaults or {}))
    settings = build_all()
    BUILT.record_star_import(settings)
    return settings
