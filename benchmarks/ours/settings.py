"""Our package as a user writes it: one star import (the example project's settings, minus its shop app)."""

from __future__ import annotations

from modestwear_config import *  # noqa: F403

ROOT_URLCONF = "ours.urls"
WSGI_APPLICATION = "ours.wsgi.application"
