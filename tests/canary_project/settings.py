"""The example project's settings plus one URL that fails the way a careless library does:
its exception text carries a connection URL (and so a password)."""

from __future__ import annotations

from core.settings import *  # noqa: F403

ROOT_URLCONF = "tests.canary_project.urls"
