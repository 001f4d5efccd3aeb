"""MODESTWEAR_HEALTH_* settings from HEALTH_* variables (read lazily by health/conf.py).

Kept free of heavy imports: this module runs while settings.py is imported.
"""

from __future__ import annotations

from typing import Any

from modestwear_config.celery import broker_url
from modestwear_config.env import Env, lazy_settings
from modestwear_config.registry import BY_NAME

from .registry import NAME

# The defaults are the registry's (one declaration); conf.py uses them when a setting is absent.
DEFAULT_BUDGET: float = BY_NAME["HEALTH_BUDGET_SECONDS"].default  # seconds; Render gives up after 5 s
DEFAULT_CACHE_SECONDS: float = BY_NAME["HEALTH_CACHE_SECONDS"].default
DEFAULT_CRITICAL: tuple[str, ...] = tuple(BY_NAME["HEALTH_CRITICAL_CHECKS"].default)
MIN_TOKEN_LENGTH = 16  # a shorter bearer token can be guessed over the network


def health_settings(env: Env) -> dict[str, Any]:
    # Check names are validated by the system checks (checks.check_health_names) against the
    # health registry, where a project's own @register checks are known: not here, before apps load.
    checks = _names(env, "HEALTH_CHECKS")
    if "celery" not in checks and broker_url(env):
        checks += ("celery",)  # a broker means a worker must answer: /health and the doctor ask
    return {
        # Bearer token that unlocks error types and timings; None: nobody sees them.
        "MODESTWEAR_HEALTH_TOKEN": _token(env),
        # Seconds for the whole /health response, even when a dependency hangs.
        "MODESTWEAR_HEALTH_BUDGET": env("HEALTH_BUDGET_SECONDS"),
        # Seconds a check's result is reused: a burst of probes costs one round trip.
        "MODESTWEAR_HEALTH_CACHE_SECONDS": env("HEALTH_CACHE_SECONDS"),
        # Checks whose failure answers 503; the others only make /health "degraded" (200).
        "MODESTWEAR_HEALTH_CRITICAL": _names(env, "HEALTH_CRITICAL_CHECKS"),
        # Optional checks to run besides the always-on ones (database, cache, the project's).
        "MODESTWEAR_HEALTH_CHECKS": checks,
    }


def _names(env: Env, variable: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.lower() for name in env(variable)))
    if not all(NAME.match(name.partition(":")[0]) for name in names):
        # The names are not echoed: a value in the wrong variable may be a secret.
        env.error(variable, "expected check names (lower-case letters, digits, _ or -; alias after ':')")
        return ()
    return names


def _token(env: Env) -> str | None:
    token: str | None = env("HEALTH_TOKEN")
    if not token:
        return None
    if len(token) < MIN_TOKEN_LENGTH:
        env.error("HEALTH_TOKEN", f"is too short: use at least {MIN_TOKEN_LENGTH} characters")
        return None
    if not token.isascii() or not token.isprintable() or " " in token:
        env.error("HEALTH_TOKEN", "must be printable ASCII without spaces (it travels in an HTTP header)")
        return None
    return token


__getattr__ = lazy_settings(health_settings)
