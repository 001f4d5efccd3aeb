"""Every system check of the library by its function name, and its message constants, from the concerns."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.checks import CheckMessage

from modestwear_config.concerns import (
    CONCERNS,
    cache,
    celery,
    cors,
    database,
    environment,
    health,
    mail,
    security,
    storage,
)
from modestwear_config.concerns import core as core_concern

MODULES = (core_concern, database, cache, celery, storage, security, cors, mail, health, environment)
DECLARED = [check for concern in CONCERNS for check in concern.checks]
ALWAYS = [check.function for check in DECLARED if not check.deploy]
DEPLOY_ONLY = [check.function for check in DECLARED if check.deploy]
MESSAGES = {
    name: value for module in MODULES for name, value in vars(module).items() if isinstance(value, CheckMessage)
}
checks = SimpleNamespace(
    ALWAYS=ALWAYS,
    DEPLOY_ONLY=DEPLOY_ONLY,
    **{check.function.__name__: check.function for check in DECLARED},
    **MESSAGES,
    environment_messages=environment.environment_messages,
)
