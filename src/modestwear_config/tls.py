"""TLS options for rediss:// shared by the cache and Celery: verify certificates unless told not to."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from .env import Env

REDIS_SCHEMES = ("redis", "rediss", "unix")


def redis_scheme(env: Env, name: str, url: str) -> str:
    """The URL's scheme, recording an error under `name` when it is not a Redis one."""
    scheme = url.partition("://")[0].lower()
    if scheme not in REDIS_SCHEMES:
        env.error(name, f"unknown scheme; expected one of {', '.join(s + '://' for s in REDIS_SCHEMES)}")
    return scheme


def verify_certificates(env: Env) -> bool:
    return bool(env("REDIS_SSL_CERT_REQS") != "none")


def _ca_certs(env: Env) -> str | None:
    path: Path | None = env("REDIS_SSL_CA_CERTS")
    if path is None:
        return None  # redis-py then loads the system CA bundle
    if not path.is_file():
        env.error("REDIS_SSL_CA_CERTS", "names a file that does not exist or is not readable")
    return str(path)


def redis_py_ssl_kwargs(env: Env) -> dict[str, Any]:
    """Connection-pool kwargs for django-redis (redis-py takes "required" or None, not "None")."""
    if not verify_certificates(env):
        return {"ssl_cert_reqs": None}
    kwargs: dict[str, Any] = {"ssl_cert_reqs": "required"}
    ca_certs = _ca_certs(env)
    if ca_certs:
        kwargs["ssl_ca_certs"] = ca_certs
    return kwargs


def celery_ssl_options(env: Env) -> dict[str, Any]:
    """broker_use_ssl / redis_backend_use_ssl: explicit, never kombu's silent CERT_NONE fallback."""
    if not verify_certificates(env):
        return {"ssl_cert_reqs": ssl.CERT_NONE}
    options: dict[str, Any] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    ca_certs = _ca_certs(env)
    if ca_certs:
        options["ssl_ca_certs"] = ca_certs
    return options
