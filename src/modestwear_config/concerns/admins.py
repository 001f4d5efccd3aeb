"""Who hears about errors: ADMINS (the 500 error mails) and MANAGERS (broken-link mails).

Django 6.0 takes plain email strings and deprecates (name, email) pairs; 5.2 reads only pairs
(`a[1]`), so the same variable gives each version its own shape.  With ADMINS set, LOGGING sends
the django logger's errors to them (concerns/logs.py), through the default mailer (on 6.1 the
`default` entry of MAILERS, which the email concern always builds).
"""

from __future__ import annotations

from typing import Any

import django
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .unit import Concern

PLAIN_ADDRESSES_SINCE = (6, 0)
V = variables_of("admins")
VARIABLES = (
    V(
        "ADMINS",
        "list",
        "Email addresses that receive the error mails of a 500 (DEBUG off), comma-separated.",
        (),
        example="ops@modestwear.com",
    ),
    V(
        "MANAGERS",
        "list",
        "Email addresses for broken-link reports (BrokenLinkEmailsMiddleware), comma-separated.",
        (),
        default_doc="ADMINS",
        example="content@modestwear.com",
    ),
)


def addresses(env: Env, name: str) -> list[str]:
    """The variable's addresses, each one valid (an invalid one is named by position, never echoed)."""
    values: list[str] = env(name)
    for position, value in enumerate(values, start=1):
        try:
            validate_email(value)
        except ValidationError:
            env.error(name, f"item {position} is not an email address")
            return []
    return values


def recipients(values: list[str]) -> list[Any]:
    """The shape this Django reads: strings from 6.0, (name, email) pairs before."""
    if django.VERSION[:2] >= PLAIN_ADDRESSES_SINCE:
        return list(values)
    return [(value.partition("@")[0], value) for value in values]


def admins_settings(env: Env) -> dict[str, Any]:
    admins = addresses(env, "ADMINS")
    managers = addresses(env, "MANAGERS") if env.is_set("MANAGERS") else admins
    if not env.is_set("MANAGERS") and admins:
        env.derive("MANAGERS", admins, ("ADMINS",))
    return {"ADMINS": recipients(admins), "MANAGERS": recipients(managers)}


CONCERN = Concern(
    name="admins",
    doc="ADMINS and MANAGERS as lists of addresses, in the shape each Django version reads; "
    "with ADMINS set, server errors are mailed to them.",
    variables=VARIABLES,
    build=admins_settings,
)

__getattr__ = lazy_settings(CONCERN)
