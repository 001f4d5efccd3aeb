"""File descriptors 1 and 2 of the gunicorn master and its workers, redacted by a process of their own.

The Python-level wrappers (log formatters, RedactedLines on sys.stderr) see only what Python code
writes through them.  Bytes written straight to the descriptors go around them: a C extension's
message, a subprocess that inherited them, faulthandler's dump of a crashing interpreter, and the
master's own traceback when an application preloaded with ``--preload`` fails to import (an error
quoting a URL).  ``start()`` runs in the master before it loads the application (gunicorn builds its
logger first, server/log_streams.py): it points 1 and 2 at pipes read by a process forked from the
master, which writes each line, scrubbed by the one scrubber, to where 1 and 2 pointed before.  The
workers and their children inherit the pipes.

A process, not a thread: it outlives a worker that crashes (its last words are read to the end, not
lost with it), ignores the signals that stop gunicorn, and ends when every writer has closed the
pipes; the master waits for it at exit, so nothing is cut off.  Whole lines only, as RedactedLines
(a secret is never split between two writes); a line without its newline goes out at end of input,
or once it exceeds PENDING_LIMIT.  A secret that holds a newline is masked line by line: each of its
lines is a secret of its own to the scrubber (scrub/scrubber.py).
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import sys
import time
from collections.abc import Callable

PENDING_LIMIT = 64 * 1024
EXIT_WAIT = 5.0  # seconds the master waits at exit for the redactor to write out what it holds
_started: list[int] = []  # the redactor's pid


def is_gunicorn_master() -> bool:
    """This process is gunicorn's command (its console script or ``python -m gunicorn``), not a test or a tool."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    return program == "gunicorn" or sys.argv[0].endswith(os.path.join("gunicorn", "__main__.py"))


def start() -> None:
    """Descriptors 1 and 2 through the redactor process, once per process (the master).

    Forked, not spawned: it has the master's scrubber already built and relays from the first byte
    (a fresh interpreter would hold every line back for the second it takes to import Django)."""
    if _started:
        return
    redact = _redaction()
    pairs = [(*os.pipe(), os.dup(fd)) for fd in (1, 2)]  # (read, write, original)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the redactor
        try:
            os.setsid()  # gunicorn's signals go to its process group: not to us
            _ignore_signals()
            for _, write, _ in pairs:
                os.close(write)  # else the pipes never end
            relay({read: original for read, _, original in pairs}, redact)
        finally:
            os._exit(0)  # nothing of the master's (atexit, buffers) runs here
    for fd, (read, write, original) in zip((1, 2), pairs, strict=True):
        os.dup2(write, fd)
        for n in (read, write, original):
            os.close(n)
    _started.append(pid)
    atexit.register(_drain, os.getpid())


def _redaction() -> Callable[[str], str]:
    try:
        from modestwear_config.concerns.assemble import BUILT

        return BUILT.scrubber().text  # the process environment's secrets, as the master's formatters
    except Exception as exc:  # noqa: BLE001 - without the secrets, every URL password is still masked
        from modestwear_config.scrub.url_passwords import redact

        sys.stderr.write(f"modestwear_config redactor: {type(exc).__name__}; URL passwords only\n")
        return lambda text: redact(text, embedded=True)


def _ignore_signals() -> None:
    for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGTTIN", "SIGTTOU", "SIGWINCH"):
        if hasattr(signal, name):  # a signal meant for gunicorn (a pid list, a cgroup): we end at end of input
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def _drain(master: int) -> None:
    """At the master's exit: close its ends of the pipes and wait until the redactor wrote everything."""
    if os.getpid() != master or not _started:
        return  # a worker (forked with this registration) ends without waiting: the master still writes
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(null, fd)
    os.close(null)
    deadline = time.monotonic() + EXIT_WAIT
    while time.monotonic() < deadline:
        try:
            if os.waitpid(_started[0], os.WNOHANG)[0]:
                return
        except ChildProcessError:  # reaped already (gunicorn reaps every child that ends)
            return
        time.sleep(0.01)


def relay(streams: dict[int, int], redact: Callable[[str], str]) -> None:
    """Copy each input descriptor to its output, line by line, redacted; return when every input ended."""
    pending = dict.fromkeys(streams, b"")
    while pending:
        ready, _, _ = select.select(list(pending), [], [])
        for read in ready:
            chunk = os.read(read, PENDING_LIMIT)
            data = pending[read] + chunk
            if not chunk:  # every writer closed: the rest, even without its newline
                _write(streams[read], _redacted(data, redact))
                del pending[read]
                continue
            complete, newline, rest = data.rpartition(b"\n")
            out = _redacted(complete + newline, redact)
            if len(rest) > PENDING_LIMIT:
                out, rest = out + _redacted(rest, redact), b""
            pending[read] = rest
            _write(streams[read], out)


def _redacted(data: bytes, redact: Callable[[str], str]) -> bytes:
    if not data:
        return b""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    return "\n".join(redact(line) for line in lines).encode("utf-8", "surrogateescape")


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except OSError:  # the reader of our output is gone: keep draining the pipes, write nothing
            return
