"""ensure_superuser: manage.py subprocesses on the real PostgreSQL (a migrated template database,
cloned per test), plus in-process checks of the rarer branches. A canary password must never
appear in any output: every run goes through `run()`, which asserts it (and logs at DEBUG level
to stdout, so log lines are in what it checks)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.core.management.base import CommandError
from psycopg.rows import dict_row

from modestwear_config.management.commands import ensure_superuser as command
from tests.support.servers import (
    EXAMPLE_PROJECT,
    POSTGRES_URL,
    ROOT,
    free_port,
    fresh_postgres_database,
    manage,
    project_env,
    shop_env,
    shop_manage,
)

CANARY = "Canary-Pw-7dQ2x9!"
SECOND = "Second-Pw-4kL8m2?"
WEAK = "Qz7#k"  # too short for MinimumLengthValidator
SECRETS = (CANARY, SECOND, WEAK)
EMAIL = "admin@modestwear.example"
STRONG_KEY = "tests-ensure-superuser-" + "K3y-s3cr3t-" * 5
CUSTOM = "tests.settings_customuser"


# -- running the command ------------------------------------------------------------------------
def environment(
    url: str, extra: dict[str, str] | None = None, *, debug: bool = True, settings: str = "core.settings"
) -> dict[str, str]:
    env = project_env(
        {
            "DATABASE_URL": url,
            "LOG_LEVEL": "DEBUG",
            "DJANGO_SETTINGS_MODULE": settings,
            "PYTHONPATH": f"{EXAMPLE_PROJECT}{os.pathsep}{ROOT}",
        },
        debug=debug,
    )
    if not debug:
        env.update({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "shop.example.com"})
    env.update(extra or {})
    return env


def assert_no_secret(*texts: str) -> None:
    for secret in SECRETS:
        for text in texts:
            assert secret not in text


def run(
    url: str,
    *args: str,
    env: dict[str, str] | None = None,
    debug: bool = True,
    settings: str = "core.settings",
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    result = manage("ensure_superuser", *args, env=env or environment(url, extra, debug=debug, settings=settings))
    assert_no_secret(result.stdout, result.stderr)
    return result


def superuser_env(password: str = CANARY, **extra: str) -> dict[str, str]:
    return {"DJANGO_SUPERUSER_EMAIL": EMAIL, "DJANGO_SUPERUSER_PASSWORD": password, **extra}


# -- databases --------------------------------------------------------------------------------------
def migrated(settings: str) -> Iterator[str]:
    with fresh_postgres_database() as url:
        result = manage("migrate", "--no-input", env=environment(url, settings=settings))
        assert result.returncode == 0, result.stderr
        yield url


@pytest.fixture(scope="module")
def default_template() -> Iterator[str]:
    yield from migrated("core.settings")


@pytest.fixture(scope="module")
def custom_template() -> Iterator[str]:
    yield from migrated(CUSTOM)


@contextmanager
def clone(template_url: str) -> Iterator[str]:
    """A copy of the migrated template (CREATE DATABASE ... TEMPLATE: much faster than migrating)."""
    name = f"mwc_{uuid.uuid4().hex[:12]}"
    template = urlsplit(template_url).path.lstrip("/")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield urlsplit(template_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(default_template: str) -> Iterator[str]:
    with clone(default_template) as url:
        yield url


@pytest.fixture
def custom_db_url(custom_template: str) -> Iterator[str]:
    with clone(custom_template) as url:
        yield url


def rows(url: str, table: str = "auth_user") -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # type: ignore[return-value]


def add_plain_user(url: str, username: str, email: str) -> None:
    """An ordinary account, as a sign-up form would create it (unusable password '!')."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined) VALUES ('!', false, %s, '', '', %s, false, true, now())",
            [username, email],
        )


def has_password(row: dict[str, Any], password: str) -> bool:
    return PBKDF2PasswordHasher().verify(password, row["password"])


