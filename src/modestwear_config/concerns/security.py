"""HTTPS and browser security headers: strict when DEBUG is off, each one overridable."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning
from django.core.checks.security.base import REFERRER_POLICY_VALUES

from modestwear_config.env import Env, variables_of

from .assemble import built_env, lazy_settings
from .platform_facts import OTHER_HOSTS
from .platforms import detection, proxy_source
from .unit import CHECK_PREFIX, Check, Concern

V = variables_of("security")
_PROD = "on when DEBUG is off"
VARIABLES = (
    V(
        "SECURE_SSL_REDIRECT",
        "bool",
        "Redirect plain HTTP to HTTPS (health paths exempt).",
        default_doc=_PROD,
        aliases=("DJANGO_SECURE_SSL_REDIRECT",),
        example="true",
    ),
    V(
        "SECURE_HSTS_SECONDS",
        "int",
        "Strict-Transport-Security max-age in seconds.",
        default_doc="31536000 when DEBUG is off, else 0",
        example="31536000",
        minimum=0,
        maximum=63_072_000,
    ),
    V(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "bool",
        "HSTS covers subdomains.",
        default_doc=_PROD,
        example="true",
        aliases=("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",),
    ),
    V(
        "SECURE_HSTS_PRELOAD",
        "bool",
        "HSTS preload flag.",
        default_doc=_PROD,
        example="true",
        aliases=("DJANGO_SECURE_HSTS_PRELOAD",),
    ),
    V("SESSION_COOKIE_SECURE", "bool", "Session cookie only over HTTPS.", default_doc=_PROD, example="true"),
    V("CSRF_COOKIE_SECURE", "bool", "CSRF cookie only over HTTPS.", default_doc=_PROD, example="true"),
    V(
        "BEHIND_TLS_PROXY",
        "bool",
        "Trust X-Forwarded-Proto from the platform's TLS-terminating proxy (every platform of docs/platforms.md).",
        True,
    ),
    V(
        "LOCAL_HTTP",
        "bool",
        "Production mode (DEBUG off) over plain HTTP on this machine: no HTTPS redirect, no HSTS, cookies "
        "not Secure. Refused when a hosting platform is detected; the doctor and W072 say it is on.",
        False,
    ),
    V("SECURE_REFERRER_POLICY", "str", "Referrer-Policy header.", "same-origin"),
    V(
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "str",
        "Cross-Origin-Opener-Policy header.",
        "same-origin",
        choices=("same-origin", "same-origin-allow-popups", "unsafe-none"),
    ),
    V("X_FRAME_OPTIONS", "str", "X-Frame-Options header.", "DENY", choices=("DENY", "SAMEORIGIN")),
    V(
        "SESSION_COOKIE_SAMESITE",
        "str",
        "SameSite of the session cookie; None lets a frontend on another site (vercel.app -> onrender.com) send it.",
        "Lax",
        choices=("Lax", "Strict", "None"),
    ),
    V(
        "CSRF_COOKIE_SAMESITE",
        "str",
        "SameSite of the CSRF cookie (None needs CSRF_COOKIE_SECURE).",
        "Lax",
        choices=("Lax", "Strict", "None"),
    ),
)

ONE_YEAR = 31_536_000  # seconds; the HSTS max-age preload lists require
# Health probes arrive over plain HTTP from the platform; never redirect them.
HEALTH_PATHS_EXEMPT = [r"^healthz/?$", r"^health/?$"]
DEBUG = ("DEBUG",)  # what the production defaults derive from (shown by the doctor)


def security_settings(env: Env) -> dict[str, Any]:
    local = local_http(env)
    production = not env("DEBUG") and not local  # HTTPS-only defaults
    from_ = (*DEBUG, "LOCAL_HTTP") if local else DEBUG
    behind_proxy = behind_tls_proxy(env)
    session_secure: bool = env("SESSION_COOKIE_SECURE", production, from_=from_)
    csrf_secure: bool = env("CSRF_COOKIE_SECURE", production, from_=from_)
    return {
        "SECURE_SSL_REDIRECT": env("SECURE_SSL_REDIRECT", production, from_=from_),
        "SECURE_REDIRECT_EXEMPT": HEALTH_PATHS_EXEMPT,
        # TLS ends at the platform's proxy: without this, SECURE_SSL_REDIRECT loops forever.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if behind_proxy else None,
        "SECURE_HSTS_SECONDS": env("SECURE_HSTS_SECONDS", ONE_YEAR if production else 0, from_=from_),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env("SECURE_HSTS_INCLUDE_SUBDOMAINS", production, from_=from_),
        "SECURE_HSTS_PRELOAD": env("SECURE_HSTS_PRELOAD", production, from_=from_),
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


def local_http(env: Env) -> bool:
    """LOCAL_HTTP is on with DEBUG off and no hosting platform detected: production over plain HTTP.

    On a platform it is an error, so a line copied from a laptop's .env never reaches a deploy.
    """
    if not env("LOCAL_HTTP"):
        return False
    platform = hosting_platform(env)
    if platform:
        env.error("LOCAL_HTTP", f"is on, but this runs on {platform}: plain HTTP is for a laptop only; unset it")
        return False
    return not env("DEBUG")  # with DEBUG on every default is plain-HTTP already


def behind_tls_proxy(env: Env) -> bool:
    """Whether a TLS-terminating proxy is the only way in: on a platform, yes (derived from its variable);
    with LOCAL_HTTP, no (a laptop has none, so forwarded headers would be anyone's); else the variable."""
    platform = proxy_source(env)
    if platform:
        return bool(env("BEHIND_TLS_PROXY", True, from_=platform))
    if env("LOCAL_HTTP") and not env("DEBUG"):
        return bool(env("BEHIND_TLS_PROXY", False, from_=("LOCAL_HTTP",)))
    return bool(env("BEHIND_TLS_PROXY"))


def hosting_platform(env: Env) -> str | None:
    """ "Render (RENDER is set)" when a platform the library knows, or another host's marker, is detected."""
    detected = detection(env)
    if detected is not None:
        return f"{detected[0].label} ({detected[1]} is set)"
    marker = next((name for name in sorted(env.names()) if name in OTHER_HOSTS), None)
    return f"{OTHER_HOSTS[marker]} ({marker} is set)" if marker else None


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


W006 = Warning(
    "SECURE_SSL_REDIRECT is on without SECURE_PROXY_SSL_HEADER: behind a TLS-terminating proxy "
    "(Render) every request looks like plain HTTP and is redirected forever.",
    hint="Set BEHIND_TLS_PROXY=true (the default) when the platform terminates TLS.",
    id=CHECK_PREFIX + "W006",
)
W008 = Warning(
    "SECURE_BROWSER_XSS_FILTER is set, but Django 4.0 removed it: it does nothing.",
    hint="Delete the setting; use a Content-Security-Policy instead.",
    id=CHECK_PREFIX + "W008",
)


W072 = Warning(
    "LOCAL_HTTP is on: production mode over plain HTTP (no HTTPS redirect, no HSTS, cookies not Secure). "
    "For this machine only.",
    hint="Unset LOCAL_HTTP before anything else than a local try-out (it is refused on a hosting platform).",
    obj="LOCAL_HTTP",
    id=CHECK_PREFIX + "W072",
)


def check_local_http(**kwargs: Any) -> list[CheckMessage]:
    """LOCAL_HTTP is on: production over plain HTTP."""
    env = built_env()
    return [W072] if env("LOCAL_HTTP") and not django_settings.DEBUG else []


# Cookie name prefixes browsers enforce (RFC 6265bis, "Cookie Name Prefixes"): a cookie that breaks its
# prefix's rule is dropped, so the session or the CSRF token never comes back and every login fails.
COOKIES = ("SESSION_COOKIE", "CSRF_COOKIE", "LANGUAGE_COOKIE")


def cookie_prefix_problem(name: str, secure: bool, domain: str | None, path: str) -> str | None:
    """Why a browser would drop this cookie for its name's prefix, or None."""
    if name.startswith(("__Secure-", "__Host-")) and not secure:
        return "is sent without Secure"
    if name.startswith("__Host-") and (domain or path != "/"):
        return "is sent with a Domain or a Path other than /"
    return None


def check_cookie_prefixes(**kwargs: Any) -> list[CheckMessage]:
    """A __Secure- or __Host- cookie name whose cookie breaks the prefix's rule (DEBUG on, LOCAL_HTTP)."""
    found: list[CheckMessage] = []
    for cookie in COOKIES:
        name = str(getattr(django_settings, f"{cookie}_NAME", ""))
        problem = cookie_prefix_problem(
            name,
            bool(getattr(django_settings, f"{cookie}_SECURE", False)),
            getattr(django_settings, f"{cookie}_DOMAIN", None),
            str(getattr(django_settings, f"{cookie}_PATH", "/")),
        )
        if problem:
            found.append(
                Warning(
                    f"{cookie}_NAME starts with {name.split('-', 1)[0]}- but the cookie {problem}: browsers drop "
                    "it, so it never comes back (a session or CSRF cookie: no login succeeds).",
                    hint=f"Here {cookie}_SECURE is {getattr(django_settings, f'{cookie}_SECURE', False)} "
                    "(DEBUG on, or LOCAL_HTTP): keep the prefixed name for HTTPS deployments only.",
                    obj=f"{cookie}_NAME",
                    id=CHECK_PREFIX + "W074",
                )
            )
    return found


def check_proxy_header(**kwargs: Any) -> list[CheckMessage]:
    """HTTPS redirects are on without the proxy's header."""
    return [W006] if django_settings.SECURE_SSL_REDIRECT and not django_settings.SECURE_PROXY_SSL_HEADER else []


def check_removed_xss_filter(**kwargs: Any) -> list[CheckMessage]:
    """SECURE_BROWSER_XSS_FILTER is set (Django 4.0 removed it)."""
    return [W008] if hasattr(django_settings, "SECURE_BROWSER_XSS_FILTER") else []


CONCERN = Concern(
    name="security",
    doc="HTTPS and browser security headers: strict when DEBUG is off, each one overridable.",
    variables=VARIABLES,
    build=security_settings,
    checks=(
        Check(check_removed_xss_filter, ("W008",)),  # a setting no variable drives: the project's own
        Check(check_proxy_header, ("W006",), ("BEHIND_TLS_PROXY",), deploy=True),
        Check(check_local_http, ("W072",), ("LOCAL_HTTP",)),
        Check(check_cookie_prefixes, ("W074",), ("LOCAL_HTTP",)),
    ),
    shadows={"SECURE_PROXY_SSL_HEADER": "BEHIND_TLS_PROXY"},
    django_checks={
        "security.W004": "SECURE_HSTS_SECONDS",
        "security.W005": "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "security.W008": "SECURE_SSL_REDIRECT",
        "security.W012": "SESSION_COOKIE_SECURE",
        "security.W016": "CSRF_COOKIE_SECURE",
        "security.W019": "X_FRAME_OPTIONS",
        "security.W021": "SECURE_HSTS_PRELOAD",
        "security.W022": "SECURE_REFERRER_POLICY",
        "security.E023": "SECURE_REFERRER_POLICY",
        "security.E024": "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    },
)

__getattr__ = lazy_settings(CONCERN)
