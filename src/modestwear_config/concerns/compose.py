"""INSTALLED_APPS, MIDDLEWARE and TEMPLATES, composed from what each concern contributes.

Each contribution carries a rank: its place in the order Django and each package document.
Sorting by rank (stable, so equal ranks keep the order of CONCERNS) lets a new concern put its
middleware where it belongs without editing anyone else's list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from modestwear_config.env import Env

from .unit import Concern, Placed

DJANGO_TEMPLATES = "django.template.backends.django.DjangoTemplates"


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


# Paths a project may list that a library entry stands in for (Placed.replaces), from the last composition.
REPLACED: dict[str, str] = {}


def ordered(env: Env, placed: Iterable[Placed]) -> list[str]:
    chosen = [p for p in placed if p.when(env)]
    return list(dict.fromkeys(p.path for p in sorted(chosen, key=lambda p: p.rank)))


def composed_settings(env: Env, concerns: Iterable[Concern]) -> dict[str, Any]:
    """The three lists, from the contributions of `concerns` (each only where it contributes)."""
    concerns = list(concerns)
    settings: dict[str, Any] = {}
    placed = (p for c in concerns for p in (*c.apps, *c.middleware, *c.context_processors))
    REPLACED.update({old: p.path for p in placed for old in p.replaces})
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
                "BACKEND": DJANGO_TEMPLATES,
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": processors},
            }
        ]
    return settings


# -- merging a project's lists with the library's ------------------------------------------------------
def app_module(entry: str) -> str:
    """The app's module an INSTALLED_APPS entry names ("django.contrib.admin" and
    "django.contrib.admin.apps.SimpleAdminConfig" are both "django.contrib.admin"), found without
    importing it (the settings are still loading). Never the label's last part alone: "wagtail.search"
    and "bakerydemo.search" are two apps (Wagtail's declares the label "wagtailsearch")."""
    parts = entry.split(".")
    if len(parts) > 1 and parts[-1][:1].isupper():  # an AppConfig class
        parts = parts[:-2] if parts[-2] == "apps" and len(parts) > 2 else parts[:-1]
    return ".".join(parts)


def _merged(library: Iterable[str], project: Iterable[str], key: Callable[[str], str]) -> list[str]:
    """The library's entries in the library's order (its ranks); each project entry just before the
    first library entry the project lists after it, the rest at the end in the project's order. The
    project's spelling of a library entry wins (SimpleAdminConfig for admin); duplicates go."""
    library = list(library)
    keys = {key(entry): entry for entry in library}
    chosen: dict[str, str] = {}
    before: dict[str, list[str]] = {}
    pending: list[str] = []
    for entry in project:
        replaced = REPLACED.get(entry)
        anchor = key(replaced) if replaced in library else key(entry)
        if anchor in keys:
            chosen.setdefault(anchor, keys[anchor] if replaced else entry)
            before.setdefault(anchor, []).extend(pending)
            pending = []
        else:
            pending.append(entry)
    merged = [item for entry in library for item in (*before.get(key(entry), ()), chosen.get(key(entry), entry))]
    unique: dict[str, str] = {}
    for entry in (*merged, *pending):
        unique.setdefault(key(entry), entry)
    return list(unique.values())


def merge_apps(library: Iterable[str], project: Iterable[str]) -> list[str]:
    """INSTALLED_APPS: the library's and the project's, one entry per app module, the library's order kept.

    ``INSTALLED_APPS = merge_apps(INSTALLED_APPS, [...startproject's list..., "shop"])``
    """
    return _merged(library, project, app_module)


def merge_middleware(library: Iterable[str], project: Iterable[str]) -> list[str]:
    """MIDDLEWARE: the library's and the project's, each once, the library's order kept (the liveness
    middleware first); whitenoise's own middleware gives way to the library's async-capable one."""
    return _merged(library, project, str)


def merge_context_processors(library: Iterable[str], project: Iterable[str]) -> list[str]:
    """Template context processors: the library's and the project's, each once."""
    return _merged(library, project, str)


def merge_templates(library: list[dict[str, Any]], project: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The project's TEMPLATES (its DIRS, loaders, options), each Django-templates engine with the
    library's context processors merged into its own."""
    processors = [p for engine in library for p in engine.get("OPTIONS", {}).get("context_processors", [])]
    merged = []
    for engine in project:
        if engine.get("BACKEND") == DJANGO_TEMPLATES:
            options = dict(engine.get("OPTIONS", {}))
            options["context_processors"] = merge_context_processors(processors, options.get("context_processors", []))
            engine = {**engine, "OPTIONS": options}
        merged.append(engine)
    return merged
