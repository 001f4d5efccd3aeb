"""INSTALLED_APPS, MIDDLEWARE and TEMPLATES, composed from what each concern contributes.

Each contribution carries a rank: its place in the order Django and each package document.
Sorting by rank (stable, so equal ranks keep the order of CONCERNS) lets a new concern put its
middleware where it belongs without editing anyone else's list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from modestwear_config.env import Env

from .unit import Concern, Placed


class Rank:
    """Places in Django's documented orders; a gap of 10 or more leaves room between neighbours."""

    # MIDDLEWARE
    LIVENESS = 0  # first: /healthz answers before host validation and the SSL redirect
    REQUEST_ID = 50  # next: every other response, a redirect or a refusal included, carries its id
    SECURITY = 100  # django.middleware.security.SecurityMiddleware
    STATIC_FILES = 110  # right after SecurityMiddleware, as WhiteNoise documents
    MEDIA_FILES = 115  # uploads (MEDIA_SERVE), like static files: after the security headers, before the rest
    CSP = 120  # headers on every response, before anything can answer
    CORS = 150  # before anything that can answer (CommonMiddleware), as django-cors-headers documents
    SESSIONS = 200
    COMMON = 300
    CSRF = 400
    AUTHENTICATION = 500
    MESSAGES = 600
    CLICKJACKING = 700
    # INSTALLED_APPS
    DJANGO_APPS = 100
    BEFORE_STATICFILES = 190  # whitenoise.runserver_nostatic: runserver serves static files like production
    STATICFILES = 200
    THIRD_PARTY = 300
    OURS = 900
    # TEMPLATES context processors
    REQUEST = 100
    AUTH = 200
    MESSAGES_CONTEXT = 300
    CSP_NONCE = 400


def ordered(env: Env, placed: Iterable[Placed]) -> list[str]:
    chosen = [p for p in placed if p.when(env)]
    return list(dict.fromkeys(p.path for p in sorted(chosen, key=lambda p: p.rank)))


def composed_settings(env: Env, concerns: Iterable[Concern]) -> dict[str, Any]:
    """The three lists, from the contributions of `concerns` (each only where it contributes)."""
    concerns = list(concerns)
    settings: dict[str, Any] = {}
    apps = ordered(env, (p for c in concerns for p in c.apps))
    middleware = ordered(env, (p for c in concerns for p in c.middleware))
    processors = ordered(env, (p for c in concerns for p in c.context_processors))
    if apps:
        settings["INSTALLED_APPS"] = apps
    if middleware:
        settings["MIDDLEWARE"] = middleware
    if processors:
        settings["TEMPLATES"] = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": processors},
            }
        ]
    return settings
