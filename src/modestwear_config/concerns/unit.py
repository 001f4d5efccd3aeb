"""The concern unit: everything about one concern, declared side by side in its module.

A concern module ends with ``CONCERN = Concern(...)``; ``concerns.CONCERNS`` lists them in
order, and everything else (the builders, the registry, the reference tables, ``.env.example``,
the extras, the doctor's sections, the check-ID ledger, INSTALLED_APPS, MIDDLEWARE and the
template context processors) is derived from that list.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from typing import Any

from django.core.checks import CheckMessage

from modestwear_config.env import Env, Variable

Builder = Callable[[Env], "dict[str, Any]"]
CheckFunction = Callable[..., "list[CheckMessage]"]
CHECK_PREFIX = "modestwear_config."


@dataclass(frozen=True)
class Check:
    """A system check, with the ids it can report and the variables its messages are about.

    The doctor files each message under ``variables[0]`` (or the message's own ``obj`` when
    that names a variable), so no table maps ids to variables by hand.
    """

    function: CheckFunction
    ids: tuple[str, ...]  # short ids, "W001"; the ledger adds the prefix
    variables: tuple[str, ...] = ()
    deploy: bool = False  # only under `check --deploy`

    @property
    def title(self) -> str:
        return (self.function.__doc__ or self.function.__name__).strip().splitlines()[0]


def _found(module: str) -> bool:
    """Whether `module` can be imported; a dotted name whose parent package is missing is not found
    (find_spec raises ModuleNotFoundError for it, "opentelemetry.sdk" without "opentelemetry")."""
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@dataclass(frozen=True)
class Extra:
    """An optional install (pyproject's extra of the same name), the modules that prove it is there, and
    the lowest versions the library relies on (pyproject's floors: a test compares them).

    A driver installed outside the extra below its floor (redis-py < 7.2 lacks the argument the health
    check passes) is a start-up error too, never a failing /health behind a clean ``check``.
    """

    name: str
    modules: tuple[str, ...]
    feature: str  # what it serves, for the extras table
    floors: tuple[str, ...] = ()  # "redis>=7.2": pyproject's requirements of this extra

    def installed(self) -> bool:
        # find_spec only looks the module up: nothing heavy is imported at settings import.
        return all(_found(module) for module in self.modules)

    def require(self, env: Env, variable: str) -> None:
        """`variable` configures the feature this extra serves: without it, or with a driver below its
        floor, an error naming the variable, the installed version and the extra."""
        if not self.installed():
            env.error(
                variable,
                f'needs the {self.name} extra, which is not installed: pip install "modestwear_config[{self.name}]"',
            )
            return
        for requirement in self.floors:
            distribution, _, floor = requirement.partition(">=")
            distribution = distribution.partition("[")[0]
            found = installed_version(distribution) if floor else None  # another extra of ours: no floor
            if found is not None and release(found) < release(floor):
                env.error(
                    variable,
                    f"needs {distribution}>={floor} (the {self.name} extra), but {distribution} {found} is "
                    f'installed: pip install "modestwear_config[{self.name}]"',
                )


def installed_version(distribution: str) -> str | None:
    """The version of `distribution` that imports would find first, from its ``.dist-info`` (or
    ``.egg-info``) directory's name on sys.path; None when there is none.  Not importlib.metadata: it
    costs 50-70 ms to import, more than all of the settings (tests/test_light_imports.py)."""
    wanted = _normalized(distribution)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if dot and kind in ("dist-info", "egg-info"):
                project, _, rest = stem.partition("-")
                if _normalized(project) == wanted and rest:
                    return rest.split("-")[0]
    return None


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a version ("7.2.0rc1" -> (7, 2, 0)), enough to compare with a floor."""
    numbers = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(numbers)


def always(env: Env) -> bool:
    return True


def no_settings(env: Env) -> dict[str, Any]:
    """The builder of a concern whose variables configure something other than Django (the server, a command)."""
    return {}


@dataclass(frozen=True)
class Placed:
    """An app, middleware or context processor a concern contributes, at its place in Django's order.

    ``rank`` is the position in the order Django and each package document (see ORDER in
    concerns/compose.py); equal ranks keep the order of CONCERNS.  ``when`` decides from the
    environment whether it is contributed at all (an installed package, a configured feature).
    """

    path: str
    rank: int
    when: Callable[[Env], bool] = always
    # Paths a project may already list that this entry stands in for (merge_middleware drops them).
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Concern:
    name: str
    doc: str  # one paragraph for the reference
    variables: tuple[Variable, ...]
    build: Builder
    checks: tuple[Check, ...] = ()
    extras: tuple[Extra, ...] = ()
    apps: tuple[Placed, ...] = ()
    middleware: tuple[Placed, ...] = ()
    context_processors: tuple[Placed, ...] = ()
    # Django's own check ids that are about this concern's variables (security.W004 -> SECURE_HSTS_SECONDS).
    django_checks: Mapping[str, str] = field(default_factory=dict)
    # Settings this concern builds that are not named like the variable that drives them (W030).
    shadows: Mapping[str, str] = field(default_factory=dict)
    # Reads the variables whose consumer is not a setting (the server, a command): the doctor runs it
    # to show their problems, which never stop the settings from loading.
    validate: Callable[[Env], object] | None = None

    def __call__(self, env: Env) -> dict[str, Any]:
        """Its settings alone (a builder, as a project's own builders are)."""
        return self.build(env)

    def __post_init__(self) -> None:
        strangers = [v.name for v in self.variables if v.concern != self.name]
        if strangers:
            raise ValueError(f"concern {self.name} declares variables of another concern: {', '.join(strangers)}")