# -- the cases, through manage.py on PostgreSQL ------------------------------------------
@pytest.mark.slow
def test_ensure_superuser__creates_then_a_repeat_changes_nothing(db_url: str) -> None:
    created = run(db_url, **superuser_env())
    assert created.returncode == 0, created.stderr
    assert "using 'admin', the email's local part" in created.stdout
    assert "Created superuser 'admin'" in created.stdout
    [user] = rows(db_url)
    assert (user["username"], user["email"]) == ("admin", EMAIL)
    assert user["is_superuser"] and user["is_staff"] and user["is_active"]
    assert has_password(user, CANARY)

    again = run(db_url, **superuser_env(password=SECOND))
    assert again.returncode == 0, again.stderr
    assert "Superuser 'admin' already exists; nothing changed." in again.stdout
    assert rows(db_url) == [user]  # same row, same password hash


@pytest.mark.slow
def test_ensure_superuser__update_password(db_url: str) -> None:
    assert run(db_url, **superuser_env()).returncode == 0
    updated = run(db_url, "--update-password", **superuser_env(password=SECOND))
    assert updated.returncode == 0, updated.stderr
    assert "Updated the password of superuser 'admin'" in updated.stdout
    [user] = rows(db_url)
    assert has_password(user, SECOND) and not has_password(user, CANARY)


@pytest.mark.slow
def test_ensure_superuser__refuses_to_promote_an_existing_account(db_url: str) -> None:
    add_plain_user(db_url, "admin", "someone@else.example")
    before = rows(db_url)
    refused = run(db_url, **superuser_env())
    assert refused.returncode == command.EXIT_REFUSED
    assert "'admin'" in refused.stderr and "NOT promoted" in refused.stderr and "--promote" in refused.stderr
    assert rows(db_url) == before


@pytest.mark.slow
def test_ensure_superuser__refuses_an_account_that_took_the_admins_email(db_url: str) -> None:
    add_plain_user(db_url, "eve", EMAIL.upper())  # registered the admin's address before the deploy
    refused = run(db_url, **superuser_env())
    assert refused.returncode == command.EXIT_REFUSED
    assert "'eve'" in refused.stderr
    assert [u["is_superuser"] for u in rows(db_url)] == [False]


@pytest.mark.slow
def test_ensure_superuser__promote_replaces_the_password(db_url: str) -> None:
    add_plain_user(db_url, "admin", EMAIL)
    promoted = run(db_url, "--promote", **superuser_env())
    assert promoted.returncode == 0, promoted.stderr
    assert "Promoted 'admin' to superuser" in promoted.stdout
    [user] = rows(db_url)
    assert user["is_superuser"] and user["is_staff"]
    assert has_password(user, CANARY)  # the old (possibly an impostor's) password is gone


@pytest.mark.slow
def test_ensure_superuser__custom_user_model_logs_in_by_email(custom_db_url: str) -> None:
    url = custom_db_url
    missing = run(url, settings=CUSTOM, **superuser_env())
    assert missing.returncode == command.EXIT_CONFIGURATION
    assert "--full_name or DJANGO_SUPERUSER_FULL_NAME" in missing.stderr

    named = superuser_env(DJANGO_SUPERUSER_FULL_NAME="Amina Admin")
    created = run(url, "--username", "ignored", settings=CUSTOM, **named)
    assert created.returncode == 0, created.stderr
    assert f"Created superuser '{EMAIL}'" in created.stdout and "local part" not in created.stdout
    [user] = rows(url, "customuser_emailuser")
    assert (user["email"], user["full_name"]) == (EMAIL, "Amina Admin")
    assert user["is_superuser"] and user["is_staff"]

    again = run(url, settings=CUSTOM, **superuser_env(DJANGO_SUPERUSER_EMAIL=EMAIL.upper()))
    assert again.returncode == 0 and "already exists; nothing changed" in again.stdout

    # Django's own authentication, by email, in the project's process (password from the environment).
    login = manage(
        "shell",
        "-c",
        (
            "import os; from django.contrib.auth import authenticate; "
            "u = authenticate(username=os.environ['DJANGO_SUPERUSER_EMAIL'], "
            "password=os.environ['DJANGO_SUPERUSER_PASSWORD']); "
            "print('login', u is not None and u.is_superuser)"
        ),
        env=environment(url, superuser_env(), settings=CUSTOM),
    )
    assert "login True" in login.stdout, login.stderr
    assert_no_secret(login.stdout, login.stderr)


