"""Bad environments: each bad input gives one ImproperlyConfigured naming its variable, never a secret.

Every row goes through the real entry point, ``build_settings(*BUILDERS, env=...)``, on top of a
minimal valid production environment, so a row fails only because of what it changes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config import BUILDERS
from modestwear_config.components.log_formatters import JsonFormatter, RedactingFormatter
from modestwear_config.concerns import VARIABLES
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.env import Env

CANARY = "Canary-7f3e9b2d41"
STRONG_KEY = "prod-" + "".join(chr(97 + (i * 7) % 26) for i in range(60))
BASE = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "shop.example.com",
    "BASE_DIR": "{tmp}",
    "DATABASE_URL": "sqlite:///{tmp}/db.sqlite3",  # production names its database
}
PG = f"postgresql://app:{CANARY}@db.example.com"
REDIS = "redis://127.0.0.1:6379/0"
REDISS = f"rediss://default:{CANARY}@cache.example.com:6379/0"
SMTP = {"EMAIL_HOST": "smtp.example.com"}
DELETE = None

# (id, changes to BASE (None deletes), variables the single error must name)
CASES: list[tuple[str, dict[str, str | None], set[str]]] = [
    # booleans
    ("bool_unknown_word", {"DEBUG": "maybe"}, {"DEBUG"}),
    ("bool_empty", {"DEBUG": ""}, {"DEBUG"}),
    ("bool_number_2", {"DATABASE_CONN_HEALTH_CHECKS": "2"}, {"DATABASE_CONN_HEALTH_CHECKS"}),
    ("bool_phrase", {"CORS_ALLOW_CREDENTIALS": "yes please"}, {"CORS_ALLOW_CREDENTIALS"}),
    ("bool_ssl_redirect", {"SECURE_SSL_REDIRECT": "sometimes"}, {"SECURE_SSL_REDIRECT"}),
    ("bool_hsts_preload", {"SECURE_HSTS_PRELOAD": "null"}, {"SECURE_HSTS_PRELOAD"}),
    ("bool_behind_proxy", {"BEHIND_TLS_PROXY": "render"}, {"BEHIND_TLS_PROXY"}),
    ("bool_celery_eager", {"CELERY_TASK_ALWAYS_EAGER": "eager"}, {"CELERY_TASK_ALWAYS_EAGER"}),
    ("bool_redis_ignore", {"REDIS_URL": REDIS, "REDIS_IGNORE_EXCEPTIONS": "ignore"}, {"REDIS_IGNORE_EXCEPTIONS"}),
    ("bool_email_tls", {**SMTP, "EMAIL_USE_TLS": "starttls"}, {"EMAIL_USE_TLS"}),
    # integers
    ("int_text", {"DATABASE_CONN_MAX_AGE": "ten"}, {"DATABASE_CONN_MAX_AGE"}),
    ("int_negative", {"DATABASE_CONN_MAX_AGE": "-1"}, {"DATABASE_CONN_MAX_AGE"}),
    ("int_float_given", {"DATABASE_CONNECT_TIMEOUT": "2.5"}, {"DATABASE_CONNECT_TIMEOUT"}),
    ("int_below_libpq_minimum", {"DATABASE_CONNECT_TIMEOUT": "1"}, {"DATABASE_CONNECT_TIMEOUT"}),
    ("int_above_maximum", {"DATABASE_CONNECT_TIMEOUT": "601"}, {"DATABASE_CONNECT_TIMEOUT"}),
    ("int_hsts_negative", {"SECURE_HSTS_SECONDS": "-5"}, {"SECURE_HSTS_SECONDS"}),
    ("int_port_out_of_range", {**SMTP, "EMAIL_PORT": "70000"}, {"EMAIL_PORT"}),
    ("int_port_text", {**SMTP, "EMAIL_PORT": "smtp"}, {"EMAIL_PORT"}),
    ("int_timeout_zero", {**SMTP, "EMAIL_TIMEOUT": "0"}, {"EMAIL_TIMEOUT"}),
    # floats
    ("float_nan", {"REDIS_URL": REDIS, "REDIS_SOCKET_TIMEOUT": "nan"}, {"REDIS_SOCKET_TIMEOUT"}),
    ("float_inf", {"REDIS_URL": REDIS, "REDIS_SOCKET_CONNECT_TIMEOUT": "inf"}, {"REDIS_SOCKET_CONNECT_TIMEOUT"}),
    ("float_zero", {"REDIS_URL": REDIS, "REDIS_SOCKET_TIMEOUT": "0"}, {"REDIS_SOCKET_TIMEOUT"}),
    ("float_text", {"REDIS_URL": REDIS, "REDIS_SOCKET_TIMEOUT": "5s"}, {"REDIS_SOCKET_TIMEOUT"}),
    ("cache_alias_unnamed", {"CACHES_EXTRA": f"redis://:{CANARY}@cache.example.com/1"}, {"CACHES_EXTRA"}),
    ("cache_alias_default", {"CACHES_EXTRA": f"default=redis://:{CANARY}@cache.example.com/1"}, {"CACHES_EXTRA"}),
    # URLs
    ("url_frontend_without_scheme", {"FRONTEND_URL": "modestwear-app.vercel.app"}, {"FRONTEND_URL"}),
    ("url_frontend_with_path", {"FRONTEND_URL": "https://modestwear-app.vercel.app/shop"}, {"FRONTEND_URL"}),
    ("db_without_scheme", {"DATABASE_URL": f"app:{CANARY}@db.example.com/shop"}, {"DATABASE_URL"}),
    ("db_unknown_scheme", {"DATABASE_URL": f"mongodb://app:{CANARY}@db.example.com/shop"}, {"DATABASE_URL"}),
    ("db_bad_port", {"DATABASE_URL": f"{PG}:port/shop"}, {"DATABASE_URL"}),
    ("db_port_out_of_range", {"DATABASE_URL": f"{PG}:99999/shop"}, {"DATABASE_URL"}),
    ("db_empty", {"DATABASE_URL": ""}, {"DATABASE_URL"}),
    ("db_blank", {"DATABASE_URL": "   "}, {"DATABASE_URL"}),
    ("db_no_database_name", {"DATABASE_URL": PG}, {"DATABASE_URL"}),
    ("db_no_database_name_slash", {"DATABASE_URL": f"{PG}/"}, {"DATABASE_URL"}),
    ("db_unclosed_bracket", {"DATABASE_URL": f"postgresql://app:{CANARY}@[::1/shop"}, {"DATABASE_URL"}),
    ("db_newline_inside", {"DATABASE_URL": f"{PG}/sh\nop"}, {"DATABASE_URL"}),
    ("db_url_file_missing", {"DATABASE_URL_FILE": "{tmp}/missing"}, {"DATABASE_URL"}),
    (
        "replica_no_database_name",
        {"DATABASE_REPLICA_URLS": f"{PG.replace('db.', 'replica.')}"},
        {"DATABASE_REPLICA_URLS"},
    ),
    (
        "replica_unknown_scheme",
        {"DATABASE_REPLICA_URLS": f"{PG}/shop,redis://r:{CANARY}@h/0"},
        {"DATABASE_REPLICA_URLS"},
    ),
    ("celery_broker_without_scheme", {"CELERY_BROKER_URL": f"guest:{CANARY}@mq.example.com"}, {"CELERY_BROKER_URL"}),
    ("celery_backend_bad_port", {"CELERY_RESULT_BACKEND": f"redis://:{CANARY}@h:port/0"}, {"CELERY_RESULT_BACKEND"}),
    ("redis_wrong_scheme", {"REDIS_URL": f"http://default:{CANARY}@cache.example.com:6379"}, {"REDIS_URL"}),
    ("redis_without_scheme", {"REDIS_URL": "cache.example.com:6379"}, {"REDIS_URL"}),
    ("redis_tls_option_in_query", {"REDIS_URL": f"{REDISS}?ssl_cert_reqs=none"}, {"REDIS_URL"}),
    ("redis_ca_file_missing", {"REDIS_URL": REDISS, "REDIS_SSL_CA_CERTS": "{tmp}/ca.pem"}, {"REDIS_SSL_CA_CERTS"}),
    ("redis_cert_reqs_choice", {"REDIS_URL": REDISS, "REDIS_SSL_CERT_REQS": "optional"}, {"REDIS_SSL_CERT_REQS"}),
    # origins
    ("origin_with_path", {"CORS_ALLOWED_ORIGINS": "https://app.example.com/api"}, {"CORS_ALLOWED_ORIGINS"}),
    ("origin_without_scheme", {"CORS_ALLOWED_ORIGINS": "app.example.com"}, {"CORS_ALLOWED_ORIGINS"}),
    ("origin_wildcard", {"CORS_ALLOWED_ORIGINS": "*"}, {"CORS_ALLOWED_ORIGINS"}),
    ("origin_wildcard_host", {"CORS_ALLOWED_ORIGINS": "https://*"}, {"CORS_ALLOWED_ORIGINS"}),
    ("origin_wildcard_subdomain_in_cors", {"CORS_ALLOWED_ORIGINS": "https://*.example.com"}, {"CORS_ALLOWED_ORIGINS"}),
    ("origin_ftp", {"CORS_ALLOWED_ORIGINS": "ftp://files.example.com"}, {"CORS_ALLOWED_ORIGINS"}),
    ("origin_user_info", {"CORS_ALLOWED_ORIGINS": f"https://u:{CANARY}@app.example.com"}, {"CORS_ALLOWED_ORIGINS"}),
    (
        "origin_one_bad_of_two",
        {"CORS_ALLOWED_ORIGINS": "https://ok.example.com,https//typo.example.com"},
        {"CORS_ALLOWED_ORIGINS"},
    ),
    ("csrf_origin_with_query", {"CSRF_TRUSTED_ORIGINS": "https://admin.example.com?next=/"}, {"CSRF_TRUSTED_ORIGINS"}),
    ("csrf_origin_without_scheme", {"CSRF_TRUSTED_ORIGINS": ".example.com"}, {"CSRF_TRUSTED_ORIGINS"}),
    # hosts
    ("hosts_holding_a_url", {"ALLOWED_HOSTS": "https://shop.example.com"}, {"ALLOWED_HOSTS"}),
    ("hosts_with_port", {"ALLOWED_HOSTS": "shop.example.com:8000"}, {"ALLOWED_HOSTS"}),
    ("hosts_missing_in_production", {"ALLOWED_HOSTS": DELETE}, {"ALLOWED_HOSTS"}),
    ("hosts_only_commas", {"ALLOWED_HOSTS": " , "}, {"ALLOWED_HOSTS"}),
    # list values that look valid and are not: each item must be one its consumer accepts at request time
    ("hosts_space_separated", {"ALLOWED_HOSTS": "shop.example.com www.example.com"}, {"ALLOWED_HOSTS"}),
    ("hosts_semicolons", {"ALLOWED_HOSTS": "shop.example.com;www.example.com"}, {"ALLOWED_HOSTS"}),
    ("hosts_trailing_dotenv_comment", {"ALLOWED_HOSTS": "shop.example.com # production"}, {"ALLOWED_HOSTS"}),
    ("hosts_quoted", {"ALLOWED_HOSTS": "'shop.example.com'"}, {"ALLOWED_HOSTS"}),
    ("hosts_star_dot_wildcard", {"ALLOWED_HOSTS": "*.example.com"}, {"ALLOWED_HOSTS"}),
    ("hosts_not_ascii", {"ALLOWED_HOSTS": "münchen.example"}, {"ALLOWED_HOSTS"}),
    ("hosts_trailing_dot", {"ALLOWED_HOSTS": "shop.example.com."}, {"ALLOWED_HOSTS"}),
    ("hosts_underscore", {"ALLOWED_HOSTS": "shop_1.internal"}, {"ALLOWED_HOSTS"}),
    ("render_hostname_with_space", {"RENDER_EXTERNAL_HOSTNAME": "shop.onrender.com x"}, {"RENDER_EXTERNAL_HOSTNAME"}),
    ("origin_semicolon_in_host", {"CORS_ALLOWED_ORIGINS": "https://app.example.com;x"}, {"CORS_ALLOWED_ORIGINS"}),
    ("origin_not_ascii", {"CORS_ALLOWED_ORIGINS": "https://münchen.example"}, {"CORS_ALLOWED_ORIGINS"}),
    ("csrf_origin_semicolon", {"CSRF_TRUSTED_ORIGINS": "https://*.example.com;x"}, {"CSRF_TRUSTED_ORIGINS"}),
    (
        "replicas_space_separated",
        {"DATABASE_URL": f"{PG}/shop", "DATABASE_REPLICA_URLS": f"{PG}/r1 {PG}/r2"},
        {"DATABASE_REPLICA_URLS"},
    ),
    (
        "replicas_semicolons",
        {"DATABASE_URL": f"{PG}/shop", "DATABASE_REPLICA_URLS": f"{PG}/r1;{PG}/r2"},
        {"DATABASE_REPLICA_URLS"},
    ),
    (
        "replicas_trailing_comment",
        {"DATABASE_URL": f"{PG}/shop", "DATABASE_REPLICA_URLS": f"{PG}/r1 # first"},
        {"DATABASE_REPLICA_URLS"},
    ),
    (
        "render_hostname_is_a_url",
        {"RENDER_EXTERNAL_HOSTNAME": "https://shop.onrender.com"},
        {"RENDER_EXTERNAL_HOSTNAME"},
    ),
    # SECRET_KEY
    ("key_missing_in_production", {"SECRET_KEY": DELETE}, {"SECRET_KEY"}),
    ("key_empty_in_production", {"SECRET_KEY": ""}, {"SECRET_KEY"}),
    ("key_too_short", {"SECRET_KEY": CANARY}, {"SECRET_KEY"}),
    ("key_django_insecure", {"SECRET_KEY": "django-insecure-" + CANARY * 4}, {"SECRET_KEY"}),
    ("key_few_distinct_characters", {"SECRET_KEY": "ab" * 40}, {"SECRET_KEY"}),
    ("key_file_missing", {"SECRET_KEY": DELETE, "SECRET_KEY_FILE": "{tmp}/missing"}, {"SECRET_KEY"}),
    ("key_file_is_a_directory", {"SECRET_KEY": DELETE, "SECRET_KEY_FILE": "{tmp}"}, {"SECRET_KEY"}),
    ("key_file_weak_content", {"SECRET_KEY": DELETE, "SECRET_KEY_FILE": "{tmp}/weak"}, {"SECRET_KEY"}),
    ("key_and_key_file_both", {"SECRET_KEY_FILE": "{tmp}/key"}, {"SECRET_KEY"}),
    ("email_password_file_unreadable", {"EMAIL_HOST_PASSWORD_FILE": "{tmp}"}, {"EMAIL_HOST_PASSWORD"}),
    # choices
    ("choice_log_level", {"LOG_LEVEL": "verbose"}, {"LOG_LEVEL"}),
    ("choice_log_format", {"LOG_FORMAT": "xml"}, {"LOG_FORMAT"}),
    ("choice_x_frame_options", {"X_FRAME_OPTIONS": "ALLOWALL"}, {"X_FRAME_OPTIONS"}),
    ("choice_coop", {"SECURE_CROSS_ORIGIN_OPENER_POLICY": "open"}, {"SECURE_CROSS_ORIGIN_OPENER_POLICY"}),
    ("time_zone_unknown", {"TIME_ZONE": "Mars/Olympus_Mons"}, {"TIME_ZONE"}),
    ("language_unknown", {"LANGUAGE_CODE": "klingon"}, {"LANGUAGE_CODE"}),
    ("static_url_without_slash", {"STATIC_URL": "/static"}, {"STATIC_URL"}),
    ("media_url_empty", {"MEDIA_URL": ""}, {"MEDIA_URL"}),
    ("media_url_same_as_static", {"MEDIA_URL": "/static/"}, {"MEDIA_URL"}),
    # email
    ("email_tls_and_ssl", {**SMTP, "EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, {"EMAIL_USE_TLS"}),
    ("email_tls_on_port_465", {**SMTP, "EMAIL_PORT": "465", "EMAIL_USE_TLS": "true"}, {"EMAIL_USE_TLS"}),
    # Cloudinary
    ("cloudinary_only_cloud_name", {"CLOUDINARY_CLOUD_NAME": "shop"}, {"CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET"}),
    (
        "cloudinary_secret_missing",
        {"CLOUDINARY_CLOUD_NAME": "shop", "CLOUDINARY_API_KEY": "123"},
        {"CLOUDINARY_API_SECRET"},
    ),
    ("cloudinary_only_secret", {"CLOUDINARY_API_SECRET": CANARY}, {"CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY"}),
    ("cloudinary_url_wrong_scheme", {"CLOUDINARY_URL": f"https://123:{CANARY}@shop"}, {"CLOUDINARY_URL"}),
    ("cloudinary_url_missing_secret", {"CLOUDINARY_URL": "cloudinary://123@shop"}, {"CLOUDINARY_URL"}),
    ("cloudinary_url_without_scheme", {"CLOUDINARY_URL": f"123:{CANARY}@shop"}, {"CLOUDINARY_URL"}),
    (
        "cloudinary_url_and_parts",
        {"CLOUDINARY_URL": f"cloudinary://123:{CANARY}@shop", "CLOUDINARY_API_SECRET": CANARY},
        {"CLOUDINARY_URL"},
    ),
    # paths and .env
    ("base_dir_blank", {"BASE_DIR": "  "}, {"BASE_DIR"}),
    ("env_file_missing", {"ENV_FILE": "{tmp}/missing.env"}, {"ENV_FILE"}),
    ("env_file_not_utf8", {"ENV_FILE": "{tmp}/latin1.env"}, {"ENV_FILE"}),
    # ENV_FILE, like *_FILE, reads only a bounded regular file: never blocks or fills memory at start-up
    ("env_file_dev_zero", {"ENV_FILE": "/dev/zero"}, {"ENV_FILE"}),
    ("env_file_fifo", {"ENV_FILE": "{tmp}/fifo"}, {"ENV_FILE"}),
    ("env_file_directory", {"ENV_FILE": "{tmp}"}, {"ENV_FILE"}),
    ("env_file_too_large", {"ENV_FILE": "{tmp}/huge.env"}, {"ENV_FILE"}),
    # bytes that are not UTF-8 (POSIX environments are bytes; Python keeps them as surrogate escapes)
    ("not_utf8_secret_key", {"SECRET_KEY": STRONG_KEY + "\udcff"}, {"SECRET_KEY"}),
    ("not_utf8_base_dir", {"BASE_DIR": "{tmp}/\udcff"}, {"BASE_DIR"}),
    ("not_utf8_allowed_hosts", {"ALLOWED_HOSTS": "sh\udcffop.example.com"}, {"ALLOWED_HOSTS"}),
    ("not_utf8_database_url", {"DATABASE_URL": f"{PG}/sh\udce9op"}, {"DATABASE_URL"}),
    ("not_utf8_referrer_policy", {"SECURE_REFERRER_POLICY": "same-origin\udcff"}, {"SECURE_REFERRER_POLICY"}),
    ("not_utf8_email_password", {**SMTP, "EMAIL_HOST_PASSWORD": CANARY + "\udcff"}, {"EMAIL_HOST_PASSWORD"}),
    # *_FILE: only small regular files
    ("key_file_dev_zero", {"SECRET_KEY": DELETE, "SECRET_KEY_FILE": "/dev/zero"}, {"SECRET_KEY"}),
    ("key_file_fifo", {"SECRET_KEY": DELETE, "SECRET_KEY_FILE": "{tmp}/fifo"}, {"SECRET_KEY"}),
    ("key_file_too_large", {"SECRET_KEY": DELETE, "SECRET_KEY_FILE": "{tmp}/large"}, {"SECRET_KEY"}),
    ("db_url_file_dev_null", {"DATABASE_URL_FILE": "/dev/null"}, {"DATABASE_URL"}),
    # values that used to crash later, or unnamed
    ("path_unknown_user", {"BASE_DIR": "~no-such-user-mwc/project"}, {"BASE_DIR"}),
    (
        "path_unknown_user_ca",
        {"REDIS_URL": REDISS, "REDIS_SSL_CA_CERTS": "~no-such-user-mwc/ca.pem"},
        {"REDIS_SSL_CA_CERTS"},
    ),
    ("int_overflows_a_float", {"DATABASE_CONN_MAX_AGE": "9" * 400}, {"DATABASE_CONN_MAX_AGE"}),
    ("int_hsts_huge", {"SECURE_HSTS_SECONDS": "9" * 30}, {"SECURE_HSTS_SECONDS"}),
    ("int_email_timeout_huge", {**SMTP, "EMAIL_TIMEOUT": "9" * 20}, {"EMAIL_TIMEOUT"}),
    ("language_trailing_dash", {"LANGUAGE_CODE": "en-"}, {"LANGUAGE_CODE"}),
    ("language_underscore", {"LANGUAGE_CODE": "en_US"}, {"LANGUAGE_CODE"}),
    ("language_no_catalog", {"LANGUAGE_CODE": "xxxxxxxxx"}, {"LANGUAGE_CODE"}),
    ("media_url_inside_static", {"MEDIA_URL": "/static/media/"}, {"MEDIA_URL"}),
    ("static_url_inside_media", {"STATIC_URL": "/media/static/"}, {"STATIC_URL"}),
    ("referrer_header_injection", {"SECURE_REFERRER_POLICY": "same-origin\r\nX-Evil: 1"}, {"SECURE_REFERRER_POLICY"}),
    ("referrer_control_character", {"SECURE_REFERRER_POLICY": "same-origin\x7f"}, {"SECURE_REFERRER_POLICY"}),
    ("referrer_not_latin1", {"SECURE_REFERRER_POLICY": "sam\u0117-origin"}, {"SECURE_REFERRER_POLICY"}),
    ("referrer_unknown_token", {"SECURE_REFERRER_POLICY": "same-origin, everywhere"}, {"SECURE_REFERRER_POLICY"}),
    ("cache_prefix_control_character", {"CACHE_KEY_PREFIX": "shop\x00"}, {"CACHE_KEY_PREFIX"}),
]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "key").write_text(STRONG_KEY + "\n")
    (tmp_path / "weak").write_text(CANARY + "\n")
    (tmp_path / "bad.env").write_text(f"LOG_LEVEL=INFO\nSECRET_KEY = {CANARY}\nexport {CANARY}\n")
    (tmp_path / "latin1.env").write_bytes(f"EMAIL_HOST_PASSWORD=caf\xe9{CANARY}\n".encode("latin-1"))
    os.mkfifo(tmp_path / "fifo")  # reading it would block start-up forever
    (tmp_path / "large").write_text(STRONG_KEY * 2000)
    (tmp_path / "huge.env").write_text(f"EMAIL_HOST_PASSWORD={CANARY}\n" + "LOG_LEVEL=INFO\n" * 80_000)  # > 1 MiB
    return tmp_path


def environment(changes: dict[str, str | None], tmp: Path) -> dict[str, str]:
    merged = {**BASE, **changes}
    return {k: v.replace("{tmp}", str(tmp)) for k, v in merged.items() if v is not None}


def build(environ: dict[str, str]) -> tuple[Env, ImproperlyConfigured | None]:
    env = Env.with_dotenv(environ)
    try:
        build_settings(*BUILDERS, env=env)
    except ImproperlyConfigured as exc:
        return env, exc
    return env, None


def test_table__has_at_least_forty_cases_covering_every_kind():
    assert len(CASES) >= 40
    assert len({case_id for case_id, _, _ in CASES}) == len(CASES)
    named = {name for _, _, names in CASES for name in names}
    by_name = {var.name: var for var in VARIABLES}
    assert {by_name[name].kind for name in named} == {"bool", "int", "float", "str", "list", "url", "path"}
    assert any(by_name[name].secret for name in named)


def test_base_environment__is_valid_production(files):
    env, error = build(environment({}, files))
    assert error is None, error
    assert env("DEBUG") is False


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input__one_error_naming_the_variable_without_secrets(files, caplog, changes, expected):
    with caplog.at_level(logging.DEBUG):
        env, error = build(environment(changes, files))
    assert error is not None, "accepted a bad environment"
    message = str(error)
    assert set(env.problems) == expected
    for name in expected:
        assert f"  {name}: " in message
    assert message.count("\n") == len(expected) + 1  # a header, one line per variable, then the doctor's name
    assert CANARY not in message
    assert CANARY not in caplog.text


def test_bad_input__env_file_bad_lines_a_warning_by_number_without_secrets(files, caplog):
    """Bad .env lines are skipped and reported by number (W033): the settings still load, so
    `manage.py config` can run and show them."""
    with caplog.at_level(logging.DEBUG):
        env, error = build(environment({"ENV_FILE": "{tmp}/bad.env"}, files))
    assert error is None
    assert env.warnings["ENV_FILE"].endswith("line(s) 2, 3 are not KEY=VALUE and were ignored (contents not shown)")
    assert CANARY not in env.warnings["ENV_FILE"] + caplog.text


def family(name: str) -> str:
    # The Cloudinary variables form one either-or group: rows about them interact.
    return "CLOUDINARY" if name.startswith("CLOUDINARY") else name


def test_bad_inputs__several_at_once_all_named_in_one_error(files):
    merged: dict[str, str | None] = {}
    expected: set[str] = set()
    for _, changes, names in CASES:
        taken = {family(name) for name in [*merged, *expected]}
        if {family(name) for name in [*changes, *names]} & taken:
            continue
        merged.update(changes)
        expected |= names
    assert len(expected) >= 25
    env, error = build(environment(merged, files))
    assert error is not None
    assert set(env.problems) == expected
    for name in expected:
        assert f"  {name}: " in str(error)
    assert CANARY not in str(error)


def secret_environment(tmp: Path) -> dict[str, str]:
    """A canary in every secret variable and inside every URL password, some valid, some not."""
    values = {
        "SECRET_KEY": CANARY,  # weak in production
        "DATABASE_URL": f"postgresql://app:{CANARY}@db.example.com",  # no database name
        "DATABASE_REPLICA_URLS": f"postgresql://app:{CANARY}@replica.example.com:port/shop",
        "REDIS_URL": f"http://default:{CANARY}@cache.example.com:6379",  # wrong scheme
        "CACHES_EXTRA": f"local=locmem://,sessions=http://default:{CANARY}@cache.example.com:6379",  # wrong scheme
        "CELERY_BROKER_URL": f"amqp://guest:{CANARY}@mq.example.com:5672//",  # valid
        "CELERY_RESULT_BACKEND": f"rediss://default:{CANARY}@cache.example.com:6379/1?ssl_cert_reqs=none",
        "CLOUDINARY_URL": f"cloudinary://123:{CANARY}@",  # no cloud name
        "CLOUDINARY_API_SECRET": CANARY,  # and both forms given
        "EMAIL_HOST_PASSWORD": CANARY,
        "AWS_S3_ACCESS_KEY_ID": CANARY,  # without a bucket
        "AWS_S3_SECRET_ACCESS_KEY": CANARY,
        "EMAIL_API_KEY": CANARY,  # without EMAIL_PROVIDER
        "EMAIL_AWS_ACCESS_KEY_ID": CANARY,  # without EMAIL_PROVIDER=amazon-ses
        "HEALTH_TOKEN": CANARY,
        "DJANGO_SUPERUSER_PASSWORD": CANARY,
        "SENTRY_DSN": f"https://{CANARY}@o0.ingest.sentry.io/",  # no project id
        "OTEL_EXPORTER_OTLP_HEADERS": CANARY,  # not key=value
    }
    secrets = {var.name for var in VARIABLES if var.secret}
    assert secrets <= set(values), f"add a canary for {secrets - set(values)}"
    return {**environment({"EMAIL_HOST": "smtp.example.com"}, tmp), **values}


def test_canary__never_in_the_error_nor_any_log_output(files, caplog, monkeypatch):
    environ = secret_environment(files)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)  # what the formatters scrub
    with caplog.at_level(logging.DEBUG):
        env, error = build(environ)
        assert error is not None
        logging.getLogger("modestwear.test").exception("startup failed", exc_info=error)
    assert {
        "SECRET_KEY",
        "DATABASE_URL",
        "DATABASE_REPLICA_URLS",
        "REDIS_URL",
        "CACHES_EXTRA",
        "AWS_S3_ACCESS_KEY_ID",
        "CELERY_RESULT_BACKEND",
        "CLOUDINARY_URL",
    } <= set(env.problems)
    assert CANARY not in str(error)
    assert CANARY not in caplog.text
    formatted = [
        formatter.format(record) for formatter in (RedactingFormatter(), JsonFormatter()) for record in caplog.records
    ]
    assert formatted and all(CANARY not in line for line in formatted)
    assert all(
        "startup failed" in json.loads(line)["message"]
        for line in formatted[len(caplog.records) :]
        if "startup failed" in line
    )


def test_canary__in_every_variable_is_never_echoed(files, caplog):
    """A secret pasted into the wrong variable: whatever the variable, its value is not shown."""
    environ = {var.name: f"{CANARY}" for var in VARIABLES if var.kind != "path"}
    environ.update(
        {
            var.name: f"https://user:{CANARY}@{CANARY}.example.com:{CANARY}/{CANARY}"
            for var in VARIABLES
            if var.kind == "url"
        }
    )
    environ["BASE_DIR"] = str(files)
    with caplog.at_level(logging.DEBUG):
        env, error = build(environ)
    assert error is not None
    assert len(env.problems) >= 20
    assert CANARY not in str(error)
    assert CANARY not in caplog.text
