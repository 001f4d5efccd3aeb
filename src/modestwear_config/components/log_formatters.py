"""The LOGGING formatters: text or JSON lines, each passed through the process's one scrubber."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from modestwear_config.concerns.assemble import BUILT
from modestwear_config.scrub.scrubber import Scrubber

from .request_id import current_request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as text, then replaces every configured secret value with ***.

    The last line of defence: whatever a library logs (a URL, an exception
    text, a repr), a secret from the environment never leaves the process.
    Each secret is matched as written, percent-decoded, percent-encoded, repr()/ascii()/JSON
    escaped (once or twice), in hex, and inside any base64 token (an HTTP Basic header a client
    built: scrub/encoded_forms.py); one shorter than MIN_SECRET_LENGTH only as a whole token (so
    "pw" never masks "pwd"); and any URL's password or Basic credentials (scrub/url_passwords.py)
    whatever their source.
    """

    def __init__(self, fmt: str | None = TEXT_FORMAT, *args: Any, scrubber: Scrubber | None = None, **kwargs: Any):
        super().__init__(fmt, *args, **kwargs)
        self._scrubber = scrubber  # the process's (BUILT.scrubber) unless given

    def redact(self, text: str) -> str:
        return (self._scrubber or BUILT.scrubber()).text(text)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.render(record))

    def render(self, record: logging.LogRecord) -> str:
        return super().format(record)


class JsonFormatter(RedactingFormatter):
    """One JSON object per line (standard library only), for log drains that parse JSON."""

    def render(self, record: logging.LogRecord) -> str:
        # Each field is redacted before encoding: JSON escapes a quote, a
        # backslash or a non-ASCII character, so a secret holding one would no
        # longer match in the encoded line.
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        request_id = current_request_id()
        if request_id is not None:  # the request (or the task it enqueued) this line was logged for
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exc_info"] = self.redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack_info"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(entry, default=str)


class ScrubbingFilter(logging.Filter):
    """Rewrites a record's message through the scrubber before any handler reads it: a handler that
    builds text without a formatter (AdminEmailHandler's subject) then never sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = BUILT.scrubber().text(record.getMessage()), None
        return True
