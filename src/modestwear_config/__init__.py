"""Production Django settings from environment variables.

``from modestwear_config import *`` in settings.py gives every concern below,
built from one read of the environment: a bad environment raises one
ImproperlyConfigured naming every offending variable.  Each concern is also
importable alone (``from modestwear_config.database import *``).
"""

from __future__ import annotations

import functools
from typing import Any

from .cache import cache_settings
from .celery import celery_settings
from .core import core_settings
from .cors import cors_settings
from .database import database_settings
from .email import email_settings
from .env import Builder, lazy_settings
from .health.settings import health_settings
from .logging import logging_settings
from .project import configure as configure
from .project import project_settings
from .registry import Variable as Variable
from .registry import declare as declare
from .security import security_settings
from .storage import storage_settings


@functools.cache  # (the name `cache` is our submodule here)
def version() -> str:
    """This package's version, declared once (pyproject.toml) and read from its metadata on first use:
    importlib.metadata costs more at start-up (~5 ms) than all of our settings."""
    from importlib.metadata import version as installed

    return installed("modestwear_config")


BUILDERS: tuple[Builder, ...] = (
    core_settings,
    database_settings,
    cache_settings,
    celery_settings,
    storage_settings,
    security_settings,
    cors_settings,
    logging_settings,
    email_settings,
    health_settings,
    project_settings,  # the project's own declared variables, last
)

# Settings are built on first access (PEP 562), so importing a submodule of
# this package never builds the whole configuration.
_settings = lazy_settings(*BUILDERS)


def __getattr__(name: str) -> Any:
    return version() if name == "__version__" else _settings(name)
