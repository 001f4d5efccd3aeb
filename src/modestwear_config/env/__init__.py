"""The one reader of the environment: declared variables, typed reads, ``*_FILE``, ``.env``, typos."""

from __future__ import annotations

from .defaults import defaults
from .errors import ImproperlyConfigured
from .parsers import check_url
from .reader import Env
from .variables import ALIASES, BY_NAME, REGISTRY, Alias, Variable, declare, declared, variables_of

__all__ = [
    "ALIASES",
    "BY_NAME",
    "Alias",
    "REGISTRY",
    "ImproperlyConfigured",
    "Env",
    "Variable",
    "check_url",
    "declare",
    "defaults",
    "declared",
    "variables_of",
]
