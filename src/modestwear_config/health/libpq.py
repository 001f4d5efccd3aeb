"""What both PostgreSQL probes share, with no driver imported: deadline-bounded waits on libpq's
socket, and host names resolved here rather than by libpq (postgres.py says why)."""

from __future__ import annotations

import ipaddress
import select
import socket
import threading
import time
from typing import Any


def wait(fd: int, write: bool, deadline: float) -> None:
    """Until `fd` is ready, or TimeoutError at the deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("health check deadline")
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLOUT if write else select.POLLIN)
        ready = bool(poller.poll(remaining * 1000))
    else:  # pragma: no cover  (Windows has no poll(); select() is fine for one socket)
        ready = any(select.select([] if write else [fd], [fd] if write else [], [], remaining))
    if not ready:
        raise TimeoutError("health check deadline")


def with_hostaddr(params: dict[str, Any], deadline: float, error: type[Exception]) -> dict[str, Any] | None:
    """`params` plus `hostaddr` for each host name (None when there is nothing to resolve); `error` when
    a name does not resolve. `host` stays for TLS verification and SNI."""
    hosts = str(params.get("host") or "")
    if not hosts or params.get("hostaddr"):
        return None
    ports = str(params.get("port") or "").split(",")
    addresses = [address(host, ports[min(i, len(ports) - 1)], error) for i, host in enumerate(hosts.split(","))]
    if time.monotonic() >= deadline:
        raise TimeoutError("health check deadline (name resolution)")
    if not any(addresses):
        return None
    return {**params, "hostaddr": ",".join(addresses)}


def address(host: str, port: str, error: type[Exception]) -> str:
    """A numeric address for a host name; "" for a socket directory or an address already numeric."""
    if not host or host.startswith(("/", "@")) or is_numeric(host):
        return ""
    try:
        infos = socket.getaddrinfo(host, port or None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise error("could not resolve the database host") from None
    # One address per host (libpq's hostaddr); IPv4 first, as most platforms' databases listen there.
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    return str(infos[0][4][0])


def is_numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class KeptConnectionProbe:
    """One alias's health connection, kept between probes; used by one flight at a time (the runner's
    single-flight). A driver's probe says how to connect, query and close within a deadline."""

    driver_error: type[Exception] = Exception  # what the driver raises for a closed or broken connection

    def __init__(self) -> None:
        self._conn: Any = None
        self._lock = threading.Lock()  # close() must never free the connection under a running probe

    def __call__(self, timeout: float) -> None:
        with self._lock:
            self._probe(time.monotonic() + timeout)

    def _probe(self, deadline: float) -> None:
        if self._conn is not None:
            try:
                return self.select_one(self._conn, deadline)
            except TimeoutError:
                self._drop()  # a frozen server: reconnecting would only wait again
                raise
            except self.driver_error:
                self._drop()  # closed under us (Neon suspend, restart): reconnect once, below
        self._conn = self.connect(deadline)
        try:
            self.select_one(self._conn, deadline)
        except BaseException:
            self._drop()
            raise

    def close(self) -> None:
        """Close the connection unless a probe is using it (that probe ends by its deadline)."""
        if self._lock.acquire(blocking=False):
            try:
                self._drop()
            finally:
                self._lock.release()

    def _drop(self) -> None:
        if self._conn is not None:
            self.disconnect(self._conn)
            self._conn = None

    def connect(self, deadline: float) -> Any:
        raise NotImplementedError

    def select_one(self, conn: Any, deadline: float) -> None:
        raise NotImplementedError

    def disconnect(self, conn: Any) -> None:
        raise NotImplementedError
