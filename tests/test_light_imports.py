"""Importing the package stays light: no Celery, Cloudinary or Redis client unless the project uses them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    *("celery", "kombu", "cloudinary", "cloudinary_storage", "redis", "django_redis", "anymail", "boto3", "botocore"),
    # opentelemetry itself is a namespace package (no code): the otel extra's start-up check (find_spec of
    # opentelemetry.sdk) puts it in sys.modules; what costs is below it.
    *("sentry_sdk", "opentelemetry.sdk", "opentelemetry.trace", "opentelemetry.instrumentation"),
    "importlib.metadata",  # ~5 ms (zipfile, csv...) for __version__ alone: read when first asked for
)
REPORT = "import json, sys; print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))"


def run(code: str, tmp_path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "BASE_DIR": str(tmp_path), **environ}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def heavy_modules_after(statement: str, tmp_path, **environ: str) -> list[str]:
    result = run(f"{statement}\n{REPORT.format(heavy=HEAVY)}", tmp_path, **environ)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize(
    "statement",
    [
        "import modestwear_config",
        "from modestwear_config import *",
        "from modestwear_config.concerns.cache import *",
        "from modestwear_config.concerns.celery import *",
        "from modestwear_config.concerns.storage import *",
    ],
)
def test_import__minimal_environment_imports_no_heavy_client(statement, tmp_path):
    assert heavy_modules_after(statement, tmp_path, DEBUG="true") == []


@pytest.mark.slow
def test_import__configured_services_still_import_no_heavy_client(tmp_path):
    """Settings name backends as strings: Redis, Celery and Cloudinary load when first used, not at import."""
    assert (
        heavy_modules_after(
            "from modestwear_config import *",
            tmp_path,
            DEBUG="true",
            REDIS_URL="rediss://default:token@cache.example.com:6379",
            CLOUDINARY_URL="cloudinary://k:s@cloud",
            CELERY_BROKER_URL="amqp://guest:guest@mq.example.com//",
            EMAIL_PROVIDER="amazon-ses",
            EMAIL_API_KEY="secret",
            EMAIL_AWS_ACCESS_KEY_ID="AKID",
            EMAIL_REGION="eu-west-1",
            DEFAULT_FROM_EMAIL="no-reply@example.com",
            SENTRY_DSN="https://0123456789abcdef@o0.ingest.sentry.io/42",
            OTEL_EXPORTER_OTLP_ENDPOINT="https://otlp.example.com:4318",
        )
        == []
    )


@pytest.mark.slow
def test_import__package_import_builds_nothing(tmp_path):
    """A broken environment fails the star import (the settings), never the plain import (the library)."""
    plain = run("import modestwear_config, modestwear_config.concerns.database; print('ok')", tmp_path, DEBUG="maybe")
    assert plain.returncode == 0 and plain.stdout.strip() == "ok", plain.stderr
    star = run("from modestwear_config import *", tmp_path, DEBUG="maybe")
    assert star.returncode == 1
    assert "ImproperlyConfigured" in star.stderr and "DEBUG: expected a boolean" in star.stderr


@pytest.mark.slow
def test_import__star_gives_settings_only(tmp_path):
    code = (
        "from modestwear_config import *\nimport json\n"
        "print(json.dumps(sorted(k for k in dir() if not k.startswith('__') and k != 'json')))"
    )
    result = run(code, tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr
    names = json.loads(result.stdout)
    assert {"DEBUG", "SECRET_KEY", "DATABASES", "CACHES", "LOGGING", "STORAGES", "MIDDLEWARE"} <= set(names)
    assert all(name.isupper() for name in names)