@pytest.mark.slow
def test_ensure_superuser__custom_user_model_refuses_an_email_sign_up(custom_db_url: str) -> None:
    with psycopg.connect(custom_db_url) as conn:
        conn.execute(
            "INSERT INTO customuser_emailuser (password, is_superuser, email, full_name, is_staff, is_active)"
            " VALUES ('!', false, %s, 'Eve', false, true)",
            [EMAIL],
        )
    refused = run(custom_db_url, settings=CUSTOM, **superuser_env())
    assert refused.returncode == command.EXIT_REFUSED
    promoted = run(custom_db_url, "--promote", settings=CUSTOM, **superuser_env())
    assert promoted.returncode == 0, promoted.stderr
    [user] = rows(custom_db_url, "customuser_emailuser")
    assert user["is_superuser"] and has_password(user, CANARY)


@pytest.mark.slow
def test_ensure_superuser__weak_password_refused_with_debug_off(db_url: str) -> None:
    refused = run(db_url, debug=False, **superuser_env(password=WEAK))
    assert refused.returncode == command.EXIT_WEAK_PASSWORD
    assert "DJANGO_SUPERUSER_PASSWORD is too weak" in refused.stderr
    assert "This password is too short" in refused.stderr  # the validators' own words
    assert rows(db_url) == []


@pytest.mark.slow
def test_ensure_superuser__missing_email_skips_and_require_fails(db_url: str) -> None:
    skipped = run(db_url, DJANGO_SUPERUSER_PASSWORD=CANARY)
    assert skipped.returncode == 0
    assert "Skipped: DJANGO_SUPERUSER_EMAIL is not set" in skipped.stdout
    required = run(db_url, "--require", DJANGO_SUPERUSER_PASSWORD=CANARY)
    assert required.returncode == command.EXIT_CONFIGURATION
    assert "DJANGO_SUPERUSER_EMAIL is not set" in required.stderr and "--require" in required.stderr
    assert rows(db_url) == []


@pytest.mark.slow
def test_ensure_superuser__password_from_file(db_url: str, tmp_path: Path) -> None:
    secret_file = tmp_path / "password"
    secret_file.write_text(CANARY + "\n")  # as `echo` or a secret mount writes it
    from_file = {"DJANGO_SUPERUSER_EMAIL": EMAIL, "DJANGO_SUPERUSER_PASSWORD_FILE": str(secret_file)}
    both = run(db_url, **from_file, DJANGO_SUPERUSER_PASSWORD=SECOND)
    assert both.returncode == command.EXIT_CONFIGURATION
    assert "set either DJANGO_SUPERUSER_PASSWORD or DJANGO_SUPERUSER_PASSWORD_FILE" in both.stderr

    created = run(db_url, **from_file)
    assert created.returncode == 0, created.stderr
    [user] = rows(db_url)
    assert has_password(user, CANARY)

    secret_file.write_text(SECOND)
    updated = run(db_url, "--update-password", **from_file)
    assert updated.returncode == 0, updated.stderr
    assert "from DJANGO_SUPERUSER_PASSWORD_FILE." in updated.stdout  # the variable set, not the one read as


