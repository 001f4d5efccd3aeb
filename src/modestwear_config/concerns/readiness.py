"""MODESTWEAR_HEALTH_* settings from HEALTH_* variables (read lazily by health/conf.py), and their checks.

Kept free of heavy imports: this module runs while settings.py is imported.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Error

from modestwear_config.env import Env, variables_of
from modestwear_config.health.catalog import NAME, registered

from .assemble import lazy_settings
from .celery import broker_url
from .compose import Rank
from .unit import CHECK_PREFIX, Check, Concern, Placed

V = variables_of("health")
VARIABLES = (
    V(
        "HEALTH_TOKEN",
        "str",
        "Bearer token that unlocks /health details (error types, timings).",
        secret=True,
        default_doc="unset: no details for anyone",
        example="<random token>",
    ),
    V(
        "HEALTH_BUDGET_SECONDS",
        "float",
        "Total time /health may take, under Render's 5 s probe timeout.",
        2.5,
        minimum=0.1,
        maximum=30,
    ),
    V(
        "HEALTH_CACHE_SECONDS",
        "float",
        "Seconds a /health result is reused, so a burst of probes costs one round trip.",
        2.0,
        minimum=0,
        maximum=300,
    ),
    V(
        "HEALTH_CRITICAL_CHECKS",
        "list",
        "Checks whose failure makes /health answer 503 (others only degrade it).",
        ("database",),
        example="database,cache",
    ),
    V(
        "HEALTH_CHECKS",
        "list",
        "Optional extra checks to run: celery, migrations, storage, email, sentry, otel.",
        (),
        example="celery,migrations",
    ),
)
BY_NAME = {var.name: var for var in VARIABLES}
# Each setting and the variable it comes from: one declaration for both (defaults and bounds are the variable's).
SETTINGS = {
    "MODESTWEAR_HEALTH_TOKEN": "HEALTH_TOKEN",
    "MODESTWEAR_HEALTH_BUDGET": "HEALTH_BUDGET_SECONDS",
    "MODESTWEAR_HEALTH_CACHE_SECONDS": "HEALTH_CACHE_SECONDS",
    "MODESTWEAR_HEALTH_CRITICAL": "HEALTH_CRITICAL_CHECKS",
    "MODESTWEAR_HEALTH_CHECKS": "HEALTH_CHECKS",
}
# The defaults are the registry's (one declaration); conf.py uses them when a setting is absent.
MIN_TOKEN_LENGTH = 16  # a shorter bearer token can be guessed over the network


def health_settings(env: Env) -> dict[str, Any]:
    # Check names are validated by the system checks (checks.check_health_names) against the
    # health registry, where a project's own @register checks are known: not here, before apps load.
    checks = _names(env, "HEALTH_CHECKS")
    if "celery" not in checks and broker_url(env):
        checks += ("celery",)  # a broker means a worker must answer: /health and the doctor ask
    values = {
        # Bearer token that unlocks error types and timings; None: nobody sees them.
        "HEALTH_TOKEN": _token(env),
        # Seconds for the whole /health response, even when a dependency hangs.
        "HEALTH_BUDGET_SECONDS": env("HEALTH_BUDGET_SECONDS"),
        # Seconds a check's result is reused: a burst of probes costs one round trip.
        "HEALTH_CACHE_SECONDS": env("HEALTH_CACHE_SECONDS"),
        # Checks whose failure answers 503; the others only make /health "degraded" (200).
        "HEALTH_CRITICAL_CHECKS": _names(env, "HEALTH_CRITICAL_CHECKS"),
        # Optional checks to run besides the always-on ones (database, cache, the project's).
        "HEALTH_CHECKS": checks,
    }
    return {setting: values[variable] for setting, variable in SETTINGS.items()}


def setting_default(setting: str) -> Any:
    """What a health setting is when the project leaves it out: its variable's default."""
    default = BY_NAME[SETTINGS[setting]].default
    return tuple(default) if isinstance(default, (list, tuple)) else default


