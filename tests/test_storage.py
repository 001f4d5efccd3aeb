"""storage.py: media on Cloudinary (uploads reach a local fake API and nothing else), startup errors
for half-set credentials that never show the secret, and WhiteNoise static files that collectstatic
builds and gunicorn serves with Cloudinary configured."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.storage import CLOUDINARY_MEDIA, FILE_SYSTEM, WHITENOISE_STATIC, storage_settings
from modestwear_config.env import Env
from tests.support.fake_cloudinary import FakeCloudinary
from tests.support.servers import EXAMPLE_PROJECT, Gunicorn, manage, project_env

CLOUD = "modestwear-test"
API_KEY = "123456789012345"
API_SECRET = "Sup3r-s3cret-cloudinary-value"
STRONG_KEY = "storage-tests-" + "x7Q-p2Lm-" * 6


def build(environ: dict[str, str]) -> dict[str, object]:
    return build_settings(storage_settings, env=Env(environ))


# -- the settings ------------------------------------------------------------------
def test_storage_settings__file_system_media_and_whitenoise_without_cloudinary():
    settings = build({})
    assert settings["STORAGES"] == {"default": {"BACKEND": FILE_SYSTEM}, "staticfiles": {"BACKEND": WHITENOISE_STATIC}}
    assert "CLOUDINARY_STORAGE" not in settings


def test_storage_settings__cloudinary_url_sends_media_to_cloudinary_never_static():
    settings = build({"CLOUDINARY_URL": f"cloudinary://{API_KEY}:{API_SECRET}@{CLOUD}"})
    assert settings["STORAGES"] == {
        # django-cloudinary-storage's, each call bounded by CLOUDINARY_TIMEOUT (seconds, in all).
        "default": {"BACKEND": CLOUDINARY_MEDIA, "OPTIONS": {"timeout": 60.0}},
        "staticfiles": {"BACKEND": WHITENOISE_STATIC},
    }
    # The dict django-cloudinary-storage reads (it ignores a CLOUDINARY_URL *setting*).
    assert settings["CLOUDINARY_STORAGE"] == {"CLOUD_NAME": CLOUD, "API_KEY": API_KEY, "API_SECRET": API_SECRET}


def test_storage_settings__three_variables_with_the_secret_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(API_SECRET + "\n")
    settings = build(
        {"CLOUDINARY_CLOUD_NAME": CLOUD, "CLOUDINARY_API_KEY": API_KEY, "CLOUDINARY_API_SECRET_FILE": str(secret_file)}
    )
    assert settings["STORAGES"]["default"] == {"BACKEND": CLOUDINARY_MEDIA, "OPTIONS": {"timeout": 60.0}}  # type: ignore[index]
    assert settings["CLOUDINARY_STORAGE"] == {"CLOUD_NAME": CLOUD, "API_KEY": API_KEY, "API_SECRET": API_SECRET}


@pytest.mark.parametrize(
    ("environ", "named", "hint"),
    [
        ({"CLOUDINARY_CLOUD_NAME": CLOUD}, ["CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET"], "set all three"),
        ({"CLOUDINARY_CLOUD_NAME": CLOUD, "CLOUDINARY_API_KEY": API_KEY}, ["CLOUDINARY_API_SECRET"], "set all three"),
        ({"CLOUDINARY_API_KEY": API_KEY, "CLOUDINARY_API_SECRET": API_SECRET}, ["CLOUDINARY_CLOUD_NAME"], "all three"),
        ({"CLOUDINARY_URL": f"cloudinary://{API_KEY}:{API_SECRET}@"}, ["CLOUDINARY_URL"], "cloud name is missing"),
        ({"CLOUDINARY_URL": f"cloudinary://{API_KEY}@{CLOUD}"}, ["CLOUDINARY_URL"], "API secret is missing"),
        ({"CLOUDINARY_URL": f"cloudinary://:{API_SECRET}@{CLOUD}"}, ["CLOUDINARY_URL"], "API key is missing"),
        ({"CLOUDINARY_URL": f"https://{API_KEY}:{API_SECRET}@{CLOUD}"}, ["CLOUDINARY_URL"], "unknown scheme"),
        ({"CLOUDINARY_URL": f"cloudinary//{API_KEY}:{API_SECRET}@{CLOUD}"}, ["CLOUDINARY_URL"], "with a scheme"),
        ({"CLOUDINARY_URL": f"cloudinary://{API_KEY}:{API_SECRET}@{CLOUD}:port"}, ["CLOUDINARY_URL"], "bad port"),
        ({"CLOUDINARY_URL": f"cloudinary://{API_KEY}:{API_SECRET} @{CLOUD}"}, ["CLOUDINARY_URL"], "whitespace"),
        (
            {"CLOUDINARY_URL": f"cloudinary://{API_KEY}:{API_SECRET}@{CLOUD}", "CLOUDINARY_API_SECRET": API_SECRET},
            ["CLOUDINARY_URL"],
            "not both",
        ),
    ],
)
def test_storage_settings__half_set_cloudinary_is_an_error_naming_the_variable(environ, named, hint):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        build(environ)
    message = str(excinfo.value)
    for name in named:
        assert f"  {name}: " in message
    assert hint in message
    assert API_SECRET not in message


@pytest.mark.slow
def test_storage__half_set_cloudinary_stops_manage_py_before_any_upload(tmp_path):
    env = project_env({"BASE_DIR": str(tmp_path), "CLOUDINARY_CLOUD_NAME": CLOUD, "CLOUDINARY_API_KEY": API_KEY})
    completed = manage("check", env=env)
    assert completed.returncode != 0
    assert "CLOUDINARY_API_SECRET: You have not set it" in completed.stderr
    env = project_env({"BASE_DIR": str(tmp_path), "CLOUDINARY_URL": f"cloudinary://{API_KEY}:{API_SECRET}"})
    completed = manage("check", env=env)
    assert completed.returncode != 0
    assert "CLOUDINARY_URL: expected " in completed.stderr  # KEY:SECRET reads as host:port, a bad port
    assert API_SECRET not in completed.stdout + completed.stderr


# -- uploads through Django's storage API -------------------------------------------
UPLOAD = r"""
import json, sys
connections = []

