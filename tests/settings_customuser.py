"""The example project with a custom user model (email login, an extra required field).

Only for manage.py subprocesses in tests/test_ensure_superuser.py: the swappable
AUTH_USER_MODEL cannot change inside one test process.
"""

from __future__ import annotations

from core.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.customuser"]  # noqa: F405
AUTH_USER_MODEL = "customuser.EmailUser"
