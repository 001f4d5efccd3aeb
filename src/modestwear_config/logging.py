"""LOGGING: one console handler to stdout, text or JSON lines, secrets scrubbed from every line."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from .env import Env, lazy_settings
from .redaction import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
MIN_SECRET_LENGTH = 6  # shorter values are masked only as whole tokens: they would mask parts of words


def logging_settings(env: Env) -> dict[str, Any]:
    level: str = env("LOG_LEVEL")
    formatter = JsonFormatter if env("LOG_FORMAT") == "json" else RedactingFormatter
    return {
        "LOGGING": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"default": {"()": f"{__name__}.{formatter.__name__}"}},
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stdout",  # platforms (Render) collect stdout
                    "formatter": "default",
                },
            },
            "root": {"handlers": ["console"], "level": level},
            "loggers": {
                # Propagate to root instead of Django's DEBUG-only console handler.
                "django": {"handlers": [], "level": level, "propagate": True},
                "django.server": {"handlers": [], "level": level, "propagate": True},
                # SQL with parameters at DEBUG can carry personal data and secrets.
                "django.db.backends": {"handlers": [], "level": "WARNING", "propagate": True},
                # django-redis logs the errors IGNORE_EXCEPTIONS swallows.
                "django_redis": {"handlers": [], "level": "WARNING", "propagate": True},
            },
        }
    }


class RedactingFormatter(logging.Formatter):
    """Formats as text, then replaces every configured secret value with ***.

    The last line of defence: whatever a library logs (a URL, an exception
    text, a repr), a secret from the environment never leaves the process.
    Each secret is matched as written, percent-decoded, percent-encoded and in its
    repr()/ascii() escaped form; one shorter than MIN_SECRET_LENGTH only as a whole token (so
    "pw" never masks "pwd"); and any URL's password (redaction.py) whatever its source.
    """

    def __init__(self, fmt: str | None = TEXT_FORMAT, *args: Any, **kwargs: Any) -> None:
        super().__init__(fmt, *args, **kwargs)
        self._pattern: re.Pattern[str] | None = None

    def _secrets(self) -> re.Pattern[str]:
        if self._pattern is None:
            # Reading the environment may log (django-environ logs the .env file it
            # reads at DEBUG); that record comes back here: without this guard the
            # formatter would recurse until RecursionError.
            self._pattern = _NOTHING
            self._pattern = secret_pattern(Env.from_os().secret_values())
        return self._pattern

    def redact(self, text: str) -> str:
        return redact(self._secrets().sub("***", text), embedded=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.render(record))

    def render(self, record: logging.LogRecord) -> str:
        return super().format(record)


_NOTHING = re.compile(r"(?!)")


def secret_pattern(values: Iterable[str]) -> re.Pattern[str]:
    """One regular expression matching every form of every secret, longest first."""
    forms = set()
    for value in values:
        encoded = repr(value.encode("utf-8", "backslashreplace"))[2:-1]  # %r of the bytes a driver holds
        forms |= {value, repr(value)[1:-1], ascii(value)[1:-1], json.dumps(value)[1:-1], encoded}
        # As a URL carries it (an access log's request line, a Referer): percent-encoded, '+' for spaces.
        forms |= {quote(value, safe=""), quote(value), quote_plus(value)}
    long = sorted((f for f in forms if len(f) >= MIN_SECRET_LENGTH), key=len, reverse=True)
    short = sorted((f for f in forms if 0 < len(f) < MIN_SECRET_LENGTH), key=len, reverse=True)
    alternatives = [re.escape(f) for f in long]
    alternatives += [rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])" for f in short]
    return re.compile("|".join(alternatives)) if alternatives else _NOTHING


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
        if record.exc_info:
            entry["exc_info"] = self.redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack_info"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(entry, default=str)


__getattr__ = lazy_settings(logging_settings)
