"""HTTPS and browser security headers: strict when DEBUG is off, each one overridable."""

from __future__ import annotations

from typing import Any

from django.core.checks.security.base import REFERRER_POLICY_VALUES

from .env import Env, lazy_settings

ONE_YEAR = 31_536_000  # seconds; the HSTS max-age preload lists require
# Health probes arrive over plain HTTP from the platform; never redirect them.
HEALTH_PATHS_EXEMPT = [r"^healthz/?$", r"^health/?$"]
DEBUG = ("DEBUG",)  # what the production defaults derive from (shown by the doctor)


def security_settings(env: Env) -> dict[str, Any]:
    production = not env("DEBUG")
    behind_proxy: bool = env("BEHIND_TLS_PROXY")
    session_secure: bool = env("SESSION_COOKIE_SECURE", production, from_=DEBUG)
    csrf_secure: bool = env("CSRF_COOKIE_SECURE", production, from_=DEBUG)
    return {
        "SECURE_SSL_REDIRECT": env("SECURE_SSL_REDIRECT", production, from_=DEBUG),
        "SECURE_REDIRECT_EXEMPT": HEALTH_PATHS_EXEMPT,
        # TLS ends at Render's proxy: without this, SECURE_SSL_REDIRECT loops forever.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if behind_proxy else None,
        "SECURE_HSTS_SECONDS": env("SECURE_HSTS_SECONDS", ONE_YEAR if production else 0, from_=DEBUG),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env("SECURE_HSTS_INCLUDE_SUBDOMAINS", production, from_=DEBUG),
        "SECURE_HSTS_PRELOAD": env("SECURE_HSTS_PRELOAD", production, from_=DEBUG),
        "SESSION_COOKIE_SECURE": session_secure,
        "CSRF_COOKIE_SECURE": csrf_secure,
        # Lax (Django's default) by default; "None" is for a frontend on another site sending
        # cookies with credentials, and browsers drop SameSite=None cookies that are not Secure.
        "SESSION_COOKIE_SAMESITE": _samesite(env, "SESSION_COOKIE_SAMESITE", session_secure),
        "CSRF_COOKIE_SAMESITE": _samesite(env, "CSRF_COOKIE_SAMESITE", csrf_secure),
        "SESSION_COOKIE_HTTPONLY": True,  # scripts never need the session id
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": _referrer_policy(env),
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": env("SECURE_CROSS_ORIGIN_OPENER_POLICY"),
        "X_FRAME_OPTIONS": env("X_FRAME_OPTIONS"),
        # SECURE_BROWSER_XSS_FILTER is deliberately absent: Django 4.0 removed it
        # (browsers dropped X-XSS-Protection), so setting it would do nothing.
    }


def _referrer_policy(env: Env) -> str:
    """Comma-separated tokens Django's check accepts: anything else is sent as a header (or 500s)."""
    value: str = env("SECURE_REFERRER_POLICY")
    tokens = [token.strip() for token in value.split(",")]
    if all(token in REFERRER_POLICY_VALUES for token in tokens):
        return ", ".join(tokens)
    env.error("SECURE_REFERRER_POLICY", f"expected one or more of {', '.join(sorted(REFERRER_POLICY_VALUES))}")
    return "same-origin"


def _samesite(env: Env, name: str, secure: bool) -> str:
    value: str = env(name)
    if value == "None" and not secure:
        secure_name = name.replace("_SAMESITE", "_SECURE")
        env.error(name, f"None needs {secure_name} on: browsers reject SameSite=None cookies that are not Secure")
    return value


__getattr__ = lazy_settings(security_settings)
