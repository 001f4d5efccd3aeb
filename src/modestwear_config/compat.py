"""Every use of an attribute of Django or a dependency that is not documented API, in one place.

Each one is pinned by tests/test_compat.py on every supported version: a dependency that renames
one fails that test loudly, and the library falls back to the safe behaviour (the readings below
are defensive) instead of breaking a project.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


# -- Django's database wrapper: the per-request connection health check (Django >= 4.1) ----------
def health_check_pending(connection: Any) -> bool:
    """True when Django will `SELECT 1` before this request's first query on `connection`.

    A Django without these flags reads as "not pending": Django's own check then runs as usual.
    """
    return bool(getattr(connection, "health_check_enabled", False)) and not getattr(
        connection, "health_check_done", True
    )


def skip_health_check(connection: Any) -> None:
    """Mark this request's check as done, as Django does after running it."""
    connection.health_check_done = True


# -- django-anymail's backends: the credentials and endpoint a backend instance holds -------------
def anymail_credential(backend: Any, option: str) -> str:
    """The API key (or token) the backend sends, by its anymail option name ("api_key", "server_token")."""
    return str(getattr(backend, option))


def anymail_api_url(backend: Any) -> str:
    return str(backend.api_url)


def anymail_sender_domain(backend: Any) -> str:
    return str(getattr(backend, "sender_domain", None) or "")


def anymail_boto3_params(backend: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Amazon SES: the (session, client) keyword arguments anymail built from its settings."""
    return dict(backend.session_params), dict(backend.client_params)


# -- gunicorn's arbiter: its settings once the command line and GUNICORN_CMD_ARGS are applied --------
def gunicorn_settings_in_force(server: Any, names: Iterable[str]) -> dict[str, Any]:
    """Each named setting as the running gunicorn uses it (the Arbiter's ``cfg``, a gunicorn Config:
    the configuration module's values, then GUNICORN_CMD_ARGS, then the command line). A setting it
    cannot tell is left out (the caller then shows the configuration module's own value)."""
    values: dict[str, Any] = {}
    for name in names:
        try:
            value = getattr(server.cfg, "worker_class_str" if name == "worker_class" else name)
        except AttributeError:
            continue
        values[name] = ",".join(value) if name == "forwarded_allow_ips" and isinstance(value, list) else value
    return values


# -- a mail backend's timeout: Django's SMTP backend and anymail's requests backends keep it as `timeout` --
def mail_backend_timeout(backend: Any) -> Any:
    """The seconds (or requests' (connect, read) pair) the backend gives each socket operation; None if unset."""
    return getattr(backend, "timeout", None)


# -- kombu's Redis transport: the pub/sub channel of Celery's remote control ---------------------------
def kombu_redis_control_topic(url: str, transport_options: dict[str, Any], control_exchange: str) -> str:
    """The channel a worker on a Redis broker listens on for remote control (kombu's fanout layout:
    global_keyprefix + "/<db>." + "<exchange>.pidbox").  PUBLISH returns how many listen on it, which
    is the /health worker check without loading Celery's control client (tests/test_compat.py pins it
    against a real worker).  kombu ignores a message with an empty body on that channel."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    db = int(path) if path.isdigit() else 0
    prefix = transport_options.get("fanout_prefix", True)
    fanout = prefix if isinstance(prefix, str) else (f"/{db}." if prefix else "")
    return f"{transport_options.get('global_keyprefix', '')}{fanout}{control_exchange}.pidbox"
