"""gunicorn's own output (error log, access log, a worker's stderr) scrubbed like every log line.

gunicorn formats its error log (a worker's boot traceback, which may quote a URL or an
exception holding a secret) and its access log (a request line may carry a secret in its
query string) with plain logging.Formatters of its own, outside Django's LOGGING. The
logger classes here keep gunicorn's formats and handlers (and its statsd instrumentation
when ``--statsd-host`` is set) and pass each line through the same redaction as
RedactingFormatter. uvicorn's worker reuses these handlers, so the ASGI server's logs are
covered too.  A worker also prints a failed boot's exception text straight to stderr: its
stderr is redacted line by line (post_fork).  Below Python, descriptors 1 and 2 of the master
and every worker go through the redactor process (server/redactor.py): C extensions,
subprocesses, a crashing interpreter and a preloaded application's import error included.

Named by server/gunicorn_conf.py (``logger_class``, ``post_fork``); only gunicorn imports it.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from typing import Any, TextIO, cast

from gunicorn.glogging import Logger  # type: ignore[import-untyped]
from gunicorn.instrument.statsd import Statsd  # type: ignore[import-untyped]

from modestwear_config.components.log_formatters import RedactingFormatter

from .redactor import is_gunicorn_master
from .redactor import start as start_redactor


class ScrubbedFormatter(RedactingFormatter):
    """`inner`'s output (gunicorn's own format), with every secret masked."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def render(self, record: logging.LogRecord) -> str:
        return self.inner.format(record)


class _Scrubbing:
    """Wraps the formatters gunicorn's setup() gives its error and access handlers (again on a reload)."""

    error_log: logging.Logger
    access_log: logging.Logger

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # type: ignore[misc]
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                inner = handler.formatter or logging.Formatter()
                if not isinstance(inner, RedactingFormatter):
                    handler.setFormatter(ScrubbedFormatter(inner))


class RedactingLogger(_Scrubbing, Logger):  # type: ignore[misc]  # gunicorn ships no type information
    pass


class RedactingStatsd(_Scrubbing, Statsd):  # type: ignore[misc]
    pass


def redacting_logger(cfg: Any) -> Any:
    """gunicorn's `logger_class`: its statsd logger when a statsd host is set (as gunicorn picks), else its own.

    gunicorn builds it in the master before anything else, a preloaded application included: the
    master's descriptors 1 and 2 go through the redactor process from here on (server/redactor.py).
    """
    if is_gunicorn_master():
        start_redactor()
    return (RedactingStatsd if cfg.statsd_host else RedactingLogger)(cfg)


class RedactedLines:
    """A text stream writing each complete line to `target` with every secret masked.

    Whole lines only, so a secret is never split between two writes: flush() flushes the
    target, not a half line.  Each thread's unfinished line waits apart (gthread workers
    print from several threads; print() writes the text and the newline separately), so
    lines never fuse.  What is left without a newline goes out at exit, or once it exceeds
    PENDING_LIMIT.  Everything else (encoding, fileno, buffer, reconfigure...) is the
    target's: bytes written to `buffer` or to the file descriptor bypass the redaction.
    """

    PENDING_LIMIT = 64 * 1024

    def __init__(self, target: TextIO, formatter: RedactingFormatter) -> None:
        self.target = target
        self.formatter = formatter
        self._pending: dict[int, list[str]] = {}  # thread ident -> the pieces of its unfinished line
        self._sizes: dict[int, int] = {}  # thread ident -> their length (no re-summing: writes stay linear)
        self._lock = threading.RLock()
        atexit.register(self._at_exit)

    def write(self, text: str) -> int:
        with self._lock:
            ident = threading.get_ident()
            pieces = self._pending.setdefault(ident, [])
            pieces.append(text)
            size = self._sizes.get(ident, 0) + len(text)
            if "\n" in text or size > self.PENDING_LIMIT:
                *lines, rest = "".join(pieces).split("\n")
                for line in lines:
                    self.target.write(self.formatter.redact(line) + "\n")
                if len(rest) > self.PENDING_LIMIT:  # one huge line: out, without its newline
                    self.target.write(self.formatter.redact(rest))
                    rest = ""
                pieces[:] = [rest] if rest else []
                size = len(rest)
            self._sizes[ident] = size
        return len(text)

    def close_pending(self) -> None:
        """Write out the lines that never got their newline (at exit), and flush."""
        with self._lock:
            for pieces in self._pending.values():
                if pieces:
                    self.target.write(self.formatter.redact("".join(pieces)))
            self._pending.clear()
            self._sizes.clear()
            self.target.flush()

    def _at_exit(self) -> None:
        try:
            self.close_pending()
        except (OSError, ValueError):  # the target closed first: nothing left to write to
            pass

    def flush(self) -> None:
        self.target.flush()

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


def redact_stderr() -> None:
    """sys.stderr through the redaction (a worker, right after the fork)."""
    if not isinstance(sys.stderr, RedactedLines):
        sys.stderr = cast(TextIO, RedactedLines(sys.stderr, RedactingFormatter()))  # a text stream by delegation
