"""The example project's settings, plus two pages for the CSP browser tests (tests/test_csp.py)."""

from __future__ import annotations

from core.settings import *  # noqa: F403

ROOT_URLCONF = "tests.csp_site.urls"
