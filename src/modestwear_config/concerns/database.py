"""DATABASES from DATABASE_URL (dj-database-url), with Neon-ready defaults, and read replicas."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

import dj_database_url
from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Env, variables_of
from modestwear_config.env.files import base_dir
from modestwear_config.env.items import url_problem
from modestwear_config.env.typos import suggestions

from .assemble import lazy_settings
from .db_pool import POOL_VARIABLES, apply_connection_policy
from .libpq_options import options_problem, sqlite_problem
from .unit import CHECK_PREFIX, Check, Concern, Extra, installed_version, release

V = variables_of("database")
VARIABLES = (
    V(
        "DATABASE_URL",
        "url",
        "Primary database. PostgreSQL hosts other than localhost get sslmode=require unless the URL sets sslmode.",
        secret=True,
        default_doc="SQLite file BASE_DIR/db.sqlite3 when DEBUG is on; required when DEBUG is off",
        example="postgresql://user:pass@ep-xxx.eu-central-1.aws.neon.tech/neondb?sslmode=require",
    ),
    V(
        "DATABASE_REPLICA_URLS",
        "list",
        "Read replicas, comma-separated URLs; reads go there, writes and migrations to the primary.",
        (),
        secret=True,
        item_problem=url_problem,
        example="postgresql://user:pass@replica-host/neondb",
    ),
    V(
        "DATABASE_CONN_MAX_AGE",
        "int",
        "Seconds a connection is kept open (0 closes it after each request).",
        600,
        minimum=0,
        maximum=86_400,
        aliases=("CONN_MAX_AGE",),  # cookiecutter-django's
    ),
    V(
        "DATABASE_CONN_HEALTH_CHECKS",
        "bool",
        "Check a reused connection before use: after DATABASE_CONN_HEALTH_CHECKS_IDLE idle or once the server closed it (survives Neon suspends).",
        True,
    ),
    V(
        "DATABASE_CONN_HEALTH_CHECKS_IDLE",
        "int",
        "Seconds a reused connection may sit idle before the health check queries it (0: before every request).",
        30,
        minimum=0,
        maximum=86_400,
    ),  # below Neon's 5-minute suspend; a connection the server closed is caught at any age
    V(
        "DATABASE_CONNECT_TIMEOUT",
        "int",
        "Seconds to wait for a PostgreSQL connection before failing.",
        5,
        minimum=2,
        maximum=600,
    ),  # psycopg and libpq turn 1 into 2 s: refuse it rather than mislead
    *POOL_VARIABLES,
)

# Either satisfies Django (which prefers psycopg 3), and /health probes through either (health/postgres*.py).
POSTGRES_DRIVERS = ("psycopg", "psycopg2")
PSYCOPG2_FLOOR = "2.8.4"  # Django's own for psycopg2 (django/db/backends/postgresql/base.py)
POSTGRES = Extra(
    "postgres",
    ("psycopg",),
    "DATABASE_URL=postgresql://... (psycopg; the application picks its libpq)",
    ("psycopg>=3.1.15", "psycopg-pool>=3.2"),
)
IDLE_KEY = "CONN_HEALTH_CHECKS_IDLE"  # read by connections.py

POSTGRES_ENGINE = "django.db.backends.postgresql"
# Every engine dj-database-url knows that speaks to PostgreSQL through libpq (psycopg): each takes
# sslmode and connect_timeout, and /health probes it like PostgreSQL.
POSTGRES_ENGINES = frozenset(
    {
        POSTGRES_ENGINE,
        "django.contrib.gis.db.backends.postgis",
        "timescale.db.backends.postgresql",
        "timescale.db.backends.postgis",
        "django_cockroachdb",  # the PostgreSQL wire protocol, libpq options
        "django_redshift_backend",
    }
)
MYSQL_ENGINES = ("django.db.backends.mysql", "django.contrib.gis.db.backends.mysql")
LOCAL_DB_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})
REPLICA_PREFIX = "replica_"


def database_settings(env: Env) -> dict[str, Any]:
    # Read (and so validate) the connection options even when the SQLite default
    # ignores them: a bad value must fail now, not on the deploy that sets DATABASE_URL.
    for name in (
        "DATABASE_CONN_MAX_AGE",
        "DATABASE_CONN_HEALTH_CHECKS",
        "DATABASE_CONN_HEALTH_CHECKS_IDLE",
        "DATABASE_CONNECT_TIMEOUT",
        "DATABASE_POOL",
        "DATABASE_POOL_MAX_SIZE",
        "DATABASE_POOL_MIN_SIZE",
        "DATABASE_POOL_TIMEOUT",
    ):
        env(name)
    primary = _primary(env)
    databases = {"default": primary}
    replicas: list[str] = env("DATABASE_REPLICA_URLS")
    if replicas and not env.is_set("DATABASE_URL"):
        # Reads would go to PostgreSQL and writes to the SQLite default.
        env.error("DATABASE_REPLICA_URLS", "is set without DATABASE_URL: set the primary's DATABASE_URL too")
    for index, url in enumerate(replicas, start=1):
        replica = parse_database_url(env, "DATABASE_REPLICA_URLS", url)
        # Tests run against the primary only; a replica mirrors it.
        replica["TEST"] = {"MIRROR": "default"}
        databases[f"{REPLICA_PREFIX}{index}"] = replica
    settings: dict[str, Any] = {"DATABASES": databases}
    if len(databases) > 1:
        settings["DATABASE_ROUTERS"] = ["modestwear_config.components.routers.ReplicaRouter"]
    return settings


def _primary(env: Env) -> dict[str, Any]:
    url: str | None = env("DATABASE_URL")
    if url is not None:
        return parse_database_url(env, "DATABASE_URL", url)
    if env.raw("DATABASE_URL") is not None:  # set but rejected by the URL parser
        return {}
    if not env("DEBUG"):
        # migrate would fill a throwaway file on the platform's disk and the site would lose every
        # write at the next deploy: production names its database, SQLite included (sqlite:///...).
        env.error("DATABASE_URL", "You have not set it; it is required when DEBUG is off" + _misspelt(env))
        return {}
    # Embedded default (development): a SQLite file beside manage.py; no server needed to start.
    path = base_dir(env) / "db.sqlite3"
    env.derive("DATABASE_URL", f"sqlite:///{path}", ("BASE_DIR",))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "CONN_MAX_AGE": 0,  # SQLite connections are cheap; nothing to pool
    }


def _misspelt(env: Env) -> str:
    """The names set in the environment that look like DATABASE_URL (DATABSE_URL), never their values."""
    names = sorted(name for name, meant in suggestions(env.names()).items() if meant == "DATABASE_URL")
    found = (
        f" ({' and '.join(names)} {'is' if len(names) == 1 else 'are'} set: rename it to DATABASE_URL)" if names else ""
    )
    return found + "; to keep SQLite, name its file: DATABASE_URL=sqlite:////absolute/path/db.sqlite3"


def parse_database_url(env: Env, name: str, url: str) -> dict[str, Any]:
    """One DATABASES entry from a URL; problems are recorded under `name`, never with the URL."""
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    except dj_database_url.UnknownSchemeError:
        schemes = ", ".join(f"{s}://" for s in sorted(dj_database_url.ENGINE_SCHEMES))
        env.error(name, f"unknown database scheme; expected one of {schemes}")
        return {}
    except ValueError:  # ParseError, bad port: the message names no part of the URL
        env.error(name, "cannot be parsed as a database URL (quote special characters in the password)")
        return {}
    if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
        env.error(name, "has no database name in its path (like .../neondb)")
    if config["ENGINE"] in POSTGRES_ENGINES:
        require_postgres_driver(env, name)
    problem = (
        options_problem(config.get("OPTIONS", {}))  # libpq would refuse it at every connect
        if config["ENGINE"] in POSTGRES_ENGINES
        else sqlite_problem(config, production=not env("DEBUG"))
        if config["ENGINE"] == "django.db.backends.sqlite3"
        else None
    )
    if problem:
        env.error(name, problem)
    sqlite_file = str(config.get("NAME") or "")
    relative = sqlite_file and not sqlite_file.startswith(("/", ":", "file:"))
    if config["ENGINE"] == "django.db.backends.sqlite3" and relative:
        # sqlite:///db.sqlite3 is relative: to each process's working directory, so a worker started
        # elsewhere than migrate opened another, empty file. Relative to BASE_DIR, as the default is.
        config["NAME"] = base_dir(env) / sqlite_file
    _apply_connection_options(env, name, config)
    return config


def require_postgres_driver(env: Env, name: str) -> None:
    """psycopg at the postgres extra's floor, or else psycopg2 at Django's; else an error naming `name`.
    Without one, django.setup() fails with a traceback naming neither the variable nor the extra."""
    if find_spec("psycopg") is not None:
        POSTGRES.require(env, name)
        return
    if find_spec("psycopg2") is None:
        env.error(
            name,
            'needs a PostgreSQL driver, which is not installed: pip install "modestwear_config[postgres]"'
            " (or [postgres-binary] for the prebuilt libpq)",
        )
        return
    floor = PSYCOPG2_FLOOR
    # psycopg2-binary installs the same module under another distribution name.
    found = installed_version("psycopg2") or installed_version("psycopg2-binary")
    if found is not None and release(found) < release(floor):
        env.error(name, f'needs psycopg2>={floor}, but {found} is installed: pip install "modestwear_config[postgres]"')


def _apply_connection_options(env: Env, name: str, config: dict[str, Any]) -> None:
    engine = config["ENGINE"]
    options: dict[str, Any] = config.setdefault("OPTIONS", {})
    # Seconds a connection is reused; Neon closes idle ones, so health checks matter.
    config["CONN_MAX_AGE"] = env("DATABASE_CONN_MAX_AGE")
    config["CONN_HEALTH_CHECKS"] = env("DATABASE_CONN_HEALTH_CHECKS")
    # A reused connection is queried only after this long idle, or when the server has closed
    # it: Django's check costs a round trip per request otherwise (connections.py).
    config[IDLE_KEY] = env("DATABASE_CONN_HEALTH_CHECKS_IDLE")
    if engine in POSTGRES_ENGINES or engine in MYSQL_ENGINES:
        # Seconds; a dead or silent server fails fast instead of hanging a worker.
        options.setdefault("connect_timeout", env("DATABASE_CONNECT_TIMEOUT"))
    host = str(config.get("HOST") or "")
    if engine != "django.db.backends.sqlite3":
        poolable = engine in POSTGRES_ENGINES and find_spec("psycopg") is not None  # psycopg2 has no pool
        apply_connection_policy(env, name, config, pooler="-pooler." in host, poolable=poolable)
    if engine not in POSTGRES_ENGINES:
        return
    if host not in LOCAL_DB_HOSTS and not host.startswith("/"):
        # Remote PostgreSQL (Neon requires TLS); an explicit ?sslmode= wins.
        options.setdefault("sslmode", "require")
    if "-pooler." in host:
        # PgBouncer in transaction mode cannot keep server-side cursors.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True


W002_TEXT = (
    "DATABASES[{alias!r}] keeps connections open (CONN_MAX_AGE) without CONN_HEALTH_CHECKS: "
    "after Neon suspends or the server restarts, the first request on each stale connection fails."
)
W004 = Warning(
    "DATABASES['default'] should not be SQLite when DEBUG is off: a platform's disk is ephemeral "
    "(Render free tier), so every deploy loses the data.",
    hint="Set DATABASE_URL to a PostgreSQL URL (Neon).",
    id=CHECK_PREFIX + "W004",
)


def check_conn_health_checks(**kwargs: Any) -> list[CheckMessage]:
    """A database keeps connections open without health checks."""
    return [
        Warning(W002_TEXT.format(alias=alias), hint="Set DATABASE_CONN_HEALTH_CHECKS=true.", id=CHECK_PREFIX + "W002")
        for alias, db in django_settings.DATABASES.items()
        if db.get("CONN_MAX_AGE", 0) != 0 and not db.get("CONN_HEALTH_CHECKS", False)
    ]


def check_sqlite_in_production(**kwargs: Any) -> list[CheckMessage]:
    """The default database is SQLite with DEBUG off."""
    engine = django_settings.DATABASES.get("default", {}).get("ENGINE", "")
    return [W004] if engine.endswith("sqlite3") else []


CONCERN = Concern(
    name="database",
    doc="DATABASES from DATABASE_URL (SQLite beside manage.py without it), Neon-ready options, read replicas.",
    variables=VARIABLES,
    build=database_settings,
    checks=(
        Check(check_conn_health_checks, ("W002",), ("DATABASE_CONN_HEALTH_CHECKS",)),
        Check(check_sqlite_in_production, ("W004",), ("DATABASE_URL",), deploy=True),
    ),
    shadows={"DATABASES": "DATABASE_URL"},
    extras=(
        POSTGRES,
        Extra(
            "postgres-binary",
            ("psycopg",),
            "DATABASE_URL=postgresql://... (psycopg with a prebuilt libpq)",
            ("psycopg[binary]>=3.1.15", "psycopg-pool>=3.2"),
        ),
    ),
)

__getattr__ = lazy_settings(CONCERN)
