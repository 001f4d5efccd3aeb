"""LOGGING: one console handler to stdout, text or JSON lines, secrets scrubbed from every line."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from .env import Env, lazy_settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words


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
    text), a secret from the environment never leaves the process.
    """

    def __init__(self, fmt: str | None = TEXT_FORMAT, *args: Any, **kwargs: Any) -> None:
        super().__init__(fmt, *args, **kwargs)
        self._secrets: list[str] | None = None

    def _secret_values(self) -> list[str]:
        if self._secrets is None:
            # Reading the environment may log (django-environ logs the .env file it
            # reads at DEBUG); that record comes back here: without this guard the
            # formatter would recurse until RecursionError.
            self._secrets = []
            values = {v for v in Env.from_os().secret_values() if len(v) >= MIN_SECRET_LENGTH}
            self._secrets = sorted(values, key=len, reverse=True)  # longest first
        return self._secrets

    def redact(self, text: str) -> str:
        for secret in self._secret_values():
            if secret in text:
                text = text.replace(secret, "***")
        return text

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
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(),
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
