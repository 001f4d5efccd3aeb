"""The frontend on another origin (Next.js on Vercel) and the social-login ids it shares with the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.concerns.assemble import lazy_settings
from modestwear_config.concerns.unit import CHECK_PREFIX, Check, Concern
from modestwear_config.env import Env, variables_of

V = variables_of("frontend")
VARIABLES = (
    V(
        "FRONTEND_URL",
        "url",
        "The frontend's origin (Next.js on Vercel); also a CORS and CSRF trusted origin.",
        "",
        example="https://modestwear-app.vercel.app",
    ),
    V(
        "GOOGLE_CLIENT_ID",
        "str",
        "Google OAuth client id, exposed as a setting for social auth.",
        "",
        example="your-client-id",
    ),
    V(
        "FACEBOOK_APP_ID",
        "str",
        "Facebook app id, exposed as a setting for social auth.",
        "",
        example="your-app-id",
    ),
)


def frontend_settings(env: Env) -> dict[str, Any]:
    # "" when unset, never None: an email link is f"{FRONTEND_URL}/..." and google-auth reads
    # audience=None as "do not check".
    return {name: env(name) for name in ("FRONTEND_URL", "GOOGLE_CLIENT_ID", "FACEBOOK_APP_ID")}


W010 = Warning(
    "FRONTEND_URL is not set while cookies are sent cross-site (SESSION_COOKIE_SAMESITE or "
    "CSRF_COOKIE_SAMESITE is 'None') and no CORS origin is configured: the frontend cannot call "
    "the API, and links built from FRONTEND_URL (emails, redirects) have no host.",
    hint="Set FRONTEND_URL to the frontend's origin, like https://modestwear-app.vercel.app.",
    id=CHECK_PREFIX + "W010",
)


def check_frontend_url(**kwargs: Any) -> list[CheckMessage]:
    """Cookies are sent cross-site but no frontend origin is configured."""
    if settings.DEBUG or getattr(settings, "FRONTEND_URL", ""):
        return []
    cross_site = "None" in (settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE)
    origins = getattr(settings, "CORS_ALLOWED_ORIGINS", []) or getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", [])
    return [W010] if cross_site and not origins else []


CONCERN = Concern(
    name="frontend",
    doc="The frontend's origin (also trusted by CORS and CSRF, see cors) and its social-login ids.",
    variables=VARIABLES,
    build=frontend_settings,
    checks=(Check(check_frontend_url, ("W010",), ("FRONTEND_URL",), deploy=True),),
)

__getattr__ = lazy_settings(CONCERN)
