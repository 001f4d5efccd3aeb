"""Observability: a request id on every request, log line and task; Sentry from SENTRY_DSN.

The builder only reads and checks the variables: sentry_sdk is imported by
components/sentry.py when a process starts it (never at settings import), and only with a DSN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .compose import Rank
from .unit import Concern, Extra, Placed

V = variables_of("observability")
_RATE = {"minimum": 0.0, "maximum": 1.0}
VARIABLES = (
    V(
        "SENTRY_DSN",
        "str",  # not "url": the doctor shows a URL's origin, and a DSN's key is its user part
        "Sentry's DSN: errors of web requests, tasks and commands are sent there (needs the sentry extra).",
        secret=True,
        # The key alone too: sentry_sdk sends it in X-Sentry-Auth ("sentry_key=<key>"), which an error
        # report or a debug log of the SDK shows.
        parts=lambda raw: dsn_key(raw),
        default_doc="unset: Sentry off",
        example="https://publickey@o0.ingest.sentry.io/0",
    ),
    V(
        "SENTRY_ENVIRONMENT",
        "str",
        "The environment Sentry files events under.",
        default_doc="production when DEBUG is off, else development",
        example="staging",
    ),
    V(
        "SENTRY_RELEASE",
        "str",
        "The release Sentry files events under.",
        default_doc="the platform's commit (RENDER_GIT_COMMIT, HEROKU_SLUG_COMMIT, ...)",
        example="3f2c1ab",
    ),
    V(
        "SENTRY_TRACES_SAMPLE_RATE",
        "float",
        "Share of requests and tasks traced (0 to 1; 0: no tracing).",
        0.0,
        **_RATE,
    ),
    V("SENTRY_PROFILES_SAMPLE_RATE", "float", "Share of traced requests profiled (0 to 1).", 0.0, **_RATE),
    V(
        "REQUEST_ID_TRUST_HEADER",
        "bool",
        "Keep an incoming X-Request-ID (set by the platform's proxy) instead of generating one.",
        default_doc="BEHIND_TLS_PROXY",
        example="false",
    ),
)


def dsn_key(raw: str) -> list[str]:
    """The public key (and a legacy secret key) of a Sentry DSN: https://<key>[:<secret>]@host/project."""
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return []
    return [part for part in (parts.username, parts.password) if part]


SENTRY = Extra("sentry", ("sentry_sdk",), "SENTRY_DSN=https://... (errors to Sentry)", ("sentry-sdk>=2.76",))
REQUEST_ID_MIDDLEWARE = "modestwear_config.components.request_id.RequestIdMiddleware"

# The commit each platform states, in the order tried (Render, Heroku with dyno metadata, Railway,
# Fly.io's image, a CI's SOURCE_VERSION/GIT_COMMIT). The platform concern will own these names.
COMMIT_VARIABLES = (
    "RENDER_GIT_COMMIT",
    "HEROKU_SLUG_COMMIT",
    "RAILWAY_GIT_COMMIT_SHA",
    "FLY_IMAGE_REF",
    "SOURCE_VERSION",
    "GIT_COMMIT",
)


def platform_release(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(the commit, the variable it came from) as the platform states it; None off a platform.

    Raw reads of names the platform sets (not the library's to declare); the one place to point
    at the platform concern once it exists.
    """
    for name in COMMIT_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return value, name
    return None


def environment_problem(name: str) -> str | None:
    """Sentry's rule for an environment's name (docs.sentry.io, "Environments"): events under another are
    refused or filed apart."""
    if not name or name == "None" or len(name) > 64 or any(ch.isspace() or ch == "/" for ch in name):
        return "expected a name of 1 to 64 characters without spaces, newlines or '/', and not None (Sentry's rule)"
    return None


def observability_settings(env: Env) -> dict[str, Any]:
    trusted: bool = env("REQUEST_ID_TRUST_HEADER", env("BEHIND_TLS_PROXY"), from_=("BEHIND_TLS_PROXY",))
    environment: str = env("SENTRY_ENVIRONMENT", "development" if env("DEBUG") else "production", from_=("DEBUG",))
    if (problem := environment_problem(environment)) is not None:
        env.error("SENTRY_ENVIRONMENT", problem)
    found = platform_release(env.environ)
    release: str | None = env("SENTRY_RELEASE", found[0] if found else None, from_=(found[1],) if found else ())
    traces: float = env("SENTRY_TRACES_SAMPLE_RATE")
    profiles: float = env("SENTRY_PROFILES_SAMPLE_RATE")
    dsn = _dsn(env)
    sentry: dict[str, Any] | None = None
    if dsn:
        SENTRY.require(env, "SENTRY_DSN")  # a start-up error naming the extra, not a silent no-op
        sentry = {
            "dsn": dsn,
            "environment": environment,
            "release": release or "",  # "": no release, never None to code that formats it
            "traces_sample_rate": traces,
            "profiles_sample_rate": profiles,
        }
    return {
        # Read by components/request_id.py once per process.
        "MODESTWEAR_REQUEST_ID_TRUSTED": trusted,
        # Read by components/sentry.py.install() in each process; None: Sentry off.
        "MODESTWEAR_SENTRY": sentry,
    }


def _dsn(env: Env) -> str | None:
    """SENTRY_DSN when it has Sentry's shape (http(s)://key@host/project); an error never quoting it."""
    dsn: str | None = env("SENTRY_DSN")
    if not dsn:
        return None
    parts = urlsplit(dsn.strip())
    try:
        valid = parts.scheme in ("http", "https") and bool(parts.username and parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number
        valid = False
    if not valid or not parts.path.strip("/"):
        env.error("SENTRY_DSN", "expected Sentry's DSN, https://<key>@<host>/<project id>")
        return None
    return dsn.strip()


CONCERN = Concern(
    name="observability",
    doc="Observability: a request id (X-Request-ID) on every response, JSON log line, Sentry event and the "
    "Celery tasks a request enqueues; Sentry from SENTRY_DSN (Django, Celery, Redis and logging), each event "
    "scrubbed, started once in every process.",
    variables=VARIABLES,
    build=observability_settings,
    extras=(SENTRY,),
    middleware=(Placed(REQUEST_ID_MIDDLEWARE, Rank.REQUEST_ID),),
    shadows={"MODESTWEAR_SENTRY": "SENTRY_DSN", "MODESTWEAR_REQUEST_ID_TRUSTED": "REQUEST_ID_TRUST_HEADER"},
)

__getattr__ = lazy_settings(CONCERN)