def run_ten_at_once(env: dict[str, str]) -> list[str]:
    """Ten ensure_superuser processes started together: each exits 0 and prints no secret; their stdouts."""
    processes = [
        subprocess.Popen(
            [sys.executable, str(EXAMPLE_PROJECT / "manage.py"), "ensure_superuser"],
            env=env,
            cwd=EXAMPLE_PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(10)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for stdout, stderr in outputs:
        assert_no_secret(stdout, stderr)
    assert [p.returncode for p in processes] == [0] * 10, [err for _, err in outputs]
    return [stdout for stdout, _ in outputs]


@pytest.mark.slow
def test_ensure_superuser__ten_concurrent_runs_make_one_superuser(db_url: str) -> None:
    env = environment(db_url, superuser_env())
    outputs = run_ten_at_once(env)
    assert sum("Created superuser" in out for out in outputs) == 1
    assert sum("already exists" in out for out in outputs) == 9
    users = rows(db_url)
    assert [(u["username"], u["is_superuser"]) for u in users] == [("admin", True)]


@pytest.mark.slow
def test_ensure_superuser__unreachable_database_is_one_line_without_secrets() -> None:
    closed = f"postgresql://owner:{CANARY}@127.0.0.1:{free_port()}/shop"  # nothing listens there
    result = run(closed, **superuser_env())
    assert result.returncode == command.EXIT_DATABASE
    assert "database 'default' failed: OperationalError; nothing was changed." in result.stderr
    assert "Traceback" not in result.stderr


# -- rarer branches, in process (pytest-django's database, DEBUG off) ------------------------------
@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("EMAIL", "USERNAME", "PASSWORD", "PASSWORD_FILE"):
        monkeypatch.delenv(f"DJANGO_SUPERUSER_{name}", raising=False)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", CANARY)
    return monkeypatch


def call(*args: str, **options: Any) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("ensure_superuser", *args, stdout=out, stderr=err, **options)
    assert_no_secret(out.getvalue(), err.getvalue())
    return out.getvalue(), err.getvalue()


def refused_with(code: int, *args: str, **options: Any) -> str:
    with pytest.raises(CommandError) as caught:
        call(*args, **options)
    assert caught.value.returncode == code
    assert_no_secret(str(caught.value))
    return str(caught.value)


def test_help__documents_the_exit_codes_and_has_no_password_option() -> None:
    text = command.Command().create_parser("manage.py", "ensure_superuser").format_help()
    for code in (
        command.EXIT_OK,
        command.EXIT_DATABASE,
        command.EXIT_CONFIGURATION,
        command.EXIT_REFUSED,
        command.EXIT_WEAK_PASSWORD,
    ):
        assert f"\n  {code}  " in text
    assert "--password" not in text and "--database" in text and "--promote" in text


@pytest.mark.django_db
def test_ensure_superuser__options_instead_of_variables(clean_environ: pytest.MonkeyPatch) -> None:
    out, _ = call(email="boss@example.com", username="boss", database="default")
    assert "Created superuser 'boss'" in out
    assert get_user_model().objects.get(username="boss").email == "boss@example.com"


@pytest.mark.django_db
def test_ensure_superuser__invalid_email_names_the_variable(clean_environ: pytest.MonkeyPatch) -> None:
    clean_environ.setenv("DJANGO_SUPERUSER_EMAIL", "not-an-email")
    assert "DJANGO_SUPERUSER_EMAIL: Enter a valid email address." in refused_with(command.EXIT_CONFIGURATION)


@pytest.mark.django_db
def test_ensure_superuser__underivable_username_says_where_it_came_from(clean_environ: pytest.MonkeyPatch) -> None:
    clean_environ.setenv("DJANGO_SUPERUSER_EMAIL", "first!last@example.com")
    message = refused_with(command.EXIT_CONFIGURATION)
    assert "DJANGO_SUPERUSER_USERNAME (unset, so derived from the email's local part)" in message


@pytest.mark.django_db
def test_ensure_superuser__no_password_is_a_configuration_error(clean_environ: pytest.MonkeyPatch) -> None:
    clean_environ.delenv("DJANGO_SUPERUSER_PASSWORD")
    message = refused_with(command.EXIT_CONFIGURATION, email=EMAIL)
    assert "DJANGO_SUPERUSER_PASSWORD (or DJANGO_SUPERUSER_PASSWORD_FILE) is not set" in message
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_ensure_superuser__weak_password_messages_only(clean_environ: pytest.MonkeyPatch) -> None:
    clean_environ.setenv("DJANGO_SUPERUSER_PASSWORD", "admin-modestwear")
    message = refused_with(command.EXIT_WEAK_PASSWORD, email=EMAIL, username="admin-modestwear")
    assert "too similar to the username" in message


@pytest.mark.django_db
def test_ensure_superuser__weak_password_is_a_warning_with_debug_on(
    clean_environ: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = True
    clean_environ.setenv("DJANGO_SUPERUSER_PASSWORD", WEAK)
    out, err = call(email=EMAIL)
    assert "Created superuser" in out and "accepted because DEBUG is on" in err


@pytest.mark.django_db
def test_ensure_superuser__superuser_with_the_email_counts_as_present(clean_environ: pytest.MonkeyPatch) -> None:
    get_user_model().objects.create_superuser("owner", EMAIL, SECOND)
    out, _ = call(email=EMAIL, username="someone-new")
    assert "Superuser 'owner' already exists; nothing changed." in out
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_ensure_superuser__later_sign_ups_with_the_email_do_not_break_deploys(
    clean_environ: pytest.MonkeyPatch,
) -> None:
    user_model = get_user_model()
    user_model.objects.create_superuser("admin", EMAIL, SECOND)
    user_model.objects.create_user("mallory", EMAIL, SECOND)
    out, _ = call(email=EMAIL)
    assert "Superuser 'admin' already exists" in out


@pytest.mark.django_db
def test_ensure_superuser__several_sign_ups_with_the_email_are_never_promoted(
    clean_environ: pytest.MonkeyPatch,
) -> None:
    user_model = get_user_model()
    user_model.objects.create_user("eve", EMAIL, SECOND)
    user_model.objects.create_user("mallory", EMAIL, SECOND)
    message = refused_with(command.EXIT_REFUSED, "--promote", email=EMAIL)
    assert "2 accounts" in message
    assert not user_model.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_create__a_concurrent_winner_is_not_an_error(clean_environ: pytest.MonkeyPatch) -> None:
    """Without PostgreSQL's lock a concurrent run can insert between our check and our insert."""
    from io import StringIO

    user_model = get_user_model()
    user_model.objects.create_superuser("admin", EMAIL, SECOND)
    cmd = command.Command(stdout=StringIO())
    wanted = command.Wanted(
        email=EMAIL,
        login="admin",
        database="default",
        password=CANARY,
        extra={},
        missing=[],
        update_password=False,
        promote=False,
    )
    cmd._create(user_model, wanted)
    assert "created by a concurrent run" in cmd.stdout.getvalue()  # type: ignore[attr-defined]
    assert user_model.objects.count() == 1
    assert CANARY not in repr(wanted)


# -- a model that logs in by email and requires a user name (the shop's), fields through the registry -----
def shop_run(url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    result = shop_manage("ensure_superuser", *args, env=shop_env({"DATABASE_URL": url, "LOG_LEVEL": "DEBUG", **extra}))
    assert_no_secret(result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def shop_template() -> Iterator[str]:
    with fresh_postgres_database() as url:
        result = shop_manage("migrate", "--no-input", env=shop_env({"DATABASE_URL": url}))
        assert result.returncode == 0, result.stderr
        yield url


@pytest.fixture
def shop_db_url(shop_template: str) -> Iterator[str]:
    with clone(shop_template) as url:
        yield url


@pytest.mark.slow
def test_ensure_superuser__help_works_when_a_required_field_is_username(shop_db_url: str) -> None:
    """USERNAME_FIELD = "email", REQUIRED_FIELDS = ["username"]: --username was declared twice (exit 1)."""
    result = shop_run(shop_db_url, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n  --username") == 1 and "exit codes:" in result.stdout


@pytest.mark.slow
def test_ensure_superuser__email_login_with_required_username(shop_db_url: str) -> None:
    missing = shop_run(shop_db_url, **superuser_env())
    assert missing.returncode == command.EXIT_CONFIGURATION
    assert "The user model also requires: --username or DJANGO_SUPERUSER_USERNAME." in missing.stderr
    assert rows(shop_db_url, "accounts_user") == []

    created = shop_run(shop_db_url, **superuser_env(DJANGO_SUPERUSER_USERNAME="boss"))
    assert created.returncode == 0, created.stderr
    assert f"Created superuser '{EMAIL}'" in created.stdout
    [user] = rows(shop_db_url, "accounts_user")
    assert (user["email"], user["username"], user["is_superuser"], user["is_staff"]) == (EMAIL, "boss", True, True)
    assert has_password(user, CANARY)

    again = shop_run(shop_db_url, **superuser_env(DJANGO_SUPERUSER_USERNAME="boss"))
    assert again.returncode == 0 and "already exists; nothing changed" in again.stdout
    assert rows(shop_db_url, "accounts_user") == [user]


@pytest.mark.slow
def test_ensure_superuser__required_username_taken_by_a_sign_up_is_never_promoted(shop_db_url: str) -> None:
    with psycopg.connect(shop_db_url) as conn:
        conn.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,"
            " is_staff, is_active, date_joined) VALUES ('!', false, 'boss', '', '', 'eve@x.example',"
            " false, true, now())"
        )
    refused = shop_run(shop_db_url, **superuser_env(DJANGO_SUPERUSER_USERNAME="boss"))
    assert refused.returncode == command.EXIT_REFUSED, refused.stderr
    assert "'eve@x.example'" in refused.stderr and "NOT promoted" in refused.stderr
    assert [(u["email"], u["is_superuser"]) for u in rows(shop_db_url, "accounts_user")] == [("eve@x.example", False)]


@pytest.mark.slow
def test_ensure_superuser__required_field_from_dotenv_like_the_email(custom_db_url: str, tmp_path: Path) -> None:
    """Every DJANGO_SUPERUSER_<FIELD> goes through the registry's reader: a .env value counts."""
    dotenv = tmp_path / "local.env"
    dotenv.write_text(f"DJANGO_SUPERUSER_EMAIL={EMAIL}\nDJANGO_SUPERUSER_FULL_NAME=Amina Admin\n")
    created = run(custom_db_url, settings=CUSTOM, ENV_FILE=str(dotenv), DJANGO_SUPERUSER_PASSWORD=CANARY)
    assert created.returncode == 0, created.stderr
    [user] = rows(custom_db_url, "customuser_emailuser")
    assert (user["email"], user["full_name"]) == (EMAIL, "Amina Admin")


@pytest.mark.slow
def test_ensure_superuser__ten_concurrent_runs_on_sqlite_make_one_superuser(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrated = manage("migrate", "--no-input", env=environment(url))
    assert migrated.returncode == 0, migrated.stderr
    env = environment(url, superuser_env())
    outputs = run_ten_at_once(env)
    assert sum("Created superuser" in out for out in outputs) == 1
    import sqlite3
    from contextlib import closing

    # sqlite3's context manager only commits: closing() closes (Python 3.13 warns on an unclosed one).
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as conn:
        assert conn.execute("SELECT username, is_superuser FROM auth_user").fetchall() == [("admin", 1)]


# -- --help tells the truth about the installed user model ------------------------------------------
def _help_with(monkeypatch: pytest.MonkeyPatch, user_model: Any) -> str:
    monkeypatch.setattr(command, "user_model_or_none", lambda: user_model)
    monkeypatch.setattr(command, "get_user_model", lambda: user_model)
    return " ".join(command.Command().create_parser("manage.py", "ensure_superuser").format_help().split())


def _non_unique_username_model() -> Any:
    """Logs in by email and requires a user name that is not unique: the user name finds no account."""
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db import models

    class NonUniqueUsername(AbstractBaseUser):
        email = models.EmailField(unique=True)
        username = models.CharField(max_length=30)
        USERNAME_FIELD = "email"
        EMAIL_FIELD = "email"
        REQUIRED_FIELDS = ["username"]

        class Meta:
            abstract = True
            app_label = "tests"

    return NonUniqueUsername


def test_help__the_refusal_names_only_the_fields_that_find_an_existing_account(monkeypatch: pytest.MonkeyPatch) -> None:
    """--help promised to refuse "an account with that email or user name" although a user name that is not
    unique finds no account (a second one is created beside it)."""
    from django.contrib.auth.models import User

    default = _help_with(monkeypatch, User)
    assert "refused: an account with that username or email exists and is not a superuser" in default
    assert "--username USERNAME the user name, the login field" in default

    email_login = _help_with(monkeypatch, _non_unique_username_model())
    assert "refused: an account with that email exists and is not a superuser" in email_login
    assert "user name exists" not in email_login and "username or email" not in email_login
    assert "--username USERNAME the user name, a required field (default: $DJANGO_SUPERUSER_USERNAME)" in email_login


def test_identifying_fields__what_ensure_finds_an_account_by() -> None:
    from django.contrib.auth.models import User

    from modestwear_config.management.superuser_model import identifying_fields

    assert identifying_fields(User) == ["username", "email"]
    assert identifying_fields(_non_unique_username_model()) == ["email"]
