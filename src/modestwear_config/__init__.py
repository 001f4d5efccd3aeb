"""Production Django settings from environment variables.

``from modestwear_config import *`` in settings.py gives every concern's settings, built from
one read of the environment: a bad environment raises one ImproperlyConfigured naming every
offending variable (``.problems``: variable -> message).  Each concern is also importable alone
(``from modestwear_config.concerns.database import *``).  This module is the package's face:
nothing inside the package imports it.
"""

from __future__ import annotations

from typing import Any

from .about import version as version
from .concerns import CONCERNS as CONCERNS
from .concerns import PARTS
from .concerns import configure as configure
from .concerns.assemble import build_settings as build_settings
from .concerns.assemble import lazy_settings
from .concerns.compose import merge_apps as merge_apps
from .concerns.compose import merge_context_processors as merge_context_processors
from .concerns.compose import merge_middleware as merge_middleware
from .concerns.compose import merge_templates as merge_templates
from .env import Alias as Alias
from .env import Env as Env
from .env import Variable as Variable
from .env import declare as declare
from .env import defaults as defaults

# The builders in order, for a project that builds its settings itself (build_settings(*BUILDERS)).
BUILDERS = tuple(PARTS)


# Settings are built on first access (PEP 562), so importing a submodule of
# this package never builds the whole configuration.
_settings = lazy_settings(*PARTS)


def __getattr__(name: str) -> Any:
    return version() if name == "__version__" else _settings(name)
