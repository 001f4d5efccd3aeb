"""Project defaults: a project's own policy in code, below the environment and above the library.

In settings.py, before the import::

    import modestwear_config

    modestwear_config.defaults(
        SECURE_HSTS_SECONDS=2_592_000,  # 30 days
        SECURE_HSTS_INCLUDE_SUBDOMAINS=False,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",  # the project's migrations keep AutoField
    )
    from modestwear_config import *

Each name is a variable (the library's or one the project declared).  Its project default is read as
if the environment had set it, so it is checked like one at the call, the environment still wins, the
doctor shows "project default" as its source, and the settings it produces raise no W030.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from .parsers import PARSERS, check_text
from .variables import BY_NAME, REGISTRY

# Never a project default: each must come from the environment of the one place it is meant for.
NOT_IN_CODE = {
    "DEBUG": "production must not depend on remembering DEBUG=false; set it in the environment",
    "SECRET_KEY": "a key in code is in every clone of the repository; set it in the environment",
    "LOCAL_HTTP": "it is for one machine; set it in that machine's environment",
}


def defaults(**values: Any) -> None:
    """Set the project's defaults of variables; call it before the settings are built.

    A name that is no variable, a value the variable's own parser refuses, or a new default once the
    settings are built (nothing would read it) is a ValueError naming the variable, never the value.
    """
    for name, value in values.items():
        var = BY_NAME.get(name)
        if var is None:
            raise ValueError(
                f"defaults(): {name} is not a variable of modestwear_config nor one declared before this call; "
                "a setting no variable drives is yours to assign after the import (it raises no W030)"
            )
        if name in NOT_IN_CODE:
            raise ValueError(f"defaults(): {name} cannot be a project default: {NOT_IN_CODE[name]}")
        text = spelled(value)
        try:
            check_text(text)
            PARSERS[var.kind](text, var)
        except ValueError as exc:
            raise ValueError(f"defaults(): {name}: {exc}") from None
        if REGISTRY.project_defaults.get(name) == text:
            continue  # a settings module imported twice
        if REGISTRY.sealed:
            raise ValueError(
                f"defaults(): {name} is given after the settings were built: call defaults() before "
                "`from modestwear_config import *` (or pass defaults= to configure())"
            )
        REGISTRY.project_defaults[name] = text


def spelled(value: Any) -> str:
    """A Python value as the environment would spell it (True -> "true", [a, b] -> "a,b")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(spelled(item) for item in value)
    if isinstance(value, (str, int, float, PurePath)):
        return str(value)
    raise ValueError(f"defaults(): expected a str, bool, number, path or list, got a {type(value).__name__}")
