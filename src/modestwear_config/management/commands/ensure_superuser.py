"""manage.py ensure_superuser: make sure the site's superuser exists, safely, on every deploy.

Replaces the seed's inline ``manage.py shell`` script.  It is idempotent, never
promotes an existing account silently (someone may register the admin's address
before the first deploy), serialises concurrent runs with a PostgreSQL advisory
lock, checks the password with AUTH_PASSWORD_VALIDATORS and never prints it.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, models, transaction

from modestwear_config.env import Env
from modestwear_config.management.superuser_model import (  # noqa: F401  (EXIT_* and Wanted: the command's contract)
    EXIT_CONFIGURATION,
    EXIT_DATABASE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_WEAK_PASSWORD,
    Wanted,
    clean_email,
    clean_field,
    email_field,
    exit_codes,
    extra_values,
    given_value,
    has_field,
    identity,
    is_superuser,
    login_field,
    model_fields,
    unique_holder,
    user_model_or_none,
    username_help,
    variable,
)

# pg_advisory_xact_lock key: any constant bigint, shared by every run on one database.
LOCK_KEY = 0x6D77_5375_7065_7255  # "mwSupeRU"
PASSWORD_VARIABLE = "DJANGO_SUPERUSER_PASSWORD"


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, with the exit-code table kept as written."""


