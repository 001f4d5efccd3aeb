"""The configuration doctor (``manage.py config``, ``python -m modestwear_config.doctor``) and the generated docs."""

from __future__ import annotations

from .report import (
    EXIT_CLEAN,
    EXIT_COULD_NOT_RUN,
    EXIT_PROBLEMS,
    LEVELS,
    Report,
    add_arguments,
    diagnose,
    env_example,
    main,
    masked_value,
    render,
)

__all__ = [
    "EXIT_CLEAN",
    "EXIT_COULD_NOT_RUN",
    "EXIT_PROBLEMS",
    "LEVELS",
    "Report",
    "add_arguments",
    "diagnose",
    "env_example",
    "main",
    "masked_value",
    "render",
]
