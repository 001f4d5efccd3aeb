"""This package's version, declared once (pyproject.toml)."""

from __future__ import annotations

import functools


@functools.cache
def version() -> str:
    """Read from the installed metadata on first use: importlib.metadata costs more at start-up
    (~5 ms) than all of our settings."""
    from importlib.metadata import version as installed

    return installed("modestwear_config")
