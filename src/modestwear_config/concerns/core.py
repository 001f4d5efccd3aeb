"""Core Django settings: key, debug, hosts, base apps and middleware, paths, locale."""

from __future__ import annotations

import gettext
import hashlib
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import django.conf.locale
from django.conf import global_settings, settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX as INSECURE_PREFIX,
)
from django.core.checks.security.base import (
    SECRET_KEY_MIN_LENGTH,
)
from django.core.checks.security.base import (
    SECRET_KEY_MIN_UNIQUE_CHARACTERS as SECRET_KEY_MIN_UNIQUE,
)
from django.utils.translation import to_locale

from modestwear_config.env import BY_NAME, Env, variables_of
from modestwear_config.env.files import base_dir
from modestwear_config.env.items import host_problem

from .assemble import lazy_settings
from .compose import Rank
from .platforms import public_host
from .unit import CHECK_PREFIX, Check, Concern, Placed

V = variables_of("core")
VARIABLES = (
    V("DEBUG", "bool", "Django debug mode. Never on in production.", False, example="false", aliases=("DJANGO_DEBUG",)),
    V(
        "SECRET_KEY",
        "str",
        "Django's signing key; required and strong (>= 50 chars, >= 5 distinct) when DEBUG is off.",
        secret=True,
        aliases=("DJANGO_SECRET_KEY",),
        default_doc="a stable development key when DEBUG is on",
        example="<python -c 'import secrets; print(secrets.token_urlsafe(50))'>",
    ),
    V(
        "ALLOWED_HOSTS",
        "list",
        "Host names this site serves, comma-separated. Required when DEBUG is off.",
        (),
        default_doc="localhost,127.0.0.1,[::1] when DEBUG is on",
        example="modestwear.onrender.com",
        item_problem=host_problem,
        aliases=("DJANGO_ALLOWED_HOSTS",),
    ),
    V(
        "BASE_DIR",
        "path",
        "Project directory for the SQLite file, static and media roots, and .env.",
        default_doc="the directory holding the settings' top package (manage.py's)",
        example="/opt/render/project/src",
    ),
    V(
        "ENV_FILE",
        "path",
        "A .env file (a regular file, at most 1 MiB) to load for local development; the real environment always wins.",
        default_doc="BASE_DIR/.env if it exists",
        example=".env",
    ),
    V("TIME_ZONE", "str", "Django TIME_ZONE (USE_TZ is always on).", "UTC"),
    V("LANGUAGE_CODE", "str", "Django LANGUAGE_CODE.", "en-us"),
    V("STATIC_URL", "str", "URL prefix of static files.", "/static/"),
    V("MEDIA_URL", "str", "URL prefix of uploaded media on the file system.", "/media/"),
    V(
        "DEFAULT_AUTO_FIELD",
        "str",
        "Primary key type of models that declare none. Changing it changes migrations: a project that keeps "
        "AutoField says so in code, with modestwear_config.defaults(DEFAULT_AUTO_FIELD=...).",
        "django.db.models.BigAutoField",
    ),
)

LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Django's translation.E001 form (django/core/checks/translation.py), and where its catalogs live.
_LANGUAGE_CODE = re.compile(r"^[a-z]{1,8}(?:-[a-z0-9]{1,8})*(?:@[a-z0-9]{1,20})?$", re.IGNORECASE)
_DJANGO_LOCALE = str(Path(django.conf.locale.__file__).parent)


def core_settings(env: Env) -> dict[str, Any]:
    debug: bool = env("DEBUG")
    base = base_dir(env)  # records where it came from, and why, for the doctor
    static_url, media_url = _url_prefixes(env)
    return {
        "BASE_DIR": base,
        "DEBUG": debug,
        "SECRET_KEY": _secret_key(env, debug, base),
        "ALLOWED_HOSTS": _allowed_hosts(env, debug),
        "AUTH_PASSWORD_VALIDATORS": PASSWORD_VALIDATORS,
        "LANGUAGE_CODE": _language_code(env),
        "TIME_ZONE": _time_zone(env),
        "USE_I18N": True,
        "USE_TZ": True,  # aware datetimes; PostgreSQL stores UTC
        "STATIC_URL": static_url,
        "STATIC_ROOT": base / "staticfiles",  # collectstatic's target, served by WhiteNoise
        "MEDIA_URL": media_url,
        "MEDIA_ROOT": base / "media",  # file-system media when Cloudinary is not configured
        "DEFAULT_AUTO_FIELD": env("DEFAULT_AUTO_FIELD"),  # a path Django cannot import stops the models loading
        # DEBUG pages and error mails: Django masks secret-looking setting names, these also
        # the passwords inside URL values (CACHES LOCATION, CELERY_BROKER_URL, request.META).
        "DEFAULT_EXCEPTION_REPORTER_FILTER": "modestwear_config.components.reporting.RedactingReporterFilter",
        "DEFAULT_EXCEPTION_REPORTER": "modestwear_config.components.reporting.RedactingExceptionReporter",
    }


