"""Sentry, started once per process from MODESTWEAR_SENTRY (the observability concern's setting).

``install()`` is called where each kind of process has its settings: the app's ready() (web
workers that load the application after fork, gunicorn sync and uvicorn alike, Celery worker and
beat, management commands), gunicorn's post_worker_init (a --preload application forked after
ready() ran in the master) and Celery's worker_process_init (prefork children). It starts Sentry
at most once per process id, and imports sentry_sdk only when SENTRY_DSN is set.

Every event, transaction and breadcrumb goes through the one scrubber (every configured secret
in every form, every URL password) before it leaves, and carries the request id.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

from django.conf import settings

from modestwear_config.concerns.assemble import BUILT

from .request_id import current_request_id

_started_in: int | None = None  # the pid Sentry was started in
# One record per request, each a breadcrumb of every header: noise beside the request Sentry already
# has, and most of the SDK's per-request cost under gunicorn (measured: benchmarks/observability.py).
ACCESS_LOGGERS = ("gunicorn.access", "uvicorn.access")
# DjangoIntegration's options when SENTRY_TRACES_SAMPLE_RATE is 0.
UNTRACED: dict[str, Any] = {
    "middleware_spans": False,
    "signals_spans": False,
    "cache_spans": False,
    "http_methods_to_capture": (),
}


def install() -> bool:
    """Start Sentry in this process if it is configured and not started here yet; True if started now."""
    global _started_in
    options = getattr(settings, "MODESTWEAR_SENTRY", None)
    if not options or _started_in == os.getpid():
        return False
    import sentry_sdk
    from sentry_sdk.integrations.logging import ignore_logger

    sentry_sdk.init(**sdk_options(options, sdk_major()))
    for logger in ACCESS_LOGGERS:
        ignore_logger(logger)
    _started_in = os.getpid()
    return True


def sdk_major() -> int:
    from importlib.metadata import version

    return int(version("sentry-sdk").split(".")[0])


def sdk_options(options: dict[str, Any], major: int) -> dict[str, Any]:
    """sentry_sdk.init's keyword arguments for SDK `major` (2 or 3) from the concern's options."""
    chosen: dict[str, Any] = {
        "dsn": options["dsn"],
        "environment": options["environment"],
        "release": options["release"] or None,
        "integrations": integrations(major, traced=options["traces_sample_rate"] > 0),
        # The list above is the whole list: no other installed library's integration is switched on
        # behind it (each patches code on the request path or in the worker).
        "auto_enabling_integrations": False,
        # No release-health session per request: a scope and a session update on every request for a
        # crash-free-rate chart; errors are sent all the same (the overhead benchmark).
        "auto_session_tracking": False,
        "before_send": before_send,
        "before_breadcrumb": before_breadcrumb,
    }
    # Only a rate above 0 turns tracing (and profiling) on: at 0 the SDK then creates no
    # transactions at all, instead of unsampled ones on every request (the overhead benchmark).
    traces, profiles = options["traces_sample_rate"], options["profiles_sample_rate"]
    if traces > 0:
        chosen["traces_sample_rate"] = traces
    if major < 3:
        # No cookies, user, IP or identifying headers (2.x's default, said out loud).
        chosen["send_default_pii"] = False
        chosen["before_send_transaction"] = before_send
        if traces > 0 and profiles > 0:
            chosen["profiles_sample_rate"] = profiles
    else:
        # 3.x refuses send_default_pii, before_send_transaction and profiles_sample_rate (TypeError):
        # the same choices in its words.
        chosen["data_collection"] = {"user_info": False, "cookies": {"mode": "off"}}
        chosen["before_send_span"] = before_breadcrumb
        chosen["before_send_log"] = (
            before_breadcrumb  # logs stay off (integrations()): scrubbed if a project turns them on
        )
        if traces > 0 and profiles > 0:
            chosen["profile_session_sample_rate"] = profiles
            chosen["profile_lifecycle"] = "trace"
    return chosen


def integrations(major: int, traced: bool = False) -> list[Any]:
    """Django and logging always; Celery and Redis when their clients are installed. Passed explicitly:
    SDK 3 no longer captures log records unless the logging integration is given.

    Logging: records of ERROR and above become events, INFO and above breadcrumbs. Never Sentry's
    "logs" (3.x's `level`): every line with its raw arguments, a gunicorn access line's Authorization
    header among them."""
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    if major < 3:  # 2.x: `level` is the breadcrumbs' level
        logging_integration = LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)
    else:
        levels: dict[str, Any] = {"level": None, "event_level": logging.ERROR, "breadcrumb_level": logging.INFO}
        logging_integration = LoggingIntegration(**levels)  # 3.x's arguments (2.x's types know no breadcrumb_level)
    # Untraced, no tracing hook runs per request: no span per middleware, signal receiver or cache call,
    # and no trace continued nor transaction started for any HTTP method (2.x made an unsampled one per
    # request; 3.x a span). Errors keep their request data, which comes from the request, not the span.
    # Names and defaults shared by 2.x and 3.x.
    spans: dict[str, Any] = {} if traced else UNTRACED
    chosen: list[Any] = [DjangoIntegration(**spans), logging_integration]
    if find_spec("celery") is not None:
        from sentry_sdk.integrations.celery import CeleryIntegration

        chosen.append(CeleryIntegration())
    if find_spec("redis") is not None:
        from sentry_sdk.integrations.redis import RedisIntegration

        chosen.append(RedisIntegration())
    return chosen


def scrubbed(value: Any, text: Callable[[str], str]) -> Any:
    """`value` (an event, a breadcrumb: JSON-like) with every string, keys included, through `text`."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {scrubbed(k, text): scrubbed(v, text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrubbed(item, text) for item in value)
    if isinstance(value, bytes):
        return text(value.decode("utf-8", "replace"))
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Every event: tagged with the request id, then every string scrubbed. Dropped: Django refusing
    the ASGI server's lifespan scope (once per worker start: noise that hides real errors)."""
    if _lifespan_refusal(hint.get("exc_info")):
        return None
    request_id = current_request_id()
    if request_id is not None:
        tags = event.get("tags")
        event["tags"] = {**(tags if isinstance(tags, dict) else {}), "request_id": request_id}
    return scrubbed_item(event)


def scrubbed_item(item: dict[str, Any]) -> dict[str, Any]:
    """`item` with every configured secret and URL password masked in every string.

    One pass over the item as JSON decides: the scrubber matches each secret as JSON escapes it, so
    a clean text means clean strings, and the item goes out as it is (a breadcrumb per log record
    costs one scrub, not one per string). Otherwise each string is scrubbed.
    """
    scrubber = BUILT.scrubber()
    try:
        text = json.dumps(item, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # keys that are not strings, a cycle: scrub each string
        text = None
    if text is not None and scrubber.text(text) == text:
        return item
    cleaned: dict[str, Any] = scrubbed(item, scrubber.text)
    return cleaned


def _lifespan_refusal(exc_info: Any) -> bool:
    """The ValueError Django's ASGIHandler raises for a scope it cannot handle (uvicorn and granian open
    a lifespan scope at start-up; Django supports none, the server carries on; the SDK's ASGI
    middleware reports it). Told by where it was raised, never by its text."""
    if not isinstance(exc_info, tuple) or len(exc_info) != 3 or not isinstance(exc_info[1], ValueError):
        return False
    from django.core.handlers.asgi import ASGIHandler

    traceback = exc_info[2]
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is None:
        return False
    local = traceback.tb_frame.f_locals
    scope = local.get("scope")
    return isinstance(local.get("self"), ASGIHandler) and isinstance(scope, dict) and scope.get("type") == "lifespan"


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrubbed_item(crumb)