def audit(event, args):  # every socket this process opens or resolves
    if event == "socket.connect":
        connections.append(list(args[1]) if isinstance(args[1], tuple) else str(args[1]))
    elif event == "socket.getaddrinfo":
        connections.append(["resolve", str(args[0])])

sys.addaudithook(audit)
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

name = default_storage.save("products/abaya.png", ContentFile(b"\x89PNG fake image bytes", name="abaya.png"))
url = default_storage.url(name)  # built locally, no request
deleted = default_storage.delete(name)
print(json.dumps({"backend": type(storages["default"]).__name__, "name": name, "url": url, "deleted": deleted,
                  "connections": connections}))
"""


@pytest.fixture
def fake_cloudinary() -> Iterator[FakeCloudinary]:
    with FakeCloudinary() as fake:
        yield fake


def signature_is_valid(fields: dict[str, str]) -> bool:
    from cloudinary.utils import api_sign_request

    signed = {k: v for k, v in fields.items() if k not in ("signature", "api_key", "file")}
    return bool(api_sign_request(signed, API_SECRET) == fields["signature"])


@pytest.mark.slow
def test_storage__cloudinary_upload_and_delete_reach_only_the_fake_api(fake_cloudinary, tmp_path):
    url = f"cloudinary://{API_KEY}:{API_SECRET}@{CLOUD}?upload_prefix={fake_cloudinary.url}"
    env = project_env({"BASE_DIR": str(tmp_path), "CLOUDINARY_URL": url})
    completed = subprocess.run(
        [sys.executable, "-c", UPLOAD], cwd=EXAMPLE_PROJECT, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    assert result["backend"] == "MediaCloudinaryStorage"
    assert result["name"] == "media/products/abaya"  # MEDIA_URL's folder, then the file's
    assert result["url"].startswith(f"https://res.cloudinary.com/{CLOUD}/image/upload/")
    assert result["deleted"] is True

    upload, destroy = fake_cloudinary.received
    assert (upload.method, upload.path) == ("POST", f"/v1_1/{CLOUD}/image/upload")
    assert upload.fields["folder"] == "media/products"
    assert upload.fields["api_key"] == API_KEY
    assert upload.files["file"] == ("abaya.png", b"\x89PNG fake image bytes")
    assert signature_is_valid(upload.fields)
    assert API_SECRET not in json.dumps(upload.fields)  # signed with it, never sent

    assert (destroy.method, destroy.path) == ("POST", f"/v1_1/{CLOUD}/image/destroy")
    assert destroy.fields["public_id"] == "media/products/abaya"
    assert signature_is_valid(destroy.fields)

    hosts = {tuple(c[:2]) if c[0] != "resolve" else ("resolve", c[1]) for c in result["connections"]}
    assert hosts <= {("127.0.0.1", fake_cloudinary.port), ("resolve", "127.0.0.1")}, hosts
    assert ("127.0.0.1", fake_cloudinary.port) in hosts


# -- static files: collectstatic, then gunicorn serves the hashed names --------------
@pytest.mark.slow
def test_storage__collectstatic_with_cloudinary_then_gunicorn_serves_hashed_files(tmp_path):
    env = project_env(
        {
            "BASE_DIR": str(tmp_path),  # STATIC_ROOT under it: example_project/staticfiles stays clean
            "CLOUDINARY_URL": f"cloudinary://{API_KEY}:{API_SECRET}@{CLOUD}",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "1",
        },
        debug=False,
    )
    completed = manage("collectstatic", "--no-input", env=env)
    assert completed.returncode == 0, completed.stderr
    assert "static files copied" in completed.stdout
    assert API_SECRET not in completed.stdout + completed.stderr

    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert hashed != "admin/css/base.css"
    original = (tmp_path / "staticfiles" / hashed).read_bytes()

    server = Gunicorn(env)
    with server:
        request = urllib.request.Request(f"{server.base_url}/static/{hashed}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"  # WhiteNoise's precompressed copy
            assert "immutable" in response.headers["Cache-Control"]  # hashed: cached forever
            body = response.read()
        with urllib.request.urlopen(f"{server.base_url}/static/{hashed}", timeout=10) as response:
            assert response.read() == original
    server.log.close()  # servers.Gunicorn leaves its log file handle open
    assert gzip.decompress(body) == original


# -- lightness ---------------------------------------------------------------------
LEAN = r"""
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("check", verbosity=0)
heavy = ("redis", "django_redis", "celery", "kombu", "cloudinary", "cloudinary_storage")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


