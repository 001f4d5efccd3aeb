"""media_disk.py: MEDIA_ROOT on a persistent disk, uploads served by the app on request (WSGI and ASGI,
under gunicorn), and the system checks that warn when media sits on a file system Render, Fly.io or
Heroku rebuilds on every deploy, read from the kernel's mount table (a real bind mount for the disk)."""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.checks import run_checks
from django.test import AsyncClient, Client, override_settings

from modestwear_config.components.media_files import SANDBOX
from modestwear_config.concerns import build_all
from modestwear_config.concerns.media_disk import MEDIA_FILES, media_settings, mount_of
from modestwear_config.env import Env, ImproperlyConfigured
from tests.support.servers import AsgiGunicorn, Gunicorn, manage, project_env

STRONG_KEY = "media-tests-" + "q8W-z3Rt-" * 6
FILE_SYSTEM = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def built(environ: dict[str, str]) -> dict[str, Any]:
    env = Env(environ)
    settings = media_settings(env)
    assert env.problems == {}, env.problems
    return settings


def problems(environ: dict[str, str]) -> dict[str, str]:
    env = Env(environ)
    media_settings(env)
    return env.problems


# -- the settings ----------------------------------------------------------------------------
def test_media_settings__disk_path_is_media_root(tmp_path):
    assert built({"MEDIA_DISK_PATH": str(tmp_path)}) == {"MEDIA_ROOT": tmp_path}
    assert built({}) == {}
    assert built({"RAILWAY_VOLUME_MOUNT_PATH": "/data"}) == {"MEDIA_ROOT": Path("/data")}  # Railway names its volume
    assert built({"RAILWAY_VOLUME_MOUNT_PATH": "/data", "MEDIA_DISK_PATH": "/data/media"}) == {
        "MEDIA_ROOT": Path("/data/media")
    }


@pytest.mark.parametrize(
    ("environ", "named", "hint"),
    [
        ({"MEDIA_DISK_PATH": "media"}, "MEDIA_DISK_PATH", "expected an absolute path"),
        ({"RAILWAY_VOLUME_MOUNT_PATH": "data"}, "RAILWAY_VOLUME_MOUNT_PATH", "expected an absolute path"),
        ({"MEDIA_DISK_PATH": "/var/data", "AWS_STORAGE_BUCKET_NAME": "shop"}, "MEDIA_DISK_PATH", "remote store"),
        ({"MEDIA_SERVE": "true", "CLOUDINARY_URL": "cloudinary://1:s@c"}, "MEDIA_SERVE", "CLOUDINARY_URL sends media"),
        ({"MEDIA_SERVE": "sometimes"}, "MEDIA_SERVE", "expected a boolean"),
    ],
)
def test_media_settings__contradictions_name_the_variable(environ, named, hint):
    found = problems(environ)
    assert named in found and hint in found[named], found


def test_media_settings__a_railway_volume_yields_to_a_remote_store():
    assert built({"RAILWAY_VOLUME_MOUNT_PATH": "/data", "AWS_STORAGE_BUCKET_NAME": "shop-media"}) == {}


def test_media_serve__middleware_only_when_asked_after_the_static_files(tmp_path):
    base = {"DEBUG": "true", "BASE_DIR": str(tmp_path)}
    assert MEDIA_FILES not in build_all(Env(base))["MIDDLEWARE"]
    middleware = build_all(Env({**base, "MEDIA_SERVE": "true"}))["MIDDLEWARE"]
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert security < middleware.index(MEDIA_FILES) < middleware.index("django.middleware.common.CommonMiddleware")
    csp = "django.middleware.csp.ContentSecurityPolicyMiddleware"  # Django >= 6.0: the site's policy after ours
    assert csp not in middleware or middleware.index(MEDIA_FILES) < middleware.index(csp)
    with pytest.raises(ImproperlyConfigured, match="MEDIA_SERVE: is on, but AWS_STORAGE_BUCKET_NAME sends media"):
        build_all(Env({**base, "MEDIA_SERVE": "true", "AWS_STORAGE_BUCKET_NAME": "shop-media"}))


# -- the mount table and the checks -------------------------------------------------------------
@pytest.fixture
def disk(tmp_path) -> Iterator[Path]:
    """A directory mounted as its own file system, as a Render disk or Fly volume is (bind mount: root only)."""
    source, target = tmp_path / "device", tmp_path / "var-data"
    source.mkdir()
    target.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "--bind", str(source), str(target)], check=False).returncode:
        pytest.skip("mounting needs root")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_mount_of__the_nearest_mount_and_its_type(disk, tmp_path):
    assert mount_of(disk / "media" / "not-yet-created") == (str(disk), mount_of(Path("/"))[1])
    assert mount_of(tmp_path / "elsewhere")[0] != str(disk)
    assert mount_of(Path("/dev/shm/media")) == ("/dev/shm", "tmpfs")


def test_mount_of__escaped_mount_points(tmp_path):
    table = tmp_path / "mountinfo"
    table.write_text(
        "22 1 8:1 / / rw - overlay overlay rw\n40 22 8:2 / /var/my\\040data rw,relatime - ext4 /dev/sdb rw\n"
    )
    assert mount_of(Path("/var/my data/media"), table) == ("/var/my data", "ext4")
    assert mount_of(Path("/app/media"), table) == ("/", "overlay")


def warnings(settings: Any, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], root: Path) -> list[str]:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, **FILE_SYSTEM}
    settings.MEDIA_ROOT = root
    return [m.id for m in run_checks() if m.id in ("modestwear_config.W060", "modestwear_config.W061")]


