"""The one scrubber: every form of every configured secret (as written, escaped, percent-encoded,
hex, and inside base64 tokens: scrub/encoded_forms.py), every URL password and every HTTP Basic
credential, masked.

It is built once from the Env that built the settings (``concerns.assemble.BUILT.scrubber``)
and handed to every consumer that prints: the log formatters, the gunicorn and uvicorn log
wrappers, Celery's logs (through LOGGING), the DEBUG reporter, the doctor and /health.  None
of them reads the environment or writes a mask of its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

from .encoded_forms import MIN_SECRET_LENGTH, NOTHING, Base64Finder, percent_pattern, secret_forms, union
from .url_passwords import MASK, redact

# Django's own rule for the settings its error pages hide, and what it shows instead.
HIDDEN_SETTINGS = SafeExceptionReporterFilter.hidden_settings
HIDDEN = SafeExceptionReporterFilter.cleansed_substitute


def secret_pattern(values: Iterable[str], html_escaped: bool = False) -> re.Pattern[str]:
    """One regular expression matching every form of every secret, longest first; with
    `html_escaped`, each form also as an HTML page shows it (escaped after its other encodings)."""
    forms: set[str] = set()
    for value in values:
        forms |= secret_forms(value)
        if "\n" in value or "\r" in value:  # a PEM key: line-by-line redaction sees one line at a time
            forms |= {form for line in value.splitlines() if line.strip() for form in secret_forms(line)}
    if html_escaped:
        forms |= {html.escape(form) for form in forms}
    long = [f for f in forms if len(f) >= MIN_SECRET_LENGTH]
    short = sorted((f for f in forms if 0 < len(f) < MIN_SECRET_LENGTH), key=len, reverse=True)
    alternatives = [union(long)] if long else []
    alternatives += [rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])" for f in short]
    return re.compile("|".join(alternatives)) if alternatives else NOTHING


def percent_encoded_pattern(values: Iterable[str]) -> re.Pattern[str]:
    """Each secret with any of its characters percent-encoded, however a client spelt it: tried only
    on text holding a '%' (a space's '+' alone is among the literal forms, quote_plus)."""
    alternatives = [percent_pattern(value) for value in values if len(value) >= MIN_SECRET_LENGTH]
    return re.compile("|".join(alternatives)) if alternatives else NOTHING


class Scrubber:
    """Masks `secrets` (in every form) and every URL password in text and in settings-like structures."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(dict.fromkeys(s for s in secrets if s))
        self.pattern = secret_pattern(self.secrets)
        self.percent = percent_encoded_pattern(self.secrets)
        self.base64 = Base64Finder(self.secrets)  # tokens a client built around a secret (HTTP Basic)
        self._html: re.Pattern[str] | None = None

    def __repr__(self) -> str:  # never the secrets
        return f"<Scrubber: {len(self.secrets)} secret(s)>"

    def text(self, text: str) -> str:
        """Free text (a log line, a page): base64 tokens holding a secret, the secrets in every
        spelling, then any URL's password and Basic credentials whatever their source."""
        return redact(self._percent(self.pattern.sub(MASK, self.base64.mask(text))), embedded=True)

    def _percent(self, text: str) -> str:
        return self.percent.sub(MASK, text) if "%" in text else text

    def html(self, page: str) -> str:
        """An HTML page: also each form of each secret as HTML-escaped."""
        if self._html is None:
            self._html = secret_pattern(self.secrets, html_escaped=True)
        return redact(self._percent(self._html.sub(MASK, self.base64.mask(page))), embedded=True)

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
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):  # a secret declared as a number is held as one
            return MASK if self.text(str(value)) != str(value) else value
        return self.text(str(value))


def shown_secret(kind: str, raw: str) -> str:
    """A secret's value as the doctor shows it: "set", or a URL (list of URLs) with its passwords masked.

    An http(s) URL carries its secret in its path or query (a webhook, a presigned URL): only its
    origin shows. Each item of a list that is not a URL is ***.
    """
    if kind not in ("url", "list"):
        return "set"
    redacted = redact(raw.strip())
    return ",".join(_shown_item(item.strip()) for item in (redacted.split(",") if kind == "list" else [redacted]))


def _shown_item(item: str) -> str:
    scheme, separator, rest = item.partition("://")
    if not separator:
        return MASK if item else ""
    if scheme.lower() not in ("http", "https"):
        return item
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return f"{scheme}://{authority}" + ("/***" if rest[len(authority) :] not in ("", "/") else "")