@pytest.mark.slow
def test_settings_import__unconfigured_services_import_no_client_library(tmp_path):
    """Only the library's settings (not the example project, whose package loads its Celery app)."""
    (tmp_path / "lean_settings.py").write_text(
        "from modestwear_config import *  # noqa: F403\nROOT_URLCONF = 'modestwear_config.health.urls'\n"
    )
    env = project_env(
        {"BASE_DIR": str(tmp_path), "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "lean_settings"}
    )
    completed = subprocess.run(
        [sys.executable, "-c", LEAN], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []


# -- static files before and after collectstatic -----------------------------------------------------
def render_static(name: str) -> str:
    from django.template import engines

    return engines["django"].from_string("{% load static %}{% static name %}").render({"name": name})


@pytest.fixture
def manifest_storage(settings, tmp_path):
    """The library's static storage on an empty STATIC_ROOT, DEBUG off as under a test runner."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": WHITENOISE_STATIC}}
    return settings


def test_static_storage__no_collectstatic_gives_plain_names_in_tests(manifest_storage):
    """A project's test suite renders admin pages without collectstatic (the old storage raised)."""
    assert render_static("admin/css/base.css") == "/static/admin/css/base.css"


def test_static_storage__a_server_without_collectstatic_still_fails_loudly(manifest_storage, monkeypatch):
    from django.core import mail

    monkeypatch.delattr(mail, "outbox")  # outside the test environment, as under gunicorn
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry for 'admin/css/base.css'"):
        render_static("admin/css/base.css")


def test_static_storage__after_collectstatic_hashed_compressed_and_strict(manifest_storage):
    from django.core.management import call_command

    call_command("collectstatic", "--no-input", verbosity=0)
    url = render_static("admin/css/base.css")
    assert url.startswith("/static/admin/css/base.") and url != "/static/admin/css/base.css"
    hashed = manifest_storage.STATIC_ROOT / url.removeprefix("/static/")
    assert hashed.is_file() and hashed.with_name(hashed.name + ".gz").is_file()
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry for 'shop/missing.css'"):
        render_static("shop/missing.css")


def test_static_storage__manifest_written_by_another_process_is_used(manifest_storage):
    from django.contrib.staticfiles.storage import staticfiles_storage

    assert render_static("admin/css/base.css") == "/static/admin/css/base.css"  # storage built, no manifest
    root = manifest_storage.STATIC_ROOT
    root.mkdir()
    (root / "staticfiles.json").write_text(json.dumps({"version": "1.1", "paths": {"x.css": "x.123.css"}}))
    assert staticfiles_storage.has_manifest()  # strict from now on, as after deploy.sh
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        render_static("admin/css/base.css")
