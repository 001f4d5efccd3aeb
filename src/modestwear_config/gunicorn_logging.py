"""gunicorn's own output (error log, access log, a worker's prints) scrubbed like every log line.

gunicorn formats its error log (a worker's boot traceback, which may quote a URL or an
exception holding a secret) and its access log (a request line may carry a secret in its
query string) with plain logging.Formatters of its own, outside Django's LOGGING. This
logger class keeps gunicorn's formats and handlers and passes each line through the
same redaction as RedactingFormatter. uvicorn's worker reuses these handlers, so the
ASGI server's logs are covered too.  A worker also prints a failed boot's exception text
straight to stderr: its standard streams are redacted line by line (post_fork).

Named by modestwear_config.gunicorn (``logger_class``, ``post_fork``); only gunicorn imports it.
"""

from __future__ import annotations

import io
import logging
import sys
from typing import Any, TextIO

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from .logging import RedactingFormatter


class ScrubbedFormatter(RedactingFormatter):
    """`inner`'s output (gunicorn's own format), with every secret masked."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def render(self, record: logging.LogRecord) -> str:
        return self.inner.format(record)


class RedactingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type information
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # builds (and on a reload rebuilds) the handlers and their formatters
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                inner = handler.formatter or logging.Formatter()
                if not isinstance(inner, RedactingFormatter):
                    handler.setFormatter(ScrubbedFormatter(inner))


class RedactedLines(io.TextIOBase):
    """A text stream that writes each complete line to `target` with every secret masked.

    Whole lines only: a secret is never split between two writes.  What is left without a
    newline goes out on flush (an interpreter exiting flushes its streams).
    """

    def __init__(self, target: TextIO, formatter: RedactingFormatter) -> None:
        self.target = target
        self.formatter = formatter
        self.pending = ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.target.write(self.formatter.redact(line) + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.target.write(self.formatter.redact(self.pending))
            self.pending = ""
        self.target.flush()

    def fileno(self) -> int:
        return self.target.fileno()

    def isatty(self) -> bool:
        return self.target.isatty()

    def writable(self) -> bool:
        return True


def redact_standard_streams() -> None:
    """sys.stdout and sys.stderr through the redaction (a worker, right after the fork)."""
    formatter = RedactingFormatter()
    sys.stdout = RedactedLines(sys.stdout, formatter)
    sys.stderr = RedactedLines(sys.stderr, formatter)
