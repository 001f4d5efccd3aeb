"""Core Django settings: key, debug, hosts, base apps and middleware, paths, locale."""

from __future__ import annotations

import hashlib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .env import Env, base_dir, lazy_settings

LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Django's own `check --deploy` criteria (security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
INSECURE_PREFIX = "django-insecure-"


def core_settings(env: Env) -> dict[str, Any]:
    debug: bool = env("DEBUG")
    base = base_dir(env)
    whitenoise = find_spec("whitenoise") is not None
    return {
        "BASE_DIR": base,
        "DEBUG": debug,
        "SECRET_KEY": _secret_key(env, debug, base),
        "ALLOWED_HOSTS": _allowed_hosts(env, debug),
        "INSTALLED_APPS": _installed_apps(whitenoise),
        "MIDDLEWARE": _middleware(whitenoise),
        "TEMPLATES": TEMPLATES,
        "AUTH_PASSWORD_VALIDATORS": PASSWORD_VALIDATORS,
        "LANGUAGE_CODE": env("LANGUAGE_CODE"),
        "TIME_ZONE": env("TIME_ZONE"),
        "USE_I18N": True,
        "USE_TZ": True,  # aware datetimes; PostgreSQL stores UTC
        "STATIC_URL": env("STATIC_URL"),
        "STATIC_ROOT": base / "staticfiles",  # collectstatic's target, served by WhiteNoise
        "MEDIA_URL": env("MEDIA_URL"),
        "MEDIA_ROOT": base / "media",  # file-system media when Cloudinary is not configured
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "FRONTEND_URL": env("FRONTEND_URL"),
        "GOOGLE_CLIENT_ID": env("GOOGLE_CLIENT_ID"),
        "FACEBOOK_APP_ID": env("FACEBOOK_APP_ID"),
    }


def is_weak_secret_key(key: str) -> bool:
    return (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE
        or key.startswith(INSECURE_PREFIX)
    )


def development_secret_key(base: Path) -> str:
    """A key derived from the project path: the same in every worker and after restarts.

    Only used with DEBUG on, where the debug pages already expose far more than
    the key; the django-insecure- prefix makes `check --deploy` flag it.
    """
    digest = hashlib.sha256(f"modestwear-config-dev:{base}".encode()).hexdigest()
    return f"{INSECURE_PREFIX}{digest}"


def _secret_key(env: Env, debug: bool, base: Path) -> str:
    key: str | None = env("SECRET_KEY")
    if debug:
        return key or development_secret_key(base)
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


def _allowed_hosts(env: Env, debug: bool) -> list[str]:
    hosts: list[str] = list(env("ALLOWED_HOSTS"))
    bad = [h for h in hosts if "/" in h or "@" in h]
    if bad:
        env.error("ALLOWED_HOSTS", "expected host names (like example.com or .example.com), got a URL or path")
    render_host = env("RENDER_EXTERNAL_HOSTNAME")
    if render_host:
        hosts.append(render_host)
    if not hosts and debug:
        return list(LOCAL_HOSTS)
    if not hosts:
        env.error("ALLOWED_HOSTS", "You have not set it; it is required when DEBUG is off")
    return list(dict.fromkeys(hosts))


def _installed_apps(whitenoise: bool) -> list[str]:
    return [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        # Before staticfiles so runserver serves static files like production does.
        *(["whitenoise.runserver_nostatic"] if whitenoise else []),
        "django.contrib.staticfiles",
        # cloudinary_storage is deliberately absent: listed before staticfiles it
        # breaks collectstatic on Django 5.2, and media storage works without it.
        "corsheaders",
        "modestwear_config",
    ]


def _middleware(whitenoise: bool) -> list[str]:
    return [
        # First: /healthz answers before host validation and the SSL redirect.
        "modestwear_config.health.middleware.LivenessMiddleware",
        "django.middleware.security.SecurityMiddleware",
        # Right after SecurityMiddleware, as WhiteNoise documents.
        *(["whitenoise.middleware.WhiteNoiseMiddleware"] if whitenoise else []),
        # Before anything that can answer (CommonMiddleware), as django-cors-headers documents.
        "corsheaders.middleware.CorsMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]


TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

__getattr__ = lazy_settings(core_settings)
