"""Error reports (DEBUG pages, admin error mails) that never show a password.

Django's SafeExceptionReporterFilter masks settings and request values whose
*names* look secret (PASSWORD, TOKEN, KEY...); a password inside a URL *value*
(CACHES[...]["LOCATION"], CELERY_BROKER_URL, a DATABASE_URL in request.META
under runserver) is shown as is.  The filter below masks what
scrub.urls.secret_spans finds in every value, dictionaries in frame variables
like settings, and the reporter scrubs the configured secrets from the page
(an exception's text is not filtered by Django).
"""

from __future__ import annotations

from pprint import pformat
from types import FrameType
from typing import Any

from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from modestwear_config.concerns.assemble import BUILT
from modestwear_config.scrub.url_passwords import redact

__all__ = ["RedactingExceptionReporter", "RedactingReporterFilter"]


class _Shown:
    """A frame variable replaced by its redacted repr (the page pprints it)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class RedactingReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, plus URL passwords in values and secret keys inside frame dictionaries."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        return _mask(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: FrameType) -> Any:
        return [
            (name, self._cleanse_variable(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def _cleanse_variable(self, name: str, value: Any) -> Any:
        if isinstance(value, (dict, list, tuple, str)):
            value = self.cleanse_setting(name, value)  # connection parameters: {"password": ...}
        shown = value if isinstance(value, str) else _safe_pformat(value)
        masked = _mask(shown)
        return value if masked == shown else masked if isinstance(value, str) else _Shown(masked)


def _mask(text: str) -> str:
    """A value as one URL (list), then as free text (libpq keyword strings, URLs in a repr)."""
    return redact(redact(text), embedded=True)


def _safe_pformat(value: Any) -> str:
    try:
        return pformat(value)
    except Exception:  # noqa: BLE001 - a broken __repr__; the page shows its own placeholder
        return ""


class RedactingExceptionReporter(ExceptionReporter):
    """The page, with every configured secret (as written and HTML-escaped) replaced by ***."""

    def get_traceback_html(self) -> Any:
        return _scrub(super().get_traceback_html(), html_escaped=True)

    def get_traceback_text(self) -> Any:
        return _scrub(super().get_traceback_text(), html_escaped=False)


def _scrub(page: Any, html_escaped: bool) -> Any:
    scrubber = BUILT.scrubber()
    return type(page)(scrubber.html(str(page)) if html_escaped else scrubber.text(str(page)))
