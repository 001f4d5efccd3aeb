"""What a PostgreSQL URL's query may hold: libpq's connection options, each with a value libpq takes
(and a SQLite URL's: what sqlite3.connect() takes).

dj-database-url copies every query option of DATABASE_URL into DATABASES OPTIONS, and Django hands
those it does not know itself to psycopg, whose libpq checks them only when it connects: an unknown
option (``?ssl=true``, ``?foo=``) or a value libpq refuses (``?sslmode=required``,
``?connect_timeout=5s``) starts fine and fails every connection, so every page that queries answers
500. Checked here, at start-up, without importing a driver (the settings stay light); the option
names are pinned to the installed libpq by tests/test_database.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# libpq's connection keywords (PostgreSQL 18's "Parameter Key Words"; older libpq knows a subset, and
# refuses the newer ones at connect just as it does unknown ones: no check here can tell which it is).
LIBPQ_OPTIONS = frozenset(
    {
        *("application_name", "channel_binding", "client_encoding", "connect_timeout", "dbname"),
        *("fallback_application_name", "gssdelegation", "gssencmode", "gsslib", "host", "hostaddr"),
        *("keepalives", "keepalives_count", "keepalives_idle", "keepalives_interval", "krbsrvname"),
        *("load_balance_hosts", "max_protocol_version", "min_protocol_version", "oauth_client_id"),
        *("oauth_client_secret", "oauth_issuer", "oauth_scope", "options", "passfile", "password", "port"),
        *("replication", "require_auth", "requirepeer", "requiressl", "scram_client_key", "scram_server_key"),
        *("service", "ssl_max_protocol_version", "ssl_min_protocol_version", "sslcert", "sslcertmode"),
        *("sslcompression", "sslcrl", "sslcrldir", "sslkey", "sslkeylogfile", "sslmode", "sslnegotiation"),
        *("sslpassword", "sslrootcert", "sslsni", "target_session_attrs", "tcp_user_timeout", "user"),
    }
)
# Options Django's PostgreSQL backend reads itself (the rest go to psycopg). `pool` is left out: the
# pool comes from DATABASE_POOL, whose policy a URL option would bypass.
DJANGO_OPTIONS = frozenset({"assume_role", "isolation_level", "server_side_binding"})
# libpq compares these values exactly (case too).
CHOICES = {
    "sslmode": ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
    "gssencmode": ("disable", "prefer", "require"),
    "channel_binding": ("disable", "prefer", "require"),
    "target_session_attrs": ("any", "read-write", "read-only", "primary", "standby", "prefer-standby"),
    "load_balance_hosts": ("disable", "random"),
    "sslcertmode": ("disable", "allow", "require"),
    "sslnegotiation": ("postgres", "direct"),
}
# Whole numbers of seconds or counts (dj-database-url turns digits into an int: anything else is not one;
# a negative connect_timeout, which libpq takes as "wait forever", too).
INTEGERS = frozenset({"connect_timeout", "keepalives", "keepalives_count", "keepalives_idle", "keepalives_interval"})
INTEGERS |= {"tcp_user_timeout", "isolation_level"}


def options_problem(options: Mapping[str, Any]) -> str | None:
    """What libpq (or Django) would refuse among a PostgreSQL URL's query options, or None. Never
    quotes a value, nor an unknown option's name (a secret pasted without its '=' would be one)."""
    for key, value in options.items():
        if key not in LIBPQ_OPTIONS | DJANGO_OPTIONS:
            hint = " (the pool: DATABASE_POOL)" if key == "pool" else ""
            return f"has a query option that is no PostgreSQL connection parameter{hint}: every connection would fail"
        if isinstance(value, list):
            return f"has the query option {key} more than once"
        if key in CHOICES and value not in CHOICES[key]:
            return f"has a query option {key} libpq refuses; expected one of {', '.join(CHOICES[key])}"
        if key in INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
            return f"has a query option {key} that is not a whole number"
    return None


# What Django's SQLite backend takes in OPTIONS (init_command, transaction_mode: its own; the rest go to
# sqlite3.connect() as keywords, where any other is a TypeError at the first query).
SQLITE_OPTIONS = frozenset({"init_command", "transaction_mode", "timeout", "uri", "cached_statements"})


def sqlite_problem(config: Mapping[str, Any], production: bool) -> str | None:
    """The SQLite counterpart: a query option sqlite3.connect() refuses, or, with DEBUG off, an in-memory
    database (sqlite://): each connection of each worker starts empty, so every query after migrate
    fails with "no such table"."""
    if any(key not in SQLITE_OPTIONS for key in config.get("OPTIONS", {})):
        return f"has a query option SQLite does not accept; expected only {', '.join(sorted(SQLITE_OPTIONS))}"
    if production and ":memory:" in str(config.get("NAME", "")):
        return "names an in-memory SQLite database, empty in every connection: name a file (sqlite:////path/db.sqlite3)"
    return None
