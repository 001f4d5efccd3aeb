"""Building the settings: each concern's builder on one Env, the composed lists, one error for every problem.

``lazy_settings`` gives a module the PEP 562 ``__getattr__`` that builds on first access, so
importing a module for a function builds nothing; ``from module import *`` builds.  The Env
that built the settings is kept (``built_env``): the checks, the scrubber and the doctor use it
instead of reading the environment again.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from modestwear_config.env import REGISTRY, Env
from modestwear_config.env.errors import announcement
from modestwear_config.scrub.scrubber import Scrubber

from .compose import composed_settings
from .unit import Builder, Concern
from .wiring import expect

Part = Concern | Builder  # a concern, or a project's own builder function


class Built:
    """What the last build made: its Env, its scrubber, and what the last star import gave (W030)."""

    def __init__(self) -> None:
        self.env: Env | None = None
        self.concerns: tuple[Concern, ...] = ()
        self.star_imported: dict[str, tuple[Any, Any]] = {}
        self._scrubber: Scrubber | None = None

    def built_from(self, env: Env, concerns: tuple[Concern, ...]) -> None:
        self.env = env
        self.concerns = concerns
        self._scrubber = None

    def scrubber(self) -> Scrubber:
        """The one scrubber: from the Env that built the settings, else (a process that has not
        built them yet, like gunicorn's master) from one read of the environment."""
        if self._scrubber is None:
            # Reading the environment may log (django-environ logs the .env file it reads at
            # DEBUG); that record comes back here: without this guard it would recurse.
            self._scrubber = Scrubber()
            self._scrubber = Scrubber((self.env or Env.from_os()).secret_values())
        return self._scrubber

    def record_star_import(self, settings: Mapping[str, Any]) -> None:
        for name, value in settings.items():
            self.star_imported[name] = (value, copy.deepcopy(value))


BUILT = Built()


def built_env() -> Env:
    """The Env that built the settings in force, else (settings built another way) a fresh read."""
    return BUILT.env if BUILT.env is not None else Env.from_os()


def build_settings(*parts: Part, env: Env | None = None) -> dict[str, Any]:
    """Run each part's builder on one Env, compose the lists, and raise one error naming every problem.

    Built from the process environment (no `env` given: the settings module's build), the
    result is the settings in force: BUILT keeps its Env and the registry is sealed, since a
    variable declared later would be read by nothing.
    """
    in_force = env is None
    env = env if env is not None else Env.from_os()
    settings: dict[str, Any] = {}
    for part in parts:
        settings.update(part.build(env) if isinstance(part, Concern) else part(env))
    concerns = tuple(p for p in parts if isinstance(p, Concern))
    if any(c.name == "core" for c in concerns):
        # Core owns Django's lists; each concern built with it adds its apps, middleware and processors.
        # A concern built alone (`from modestwear_config.concerns.readiness import *`) never replaces them.
        settings.update(composed_settings(env, concerns))
    if env.problems and not (in_force and doctor_command()):
        if in_force:  # the settings module's build: the problems before the traceback
            announce(env.problems)
        env.raise_if_problems()
    if in_force:
        # `manage.py config` loads despite the problems (each setting at its default): it reports them itself.
        BUILT.built_from(env, concerns)
        REGISTRY.seal()
        if any(c.name == "core" for c in concerns):
            expect(settings)  # its app and middleware: checked even if the project's lists drop the app
    return settings


_ANNOUNCED: set[tuple[tuple[str, str], ...]] = set()


def announce(problems: dict[str, str]) -> None:
    """The problems on stderr, once per process: Django imports a failing settings module twice."""
    key = tuple(sorted(problems.items()))
    if key not in _ANNOUNCED:
        _ANNOUNCED.add(key)
        sys.stderr.write(announcement(problems))


def doctor_command(argv: list[str] | None = None) -> bool:
    """This process runs `manage.py config` (or django-admin's): the one command that answers despite an
    invalid environment, since it shows the reader's problems itself."""
    argv = sys.argv if argv is None else argv
    program = os.path.basename(argv[0]) if argv else ""
    return argv[1:2] == ["config"] and program in ("manage.py", "django-admin", "__main__.py")


def lazy_settings(*parts: Part) -> Callable[[str], Any]:
    """A module-level __getattr__ (PEP 562) that builds the settings on first access.

    Only ``__all__`` and UPPER_CASE names build, so tools probing dunder attributes never
    see an ImproperlyConfigured.
    """
    built: dict[str, Any] = {}

    def __getattr__(name: str) -> Any:
        if name != "__all__" and not name.isupper():
            raise AttributeError(name)
        if not built:
            built.update(build_settings(*parts))
        if name == "__all__":  # a star import: remember what it gave (the overrides check, W030)
            BUILT.record_star_import(built)
            return sorted(built)
        try:
            return built[name]
        except KeyError:
            raise AttributeError(name) from None

    return __getattr__
