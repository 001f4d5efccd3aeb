"""The one scrubber: every form of every configured secret, and every URL password, masked.

It is built once from the Env that built the settings (``concerns.assemble.BUILT.scrubber``)
and handed to every consumer that prints: the log formatters, the gunicorn and uvicorn log
wrappers, Celery's logs (through LOGGING), the DEBUG reporter, the doctor and /health.  None
of them reads the environment or writes a mask of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from django.views.debug import SafeExceptionReporterFilter

from .url_passwords import MASK, redact

MIN_SECRET_LENGTH = 6  # shorter values are masked only as whole tokens: they would mask parts of words
NOTHING = re.compile(r"(?!)")
# Django's own rule for the settings its error pages hide, and what it shows instead.
HIDDEN_SETTINGS = SafeExceptionReporterFilter.hidden_settings
HIDDEN = SafeExceptionReporterFilter.cleansed_substitute


def secret_forms(value: str) -> set[str]:
    """The spellings a secret takes on its way out: as written, escaped by repr/ascii/JSON, percent-encoded."""
    encoded = repr(value.encode("utf-8", "backslashreplace"))[2:-1]  # %r of the bytes a driver holds
    forms = {value, repr(value)[1:-1], ascii(value)[1:-1], json.dumps(value)[1:-1], encoded}
    # As a URL carries it (an access log's request line, a Referer): percent-encoded, '+' for spaces.
    return forms | {quote(value, safe=""), quote(value), quote_plus(value)}


def secret_pattern(values: Iterable[str]) -> re.Pattern[str]:
    """One regular expression matching every form of every secret, longest first."""
    forms: set[str] = set()
    for value in values:
        forms |= secret_forms(value)
        if "\n" in value or "\r" in value:  # a PEM key: line-by-line redaction sees one line at a time
            forms |= {form for line in value.splitlines() if line.strip() for form in secret_forms(line)}
    long = sorted((f for f in forms if len(f) >= MIN_SECRET_LENGTH), key=len, reverse=True)
    short = sorted((f for f in forms if 0 < len(f) < MIN_SECRET_LENGTH), key=len, reverse=True)
    alternatives = [re.escape(f) for f in long]
    alternatives += [rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])" for f in short]
    return re.compile("|".join(alternatives)) if alternatives else NOTHING


class Scrubber:
    """Masks `secrets` (in every form) and every URL password in text and in settings-like structures."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(dict.fromkeys(s for s in secrets if s))
        self.pattern = secret_pattern(self.secrets)
        self._html: re.Pattern[str] | None = None

    def __repr__(self) -> str:  # never the secrets
        return f"<Scrubber: {len(self.secrets)} secret(s)>"

    def text(self, text: str) -> str:
        """Free text (a log line, a page): the secrets, then any URL's password whatever its source."""
        return redact(self.pattern.sub(MASK, text), embedded=True)

    def html(self, page: str) -> str:
        """An HTML page: also each secret as HTML-escaped."""
        if self._html is None:
            import html

            self._html = secret_pattern([*self.secrets, *(html.escape(s) for s in self.secrets)])
        return redact(self._html.sub(MASK, page), embedded=True)

    def value(self, key: Any, value: Any) -> Any:
        """A setting's value for display: secret-looking keys hidden (Django's rule), secrets masked anywhere."""
        if isinstance(key, str) and HIDDEN_SETTINGS.search(key) and value:
            return HIDDEN
        if isinstance(value, dict):
            return {k: self.value(k, v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.value(None, item) for item in value)
        if isinstance(value, str):
            return self.text(value)
        return value if value is None or isinstance(value, (bool, int, float)) else self.text(str(value))
