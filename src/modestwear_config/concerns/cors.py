"""CORS_ALLOWED_ORIGINS and CSRF_TRUSTED_ORIGINS for a frontend on another origin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Env, check_url, variables_of
from modestwear_config.env.items import origin_host_problem

from .assemble import lazy_settings
from .compose import Rank
from .platforms import public_host
from .unit import CHECK_PREFIX, Check, Concern, Placed

V = variables_of("cors")
VARIABLES = (
    V(
        "CORS_ALLOWED_ORIGINS",
        "list",
        "Origins allowed to call the API (scheme://host[:port], no path); FRONTEND_URL is added.",
        (),
        example="https://modestwear-app.vercel.app",
        item_problem=lambda value: origin_problem(value),
    ),
    V(
        "CSRF_TRUSTED_ORIGINS",
        "list",
        "Extra origins trusted for unsafe requests; CORS origins are always trusted.",
        (),
        example="https://admin.modestwear.com",
        item_problem=lambda value: origin_problem(value, wildcard=True),
    ),
    V("CORS_ALLOW_CREDENTIALS", "bool", "Allow cookies on cross-origin requests.", True),
)

ORIGIN_SCHEMES = ("http", "https")
# The usual local frontend dev servers (Next.js, Create React App), trusted with DEBUG on only:
# in production an http:// origin could be anyone on the network.
LOCAL_FRONTENDS = ("http://localhost:3000", "http://127.0.0.1:3000")
DEFAULT_PORTS = {"http": 80, "https": 443}


def cors_settings(env: Env) -> dict[str, Any]:
    frontend = _origins(env, "FRONTEND_URL", [env("FRONTEND_URL")] if env("FRONTEND_URL") else [])
    allowed = _origins(env, "CORS_ALLOWED_ORIGINS", env("CORS_ALLOWED_ORIGINS")) + frontend
    allowed += list(LOCAL_FRONTENDS) if env("DEBUG") else []
    trusted = _origins(env, "CSRF_TRUSTED_ORIGINS", env("CSRF_TRUSTED_ORIGINS"), wildcard=True)
    platform = public_host(env)  # the site's own origin: a same-origin POST from a proxy-rewritten Origin
    own = [f"https://{platform[1]}"] if platform else []
    return {
        "CORS_ALLOWED_ORIGINS": _unique(allowed),
        # A frontend that may call the API may also POST to it with the CSRF token.
        "CSRF_TRUSTED_ORIGINS": _unique(allowed + trusted + own),
        "CORS_ALLOW_CREDENTIALS": env("CORS_ALLOW_CREDENTIALS"),
    }


def _origins(env: Env, name: str, values: list[str], wildcard: bool = False) -> list[str]:
    """Validated origins (scheme://host[:port]); a trailing slash is tolerated and removed."""
    origins = []
    for value in values:
        problem = origin_problem(value, wildcard)
        if problem:
            env.error(name, problem)
            continue
        origins.append(normalise_origin(value))
    return origins


def normalise_origin(value: str) -> str:
    """The origin as a browser sends it: lower-case, no default port, no trailing slash.

    django-cors-headers and Django's CSRF check compare origins exactly, so
    https://App.example.com:443/ would otherwise never match.
    """
    parts = urlsplit(value)
    netloc = parts.netloc.lower()
    default_port = DEFAULT_PORTS[parts.scheme]
    netloc = netloc.removesuffix(f":{default_port}") if parts.port == default_port else netloc
    return f"{parts.scheme}://{netloc}"


def origin_problem(value: str, wildcard: bool = False) -> str | None:
    try:
        parts = check_url(value)
    except ValueError:
        return "expected origins like https://example.com, got one without a scheme or unparsable"
    if parts.scheme not in ORIGIN_SCHEMES:
        return "expected origins with an http:// or https:// scheme"
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        return "expected origins (scheme://host[:port]), got one with a path, query or user info"
    if not parts.hostname or ("*" in parts.netloc and not (wildcard and parts.netloc.startswith("*."))):
        return "expected origins with a host name (wildcards only as *.domain in CSRF_TRUSTED_ORIGINS)"
    # As a browser sends it (ASCII, punycode): else no request's Origin ever matches.
    return origin_host_problem(parts.netloc)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


W005 = Warning(
    "CORS_ALLOWED_ORIGINS should only contain https:// origins when DEBUG is off: a plain-HTTP "
    "origin can be impersonated on the network and read responses with the user's cookies.",
    hint="Use the https:// origin of your frontend.",
    id=CHECK_PREFIX + "W005",
)
W009 = Warning(
    "CORS_ALLOW_ALL_ORIGINS should not be on together with CORS_ALLOW_CREDENTIALS: any web site "
    "can then make requests with the visitor's cookies and read the answers.",
    hint="Turn CORS_ALLOW_ALL_ORIGINS off and list your frontend in CORS_ALLOWED_ORIGINS (or FRONTEND_URL).",
    id=CHECK_PREFIX + "W009",
)


def check_cors_https(**kwargs: Any) -> list[CheckMessage]:
    """A plain-HTTP CORS origin with DEBUG off."""
    # The DEBUG-only local frontends are loopback: nobody on the network can impersonate them.
    origins = [o for o in getattr(django_settings, "CORS_ALLOWED_ORIGINS", []) if o not in LOCAL_FRONTENDS]
    return [W005] if any(not o.startswith("https://") for o in origins) else []


def check_cors_allow_all(**kwargs: Any) -> list[CheckMessage]:
    """Every origin is allowed, with credentials."""
    allow_all = getattr(django_settings, "CORS_ALLOW_ALL_ORIGINS", False)
    return [W009] if allow_all and getattr(django_settings, "CORS_ALLOW_CREDENTIALS", False) else []


CONCERN = Concern(
    name="cors",
    doc="CORS_ALLOWED_ORIGINS and CSRF_TRUSTED_ORIGINS for a frontend on another origin.",
    variables=VARIABLES,
    build=cors_settings,
    checks=(
        Check(check_cors_https, ("W005",), ("CORS_ALLOWED_ORIGINS",), deploy=True),
        Check(check_cors_allow_all, ("W009",), ("CORS_ALLOW_CREDENTIALS",), deploy=True),
    ),
    apps=(Placed("corsheaders", Rank.THIRD_PARTY),),
    middleware=(Placed("corsheaders.middleware.CorsMiddleware", Rank.CORS),),
)

__getattr__ = lazy_settings(CONCERN)
