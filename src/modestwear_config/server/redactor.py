"""File descriptors 1 and 2 of the gunicorn master and its workers, redacted by a process of their own.

The Python-level wrappers (log formatters, RedactedLines on sys.stderr) see only what Python code
writes through them.  Bytes written straight to the descriptors go around them: a C extension's
message, a subprocess that inherited them, faulthandler's dump of a crashing interpreter, and the
master's own traceback when an application preloaded with ``--preload`` fails to import (an error
quoting a URL).  ``start()`` runs in the master before it loads the application (gunicorn builds its
logger first, server/log_streams.py): it points 1 and 2 at pipes read by ``python -m
modestwear_config.server.redactor``, which writes each line, scrubbed by the one scrubber, to where
1 and 2 pointed before.  The workers and their children inherit the pipes.

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
import subprocess
import sys
from collections.abc import Callable

PENDING_LIMIT = 64 * 1024
EXIT_WAIT = 5.0  # seconds the master waits at exit for the redactor to write out what it holds
_started: list[subprocess.Popen[bytes]] = []


def is_gunicorn_master() -> bool:
    """This process is gunicorn's command (its console script or ``python -m gunicorn``), not a test or a tool."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    return program == "gunicorn" or sys.argv[0].endswith(os.path.join("gunicorn", "__main__.py"))


def start() -> None:
    """Descriptors 1 and 2 through the redactor process, once per process (the master)."""
    if _started:
        return
    pairs = []
    for fd in (1, 2):
        read, write = os.pipe()
        pairs.append((read, os.dup(fd), write))
    fds = [n for read, original, _ in pairs for n in (read, original)]
    process = subprocess.Popen(
        [sys.executable, "-m", "modestwear_config.server.redactor", *(f"{r}:{o}" for r, o, _ in pairs)],
        pass_fds=fds,
        stdin=subprocess.DEVNULL,
        stdout=pairs[0][1],
        stderr=pairs[1][1],
        start_new_session=True,  # gunicorn's signals go to its process group: not to us, even while we start
    )
    sys.stdout.flush()
    sys.stderr.flush()
    for fd, (read, original, write) in zip((1, 2), pairs, strict=True):
        os.dup2(write, fd)
        for n in (read, original, write):
            os.close(n)
    _started.append(process)
    master = os.getpid()
    atexit.register(_drain, master)


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
    try:
        _started[0].wait(EXIT_WAIT)
    except subprocess.TimeoutExpired:  # a child still holds the pipes: it keeps being redacted
        pass


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


def main(argv: list[str]) -> int:
    for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGTTIN", "SIGTTOU", "SIGWINCH"):
        if hasattr(signal, name):  # a signal meant for gunicorn (sent to a pid list, a cgroup): we end at end of input
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    streams = {int(read): int(original) for read, original in (arg.split(":") for arg in argv)}
    try:
        from modestwear_config.concerns.assemble import BUILT

        scrubber = BUILT.scrubber()  # the process environment's secrets, as the master's formatters
        redact = scrubber.text
    except Exception as exc:  # noqa: BLE001 - without the secrets, every URL password is still masked
        from modestwear_config.scrub.url_passwords import redact as url_redact

        os.write(2, f"modestwear_config redactor: {type(exc).__name__}; URL passwords only\n".encode())
        redact = lambda text: url_redact(text, embedded=True)  # noqa: E731
    relay(streams, redact)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
