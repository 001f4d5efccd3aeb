"""The user model as ensure_superuser reads it: its login, email and required fields, each value
cleaned by the model's own field, and the variables that give them (DJANGO_SUPERUSER_<FIELD>)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.core.management.base import CommandError
from django.db import models

from modestwear_config.env import BY_NAME, Env, Variable

# ensure_superuser's exit codes (its --help explains each).
EXIT_OK = 0
EXIT_DATABASE = 1
EXIT_CONFIGURATION = 2
EXIT_REFUSED = 3
EXIT_WEAK_PASSWORD = 4


@dataclass
class Wanted:
    """What the environment and options ask for (the password is kept out of repr)."""

    email: str
    login: str
    database: str
    password: str | None = field(repr=False)
    extra: dict[str, Any]
    missing: list[str]
    update_password: bool
    promote: bool
    password_from: str = "DJANGO_SUPERUSER_PASSWORD"  # the variable the environment set: messages name it


def login_field(user_model: type[AbstractBaseUser]) -> str:
    return str(user_model.USERNAME_FIELD)


def is_superuser(user: AbstractBaseUser) -> bool:
    return bool(getattr(user, "is_superuser", False))


def has_field(user_model: type[models.Model], name: str) -> bool:
    try:
        user_model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def email_field(user_model: type[AbstractBaseUser]) -> str | None:
    name = user_model.get_email_field_name()
    return name if has_field(user_model, name) else None


def clean_field(user_model: type[AbstractBaseUser], name: str, value: str, source: str) -> Any:
    return clean(user_model._meta.get_field(name), value, source)  # type: ignore[arg-type]


def clean(model_field: models.Field[Any, Any], value: str, source: str) -> Any:
    """The field's own cleaning and validators; the message names where the value came from."""
    try:
        return model_field.clean(value, None)
    except ValidationError as exc:
        raise CommandError(f"{source}: {' '.join(exc.messages)}", returncode=EXIT_CONFIGURATION) from None


def clean_email(user_model: type[AbstractBaseUser], email: str) -> str:
    """Checked like the model's email field, or like any email when the model stores none."""
    name = email_field(user_model)
    model_field = user_model._meta.get_field(name) if name else models.EmailField()
    return str(clean(model_field, email, "DJANGO_SUPERUSER_EMAIL"))  # type: ignore[arg-type]


def user_model_or_none() -> type[AbstractBaseUser] | None:
    try:
        return get_user_model()
    except ImproperlyConfigured:
        return None  # --help still works; running the command reports the real problem


def variable(name: str) -> str:
    return f"DJANGO_SUPERUSER_{name.upper()}"


def model_fields(user_model: type[AbstractBaseUser] | None) -> list[str]:
    """USERNAME_FIELD and REQUIRED_FIELDS, once each, without the email (it has its own variable)."""
    if user_model is None:
        return []
    names = [login_field(user_model), *user_model.REQUIRED_FIELDS]
    return [n for n in dict.fromkeys(names) if n != user_model.get_email_field_name()]


def given_value(env: Env, options: dict[str, Any], name: str) -> str:
    """--<name>, else DJANGO_SUPERUSER_<NAME>, read as a declared variable is (the model's own fields
    are read as variables of this command: the registry is sealed once the settings are built)."""
    name_of_variable = variable(name)
    var = BY_NAME.get(name_of_variable) or Variable(
        name_of_variable, "str", "superuser", f"ensure_superuser: the field {name}."
    )
    return str(options.get(name) or env.read(var) or "").strip()


def extra_required_fields(user_model: type[AbstractBaseUser]) -> list[str]:
    """REQUIRED_FIELDS other than the login and the email, which are read on their own."""
    skip = {login_field(user_model), user_model.get_email_field_name()}
    return [name for name in user_model.REQUIRED_FIELDS if name not in skip]


def extra_values(user_model: type[AbstractBaseUser], given: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Cleaned values of the extra required fields, keyed by attname (a foreign key takes its pk),
    and the names of those not given (an error only if the account must be created)."""
    values: dict[str, Any] = {}
    missing: list[str] = []
    for name in extra_required_fields(user_model):
        if not given.get(name):
            missing.append(name)
            continue
        model_field = user_model._meta.get_field(name)
        cleaned = clean_field(user_model, name, given[name], f"--{name} / {variable(name)}")
        values[model_field.attname] = cleaned  # type: ignore[union-attr]
    return values, missing


def identifying_fields(user_model: type[AbstractBaseUser]) -> list[str]:
    """The fields an existing account is found by (and then never promoted silently): the login field,
    the email field, and each other required field that is unique. --help names these, and only these."""
    unique = [n for n in extra_required_fields(user_model) if user_model._meta.get_field(n).unique]  # type: ignore[union-attr]
    return list(dict.fromkeys([login_field(user_model), *filter(None, [email_field(user_model)]), *unique]))


def unique_holder(users: models.QuerySet[Any], wanted: Wanted) -> AbstractBaseUser | None:
    """An account that already holds one of the wanted unique values (say, the user name an email-login
    model requires): never a second account, and never promoted silently."""
    identifying = identifying_fields(users.model)
    for attname, value in wanted.extra.items():
        model_field = next(f for f in users.model._meta.concrete_fields if f.attname == attname)
        if model_field.name in identifying:
            holder: AbstractBaseUser | None = users.filter(**{attname: value}).first()
            if holder is not None:
                return holder
    return None


# -- the command's --help, from the installed user model: every line true of it ---------------------
def identity(user_model: type[AbstractBaseUser] | None) -> str:
    """ "username or email": what an existing account is found by, in words."""
    return " or ".join(identifying_fields(user_model)) if user_model is not None else "email or login field"


def username_help(user_model: type[AbstractBaseUser] | None) -> str:
    """What --username does with this user model."""
    if user_model is not None and login_field(user_model) == "username":
        return "the user name, the login field (default: $DJANGO_SUPERUSER_USERNAME, else the email's local part)"
    if user_model is not None and "username" in model_fields(user_model):
        return "the user name, a required field (default: $DJANGO_SUPERUSER_USERNAME)"
    return "ignored: the user model has no username field" if user_model is not None else "the user name"


def exit_codes(user_model: type[AbstractBaseUser] | None) -> str:
    """The --help epilog: the exit codes and the environment, as they are for this user model."""
    return f"""\
exit codes:
  {EXIT_OK}  done: created, already a superuser (nothing changed), password updated, promoted,
     or skipped because DJANGO_SUPERUSER_EMAIL is unset (without --require)
  {EXIT_DATABASE}  the database cannot be reached or refused the work (its error type is shown;
     `manage.py config --connections` tells more)
  {EXIT_CONFIGURATION}  configuration: a missing or invalid variable or option (email unset with
     --require, no password where one is needed, an invalid email or user name, a bad _FILE)
  {EXIT_REFUSED}  refused: an account with that {identity(user_model)} exists and is not a superuser;
     it is promoted only with --promote
  {EXIT_WEAK_PASSWORD}  the password fails AUTH_PASSWORD_VALIDATORS and DEBUG is off

environment: DJANGO_SUPERUSER_EMAIL, DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_PASSWORD
(or DJANGO_SUPERUSER_PASSWORD_FILE). The password is never accepted on the command line
(it would show in `ps`) and never printed. A custom user model's USERNAME_FIELD and
REQUIRED_FIELDS: --<field> or DJANGO_SUPERUSER_<FIELD> (from the environment or .env),
as Django's createsuperuser reads them; only a login field that is not the email defaults
(to the email's local part).
"""
