"""One deadline for a whole outbound call, not a timeout per socket operation.

Drivers take per-operation timeouts (connect, each read): a server that trickles its answer a
byte at a time restarts the read timeout with every byte and holds the caller for as long as it
likes (measured: EMAIL_TIMEOUT=2 held a request 15 s).  ``with deadline(seconds):`` bounds the
whole call instead.  Every socket the calling thread connects inside it (seen through the
interpreter's ``socket.connect`` audit event, PEP 578), and the kept sockets the caller names
(``watch=``, from an earlier ``scope.sockets``), is shut down when the deadline is due; the driver
then fails with its own error (a closed connection) and the caller handles it as before, while
``scope.expired`` tells why.  One watchdog thread serves every deadline of the process.

Used by every outbound call the library configures: the mail backends (components/mail_backends.py),
the health checks' flights (health/runner.py) and Cloudinary media storage (cloudinary_media.py).

A socket is identified by its descriptor and inode, checked again just before the shutdown: a
descriptor closed and reused meanwhile is left alone.  Without a watchdog thread (a process at its
thread limit) the per-operation timeouts still apply.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

Socket = tuple[int, int]  # (file descriptor, inode)

_local = threading.local()
_lock = threading.Condition()
_due: list[tuple[float, int, Scope]] = []
_order = itertools.count()
_started: list[threading.Thread] = []
_hooked: list[bool] = []


class Scope:
    """One deadline: when it is due, the sockets it holds are shut down."""

    def __init__(self, due: float, watch: Iterable[Socket]) -> None:
        self.due = due
        self.sockets: list[Socket] = list(dict.fromkeys(watch))
        self.expired = False
        self.closed = False
        self.lock = threading.Lock()  # the owner's exit and the watchdog's shutdown never overlap

    def add(self, sock: Socket) -> None:
        with self.lock:
            if sock not in self.sockets:
                self.sockets.append(sock)

    def alive(self) -> list[Socket]:
        """Its sockets still open (for the next call's ``watch=``)."""
        return [s for s in self.sockets if _inode(s[0]) == s[1]]

    def expire(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.expired = True
            for fd, inode in self.sockets:
                _shut_down(fd, inode)


@contextmanager
def deadline(seconds: float | None, watch: Iterable[Socket] = ()) -> Iterator[Scope]:
    """Shut down, after `seconds`, every socket this thread connects meanwhile and those in `watch`.
    `seconds` None or not positive: no deadline (the scope still records the sockets)."""
    _hook()
    scope = Scope(time.monotonic() + (seconds or 0.0), watch)
    stack: list[Scope] = _stack()
    stack.append(scope)
    if seconds is not None and seconds > 0:
        _schedule(scope)
    try:
        yield scope
    finally:
        stack.pop()
        with scope.lock:
            scope.closed = True
        for outer in stack:  # an enclosing deadline covers what this one connected too
            for sock in scope.sockets:
                outer.add(sock)


def _stack() -> list[Scope]:
    stack: list[Scope] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _audit(event: str, args: tuple[object, ...]) -> None:
    # Runs for every audit event of the process: one comparison unless a socket connects. Raises only to
    # refuse a connection in a deadline already past (a driver's retry): TimeoutError, as a connect timeout.
    if event != "socket.connect":
        return
    stack = getattr(_local, "stack", None)
    if not stack:
        return
    try:
        fd = args[0].fileno()  # type: ignore[attr-defined]
        sock = (fd, os.fstat(fd).st_ino)
    except Exception:  # noqa: BLE001 - nothing else may raise into the connecting code
        return
    for scope in stack:
        scope.add(sock)
        if scope.expired:  # a retry after the deadline: refused like a connect that timed out
            raise TimeoutError("deadline passed")


def _hook() -> None:
    if not _hooked:
        with _lock:
            if not _hooked:
                sys.addaudithook(_audit)  # permanent (PEP 578): installed once, on the first deadline
                _hooked.append(True)


def _schedule(scope: Scope) -> None:
    with _lock:
        heapq.heappush(_due, (scope.due, next(_order), scope))
        if not _started or not _started[0].is_alive():
            watchdog = threading.Thread(target=_watch, name="modestwear-deadline", daemon=True)
            try:
                watchdog.start()
            except RuntimeError:  # no thread can start: the per-operation timeouts still apply
                _due.clear()
                return
            _started[:] = [watchdog]
        _lock.notify()


def _watch() -> None:
    while True:
        with _lock:
            while not _due or _due[0][0] > time.monotonic():
                _lock.wait(None if not _due else _due[0][0] - time.monotonic())
            scope = heapq.heappop(_due)[2]
        scope.expire()


def _inode(fd: int) -> int:
    try:
        return os.fstat(fd).st_ino
    except OSError:
        return -1


def _shut_down(fd: int, inode: int) -> None:
    if _inode(fd) != inode:
        return  # closed (and perhaps reused) since: not ours any more
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read with end-of-file; the owner closes it
    except OSError:
        pass
    finally:
        sock.detach()  # the descriptor stays the owner's
