"""The checks /health and ``manage.py health`` run, and how a project adds its own.

A check is a function of the seconds it may take: it returns normally when the
dependency is fine, returns ``SKIPPED`` when there is nothing to check, and
raises when it is not fine (only the exception's type is ever shown)::

    from modestwear_config.health import register

    @register("payments")                 # critical=True: its failure answers 503
    def payments(timeout: float) -> None:
        requests.head("https://api.example.com/ping", timeout=timeout).raise_for_status()

Register in ``AppConfig.ready()`` (or a module it imports).  Honour ``timeout``:
/health answers on time anyway, but a check that never returns stays in
flight and reports ``timed_out`` until it does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

Probe = Callable[[float], object]
P = TypeVar("P", bound=Probe)
SKIPPED = "skipped"
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Registration:
    name: str
    expand: Callable[[], dict[str, Probe]]  # check name -> probe; built-ins give one per alias
    critical: bool
    optional: bool


@dataclass(frozen=True)
class Selected:
    name: str
    probe: Probe
    critical: bool


# The built-in checks, listed by dotted path (as django-health-check 4 does): name -> (expand, optional).
# Each expands to one probe per alias ("database:replica_1"); they come before any project check.
BUILTIN = {
    "database": ("modestwear_config.health.builtin.database_checks", False),
    "cache": ("modestwear_config.health.builtin.cache_checks", False),
    "celery": ("modestwear_config.health.builtin.celery_checks", True),
    "migrations": ("modestwear_config.health.builtin.migrations_checks", True),
    "storage": ("modestwear_config.health.builtin.storage_checks", True),
    "email": ("modestwear_config.health.mail_probe.email_checks", True),
    "sentry": ("modestwear_config.health.exporters.sentry_checks", True),
    "otel": ("modestwear_config.health.exporters.otel_checks", True),
}
_REGISTRY: dict[str, Registration] = {}
_BUILTINS_LOADED = False
_LOADING = threading.RLock()
_LOADING_NOW: list[bool] = []  # set while this thread imports the built-ins (re-entry does nothing)


def register(name: str | None = None, *, critical: bool = False, optional: bool = False) -> Callable[[P], P]:
    """Decorator: ``@register("name")`` adds a check; ``optional`` ones run only when named in
    MODESTWEAR_HEALTH_CHECKS; ``critical`` ones answer 503 when they fail."""

    def decorator(probe: P) -> P:
        register_check(name or probe.__name__, probe, critical=critical, optional=optional)
        return probe

    return decorator


def register_check(name: str, probe: Probe, *, critical: bool = False, optional: bool = False) -> None:
    register_group(name, lambda: {name: probe}, critical=critical, optional=optional)


def register_group(
    name: str, expand: Callable[[], dict[str, Probe]], *, critical: bool = False, optional: bool = False
) -> None:
    """Several checks under one name, e.g. one per database alias ("database:replica_1")."""
    _load_builtins()
    if not NAME.match(name):
        raise ValueError(f"health check name {name!r} should be lower-case letters, digits, _ or -")
    if name in _REGISTRY:
        raise ValueError(f"a health check named {name!r} is already registered")
    _REGISTRY[name] = Registration(name, expand, critical, optional)


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered() -> dict[str, Registration]:
    _load_builtins()
    return dict(_REGISTRY)


def select(enabled: tuple[str, ...], critical: frozenset[str]) -> list[Selected]:
    """The checks to run: every non-optional one plus the optional ones named in `enabled`."""
    registrations = registered()
    _require_known("MODESTWEAR_HEALTH_CHECKS", enabled, registrations)
    _require_known("MODESTWEAR_HEALTH_CRITICAL", tuple(critical), registrations)
    selected: list[Selected] = []
    for reg in registrations.values():
        if reg.optional and reg.name not in enabled:
            continue
        for check_name, probe in _expanded(reg).items():
            is_critical = reg.critical or reg.name in critical or check_name in critical
            selected.append(Selected(check_name, probe, is_critical))
    return selected


def _expanded(reg: Registration) -> dict[str, Probe]:
    """The group's probes; when building them fails (a driver that will not import), one probe under the
    group's name that fails with that error: the other checks still run and answer."""
    try:
        return reg.expand()
    except Exception as exc:  # noqa: BLE001 - shown by its type only, as every check failure
        error = exc  # `exc` is unbound when the except block ends

        def failing(timeout: float) -> object:
            raise error

        return {reg.name: failing}


def _require_known(setting: str, names: tuple[str, ...], registrations: dict[str, Registration]) -> None:
    unknown = [n for n in names if n.partition(":")[0] not in registrations]
    if unknown:
        raise ImproperlyConfigured(f"{setting} names {len(unknown)} check(s) that are not registered")


def _load_builtins() -> None:
    # The built-ins are registered before any project check, so they come first. Under gthread the first probes of a fresh worker arrive together: the lock makes the others
    # wait for the complete registry instead of seeing it half filled ("not registered", 503).
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    with _LOADING:  # re-entrant: registering calls register_group, which comes back here
        if not _BUILTINS_LOADED and not _LOADING_NOW:
            _LOADING_NOW.append(True)
            try:
                for name, (path, optional) in BUILTIN.items():
                    register_group(name, import_string(path), optional=optional)
            finally:
                _LOADING_NOW.clear()
            _BUILTINS_LOADED = True
