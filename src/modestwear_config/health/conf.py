"""The MODESTWEAR_HEALTH_* settings, read on every access so override_settings works."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.concerns.health import DEFAULT_BUDGET, DEFAULT_CACHE_SECONDS, DEFAULT_CRITICAL


class HealthConf:
    @property
    def token(self) -> str | None:
        token = getattr(settings, "MODESTWEAR_HEALTH_TOKEN", None)
        return str(token) if token else None

    @property
    def budget(self) -> float:
        return _seconds("MODESTWEAR_HEALTH_BUDGET", DEFAULT_BUDGET, minimum=0.01)

    @property
    def cache_seconds(self) -> float:
        return _seconds("MODESTWEAR_HEALTH_CACHE_SECONDS", DEFAULT_CACHE_SECONDS, minimum=0.0)

    @property
    def critical(self) -> frozenset[str]:
        return frozenset(_names("MODESTWEAR_HEALTH_CRITICAL", DEFAULT_CRITICAL))

    @property
    def checks(self) -> tuple[str, ...]:
        return _names("MODESTWEAR_HEALTH_CHECKS", ())


def _seconds(name: str, default: float, minimum: float) -> float:
    value: Any = getattr(settings, name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < minimum:
        raise ImproperlyConfigured(f"{name} should be a number of seconds >= {minimum:g}")
    return float(value)


def _names(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value: Any = getattr(settings, name, default)
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise ImproperlyConfigured(f"{name} should be a list or tuple of check names")
    return tuple(item.lower() for item in value)


conf = HealthConf()
