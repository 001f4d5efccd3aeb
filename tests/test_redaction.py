"""redaction.py: passwords found where each consumer reads them (libpq, redis-py, django-redis, kombu),
and the doctor's value column built from it."""

from __future__ import annotations

import os
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modestwear_config.doctor import report as doctor
from modestwear_config.env import BY_NAME, Env
from modestwear_config.scrub.url_passwords import passwords, redact

CANARY = "RedCanary42"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # libpq and redis-py read ?password= (and libpq sslpassword=)
        (
            f"postgresql://app@db/shop?sslmode=require&password={CANARY}",
            "postgresql://***@db/shop?sslmode=require&password=***",
        ),
        (f"redis://h:6379/0?password={CANARY}&db=1", "redis://h:6379/0?password=***&db=1"),
        (f"postgresql://db/shop?sslpassword={CANARY}", "postgresql://db/shop?sslpassword=***"),
        (f"redis://h/0?pass%77ord={CANARY}", "redis://h/0?pass%77ord=***"),
        # django-redis LOCATION lists: every server
        (f"redis://:{CANARY}1@a:6379/0,redis://:{CANARY}2@b:6379/0", "redis://***@a:6379/0,redis://***@b:6379/0"),
        # kombu failover lists
        (f"amqp://u:{CANARY}1@a//;amqp://u:{CANARY}2@b//", "amqp://u:***@a//;amqp://u:***@b//"),
        (f"redis://a:6379/0; redis://:{CANARY}@b:6379/0", "redis://a:6379/0; redis://***@b:6379/0"),
        # libpq multi-host: one user info for every host; a separator inside the password stays in it
        (f"postgresql://u:{CANARY}@h1:5432,h2:5433/db", "postgresql://u:***@h1:5432,h2:5433/db"),
        (f"postgresql://u:a,{CANARY};b@h1,h2/db", "postgresql://u:***@h1,h2/db"),
        # characters libpq takes unencoded in a password
        (f"postgresql://u:{CANARY}?x#y/z@h/db", "postgresql://u:***@h/db"),
        # a '@' in a query value: libpq's user info and the query overlap, both masked
        (f"postgresql://h/db?password=p@{CANARY}", "postgresql://***"),
        (f"unix://:{CANARY}@/run/redis.sock?db=0", "unix://***@/run/redis.sock?db=0"),
        (
            "postgresql://db/shop?sslmode=require&application_name=shop",
            "postgresql://db/shop?sslmode=require&application_name=shop",
        ),
    ],
)
def test_redact__every_place_a_consumer_reads_a_password(value, expected):
    assert redact(value) == expected
    assert CANARY not in redact(value)
    assert CANARY not in value or any(CANARY in p for p in passwords(value))  # scrubbed from logs too


def test_redact__embedded_urls_in_free_text_end_at_quotes_and_spaces():
    text = f"cannot reach redis://:{CANARY}@h:1/0 or 'postgresql://u:{CANARY}@h/db' for admin@example.com"
    assert (
        redact(text, embedded=True)
        == "cannot reach redis://***@h:1/0 or 'postgresql://u:***@h/db' for admin@example.com"
    )


# What ends a URL in free text (whitespace, quotes, angle brackets) cannot be inside a logged password.
# Everything else can be: '/', '?', '#', ':' and '@' included (no consumer would parse it: a log still shows it).
PASSWORD_CHARS = "".join(sorted(set(string.printable) - set(string.whitespace) - set("\"'`<>")))


@settings(max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(
    scheme=st.sampled_from(["postgresql", "postgres", "redis", "rediss", "amqp", "https"]),
    user=st.sampled_from(["app", "", "neondb_owner", "default"]),
    middle=st.text(alphabet=PASSWORD_CHARS, min_size=1, max_size=24).filter(lambda s: "://" not in s),
    rest=st.sampled_from(["", "/shop", ":5432/shop?sslmode=require", "/0", "//"]),
)
def test_redact__free_text_url_never_shows_any_part_of_its_password(scheme, user, middle, rest):
    """A URL that is not a configured secret (so not scrubbed by value) in a log line or a page:
    no part of its password shows, whatever the password holds."""
    password = f"Pw{middle}wP"  # its two ends: neither appears anywhere else in the text
    url = f"{scheme}://{user}:{password}@db.example.com{rest}"
    redacted = redact(f'connection to {url} failed; retrying "{url}" at 10:31', embedded=True)
    assert "Pw" not in redacted and "wP" not in redacted, redacted


def test_redact__free_text_path_with_at_sign():
    """Without a ':' before it, a path's '@' is no user info; with one, the text between is masked."""
    assert redact("GET https://x.com/@shop", embedded=True) == "GET https://x.com/@shop"
    assert redact("see http://h/a:b@c", embedded=True) == "see http://h/a:***@c"  # over-masking, not a leak


def test_redact__libpq_keyword_strings_in_free_text():
    text = f"connect(host=db user=app password={CANARY} dbname=shop) or sslpassword='{CANARY} x'"
    assert redact(text, embedded=True) == "connect(host=db user=app password=*** dbname=shop) or sslpassword=***"


def test_passwords__as_written_decoded_and_in_list_pieces():
    found = set(passwords(f"redis://:{CANARY}%2Cx@h/0"))
    assert {f"{CANARY}%2Cx", f"{CANARY},x", CANARY} <= found


def test_masked_value__invalid_non_secret_is_not_shown():
    """A secret pasted into the wrong variable is exactly what makes a value invalid."""
    env = Env(
        {
            "DEBUG": "true",
            "ALLOWED_HOSTS": f"https://admin:{CANARY}@shop.example.com",
            "LOG_LEVEL": CANARY,
            "TIME_ZONE": "Europe/Paris",
        }
    )
    doctor.diagnose(env)
    assert doctor.masked_value(env, BY_NAME["ALLOWED_HOSTS"]) == "<invalid, not shown>"
    assert doctor.masked_value(env, BY_NAME["LOG_LEVEL"]) == "<invalid, not shown>"
    assert doctor.masked_value(env, BY_NAME["TIME_ZONE"]) == "Europe/Paris"


def test_masked_value__secret_url_list_every_server_masked():
    env = Env({"DATABASE_REPLICA_URLS": f"postgresql://ro:{CANARY}@r1/db,postgresql://r2/db?password={CANARY}"})
    assert (
        doctor.masked_value(env, BY_NAME["DATABASE_REPLICA_URLS"])
        == "postgresql://ro:***@r1/db,postgresql://r2/db?password=***"
    )
