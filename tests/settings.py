"""Settings for the test run: the example project's configuration, built from an explicit
environment (not os.environ) so the suite does not depend on the caller's shell."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from modestwear_config import BUILDERS
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.env import Env
from tests.support.servers import EXAMPLE_PROJECT, POSTGRES_URL, REQUIRE_SERVICES, reachable

TEST_ENVIRONMENT = {
    "DEBUG": "true",
    "SECRET_KEY": "tests-" + "k3y-" * 15,
    "BASE_DIR": str(EXAMPLE_PROJECT),
    "LOG_LEVEL": "WARNING",
}
# Django's own test database lives on the real PostgreSQL when it is there (always in CI).
if reachable(POSTGRES_URL) or REQUIRE_SERVICES:
    TEST_ENVIRONMENT["DATABASE_URL"] = POSTGRES_URL

globals().update(build_settings(*BUILDERS, env=Env(TEST_ENVIRONMENT)))

# A per-run test database: two copies of the suite on one machine never share (or drop) one.
if "DATABASE_URL" in TEST_ENVIRONMENT:  # SQLite tests run in memory already
    DATABASES["default"]["TEST"] = {"NAME": f"test_mwc_{os.getpid()}"}  # type: ignore[name-defined]  # noqa: F821

ROOT_URLCONF = "core.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "shop"]  # type: ignore[name-defined]  # noqa: F821
# Tests render admin pages without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # type: ignore[name-defined]  # noqa: F821
# WhiteNoise warns (an error here) when STATIC_ROOT does not exist; collectstatic never runs in tests.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="mwc-static-"))
atexit.register(shutil.rmtree, STATIC_ROOT, True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
