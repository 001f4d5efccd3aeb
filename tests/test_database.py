"""DATABASES from DATABASE_URL, verified against the real PostgreSQL on this machine."""

from __future__ import annotations

import os
import time
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from psycopg.conninfo import timeout_from_conninfo

from modestwear_config.concerns.database import database_settings
from modestwear_config.env import Env
from tests.support.servers import SilentServer, fresh_postgres_database, manage, project_env

CANARY = "Canary-7f3e9b2d41"
EXAMPLES = int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300"))


def default_db(tmp_path=None, **environ: str) -> dict:
    env = Env({**({"BASE_DIR": str(tmp_path)} if tmp_path else {}), **environ})
    settings = database_settings(env)
    assert env.problems == {}
    return settings["DATABASES"]["default"]


def query(config: dict, sql: str, django_db_blocker) -> tuple:
    """Run one query through a Django connection alias built from `config` (not the test settings)."""
    handler = ConnectionHandler({"default": config})
    try:
        with django_db_blocker.unblock(), handler["default"].cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()
    finally:
        raw = handler["default"].connection  # Django never closes an in-memory SQLite database itself,
        handler.close_all()
        if raw is not None:  # and Python 3.13 warns of one left to the garbage collector
            raw.close()


# -- against the real PostgreSQL ----------------------------------------------------------------
@pytest.mark.services
def test_database__query_runs_through_the_configured_alias(postgres_url, django_db_blocker):
    with fresh_postgres_database(postgres_url) as url:
        config = default_db(DATABASE_URL=url)
        name, ssl = query(
            config,
            "SELECT current_database(), (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())",
            django_db_blocker,
        )
    assert name == urlsplit(url).path.lstrip("/")
    assert ssl is False  # a local server: no sslmode=require was added
    assert "sslmode" not in config["OPTIONS"]


@pytest.mark.services
def test_database__remote_sslmode_reaches_libpq(postgres_url, django_db_blocker):
    """The emitted OPTIONS are what libpq enforces: require against this non-TLS server fails."""
    remote = default_db(DATABASE_URL=postgres_url.replace("127.0.0.1", "db.example.com"))
    assert remote["OPTIONS"]["sslmode"] == "require"
    local = {**remote, "HOST": urlsplit(postgres_url).hostname}
    with pytest.raises(OperationalError, match="SSL"):
        query(local, "SELECT 1", django_db_blocker)


@pytest.mark.services
def test_database__explicit_sslmode_disable_respected(postgres_url, django_db_blocker):
    config = default_db(DATABASE_URL=f"{postgres_url}?sslmode=disable")
    assert config["OPTIONS"]["sslmode"] == "disable"
    assert query(config, "SELECT 1", django_db_blocker) == (1,)


