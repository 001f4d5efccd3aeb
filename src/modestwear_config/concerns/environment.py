"""Checks on the environment as a whole and on the settings after the star import (W030, W031, W033)."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core import mail
from django.core.checks import CheckMessage, Warning
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.env import BY_NAME, Env
from modestwear_config.env.typos import suggestions

from .assemble import BUILT, built_env
from .unit import CHECK_PREFIX, Check, Concern, no_settings

W030_TEXT = (
    "{setting} is assigned after `from modestwear_config import *` with a different value: "
    "{variable} no longer drives it."
)
W030_MIDDLEWARE = (
    "MIDDLEWARE is assigned after `from modestwear_config import *` without {missing}: "
    "what they do (/healthz, CORS, static files, security headers) is lost."
)
W030_HINT = (
    "Delete the assignment (startproject's lines below the import). To keep your value as the project's "
    "policy, pass it to modestwear_config.defaults() before the import: the environment still overrides it."
)
W031_TEXT = "The environment sets {name}, which nothing reads: did you mean {meant}?"
W033_TEXT = "{name}: {message}"
TEST_RUNNER_CHANGES = ("DEBUG", "ALLOWED_HOSTS")
# Settings every build makes anew (not module constants): holding one proves the star import.
FRESH_CONTAINERS = ("CACHES", "STORAGES", "LOGGING", "CORS_ALLOWED_ORIGINS", "CSRF_TRUSTED_ORIGINS", "DATABASES")


def check_overrides(**kwargs: Any) -> list[CheckMessage]:
    """A setting the environment drives is assigned again after the star import."""
    imported = BUILT.star_imported
    if not _into_these_settings(imported):
        return []
    shadowed = {setting: variable for c in BUILT.concerns for setting, variable in c.shadows.items()}
    messages = []
    # The test runner's own changes (setup_test_environment: DEBUG off, "testserver" in ALLOWED_HOSTS) are
    # no project's leftover; its environment is recognised by django.core.mail.outbox, which it creates.
    runner_changed = TEST_RUNNER_CHANGES if hasattr(mail, "outbox") else ()
    for name, (built, snapshot) in imported.items():
        if name in runner_changed:
            continue
        variable = shadowed.get(name, name if name in BY_NAME else None)
        try:
            current = getattr(django_settings, name, None)
        except ImproperlyConfigured:  # Django refuses an empty SECRET_KEY: manage.py config with an invalid one
            continue
        if name == "MIDDLEWARE":
            messages += _middleware_override(built, current)
        elif variable and current is not built and current != snapshot:
            text = W030_TEXT.format(setting=name, variable=variable)
            messages.append(Warning(text, hint=W030_HINT, obj=variable, id=CHECK_PREFIX + "W030"))
    return messages


def _into_these_settings(imported: dict[str, tuple[Any, Any]]) -> bool:
    """True when the settings hold a container of that very star import (built afresh on each build).

    A project that builds its settings another way (build_settings) is left alone.
    """
    fresh = [(name, imported[name][0]) for name in FRESH_CONTAINERS if name in imported]
    return any(getattr(django_settings, name, None) is built for name, built in fresh)


def _middleware_override(built: list[str], current: Any) -> list[CheckMessage]:
    missing = [path for path in built if path not in list(current or ())]
    if not missing:
        return []
    text = W030_MIDDLEWARE.format(missing=", ".join(missing))
    return [Warning(text, hint=W030_HINT, obj="MIDDLEWARE", id=CHECK_PREFIX + "W030")]


def check_environment(**kwargs: Any) -> list[CheckMessage]:
    """The environment sets a name close to a declared one that nothing reads, or .env lines are not read as written."""
    return environment_messages(built_env())


def environment_messages(env: Env) -> list[CheckMessage]:
    """What the reader found that does not stop the settings from loading (the doctor shows these too).

    W031 for every environment name close to a declared one and read by nobody (never its value);
    W033 for the reader's warnings (.env lines not read as written: not KEY=VALUE, set twice, a trailing
    comment; by number).
    """
    typos: list[CheckMessage] = [
        Warning(
            W031_TEXT.format(name=name, meant=meant), hint=f"Rename it to {meant}.", obj=meant, id=CHECK_PREFIX + "W031"
        )
        for name, meant in suggestions(env.names()).items()
    ]
    warnings: list[CheckMessage] = [
        Warning(W033_TEXT.format(name=name, message=message), obj=name, id=CHECK_PREFIX + "W033")
        for name, message in sorted(env.warnings.items())
    ]
    return typos + warnings


CONCERN = Concern(
    name="environment",
    doc="The environment as a whole: typos of declared names, ignored .env lines, settings overridden after the import.",
    variables=(),
    build=no_settings,
    checks=(Check(check_overrides, ("W030",)), Check(check_environment, ("W031", "W033"))),
)