def is_weak_secret_key(key: str) -> bool:
    return len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE or key.startswith(INSECURE_PREFIX)


def development_secret_key(base: Path) -> str:
    """A key derived from the project path: the same in every worker and after restarts.

    Only used with DEBUG on, where the debug pages already expose far more than
    the key; the django-insecure- prefix makes `check --deploy` flag it.
    """
    digest = hashlib.sha256(f"modestwear-config-dev:{base}".encode()).hexdigest()
    return f"{INSECURE_PREFIX}{digest}"


def _secret_key(env: Env, debug: bool, base: Path) -> str:
    key: str | None = env("SECRET_KEY")
    if debug and not key:
        env.derive("SECRET_KEY", development_secret_key(base), ("DEBUG", "BASE_DIR"))
        return development_secret_key(base)
    if debug:
        return str(key)
    if not key:
        env.error("SECRET_KEY", "You have not set it; it is required when DEBUG is off")
        return ""
    if is_weak_secret_key(key):
        env.error(
            "SECRET_KEY",
            f"is weak: it needs >= {SECRET_KEY_MIN_LENGTH} characters, >= {SECRET_KEY_MIN_UNIQUE} distinct "
            f"ones and no '{INSECURE_PREFIX}' prefix when DEBUG is off",
        )
        return ""
    return key


def _url_prefixes(env: Env) -> tuple[str, str]:
    """STATIC_URL and MEDIA_URL: non-empty, ending in '/', neither inside the other (else Django fails later, unnamed)."""
    prefixes = {}
    for name in ("STATIC_URL", "MEDIA_URL"):
        value: str = env(name)
        if not value.endswith("/"):
            env.error(name, "expected a URL prefix ending with '/' (like /static/ or https://cdn.example.com/static/)")
            value = BY_NAME[name].default
        prefixes[name] = value
    static, media = prefixes["STATIC_URL"], prefixes["MEDIA_URL"]
    if static.startswith(media) or media.startswith(static):
        # Django refuses MEDIA_URL within STATIC_URL (runserver), and either inside the other shadows it.
        named = "STATIC_URL" if env.is_set("STATIC_URL") and not env.is_set("MEDIA_URL") else "MEDIA_URL"
        env.error(
            named, "MEDIA_URL and STATIC_URL must differ and neither be inside the other (one would shadow the other)"
        )
    return prefixes["STATIC_URL"], prefixes["MEDIA_URL"]


def _language_code(env: Env) -> str:
    """LANGUAGE_CODE, checked here: an unknown one crashes django.setup() (no translation files)."""
    code: str = env("LANGUAGE_CODE")
    known = {language for language, _ in global_settings.LANGUAGES}
    known_form = _LANGUAGE_CODE.match(code) and (code.lower() in known or code.lower().partition("-")[0] in known)
    if known_form and gettext.find("django", _DJANGO_LOCALE, [to_locale(code)]):
        return code
    env.error("LANGUAGE_CODE", "expected a language Django has translations for (like en-us, fr or pt-br)")
    return "en-us"


def _time_zone(env: Env) -> str:
    """TIME_ZONE, checked here: Django would fail later with a bare ValueError naming no variable."""
    name: str = env("TIME_ZONE")
    try:
        ZoneInfo(name)
    # OSError: with PyPI's tzdata installed ZoneInfo opens a file inside that package, and a name
    # too long (ENAMETOOLONG) or naming a directory ("America") fails there, not as "not found".
    except (ZoneInfoNotFoundError, ValueError, OSError):
        env.error("TIME_ZONE", "expected an IANA time zone name (like UTC or Europe/Paris)")
        return "UTC"
    return name


