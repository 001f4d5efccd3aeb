"""Every system check of the library by its function name, and its message constants, from the concerns."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from django.core.checks import CheckMessage

from modestwear_config.concerns import CONCERNS, environment

# Each concern's own module (where its message constants are declared), from the list itself.
MODULES = tuple(dict.fromkeys(sys.modules[check.function.__module__] for c in CONCERNS for check in c.checks))
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