class Command(BaseCommand):
    help = (
        "Create the superuser named by DJANGO_SUPERUSER_EMAIL / _USERNAME / _PASSWORD if it does not "
        "exist. Safe on every deploy and when several instances run it at once."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = exit_codes(user_model_or_none())
        return parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--email", help="the superuser's email (default: $DJANGO_SUPERUSER_EMAIL)")
        user_model = user_model_or_none()
        parser.add_argument("--username", help=username_help(user_model))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help='database alias (default: "default")')
        parser.add_argument(
            "--update-password", action="store_true", help="set the existing superuser's password from the environment"
        )
        parser.add_argument(
            "--promote",
            action="store_true",
            help=f"make an existing non-superuser account with that {identity(user_model)} a superuser "
            "(its password is then set from the environment)",
        )
        parser.add_argument(
            "--require", action="store_true", help="fail (exit 2) instead of skipping when no email is configured"
        )
        self.field_options = {"username"}  # options that carry a model field's value
        for name in model_fields(user_model):
            if name in ("email", "username"):
                continue  # declared above, whatever the model: never twice
            try:
                parser.add_argument(
                    f"--{name}", help=f"value of the user model's field {name!r} (default: ${variable(name)})"
                )
            except argparse.ArgumentError:
                continue  # a field named like one of Django's own options: its variable still works
            self.field_options.add(name)

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = self._read(options)
        if wanted is None:
            return
        try:
            with transaction.atomic(using=wanted.database):
                _lock(wanted.database, get_user_model())
                self._ensure(wanted)
        except DatabaseError as exc:  # the type only: driver messages can carry hosts and URLs
            raise CommandError(
                f"database {wanted.database!r} failed: {type(exc).__name__}; nothing was changed. "
                "Run `manage.py config --connections` for details.",
                returncode=EXIT_DATABASE,
            ) from None

    # -- reading the request -------------------------------------------------------
    def _read(self, options: dict[str, Any]) -> Wanted | None:
        user_model = get_user_model()
        env = Env.from_os()  # the registry's reader: environment, _FILE, .env alike
        email = (options["email"] or env("DJANGO_SUPERUSER_EMAIL") or "").strip()
        password = env(PASSWORD_VARIABLE) or None
        fields = {k: v for k, v in options.items() if k in getattr(self, "field_options", {"username"})}
        given = {name: given_value(env, fields, name) for name in model_fields(user_model)}
        try:
            env.raise_if_problems()
        except ImproperlyConfigured as exc:  # Env's messages name the variable, never the value
            raise CommandError(str(exc), returncode=EXIT_CONFIGURATION) from None
        if not email:
            self._skip(options["require"])
            return None
        email = clean_email(user_model, BaseUserManager.normalize_email(email))
        extra, missing = extra_values(user_model, given)
        return Wanted(
            email=email,
            login=self._login(user_model, email, given.get(login_field(user_model), "")),
            database=options["database"],
            password=password,
            extra=extra,
            missing=missing,
            update_password=options["update_password"],
            promote=options["promote"],
            password_from=f"{PASSWORD_VARIABLE}_FILE"
            if env.sources.get(PASSWORD_VARIABLE) == "file"
            else PASSWORD_VARIABLE,
        )

    def _skip(self, require: bool) -> None:
        if require:
            raise CommandError(
                "DJANGO_SUPERUSER_EMAIL is not set (nor --email), and --require makes that an error.",
                returncode=EXIT_CONFIGURATION,
            )
        self.stdout.write("Skipped: DJANGO_SUPERUSER_EMAIL is not set, so no superuser was created.")

    def _login(self, user_model: type[AbstractBaseUser], email: str, given: str) -> str:
        """The value of USERNAME_FIELD: the email, the given value, or the email's local part."""
        name = login_field(user_model)
        if name == user_model.get_email_field_name():
            return email
        if given:
            return str(clean_field(user_model, name, given, variable(name)))
        derived = email.partition("@")[0]
        login = str(
            clean_field(user_model, name, derived, f"{variable(name)} (unset, so derived from the email's local part)")
        )
        self.stdout.write(f"{variable(name)} is not set: using {login!r}, the email's local part.")
        return login

    # -- the decision, under the lock ------------------------------------------------
    def _ensure(self, wanted: Wanted) -> None:
        user_model = get_user_model()
        users = user_model._default_manager.db_manager(wanted.database).all()
        target = users.filter(**{login_field(user_model): wanted.login}).first() or unique_holder(users, wanted)
        if target is not None:
            self._existing(target, wanted)
            return
        same_email = list(
            users.filter(**{f"{email_field(user_model)}__iexact": wanted.email}).order_by("pk")
            if email_field(user_model)
            else []
        )
        superusers = [u for u in same_email if is_superuser(u)]
        if superusers or len(same_email) == 1:
            self._existing((superusers or same_email)[0], wanted)
            return
        if same_email:
            raise CommandError(
                f"{len(same_email)} accounts that are not superusers use this email; none was promoted. "
                "Name the one to promote with --username and give --promote.",
                returncode=EXIT_REFUSED,
            )
        self._create(user_model, wanted)

    def _existing(self, user: AbstractBaseUser, wanted: Wanted) -> None:
        name = user.get_username()
        if not is_superuser(user):
            self._promote(user, wanted)
            return
        if not wanted.update_password:
            self.stdout.write(f"Superuser {name!r} already exists; nothing changed.")
            return
        self._set_password(user, wanted)
        user.save(using=wanted.database)
        self.stdout.write(f"Updated the password of superuser {name!r} from {wanted.password_from}.")

    def _promote(self, user: AbstractBaseUser, wanted: Wanted) -> None:
        name = user.get_username()
        if not wanted.promote:
            raise CommandError(
                f"An account {name!r} with this {identity(type(user))} exists and is not a superuser, so it was "
                "NOT promoted: anyone could have registered the admin's address before the first deploy. "
                "Check who owns it, then run again with --promote (its password is then replaced by "
                f"{PASSWORD_VARIABLE}).",
                returncode=EXIT_REFUSED,
            )
        # The old password may be an impostor's: promotion always replaces it (and so ends their sessions).
        self._set_password(user, wanted)
        for flag in ("is_staff", "is_superuser", "is_active"):
            if has_field(type(user), flag):
                setattr(user, flag, True)
        user.save(using=wanted.database)
        self.stdout.write(f"Promoted {name!r} to superuser; its password was set from {wanted.password_from}.")

    def _create(self, user_model: type[AbstractBaseUser], wanted: Wanted) -> None:
        if wanted.missing:
            names = ", ".join(f"--{n} or DJANGO_SUPERUSER_{n.upper()}" for n in wanted.missing)
            raise CommandError(f"The user model also requires: {names}.", returncode=EXIT_CONFIGURATION)
        fields: dict[str, Any] = {login_field(user_model): wanted.login, **wanted.extra}
        email_name = email_field(user_model)
        if email_name and email_name != login_field(user_model):
            fields[email_name] = wanted.email
        password = self._checked_password(user_model(**fields), wanted)
        manager = user_model._default_manager.db_manager(wanted.database)
        try:
            with transaction.atomic(using=wanted.database):  # a savepoint: the outer transaction survives
                manager.create_superuser(**fields, password=password)  # type: ignore[attr-defined]
        except IntegrityError:
            # Without an advisory lock (not PostgreSQL) a concurrent run may have won: look again.
            winner = manager.filter(**{login_field(user_model): wanted.login}).first()
            if winner is None or not is_superuser(winner):
                raise
            self.stdout.write(f"Superuser {wanted.login!r} was created by a concurrent run; nothing changed.")
            return
        self.stdout.write(f"Created superuser {wanted.login!r} ({wanted.email}).")

    # -- the password ----------------------------------------------------------------
    def _set_password(self, user: AbstractBaseUser, wanted: Wanted) -> None:
        user.set_password(self._checked_password(user, wanted))

    def _checked_password(self, user: AbstractBaseUser, wanted: Wanted) -> str:
        """The password, after AUTH_PASSWORD_VALIDATORS: refused with DEBUG off, a warning with it on."""
        password = wanted.password
        if not password:
            raise CommandError(
                f"{PASSWORD_VARIABLE} (or {PASSWORD_VARIABLE}_FILE) is not set; it is needed to create, "
                "promote or update a superuser.",
                returncode=EXIT_CONFIGURATION,
            )
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            # A custom validator could quote the value: scrub it from every message.
            reasons = " ".join(m.replace(password, "***") for m in exc.messages)
            if not settings.DEBUG:
                raise CommandError(
                    f"{wanted.password_from} is too weak: {reasons}", returncode=EXIT_WEAK_PASSWORD
                ) from None
            self.stderr.write(f"Warning: {wanted.password_from} is weak ({reasons}); accepted because DEBUG is on.")
        return password


# -- helpers ------------------------------------------------------------------------------
def _lock(database: str, user_model: type[models.Model]) -> None:
    """Serialise concurrent runs until the transaction ends: an advisory lock on PostgreSQL, SQLite's
    write lock on SQLite; elsewhere unique constraints (IntegrityError) and a second look."""
    connection = connections[database]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        elif connection.vendor == "sqlite":
            # A write as the transaction's first statement takes the write lock, waiting (busy
            # timeout) for a concurrent run to commit; a read first would make SQLite answer
            # "database is locked" at once when this run later writes (its deadlock rule).
            table = connection.ops.quote_name(user_model._meta.db_table)
            pk = connection.ops.quote_name(str(user_model._meta.pk.column))
            cursor.execute(f"UPDATE {table} SET {pk} = {pk} WHERE 1 = 0")
