"""TLS options for rediss:// shared by the cache and Celery: verify certificates unless told not to."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from modestwear_config.env import Env

REDIS_SCHEMES = ("redis", "rediss", "unix")
# URL query options that redis-py and Celery apply *over* our pool kwargs and *_USE_SSL dicts
# (a Heroku-style ?ssl_cert_reqs=CERT_NONE would silently undo verification, unseen by W003).
URL_TLS_OPTIONS = ("ssl_cert_reqs", "ssl_ca_certs", "ssl_check_hostname")
# The other query options redis-py reads from a cache URL and passes to every connection, with what
# their value must be. redis-py hands an unknown key to the connection class as a keyword (TypeError)
# and raises ValueError for a value its parser refuses, both at the first cache call, not at start-up:
# django-redis's IGNORE_EXCEPTIONS catches neither, so every page using the cache would answer 500.
# redis-py's to_bool takes any word, so booleans need no check; decode_responses and encoding would
# break django-redis's serializer and are left out.
_INTEGER = re.compile(r"\A[0-9]+\Z")
SECONDS = re.compile(r"\A[0-9]+(?:\.[0-9]*)?\Z")  # a number of seconds, as redis-py and kombu read one
URL_QUERY_OPTIONS: dict[str, re.Pattern[str] | None] = {
    "db": _INTEGER,
    "socket_timeout": SECONDS,
    "socket_connect_timeout": SECONDS,
    "socket_read_size": _INTEGER,
    "max_connections": _INTEGER,
    "health_check_interval": _INTEGER,
    "protocol": re.compile(r"\A[23]\Z"),
    "socket_keepalive": None,
    "retry_on_timeout": None,
    "client_name": None,
    "username": None,
    "password": None,
}


def redis_scheme(env: Env, name: str, url: str) -> str:
    """The URL's scheme, recording an error under `name` when it is not a Redis one."""
    scheme = url.partition("://")[0].lower()
    if scheme not in REDIS_SCHEMES:
        env.error(name, f"unknown scheme; expected one of {', '.join(s + '://' for s in REDIS_SCHEMES)}")
    check_no_tls_query(env, name, url)
    problem = redis_url_problem(url) if scheme in REDIS_SCHEMES else None
    if problem:
        env.error(name, problem)
    return scheme


def redis_url_problem(url: str) -> str | None:
    """What redis-py would refuse in `url` at the first cache call (or silently ignore: a database
    path that is not a number selects database 0, perhaps the Celery broker's). Never quotes the
    URL, nor an unknown key (a value pasted without its '=' would be a key). django-redis reads a
    comma-separated LOCATION as a primary and its replicas: each server is parsed alone."""
    problems = (_server_problem(urlsplit(server.strip())) for server in url.split(","))
    return next((problem for problem in problems if problem), None)


def database_problem(parts: SplitResult) -> str | None:
    """A redis:// or rediss:// path that is no database number (redis-py silently selects 0 instead;
    Celery's result backend and kombu raise ValueError at the first task)."""
    database = unquote(parts.path).strip("/")
    if parts.scheme.lower() != "unix" and database and not _INTEGER.match(database):
        return "has a path that is not a database number (like /0)"
    return None


def _server_problem(parts: SplitResult) -> str | None:
    problem = database_problem(parts)
    if problem:
        return problem
    for key, values in parse_qs(parts.query).items():
        if key.lower() in URL_TLS_OPTIONS:
            continue  # check_no_tls_query names it
        if key not in URL_QUERY_OPTIONS:
            return f"has a query option redis-py does not accept; expected only {', '.join(URL_QUERY_OPTIONS)}"
        pattern = URL_QUERY_OPTIONS[key]
        if pattern is not None and not pattern.match(values[0].strip()):
            return f"has a query option {key} whose value redis-py refuses (expected a number; protocol: 2 or 3)"
    return None


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
