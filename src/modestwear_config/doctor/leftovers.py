"""Settings-file lines that contradict the environment, reported by ``manage.py config`` as errors.

A ``DEBUG = True`` left in settings.py below the import wins over the environment's DEBUG off: the
site serves debug pages while the environment, the platform's dashboard and the doctor's header say
production.  System check W030 warns about every assignment after the import; the doctor, which
answers "is this deploy what the environment says?", calls the ones that contradict a value the
environment *sets* (and DEBUG, whose default, off, is itself production's promise) errors.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from modestwear_config.concerns import CONCERNS
from modestwear_config.env import BY_NAME, Env

LEFTOVER_ID = "modestwear_config.doctor"
LEFTOVER_TEXT = (
    "{name} is assigned in the settings file with another value than the environment's ({said}): the settings "
    "file wins, so what runs is not what the environment says."
)
LEFTOVER_HINT = "Delete the assignment from the settings file (a leftover of startproject or of the old settings)."
SET = ("environment", "dotenv", "file")


def leftovers(env: Env, settings: Any) -> list[CheckMessage]:
    """An error for each setting named like a variable whose value in force differs from the one the
    environment gives, when the environment sets that variable (values never shown)."""
    built = {name: value for concern in CONCERNS for name, value in concern.build(env).items() if name in BY_NAME}
    messages: list[CheckMessage] = []
    for name, value in built.items():
        said = _what_the_environment_says(env, name, value)
        if said and name not in env.problems and getattr(settings, name, value) != value:
            text = LEFTOVER_TEXT.format(name=name, said=said)
            messages.append(Error(text, hint=LEFTOVER_HINT, obj=name, id=LEFTOVER_ID))
    return messages


def _what_the_environment_says(env: Env, name: str, value: Any) -> str:
    if env.sources.get(name) in SET:
        return f"{name} is set {'in .env' if env.sources[name] == 'dotenv' else 'in the environment'}"
    if name == "DEBUG" and value is False:
        return "DEBUG is off"
    return ""