def seconds_problem(setting: str, value: Any) -> str | None:
    """The one validator of a seconds setting, with its variable's bounds (system check E032, health/conf.py)."""
    var = BY_NAME[SETTINGS[setting]]
    low, high = var.minimum or 0.0, var.maximum if var.maximum is not None else math.inf
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        return f"{setting} should be a number of seconds from {low:g} to {high:g}"
    return None


def names_problem(setting: str, value: Any) -> str | None:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(i, str) for i in value):
        return f"{setting} should be a list or tuple of check names"
    return None


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


E030_TEXT = "{setting} names {count} check(s) that are not registered{what}: /health would fail on every request."
E031 = Error(
    "MODESTWEAR_HEALTH_CRITICAL names an optional check that MODESTWEAR_HEALTH_CHECKS does not enable: it never runs.",
    hint="Add it to HEALTH_CHECKS, or remove it from HEALTH_CRITICAL_CHECKS.",
    obj="HEALTH_CRITICAL_CHECKS",
    id=CHECK_PREFIX + "E031",
)


def check_health_settings(**kwargs: Any) -> list[CheckMessage]:
    """A health setting has the wrong type or is out of its variable's bounds."""
    problems = [
        (setting, check(setting, getattr(django_settings, setting, setting_default(setting))))
        for setting, check in (
            ("MODESTWEAR_HEALTH_BUDGET", seconds_problem),
            ("MODESTWEAR_HEALTH_CACHE_SECONDS", seconds_problem),
            ("MODESTWEAR_HEALTH_CHECKS", names_problem),
            ("MODESTWEAR_HEALTH_CRITICAL", names_problem),
        )
    ]
    return [
        Error(problem, hint=f"Set {SETTINGS[setting]} instead.", obj=SETTINGS[setting], id=CHECK_PREFIX + "E032")
        for setting, problem in problems
        if problem
    ]


def _configured_names(setting: str) -> tuple[str, ...]:
    value = getattr(django_settings, setting, setting_default(setting))
    return () if names_problem(setting, value) else tuple(name.lower() for name in value)


def check_health_names(**kwargs: Any) -> list[CheckMessage]:
    """The health variables name checks that are not registered, or critical ones that never run."""
    enabled = _configured_names("MODESTWEAR_HEALTH_CHECKS")
    critical = _configured_names("MODESTWEAR_HEALTH_CRITICAL")
    registrations = registered()
    optional = {name for name, reg in registrations.items() if reg.optional}
    messages: list[CheckMessage] = []
    for setting, variable, names, allowed, what in (
        ("MODESTWEAR_HEALTH_CHECKS", "HEALTH_CHECKS", enabled, optional, " as optional"),
        ("MODESTWEAR_HEALTH_CRITICAL", "HEALTH_CRITICAL_CHECKS", critical, set(registrations), ""),
    ):
        unknown = [n for n in names if n.partition(":")[0] not in allowed]
        if unknown:  # counted, not echoed: a value in the wrong variable may be a secret
            text = E030_TEXT.format(setting=setting, count=len(unknown), what=what)
            hint = f"Known{what}: {', '.join(sorted(allowed))}."
            messages.append(Error(text, hint=hint, obj=variable, id=CHECK_PREFIX + "E030"))
    disabled = [n for n in critical if n.partition(":")[0] in optional and n.partition(":")[0] not in enabled]
    return messages + ([E031] if disabled else [])


CONCERN = Concern(
    name="health",
    doc="/healthz (liveness) and /health (readiness): budget, cache, which checks run and which are critical.",
    variables=VARIABLES,
    build=health_settings,
    # Each message names its variable (obj): HEALTH_CHECKS or HEALTH_CRITICAL_CHECKS.
    checks=(
        Check(check_health_names, ("E030", "E031"), ("HEALTH_CHECKS", "HEALTH_CRITICAL_CHECKS")),
        Check(check_health_settings, ("E032",), ("HEALTH_BUDGET_SECONDS", "HEALTH_CACHE_SECONDS")),
    ),
    # First: /healthz answers before host validation and the SSL redirect.
    middleware=(Placed("modestwear_config.health.middleware.LivenessMiddleware", Rank.LIVENESS),),
)

__getattr__ = lazy_settings(CONCERN)
