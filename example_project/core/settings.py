"""Settings of the example shop: everything comes from the environment through modestwear_config."""

from __future__ import annotations

from modestwear_config import *  # noqa: F403

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
INSTALLED_APPS = [*INSTALLED_APPS, "shop"]  # noqa: F405
