"""LOGGING: one console handler to stdout, text or JSON lines, secrets scrubbed from every line."""

from __future__ import annotations

from typing import Any

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .unit import Concern

V = variables_of("logging")
VARIABLES = (
    V(
        "LOG_LEVEL",
        "str",
        "Root log level.",
        "INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        aliases=("DJANGO_LOG_LEVEL",),
    ),
    V("LOG_FORMAT", "str", "text, or json for one JSON object per line.", "text", choices=("text", "json")),
)
FORMATTERS = "modestwear_config.components.log_formatters"


def logging_settings(env: Env) -> dict[str, Any]:
    level: str = env("LOG_LEVEL")
    formatter = "JsonFormatter" if env("LOG_FORMAT") == "json" else "RedactingFormatter"
    settings = _logging(level, formatter)
    if env("ADMINS"):
        _mail_admins(settings["LOGGING"])
    return settings


def _mail_admins(logging: dict[str, Any]) -> None:
    """Errors of the django logger (a 500's traceback) mailed to ADMINS when DEBUG is off, as Django's
    own default LOGGING does: the scrubbing filter redacts the subject, the reporter the body."""
    logging["filters"] = {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "scrub": {"()": f"{FORMATTERS}.ScrubbingFilter"},
    }
    logging["handlers"]["mail_admins"] = {
        "class": "django.utils.log.AdminEmailHandler",
        "level": "ERROR",
        "filters": ["require_debug_false", "scrub"],
    }
    logging["loggers"]["django"]["handlers"] = ["mail_admins"]


def _logging(level: str, formatter: str) -> dict[str, Any]:
    return {
        "LOGGING": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"default": {"()": f"{FORMATTERS}.{formatter}"}},
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stdout",  # platforms (Render) collect stdout
                    "formatter": "default",
                },
            },
            "root": {"handlers": ["console"], "level": level},
            "loggers": {
                # Propagate to root instead of Django's DEBUG-only console handler.
                "django": {"handlers": [], "level": level, "propagate": True},
                "django.server": {"handlers": [], "level": level, "propagate": True},
                # SQL with parameters at DEBUG can carry personal data and secrets.
                "django.db.backends": {"handlers": [], "level": "WARNING", "propagate": True},
                # django-redis logs the errors IGNORE_EXCEPTIONS swallows.
                "django_redis": {"handlers": [], "level": "WARNING", "propagate": True},
            },
        }
    }


CONCERN = Concern(
    name="logging",
    doc="LOGGING: one console handler to stdout, text or JSON lines, every secret scrubbed.",
    variables=VARIABLES,
    build=logging_settings,
)

__getattr__ = lazy_settings(CONCERN)
