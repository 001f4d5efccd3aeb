"""MODESTWEAR_HEALTH_* settings from HEALTH_* variables (read lazily by health/conf.py).

Kept free of imports beyond env.py: this module runs while settings.py is imported.
"""

from __future__ import annotations

from typing import Any

from ..env import Env, lazy_settings

# Built-in checks, in the order /health reports them; ":" separates a check from its alias.
BUILTIN_CHECKS = ("database", "cache", "celery", "migrations", "storage")
# Run only when named in HEALTH_CHECKS: each costs a round trip the site may not need.
OPTIONAL_CHECKS = ("celery", "migrations", "storage")
DEFAULT_BUDGET = 2.5  # seconds; Render gives up on a probe after 5 s
DEFAULT_CACHE_SECONDS = 2.0
DEFAULT_CRITICAL = ("database",)
MIN_TOKEN_LENGTH = 16  # a shorter bearer token can be guessed over the network


def health_settings(env: Env) -> dict[str, Any]:
    checks = _names(env, "HEALTH_CHECKS", OPTIONAL_CHECKS)
    critical = _names(env, "HEALTH_CRITICAL_CHECKS", BUILTIN_CHECKS)
    disabled = [name for name in critical if name.partition(":")[0] in OPTIONAL_CHECKS
                and name.partition(":")[0] not in checks]
    if disabled:
        env.error("HEALTH_CRITICAL_CHECKS", f"names {', '.join(disabled)}, which HEALTH_CHECKS does not enable")
    return {
        # Bearer token that unlocks error types and timings; None: nobody sees them.
        "MODESTWEAR_HEALTH_TOKEN": _token(env),
        # Seconds for the whole /health response, even when a dependency hangs.
        "MODESTWEAR_HEALTH_BUDGET": env("HEALTH_BUDGET_SECONDS"),
        # Seconds a check's result is reused: a burst of probes costs one round trip.
        "MODESTWEAR_HEALTH_CACHE_SECONDS": env("HEALTH_CACHE_SECONDS"),
        # Checks whose failure answers 503; the others only make /health "degraded" (200).
        "MODESTWEAR_HEALTH_CRITICAL": tuple(critical),
        # Optional built-in checks to run besides database and cache.
        "MODESTWEAR_HEALTH_CHECKS": tuple(checks),
    }


def _names(env: Env, variable: str, allowed: tuple[str, ...]) -> list[str]:
    names = list(dict.fromkeys(name.lower() for name in env(variable)))
    unknown = [name for name in names if name.partition(":")[0] not in allowed]
    if unknown:
        # The unknown names are not echoed: a value in the wrong variable may be a secret.
        env.error(variable, f"names {len(unknown)} unknown check(s); expected some of {', '.join(allowed)}")
    return [name for name in names if name not in unknown]


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
