"""One deadline per outbound call (components/deadline.py), and every outbound client the library
configures held to it against a server that trickles its answer one byte at a time.

A trickle defeats every per-read timeout (each byte restarts it): before, a health check's flight
lived as long as the trickle (~14 s here) and an upload as long as the server liked.  Each client
below must now give up within its deadline plus a margin for unwinding on a busy machine.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.test import override_settings

from modestwear_config.components.deadline import deadline
from modestwear_config.health.catalog import Selected
from modestwear_config.health.runner import Runner
from tests.support.servers import HTTP_TRICKLE, TricklingServer

pytestmark = pytest.mark.slow

SLACK = 1.5  # seconds of unwinding allowed past a deadline on a busy machine; the trickles last ~14 s
REDIS_TRICKLE = b"+" + b"P" * 80 + b"\r\n"  # a PONG that never ends: ~16 s at 0.2 s a byte


def trickled_read(port: int, per_read_timeout: float) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=per_read_timeout) as sock:
        while sock.recv(1):
            pass
        raise ConnectionError("closed")


# -- the helper itself ---------------------------------------------------------------------------------
def test_deadline__bounds_a_trickled_read_whatever_the_per_read_timeout():
    with TricklingServer(REDIS_TRICKLE) as server:
        start = time.monotonic()
        with pytest.raises(ConnectionError), deadline(0.5) as scope:
            trickled_read(server.port, per_read_timeout=5)
        elapsed = time.monotonic() - start
    assert scope.expired and elapsed < 0.5 + SLACK, elapsed


def test_deadline__watched_kept_socket_is_shut_down_too():
    with TricklingServer(REDIS_TRICKLE) as server:
        with deadline(None) as first:  # no deadline: records what it connects
            kept = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        assert first.alive() and not first.expired
        start = time.monotonic()
        with deadline(0.5, watch=first.alive()) as second:
            while kept.recv(1):
                pass
        kept.close()
    assert second.expired and time.monotonic() - start < 0.5 + SLACK


def test_deadline__a_closed_and_reused_descriptor_is_left_alone():
    with TricklingServer(REDIS_TRICKLE) as server:
        with deadline(0.3) as scope:
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
            # The same descriptor number, now another socket (not this scope's): never shut down.
            other = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            time.sleep(0.6)
        try:
            other.settimeout(1)
            assert other.recv(1) == b"+"  # still readable: the deadline did not touch it
        finally:
            other.close()
    assert scope.expired


def test_deadline__no_deadline_when_not_positive():
    with (
        TricklingServer(b"+OK\r\n", interval=0.05) as server,
        deadline(0) as scope,
        socket.create_connection(("127.0.0.1", server.port), timeout=2) as sock,
    ):
        assert sock.recv(1) == b"+"
    assert not scope.expired


# -- every outbound client the library configures --------------------------------------------------------
@contextmanager
def email_api(provider: str, port: int) -> Iterator[None]:
    from modestwear_config.concerns.mail import email_settings
    from modestwear_config.env import Env

    environ = {
        "EMAIL_PROVIDER": provider,
        "EMAIL_API_KEY": "Canary-key-0123456789",
        "DEFAULT_FROM_EMAIL": "shop@example.com",
        "EMAIL_API_URL": f"http://127.0.0.1:{port}/",
        "EMAIL_TIMEOUT": "1",
    }
    if provider == "amazon-ses":
        environ |= {"EMAIL_AWS_ACCESS_KEY_ID": "AKIDCANARY0000000000", "EMAIL_REGION": "eu-west-1"}
    with override_settings(**email_settings(Env(environ))):
        yield


@contextmanager
def cloudinary_at(port: int) -> Iterator[None]:
    import cloudinary

    previous = cloudinary.config().__dict__.copy()
    cloudinary.config(
        cloud_name="mwc", api_key="123", api_secret="Canary-secret", upload_prefix=f"http://127.0.0.1:{port}"
    )
    try:
        yield
    finally:
        cloudinary.config().__dict__.clear()
        cloudinary.config().__dict__.update(previous)


def redis_check(port: int) -> Callable[[float], object]:
    from modestwear_config.health import redis_probe

    return lambda timeout: redis_probe.ping(f"redis://127.0.0.1:{port}/0", {}, timeout)


def email_check(timeout: float) -> object:
    from modestwear_config.health.mail_probe import probe_email

    return probe_email(timeout)


def cloudinary_check(timeout: float) -> object:
    import cloudinary.api

    return cloudinary.api.ping(timeout=timeout)


# (name, the server's payload, a context for the client's configuration, the check)
HEALTH_CLIENTS = [
    ("redis", REDIS_TRICKLE, None, redis_check),
    ("email:resend", HTTP_TRICKLE, lambda port: email_api("resend", port), lambda port: email_check),
    ("email:amazon-ses", HTTP_TRICKLE, lambda port: email_api("amazon-ses", port), lambda port: email_check),
    ("storage:cloudinary", HTTP_TRICKLE, cloudinary_at, lambda port: cloudinary_check),
]


@pytest.mark.parametrize("name, payload, configure, check", HEALTH_CLIENTS, ids=[c[0] for c in HEALTH_CLIENTS])
def test_deadlines__every_health_check_flight_ends_by_its_deadline(name, payload, configure, check):
    budget = 0.5
    runner = Runner()
    with TricklingServer(payload) as server, configure(server.port) if configure else _nothing():
        start = time.monotonic()
        report = runner.run([Selected(name, check(server.port), False)], budget, 0)
        flight = [t for t in threading.enumerate() if t.name == f"modestwear-health:{name}"]
        for thread in flight:
            thread.join(budget + SLACK + 1)
        lifetime = time.monotonic() - start
    assert report.checks[0].result.status == "fail"
    # Before: the flight lived as long as the trickle (~14 s) and kept every later probe waiting on it.
    assert not any(t.is_alive() for t in flight) and lifetime < budget + SLACK, lifetime


UPLOAD = r"""
import json, time
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

start = time.monotonic()
try:
    default_storage.save("products/abaya.png", ContentFile(b"fake image bytes", name="abaya.png"))
    error = None
except Exception as exc:
    error = type(exc).__name__
print(json.dumps({"elapsed": time.monotonic() - start, "error": error, "timeout": default_storage.timeout}))
"""


def test_deadlines__cloudinary_upload_ends_by_cloudinary_timeout(tmp_path):
    """Media uploads through Django's storage API, as the project makes them (settings from the environment)."""
    import json
    import subprocess
    import sys

    from tests.support.servers import EXAMPLE_PROJECT, project_env

    with TricklingServer(HTTP_TRICKLE) as server:
        url = f"cloudinary://123456:Canary-secret@mwc?upload_prefix=http://127.0.0.1:{server.port}"
        env = project_env({"BASE_DIR": str(tmp_path), "CLOUDINARY_URL": url, "CLOUDINARY_TIMEOUT": "1"})
        completed = subprocess.run(
            [sys.executable, "-c", UPLOAD], cwd=EXAMPLE_PROJECT, env=env, capture_output=True, text=True, timeout=60
        )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["timeout"] == 1 and result["error"] is not None
    assert result["elapsed"] < 1 + SLACK, result


@contextmanager
def _nothing() -> Iterator[None]:
    yield
