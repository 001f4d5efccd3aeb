"""MODESTWEAR_HEALTH_* settings from HEALTH_* variables (read lazily by health/conf.py), and their checks.

Kept free of heavy imports: this module runs while settings.py is imported.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from modestwear_config.env import Env, variables_of
from modestwear_config.health.catalog import NAME

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
        "Optional extra checks to run: celery, migrations, storage, email.",
        (),
        example="celery,migrations",
    ),
)
BY_NAME = {var.name: var for var in VARIABLES}
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


E030_TEXT = "{setting} names {count} check(s) that are not registered{what}: /health would fail on every request."
E031 = Error(
    "MODESTWEAR_HEALTH_CRITICAL names an optional check that MODESTWEAR_HEALTH_CHECKS does not enable: it never runs.",
    hint="Add it to HEALTH_CHECKS, or remove it from HEALTH_CRITICAL_CHECKS.",
    obj="HEALTH_CRITICAL_CHECKS",
    id=CHECK_PREFIX + "E031",
)


def check_health_names(**kwargs: Any) -> list[CheckMessage]:
    """The health variables name checks that are not registered, or critical ones that never run."""
    from modestwear_config.health.catalog import registered
    from modestwear_config.health.conf import conf

    registrations = registered()
    optional = {name for name, reg in registrations.items() if reg.optional}
    messages: list[CheckMessage] = []
    for setting, variable, names, allowed, what in (
        ("MODESTWEAR_HEALTH_CHECKS", "HEALTH_CHECKS", conf.checks, optional, " as optional"),
        ("MODESTWEAR_HEALTH_CRITICAL", "HEALTH_CRITICAL_CHECKS", tuple(conf.critical), set(registrations), ""),
    ):
        unknown = [n for n in names if n.partition(":")[0] not in allowed]
        if unknown:  # counted, not echoed: a value in the wrong variable may be a secret
            text = E030_TEXT.format(setting=setting, count=len(unknown), what=what)
            hint = f"Known{what}: {', '.join(sorted(allowed))}."
            messages.append(Error(text, hint=hint, obj=variable, id=CHECK_PREFIX + "E030"))
    disabled = [n for n in conf.critical if n.partition(":")[0] in optional and n.partition(":")[0] not in conf.checks]
    return messages + ([E031] if disabled else [])


CONCERN = Concern(
    name="health",
    doc="/healthz (liveness) and /health (readiness): budget, cache, which checks run and which are critical.",
    variables=VARIABLES,
    build=health_settings,
    # Each message names its variable (obj): HEALTH_CHECKS or HEALTH_CRITICAL_CHECKS.
    checks=(Check(check_health_names, ("E030", "E031"), ("HEALTH_CHECKS", "HEALTH_CRITICAL_CHECKS")),),
    # First: /healthz answers before host validation and the SSL redirect.
    middleware=(Placed("modestwear_config.health.middleware.LivenessMiddleware", Rank.LIVENESS),),
)

__getattr__ = lazy_settings(CONCERN)