@pytest.mark.services
@pytest.mark.slow
def test_database__example_project_uses_database_url(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        result = manage(
            "shell",
            "--verbosity",
            "0",
            "-c",
            "from django.db import connection; c = connection.cursor(); c.execute('SELECT current_database()');"
            " print(c.fetchone()[0], connection.settings_dict['CONN_MAX_AGE'])",
            env=project_env({"DATABASE_URL": url}),
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [urlsplit(url).path.lstrip("/"), "600"]


@pytest.mark.slow
def test_database__silent_server_fails_within_connect_timeout(django_db_blocker):
    """A server that accepts and never answers (a hung Neon endpoint) costs connect_timeout, not forever."""
    timeout = 2
    with SilentServer() as server:
        config = default_db(
            DATABASE_URL=f"postgresql://app:{CANARY}@127.0.0.1:{server.port}/shop",
            DATABASE_CONNECT_TIMEOUT=str(timeout),
        )
        started = time.monotonic()
        with pytest.raises(OperationalError) as raised:
            query(config, "SELECT 1", django_db_blocker)
        elapsed = time.monotonic() - started
    assert config["OPTIONS"]["connect_timeout"] == timeout
    assert timeout * 0.9 <= elapsed < timeout * 1.1 + 0.5
    assert CANARY not in str(raised.value)
    assert CANARY not in repr(raised.value.__cause__)


def test_database__psycopg_turns_one_second_into_two():
    """Why DATABASE_CONNECT_TIMEOUT refuses 1: psycopg (like libpq) would silently wait 2 s."""
    assert timeout_from_conninfo({"connect_timeout": "1"}) == 2
    assert timeout_from_conninfo({"connect_timeout": "2"}) == 2
    env = Env({"DATABASE_CONNECT_TIMEOUT": "1"})
    database_settings(env)
    assert "DATABASE_CONNECT_TIMEOUT" in env.problems


# -- pure settings ------------------------------------------------------------------------------------
def test_database__embedded_sqlite_by_default(tmp_path):
    config = default_db(tmp_path, DEBUG="true")
    assert config == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": tmp_path.resolve() / "db.sqlite3",
        "CONN_MAX_AGE": 0,
    }


def test_database__debug_off_without_url_is_an_error_naming_a_misspelling(tmp_path):
    env = Env({"BASE_DIR": str(tmp_path), "DATABSE_URL": f"postgresql://u:{CANARY}@db.example.com/shop"})
    database_settings(env)
    message = env.problems["DATABASE_URL"]
    assert message.startswith("You have not set it; it is required when DEBUG is off")
    assert "DATABSE_URL is set: rename it to DATABASE_URL" in message and "sqlite:///" in message
    assert CANARY not in message and not (tmp_path / "db.sqlite3").exists()


def test_database__debug_off_with_sqlite_chosen_explicitly(tmp_path):
    config = default_db(DEBUG="false", DATABASE_URL=f"sqlite:///{tmp_path}/shop.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3" and config["NAME"] == f"{tmp_path}/shop.sqlite3"


def test_database__postgres_defaults():
    config = default_db(DATABASE_URL="postgresql://u:p@db.example.com:5432/shop")
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("shop", "db.example.com", 5432)
    assert config["CONN_MAX_AGE"] == 600
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"] == {"connect_timeout": 5, "sslmode": "require"}
    assert not config.get("DISABLE_SERVER_SIDE_CURSORS")


def test_database__health_check_idle_threshold_default_and_override():
    assert default_db(DATABASE_URL="postgresql://u:p@db.example.com/shop")["CONN_HEALTH_CHECKS_IDLE"] == 30
    config = default_db(DATABASE_URL="postgresql://u:p@db.example.com/shop", DATABASE_CONN_HEALTH_CHECKS_IDLE="0")
    assert config["CONN_HEALTH_CHECKS_IDLE"] == 0  # 0: Django's check before every request


def test_database__health_check_idle_threshold_rejects_negative():
    env = Env({"DATABASE_CONN_HEALTH_CHECKS_IDLE": "-1"})
    database_settings(env)
    assert "DATABASE_CONN_HEALTH_CHECKS_IDLE" in env.problems


def test_database__connection_options_overridable():
    config = default_db(
        DATABASE_URL="postgresql://u:p@db.example.com/shop",
        DATABASE_CONN_MAX_AGE="0",
        DATABASE_CONN_HEALTH_CHECKS="false",
        DATABASE_CONNECT_TIMEOUT="9",
    )
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (0, False)
    assert config["OPTIONS"]["connect_timeout"] == 9


def test_database__url_query_options_win():
    config = default_db(DATABASE_URL="postgresql://u:p@db.example.com/shop?sslmode=verify-full&connect_timeout=3")
    assert config["OPTIONS"] == {"sslmode": "verify-full", "connect_timeout": 3}


@pytest.mark.parametrize(
    ("host", "sslmode"),
    [
        ("db.example.com", "require"),
        ("ep-cool-1.eu-central-1.aws.neon.tech", "require"),
        ("10.0.0.5", "require"),
        ("localhost", None),
        ("127.0.0.1", None),
        ("[::1]", None),
        ("%2Fvar%2Frun%2Fpostgresql", None),  # a Unix socket directory
        ("", None),
    ],
)
def test_database__sslmode_require_only_for_remote_hosts(host, sslmode):
    config = default_db(DATABASE_URL=f"postgresql://u:p@{host}/shop" if host else "postgresql:///shop")
    assert config["OPTIONS"].get("sslmode") == sslmode


@pytest.mark.parametrize("url", ["sqlite:///tmp/app.sqlite3", "sqlite://"])
def test_database__sqlite_url_never_gets_ssl_or_timeout(url):
    config = default_db(DATABASE_URL=url, DEBUG="true")  # in memory: development only
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"] == {}
    assert config["CONN_MAX_AGE"] == 600


def test_database__mysql_gets_connect_timeout_not_sslmode():
    config = default_db(DATABASE_URL="mysql://u:p@db.example.com/shop")
    assert config["OPTIONS"] == {"connect_timeout": 5}


def test_database__neon_pooler_disables_server_side_cursors():
    config = default_db(DATABASE_URL="postgresql://u:p@ep-cool-1-pooler.eu-central-1.aws.neon.tech/neondb")
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert config["OPTIONS"]["sslmode"] == "require"


def test_database__unparsable_url_error_never_holds_the_password():
    env = Env({"DATABASE_URL": f"postgresql://u:{CANARY}@db.example.com:5432/shop?x=%zz"})
    settings = database_settings(env)
    assert CANARY not in str(env.problems) + str(settings.get("DATABASES", {}).get("default", {}).get("NAME", ""))


def test_database__no_router_without_replicas():
    assert "DATABASE_ROUTERS" not in database_settings(Env({}))


def test_psycopg__server_does_not_support_ssl_here(postgres_url):
    """Guards the sslmode test above: it relies on this server having TLS off."""
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SHOW ssl").fetchone() == ("off",)


def test_database__postgresql_without_a_driver_names_the_variable_and_extra(monkeypatch):
    """Without psycopg, django.setup() would fail with a traceback naming neither (issue 17)."""
    from modestwear_config.concerns import database

    real = database.find_spec
    monkeypatch.setattr(database, "find_spec", lambda name: None if name in database.POSTGRES_DRIVERS else real(name))
    env = Env({"DATABASE_URL": "postgresql://u:Canary-pw@db.example.com/shop"})
    database.database_settings(env)
    assert 'pip install "modestwear_config[postgres]"' in env.problems["DATABASE_URL"]
    assert "Canary-pw" not in env.problems["DATABASE_URL"]
    sqlite = Env({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"})
    database.database_settings(sqlite)
    assert sqlite.problems == {}


# Query options of a PostgreSQL URL: dj-database-url passes each to libpq through Django, which
# checks them only at connect. Every option set here works against the local server when libpq
# takes it (no TLS here: no sslmode=require), so accepted and connecting must be the same thing.
LIBPQ_QUERY = st.dictionaries(
    st.sampled_from(["sslmode", "connect_timeout", "application_name", "target_session_attrs", "foo", "ssl"]),
    st.sampled_from(["disable", "prefer", "allow", "any", "primary", "read-write", "5", "abc", "-1", "true", "X"]),
    max_size=3,
)


@pytest.mark.services
@hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=LIBPQ_QUERY, repeated=st.booleans())
def test_database__url_query_options_libpq_refuses_are_start_up_errors(
    postgres_url, django_db_blocker, query, repeated
):
    parts = urlsplit(postgres_url)
    url = parts._replace(query=urlencode(query)).geturl()
    if repeated and query:  # the same option twice: dj-database-url makes a list of it
        url += "&" + urlencode(dict([next(iter(query.items()))]))
    env = Env({"DATABASE_URL": url})
    config = database_settings(env).get("DATABASES", {}).get("default", {})
    try:
        query_ok = query_row(config, django_db_blocker) if config else False
    except Exception:  # noqa: BLE001 - whatever libpq or Django raise at connect
        query_ok = False
    # Stricter than libpq on purpose: a negative connect_timeout waits forever (DATABASE_CONNECT_TIMEOUT's 2 s floor).
    query_ok &= str(query.get("connect_timeout", "0")).isdigit()
    # An option given twice reaches libpq as the text of a Python list: refused as ambiguous.
    query_ok &= not (repeated and query)
    assert ("DATABASE_URL" not in env.problems) is query_ok, env.problems


def query_row(config: dict, django_db_blocker) -> bool:
    return query(config, "SELECT 1", django_db_blocker) == (1,)


def test_libpq_options__every_option_the_installed_libpq_knows_is_accepted():
    from psycopg import pq

    from modestwear_config.concerns.libpq_options import LIBPQ_OPTIONS

    assert {option.keyword.decode() for option in pq.Conninfo.get_defaults()} <= LIBPQ_OPTIONS


@pytest.mark.parametrize(
    ("url", "debug", "refused"),
    [
        ("sqlite://", "false", True),  # in memory: each connection of each worker starts empty
        ("sqlite:///:memory:", "false", True),
        ("sqlite://", "true", False),  # development and tests may want one
        ("sqlite:///{tmp}/db.sqlite3?cache=shared", "true", True),  # a TypeError in sqlite3.connect()
        ("sqlite:///{tmp}/db.sqlite3?timeout=20", "false", False),
        ("sqlite:///{tmp}/db.sqlite3?init_command=PRAGMA%20journal_mode%3Dwal", "false", False),
    ],
)
def test_database__sqlite_urls_that_fail_every_query_are_start_up_errors(
    url, debug, refused, tmp_path, django_db_blocker
):
    env = Env({"DATABASE_URL": url.format(tmp=tmp_path), "DEBUG": debug})
    config = database_settings(env)["DATABASES"]["default"]
    assert ("DATABASE_URL" in env.problems) is refused, env.problems
    if not refused:
        assert query(config, "SELECT 1", django_db_blocker) == (1,)


def test_database__a_relative_sqlite_path_is_beside_manage_py_for_every_process(tmp_path, monkeypatch):
    """sqlite:///db.sqlite3 named a file in each process's working directory: migrate and a worker
    started from another directory used two files, one of them empty."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = default_db(DATABASE_URL="sqlite:///data/db.sqlite3", DEBUG="true", BASE_DIR=str(tmp_path / "project"))
    assert str(config["NAME"]) == str(tmp_path / "project" / "data" / "db.sqlite3")
