"""The variables of ``manage.py ensure_superuser``: read by the command, shown by the doctor."""

from __future__ import annotations

from modestwear_config.env import Env, variables_of

from .unit import Concern, no_settings

V = variables_of("superuser")
VARIABLES = (
    V(
        "DJANGO_SUPERUSER_EMAIL",
        "str",
        "ensure_superuser: the superuser's email; unset skips the step.",
        example="admin@modestwear.com",
    ),
    V(
        "DJANGO_SUPERUSER_USERNAME",
        "str",
        "ensure_superuser: the user name.",
        default_doc="the email's local part",
        example="admin",
    ),
    V(
        "DJANGO_SUPERUSER_PASSWORD",
        "str",
        "ensure_superuser: the password (checked by AUTH_PASSWORD_VALIDATORS).",
        secret=True,
        example="<secure-password>",
    ),
)


def read_all(env: Env) -> None:
    for var in VARIABLES:
        env(var.name)


CONCERN = Concern(
    name="superuser",
    doc="The deploy script's superuser: created once, never overwritten (manage.py ensure_superuser).",
    variables=VARIABLES,
    build=no_settings,
    validate=read_all,
)
