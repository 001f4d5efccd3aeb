"""TLS options for rediss:// shared by the cache and Celery: verify certificates unless told not to."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from modestwear_config.env import Env

REDIS_SCHEMES = ("redis", "rediss", "unix")
# URL query options that redis-py and Celery apply *over* our pool kwargs and *_USE_SSL dicts
# (a Heroku-style ?ssl_cert_reqs=CERT_NONE would silently undo verification, unseen by W003).
URL_TLS_OPTIONS = ("ssl_cert_reqs", "ssl_ca_certs", "ssl_check_hostname")


def redis_scheme(env: Env, name: str, url: str) -> str:
    """The URL's scheme, recording an error under `name` when it is not a Redis one."""
    scheme = url.partition("://")[0].lower()
    if scheme not in REDIS_SCHEMES:
        env.error(name, f"unknown scheme; expected one of {', '.join(s + '://' for s in REDIS_SCHEMES)}")
    check_no_tls_query(env, name, url)
    return scheme


def check_no_tls_query(env: Env, name: str, url: str) -> None:
    """Refuse TLS options in a Redis URL's query: REDIS_SSL_CERT_REQS / REDIS_SSL_CA_CERTS decide.

    `url` has passed the URL reader (env.check_url), so it splits without error.
    """
    keys = {key.lower() for key in parse_qs(urlsplit(url).query)}
    found = [key for key in URL_TLS_OPTIONS if key in keys]
    if found:
        env.error(
            name,
            f"has {', '.join(found)} in its query; remove it and use REDIS_SSL_CERT_REQS / REDIS_SSL_CA_CERTS "
            "(a URL option would override them unseen by the system checks)",
        )


def verify_certificates(env: Env) -> bool:
    return bool(env("REDIS_SSL_CERT_REQS") != "none")


def _ca_certs(env: Env) -> str | None:
    path: Path | None = env("REDIS_SSL_CA_CERTS")
    if path is None:
        return None  # redis-py then loads the system CA bundle (ssl.create_default_context)
    if not path.is_file():
        env.error("REDIS_SSL_CA_CERTS", "names a file that does not exist or is not readable")
    return str(path)


def _check_consistent(env: Env) -> bool:
    """True when certificates are verified; a CA bundle with verification off is a contradiction."""
    if verify_certificates(env):
        return True
    if env.is_set("REDIS_SSL_CA_CERTS"):
        env.error("REDIS_SSL_CA_CERTS", "is set while REDIS_SSL_CERT_REQS=none turns verification off; unset one")
    return False


def redis_py_ssl_kwargs(env: Env) -> dict[str, Any]:
    """Connection-pool kwargs for django-redis (redis-py takes "required" or None, not "None")."""
    if not _check_consistent(env):
        return {"ssl_cert_reqs": None}  # explicit opt-out; system check W003 warns in production
    kwargs: dict[str, Any] = {"ssl_cert_reqs": "required"}
    ca_certs = _ca_certs(env)
    if ca_certs:
        kwargs["ssl_ca_certs"] = ca_certs
    return kwargs


def celery_ssl_options(env: Env) -> dict[str, Any]:
    """broker_use_ssl / redis_backend_use_ssl: explicit, never kombu's silent CERT_NONE fallback."""
    if not _check_consistent(env):
        return {"ssl_cert_reqs": ssl.CERT_NONE}  # explicit opt-out; system check W003 warns
    options: dict[str, Any] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    ca_certs = _ca_certs(env)
    if ca_certs:
        options["ssl_ca_certs"] = ca_certs
    return options