def _allowed_hosts(env: Env, debug: bool) -> list[str]:
    hosts: list[str] = list(env("ALLOWED_HOSTS"))  # each item checked by host_problem as it is read
    platform = public_host(env)  # the platform's public host name (concerns/platform.py)
    if platform:
        hosts.append(platform[1])
    if not hosts and debug:
        env.derive("ALLOWED_HOSTS", list(LOCAL_HOSTS), ("DEBUG",))
        return list(LOCAL_HOSTS)
    if not hosts:
        env.error("ALLOWED_HOSTS", "You have not set it; it is required when DEBUG is off")
    hosts = list(dict.fromkeys(hosts))
    if platform:
        env.derive("ALLOWED_HOSTS", hosts, (platform[0],))
    return hosts


PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

W001 = Warning(
    "ALLOWED_HOSTS should not contain '*' when DEBUG is off: any Host header is accepted, "
    "which enables cache poisoning and password-reset link forgery.",
    hint="List your host names in ALLOWED_HOSTS (the platform's own host name is added for you).",
    id=CHECK_PREFIX + "W001",
)


E003_TEXT = (
    "ALLOWED_HOSTS holds {count} entr{ies} no request's Host can match ({problem}): Django answers 400 "
    "to every request for it."
)


def check_allowed_hosts(**kwargs: Any) -> list[CheckMessage]:
    """ALLOWED_HOSTS holds '*' with DEBUG off."""
    return [W001] if "*" in settings.ALLOWED_HOSTS else []


def check_host_entries(**kwargs: Any) -> list[CheckMessage]:
    """ALLOWED_HOSTS holds entries no request can match (a project may set it in code, after the import)."""
    problems = [host_problem(h) if isinstance(h, str) else "not a string" for h in settings.ALLOWED_HOSTS]
    found = [problem for problem in problems if problem]
    if not found:
        return []
    text = E003_TEXT.format(count=len(found), ies="y" if len(found) == 1 else "ies", problem=found[0])
    hint = "One host name per entry: example.com, .example.com (and its subdomains), [::1], or '*'."
    return [Error(text, hint=hint, obj="ALLOWED_HOSTS", id=CHECK_PREFIX + "E003")]


def _django(*paths: str) -> tuple[str, ...]:
    return tuple(f"django.{path}" for path in paths)


CONCERN = Concern(
    name="core",
    doc="The signing key, debug mode, host names, paths and locale; Django's own apps and middleware.",
    variables=VARIABLES,
    build=core_settings,
    checks=(
        Check(check_allowed_hosts, ("W001",), ("ALLOWED_HOSTS",), deploy=True),
        Check(check_host_entries, ("E003",), ("ALLOWED_HOSTS",)),
    ),
    apps=(
        *(
            Placed(path, Rank.DJANGO_APPS)
            for path in _django(
                "contrib.admin", "contrib.auth", "contrib.contenttypes", "contrib.sessions", "contrib.messages"
            )
        ),
        Placed("django.contrib.staticfiles", Rank.STATICFILES),
        # cloudinary_storage is deliberately absent: listed before staticfiles it
        # breaks collectstatic on Django 5.2, and media storage works without it.
        Placed("modestwear_config", Rank.OURS),
    ),
    middleware=(
        Placed("django.middleware.security.SecurityMiddleware", Rank.SECURITY),
        Placed("django.contrib.sessions.middleware.SessionMiddleware", Rank.SESSIONS),
        Placed("django.middleware.common.CommonMiddleware", Rank.COMMON),
        Placed("django.middleware.csrf.CsrfViewMiddleware", Rank.CSRF),
        Placed("django.contrib.auth.middleware.AuthenticationMiddleware", Rank.AUTHENTICATION),
        Placed("django.contrib.messages.middleware.MessageMiddleware", Rank.MESSAGES),
        Placed("django.middleware.clickjacking.XFrameOptionsMiddleware", Rank.CLICKJACKING),
    ),
    context_processors=(
        Placed("django.template.context_processors.request", Rank.REQUEST),
        Placed("django.contrib.auth.context_processors.auth", Rank.AUTH),
        Placed("django.contrib.messages.context_processors.messages", Rank.MESSAGES_CONTEXT),
    ),
    django_checks={"security.W009": "SECRET_KEY", "security.W018": "DEBUG", "security.W020": "ALLOWED_HOSTS"},
)

__getattr__ = lazy_settings(CONCERN)
