"""Content Security Policy from the environment, with Django 6.0's own middleware (SECURE_CSP).

Report-only by default, so a new deploy learns what its pages load before anything is blocked;
CSP_MODE=enforce blocks.  The policy allows this site, the nonce Django gives templates
(`{% csp_nonce_attr %}`, `csp_nonce`), and the origins the library itself configures: the media
host (Cloudinary), the frontend for connect-src, and the static host when STATIC_URL is absolute.
Django 5.2 has no CSP: there the concern adds nothing and system check W050 says so when the
environment asks for one.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import django
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Env, variables_of

from .assemble import built_env, lazy_settings
from .compose import Rank
from .storage import media_origins
from .unit import CHECK_PREFIX, Check, Concern, Placed

CSP_SINCE = (6, 0)
V = variables_of("csp")
SOURCES = ("script", "style", "img", "connect", "font", "frame")
VARIABLES = (
    V(
        "CSP_MODE",
        "str",
        "report-only: browsers report what the policy would block; enforce: they block it; off. Django >= 6.0.",
        "report-only",
        choices=("report-only", "enforce", "off"),
    ),
    V(
        "CSP_REPORT_URI",
        "url",
        "Where browsers POST violation reports (the report-uri directive).",
        "",
        example="https://modestwear.report-uri.com/r/d/csp/enforce",
    ),
    *(
        V(
            f"CSP_{kind.upper()}_SRC",
            "list",
            f"Extra sources for {kind}-src, comma-separated (https://host, *.host, data:, 'unsafe-eval').",
            (),
            example="https://cdn.example.com",
        )
        for kind in SOURCES
    ),
)
# A source expression of CSP level 3: a quoted keyword or hash, a scheme, or a host source.
# Nothing else gets in: a ';' or a space would start another directive.
KEYWORD = re.compile(
    r"'(?:self|none|unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic|report-sample|wasm-unsafe-eval|(?:sha256|sha384|sha512)-[A-Za-z0-9+/=_-]+)'"
)
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")
HOST = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::(?:\d{1,5}|\*))?(?:/[^\s;,']*)?"
)


def csp_available() -> bool:
    return django.VERSION[:2] >= CSP_SINCE


def _enabled(env: Env) -> bool:
    return csp_available() and env("CSP_MODE") != "off"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _extra(env: Env, kind: str) -> list[str]:
    name = f"CSP_{kind.upper()}_SRC"
    sources: list[str] = env(name)
    if not all(KEYWORD.fullmatch(s) or SCHEME.fullmatch(s) or HOST.fullmatch(s) for s in sources):
        env.error(name, "expected CSP sources (https://host, *.host, data:, or a quoted keyword like 'self')")
        return []
    return sources


def policy(env: Env) -> dict[str, list[str]]:
    """The directives, from the library's defaults, the origins it configures, and CSP_*_SRC."""
    from django.utils.csp import CSP  # Django >= 6.0

    static = [o for o in [_origin(env("STATIC_URL"))] if o]
    media = media_origins(env)
    frontend = [o for o in [_origin(env("FRONTEND_URL") or "")] if o]
    directives: dict[str, list[str]] = {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE, *static, *_extra(env, "script")],
        "style-src": [CSP.SELF, CSP.NONCE, *static, *_extra(env, "style")],
        "img-src": [CSP.SELF, "data:", *static, *media, *_extra(env, "img")],
        "media-src": [CSP.SELF, *media],
        "font-src": [CSP.SELF, "data:", *static, *_extra(env, "font")],
        "connect-src": [CSP.SELF, *frontend, *_extra(env, "connect")],
        "frame-src": [CSP.SELF, *_extra(env, "frame")] if env("CSP_FRAME_SRC") else [CSP.NONE],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.SELF],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],  # as X_FRAME_OPTIONS=DENY
    }
    report_uri: str = env("CSP_REPORT_URI")
    if report_uri:
        directives["report-uri"] = [report_uri]
    # Plain strings (CSP's members are str): the settings stay comparable and printable.
    return {name: [str(v) for v in dict.fromkeys(values)] for name, values in directives.items()}


def csp_settings(env: Env) -> dict[str, Any]:
    mode: str = env("CSP_MODE")
    env("CSP_REPORT_URI")  # validated on every version, like the sources: a bad value must not wait for the upgrade
    for kind in SOURCES:
        _extra(env, kind)
    if not csp_available():
        if not env.is_set("CSP_MODE"):  # the doctor shows what is in force: off (W050 says why when asked for)
            env.derive("CSP_MODE", "off", ())
        return {}
    directives = policy(env) if mode != "off" else {}
    return {
        # Django sends each non-empty one: Content-Security-Policy and ...-Report-Only.
        "SECURE_CSP": directives if mode == "enforce" else {},
        "SECURE_CSP_REPORT_ONLY": directives if mode == "report-only" else {},
    }


W050 = Warning(
    "CSP_MODE asks for a Content Security Policy, but this Django has none (it came in 6.0): no header is sent.",
    hint="Upgrade to Django 6.0, or unset CSP_MODE (set it to off) on Django 5.2.",
    obj="CSP_MODE",
    id=CHECK_PREFIX + "W050",
)


def check_csp_available(**kwargs: Any) -> list[CheckMessage]:
    """CSP is asked for on a Django without it (before 6.0)."""
    env = built_env()
    return [W050] if not csp_available() and env.is_set("CSP_MODE") and env("CSP_MODE") != "off" else []


CONCERN = Concern(
    name="csp",
    doc="Content Security Policy (Django >= 6.0): report-only by default, enforced with CSP_MODE=enforce; "
    "the nonce in templates; the media, frontend and static origins the library configures.",
    variables=VARIABLES,
    build=csp_settings,
    checks=(Check(check_csp_available, ("W050",), ("CSP_MODE",)),),
    middleware=(Placed("django.middleware.csp.ContentSecurityPolicyMiddleware", Rank.CSP, _enabled),),
    context_processors=(Placed("django.template.context_processors.csp", Rank.CSP_NONCE, _enabled),),
)

__getattr__ = lazy_settings(CONCERN)
