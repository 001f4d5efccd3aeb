"""The library wired into the project's settings: its app, its liveness middleware and what runs before it.

A project that keeps startproject's literal INSTALLED_APPS or MIDDLEWARE below the import drops the
library's app: its AppConfig never loads, so nothing registered in ``ready()`` runs, and ``check``
would say "no issues".  So the build itself (concerns/assemble.py, when it builds the settings in
force) registers ``check_wiring`` through Django's public ``django.core.checks.register``: the
settings module is imported by every process, so the check is there whatever INSTALLED_APPS says,
and ``check``, ``migrate`` and ``runserver`` stop on it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .compose import app_module
from .unit import CHECK_PREFIX, Check, Concern, no_settings

LIBRARY_APP = "modestwear_config"
LIVENESS = "modestwear_config.health.middleware.LivenessMiddleware"
# What the build in force contributed (set by expect()); empty when the settings were built another way.
EXPECTED: dict[str, bool] = {}

E070_TEXT = (
    "INSTALLED_APPS does not hold modestwear_config: its checks, `manage.py config` and "
    "`manage.py ensure_superuser` are off, and its connection set-up never runs."
)
E071_TEXT = (
    "MIDDLEWARE does not hold modestwear_config's LivenessMiddleware: /healthz and /health are not "
    "answered, and the platform's health check fails every deploy."
)
MERGE_HINT = (
    "Merge your list with the library's instead of replacing it: {setting} = modestwear_config.{function}"
    "({setting}, [...your entries...]) (see docs/adoption.md)."
)
W070_TEXT = (
    "MIDDLEWARE runs {names} before LivenessMiddleware: {they} can answer /healthz and /health instead "
    "of it (a login wall, an IP allowlist or maintenance mode answers the platform's probe with 401/403/503)."
)
W070_HINT = (
    "Put them after modestwear_config.health.middleware.LivenessMiddleware (merge_middleware keeps it "
    "first), or silence modestwear_config.W070 if each lets the health paths through."
)


def expect(settings: dict[str, Any]) -> None:
    """The build in force made these settings: check that the project kept the library's app and
    liveness middleware, wherever its own lists come from."""
    EXPECTED["app"] = LIBRARY_APP in settings.get("INSTALLED_APPS", ())
    EXPECTED["liveness"] = LIVENESS in settings.get("MIDDLEWARE", ())
    register(check_wiring, Tags.security, Tags.compatibility)  # a set: registered once, ready() or not


def check_wiring(**kwargs: Any) -> list[CheckMessage]:
    """The project's lists dropped the library's app or its liveness middleware."""
    messages: list[CheckMessage] = []
    apps = [app_module(entry) for entry in getattr(django_settings, "INSTALLED_APPS", ())]
    if EXPECTED.get("app") and LIBRARY_APP not in apps:
        hint = MERGE_HINT.format(setting="INSTALLED_APPS", function="merge_apps")
        messages.append(Error(E070_TEXT, hint=hint, obj="INSTALLED_APPS", id=CHECK_PREFIX + "E070"))
    if EXPECTED.get("liveness") and LIVENESS not in getattr(django_settings, "MIDDLEWARE", ()):
        hint = MERGE_HINT.format(setting="MIDDLEWARE", function="merge_middleware")
        messages.append(Error(E071_TEXT, hint=hint, obj="MIDDLEWARE", id=CHECK_PREFIX + "E071"))
    return messages


def check_middleware_before_liveness(**kwargs: Any) -> list[CheckMessage]:
    """Middleware placed before the liveness middleware can answer the health paths instead of it."""
    middleware = list(getattr(django_settings, "MIDDLEWARE", ()))
    if LIVENESS not in middleware:
        return []
    first = middleware[: middleware.index(LIVENESS)]
    if not first:
        return []
    text = W070_TEXT.format(names=", ".join(first), they="it" if len(first) == 1 else "they")
    return [Warning(text, hint=W070_HINT, obj="MIDDLEWARE", id=CHECK_PREFIX + "W070")]


CONCERN = Concern(
    name="wiring",
    doc="The library wired into the project's settings: its app, its liveness middleware, and what runs before it.",
    variables=(),
    build=no_settings,
    checks=(Check(check_wiring, ("E070", "E071")), Check(check_middleware_before_liveness, ("W070",))),
)