@pytest.mark.parametrize("platform", ["RENDER", "FLY_APP_NAME", "DYNO"])
def test_check__media_on_an_ephemeral_platform_without_a_disk_w060(settings, monkeypatch, unbuilt, tmp_path, platform):
    assert warnings(settings, monkeypatch, {platform: "true"}, tmp_path / "media") == ["modestwear_config.W060"]


def test_check__disk_path_that_is_no_mount_w061(settings, monkeypatch, unbuilt, tmp_path):
    found = warnings(settings, monkeypatch, {"RENDER": "true", "MEDIA_DISK_PATH": str(tmp_path)}, tmp_path)
    assert found == ["modestwear_config.W061"]
    memory = Path("/dev/shm") / tmp_path.name  # tmpfs: memory, gone on restart
    assert warnings(settings, monkeypatch, {"MEDIA_DISK_PATH": str(memory)}, memory) == ["modestwear_config.W061"]


def test_check__media_on_a_mounted_disk_is_quiet(settings, monkeypatch, unbuilt, disk):
    assert warnings(settings, monkeypatch, {"RENDER": "true", "MEDIA_DISK_PATH": str(disk)}, disk / "media") == []


def test_check__quiet_off_platform_and_with_a_remote_store(settings, monkeypatch, unbuilt, tmp_path):
    assert warnings(settings, monkeypatch, {}, tmp_path) == []
    monkeypatch.setenv("RENDER", "true")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "cloudinary_storage.storage.MediaCloudinaryStorage"},
    }
    assert [m.id for m in run_checks() if m.id.endswith(("W060", "W061"))] == []


# -- serving: in process, then under gunicorn (WSGI and ASGI) -------------------------------------
@pytest.fixture
def media_root(tmp_path) -> Path:
    root = tmp_path / "media"
    (root / "products").mkdir(parents=True)
    (root / "products" / "abaya.png").write_bytes(b"\x89PNG abaya")
    (root / "products" / "page.html").write_text("<script>alert(document.cookie)</script>")
    (tmp_path / "secret.txt").write_text("outside MEDIA_ROOT")
    return root


@pytest.fixture
def serving(settings, media_root, db):  # db: a finished response closes old connections (request_finished)
    settings.MEDIA_ROOT = media_root
    settings.STATIC_ROOT = str(media_root.parent)  # WhiteNoise warns (an error here) when it does not exist
    with override_settings(MIDDLEWARE=[MEDIA_FILES, *settings.MIDDLEWARE]):
        yield


def fetch(path: str, method: str = "get", **headers: str) -> Any:
    """A response, its body read and its file closed (an open file would be a ResourceWarning)."""
    response = getattr(Client(), method)(path, headers=headers)
    response.body = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return response


def test_media_serve__files_with_a_sandbox_and_nothing_else(serving):
    response = fetch("/media/products/abaya.png")
    assert response.status_code == 200 and response.body == b"\x89PNG abaya"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == SANDBOX and response["X-Content-Type-Options"] == "nosniff"
    assert fetch("/media/products/page.html")["Content-Security-Policy"] == SANDBOX  # its script never runs
    assert fetch("/media/products/abaya.png", "head").status_code == 200
    assert fetch("/media/products/missing.png").status_code == 404
    assert fetch("/media/products/").status_code == 404  # no directory listing
    modified = response["Last-Modified"]
    assert fetch("/media/products/abaya.png", **{"If-Modified-Since": modified}).status_code == 304


def test_media_serve__a_path_outside_media_root_is_refused(serving, caplog):
    response = fetch("/media/../secret.txt")
    assert (
        response.status_code == 400 and b"outside MEDIA_ROOT" not in response.body
    )  # Django's SuspiciousFileOperation
    assert "django.security.SuspiciousFileOperation" in [r.name for r in caplog.records]  # and django.request on 5.2.0


def test_media_serve__async_streams_the_file_from_a_thread(serving, media_root):
    big = media_root / "products" / "lookbook.pdf"
    big.write_bytes(os.urandom(3 * 1024 * 1024))

    async def fetch() -> tuple[Any, bytes]:
        response = await AsyncClient().get("/media/products/lookbook.pdf")
        return response, b"".join([chunk async for chunk in response.streaming_content])

    response, body = async_to_sync(fetch)()
    assert response.status_code == 200 and response.is_async  # an async iterator: no warning, no whole-file read
    assert body == big.read_bytes()


SAVE = (
    "from django.core.files.base import ContentFile; from django.core.files.storage import default_storage as s; "
    "print(s.save('products/abaya.png', ContentFile(b'\\x89PNG uploaded')))"
)


@pytest.mark.slow
@pytest.mark.parametrize("server_class", [Gunicorn, AsgiGunicorn], ids=["wsgi", "asgi"])
def test_media_serve__an_upload_on_the_disk_served_by_gunicorn(server_class, tmp_path):
    disk = tmp_path / "var-data"
    env = project_env(
        {
            "BASE_DIR": str(tmp_path),
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "MEDIA_DISK_PATH": str(disk),
            "MEDIA_SERVE": "true",
            "GUNICORN_THREADS": "2",
        },
        debug=False,
    )
    saved = manage("shell", "-c", SAVE, env=env)
    assert saved.returncode == 0, saved.stderr
    name = saved.stdout.strip().splitlines()[-1]
    assert (disk / name).read_bytes() == b"\x89PNG uploaded"  # on the disk, not under BASE_DIR
    with server_class(env) as server:
        with urllib.request.urlopen(f"{server.base_url}/media/{name}", timeout=10) as response:
            body, headers = response.read(), response.headers
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{server.base_url}/media/products/none.png", timeout=10)
        missing.value.close()  # it holds the connection: left open, a ResourceWarning fails a later test
    assert body == b"\x89PNG uploaded"
    assert headers["Content-Security-Policy"] == SANDBOX and headers["Content-Type"] == "image/png"
    assert missing.value.code == 404
