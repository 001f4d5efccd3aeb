"""What both PostgreSQL probes share, with no driver imported: deadline-bounded waits on libpq's
socket, and host names resolved here rather than by libpq (postgres.py says why)."""

from __future__ import annotations

import ipaddress
import select
import socket
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
