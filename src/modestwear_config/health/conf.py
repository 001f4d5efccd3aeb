"""The MODESTWEAR_HEALTH_* settings, read on every access so override_settings works.

Defaults and bounds are the HEALTH_* variables' (concerns/health.py: one declaration for both);
a bad value is also reported by the system check E032 before any probe arrives.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.concerns.readiness import names_problem, seconds_problem, setting_default


class HealthConf:
    @property
    def token(self) -> str | None:
        token = getattr(settings, "MODESTWEAR_HEALTH_TOKEN", None)
        return str(token) if token else None

    @property
    def budget(self) -> float:
        return _seconds("MODESTWEAR_HEALTH_BUDGET")

    @property
    def cache_seconds(self) -> float:
        return _seconds("MODESTWEAR_HEALTH_CACHE_SECONDS")

    @property
    def critical(self) -> frozenset[str]:
        return frozenset(_names("MODESTWEAR_HEALTH_CRITICAL"))

    @property
    def checks(self) -> tuple[str, ...]:
        return _names("MODESTWEAR_HEALTH_CHECKS")


def _value(setting: str, problem_of: Any) -> Any:
    value = getattr(settings, setting, setting_default(setting))
    problem = problem_of(setting, value)
    if problem:
        raise ImproperlyConfigured(problem)
    return value


def _seconds(setting: str) -> float:
    return float(_value(setting, seconds_problem))


def _names(setting: str) -> tuple[str, ...]:
    return tuple(item.lower() for item in _value(setting, names_problem))


conf = HealthConf()
