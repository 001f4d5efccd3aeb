"""Output that goes around the Python-level wrappers, under a real gunicorn: bytes written straight to
descriptors 1 and 2 (os.write, a C function, a subprocess), a worker that crashes mid-sentence (faulthandler's
dump), the master's own traceback when a preloaded application fails to import (quoting a URL), and a
secret that holds a newline.  Every one reaches the log, scrubbed (server/redactor.py)."""

from __future__ import annotations

import http.client
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.support.servers import EXAMPLE_PROJECT, Gunicorn, free_port, project_env, require_binary, which

pytestmark = pytest.mark.slow

CANARY = "CanaryOut7"
SECRET = f"{CANARY}-smtp-password"
MULTILINE = f"{CANARY}-first-line-of-a-key\n{CANARY}-second-line-of-it"

LEAKY = textwrap.dedent(
    """
    import ctypes, faulthandler, os, subprocess

    SECRET = os.environ["EMAIL_HOST_PASSWORD"]
    MULTILINE = os.environ["DJANGO_SUPERUSER_PASSWORD"]

    def application(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/fd":
            os.write(1, f"fd1 says {SECRET}\\n".encode())
            os.write(2, f"fd2 says {SECRET}\\n".encode())
        elif path == "/c":
            line = f"libc says {SECRET}\\n".encode()
            ctypes.CDLL(None).write(2, line, len(line))
        elif path == "/subprocess":
            subprocess.run(["sh", "-c", 'echo "child says $EMAIL_HOST_PASSWORD"; echo "child2 $EMAIL_HOST_PASSWORD" >&2'])
        elif path == "/newline":
            print(f"multiline says {MULTILINE}", flush=True)
        elif path == "/crash":
            os.write(2, f"last words {SECRET}".encode())  # no newline: the crash cuts the line
            faulthandler.enable()
            ctypes.string_at(0)  # SIGSEGV: faulthandler writes its dump to descriptor 2, then the worker dies
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    """
)
BROKEN = textwrap.dedent(
    f"""
    raise ImportError("cannot reach postgresql://shop:{SECRET}@db.internal.example/shop (and {SECRET})")
    """
)


class AppGunicorn(Gunicorn):
    def __init__(self, env: dict[str, str], app: str, args: tuple[str, ...] = ()) -> None:
        self.app = app
        super().__init__(env, args)


def environment(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "leaky.py").write_text(LEAKY)
    (tmp_path / "broken.py").write_text(BROKEN)
    return project_env(
        {
            "PYTHONPATH": f"{tmp_path}:{EXAMPLE_PROJECT}",
            "EMAIL_HOST_PASSWORD": SECRET,
            "DJANGO_SUPERUSER_PASSWORD": MULTILINE,
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "1",
        }
    )


def get(port: int, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):  # /crash: the worker dies under the request
        pass
    finally:
        connection.close()


def test_output__every_path_around_the_wrappers_is_scrubbed_and_nothing_lost(tmp_path):
    require_binary("gunicorn")
    server = AppGunicorn(environment(tmp_path), "leaky:application").start()
    try:
        for path in ("/fd", "/c", "/subprocess", "/newline", "/crash"):
            get(server.port, path)
        server.stop()  # the master waits for the redactor to write everything out
        log = server.output()
    finally:
        server.__exit__()
    assert CANARY not in log, log[-4000:]
    for said in ("fd1 says ***", "fd2 says ***", "libc says ***", "child says ***", "child2 ***"):
        assert said in log, (said, log[-4000:])
    assert "multiline says ***\n***" in log  # each line of the multi-line secret, masked on its own
    # The crashing worker's last words and faulthandler's dump: read to the end by the redactor process.
    assert "last words ***" in log and "Fatal Python error: Segmentation fault" in log, log[-4000:]


def test_output__preloaded_application_import_error_in_the_master_is_scrubbed(tmp_path):
    require_binary("gunicorn")
    env = {**environment(tmp_path), "PORT": str(free_port())}
    completed = subprocess.run(
        [which("gunicorn") or "gunicorn", "-c", "python:modestwear_config.gunicorn", "--preload", "broken:application"],
        cwd=EXAMPLE_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    assert "ImportError: cannot reach postgresql://shop:***@db.internal.example/shop (and ***)" in output, output
    assert CANARY not in output
