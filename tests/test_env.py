"""The environment reader: typed strict reads, NAME_FILE secrets, .env loading, sources, redaction."""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from modestwear_config.concerns.assemble import build_settings, lazy_settings
from modestwear_config.env import BY_NAME, Env, check_url
from modestwear_config.env import files as env_files
from modestwear_config.env import parsers as env_parsers
from modestwear_config.env.files import base_dir
from modestwear_config.scrub.url_passwords import redact_url

CANARY = "Canary-7f3e9b2d41"


def problems(**environ: str) -> dict[str, str]:
    """Read every given variable and return what Env recorded."""
    env = Env(environ)
    for name in environ:
        if name in BY_NAME:
            env(name)
    return env.problems


# -- typed reads --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("DEBUG", "true", True),
        ("DEBUG", " Yes ", True),
        ("DEBUG", "ON", True),
        ("DEBUG", "1", True),
        ("DEBUG", "false", False),
        ("DEBUG", "No", False),
        ("DEBUG", "off", False),
        ("DEBUG", "0", False),
        ("DATABASE_CONN_MAX_AGE", " 42 ", 42),
        ("DATABASE_CONN_MAX_AGE", "0", 0),
        ("REDIS_SOCKET_TIMEOUT", "0.25", 0.25),
        ("REDIS_SOCKET_TIMEOUT", "3", 3.0),
        ("ALLOWED_HOSTS", " a.com , ,b.com,", ["a.com", "b.com"]),
        ("ALLOWED_HOSTS", "", []),
        ("LOG_LEVEL", "debug", "DEBUG"),
        ("X_FRAME_OPTIONS", "sameorigin", "SAMEORIGIN"),
        ("TIME_ZONE", "  Europe/Paris  ", "Europe/Paris"),
        ("FRONTEND_URL", " https://x.example ", "https://x.example"),
        ("BASE_DIR", " /srv/app ", Path("/srv/app")),
    ],
)
def test_env__typed_read(name, raw, expected):
    env = Env({name: raw})
    assert env(name) == expected
    assert env.problems == {}


def test_env__unset_gives_registry_default_or_given_default():
    env = Env({})
    assert env("DATABASE_CONN_MAX_AGE") == BY_NAME["DATABASE_CONN_MAX_AGE"].default
    assert env("SECURE_SSL_REDIRECT", True) is True
    assert env("FRONTEND_URL") == ""  # never None: it is formatted into links
    assert env.sources["FRONTEND_URL"] == "default"


def test_env__undeclared_name_is_refused():
    with pytest.raises(KeyError):
        Env({"NOT_DECLARED": "1"})("NOT_DECLARED")


@pytest.mark.parametrize("raw", ["maybe", "", "2", "tru", "y", "enable", "true false"])
def test_env__strict_booleans(raw):
    env = Env({"DEBUG": raw})
    assert env("DEBUG") is False  # the default, never a guess
    assert "expected a boolean" in env.problems["DEBUG"]


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("DATABASE_CONN_MAX_AGE", "ten", "expected an integer"),
        ("DATABASE_CONN_MAX_AGE", "1.5", "expected an integer"),
        ("DATABASE_CONN_MAX_AGE", "-1", ">= 0"),
        ("DATABASE_CONNECT_TIMEOUT", "1", ">= 2"),
        ("DATABASE_CONNECT_TIMEOUT", "601", "<= 600"),
        ("REDIS_SOCKET_TIMEOUT", "nan", "non-finite"),
        ("REDIS_SOCKET_TIMEOUT", "-inf", "non-finite"),
        ("REDIS_SOCKET_TIMEOUT", "fast", "expected a number"),
        ("LOG_FORMAT", "xml", "expected one of text, json"),
        ("FRONTEND_URL", "", "empty"),
        ("FRONTEND_URL", "example.com", "scheme"),
        ("FRONTEND_URL", "https://ex ample.com", "whitespace"),
        ("FRONTEND_URL", "https://example.com:99999", "cannot be parsed"),
        # port 0: redis-py connects there and fails at every call; dj-database-url silently uses 5432
        ("REDIS_URL", "redis://cache.example.com:0/0", "port 0"),
        ("DATABASE_URL", "postgresql://u:p@db.example.com:00/shop", "port 0"),
        ("BASE_DIR", "  ", "path"),
        ("BASE_DIR", "/tmp/a\x00b", "path"),
    ],
)
def test_env__bad_value_recorded_without_the_value(name, raw, fragment):
    env = Env({name: raw})
    assert env(name) == BY_NAME[name].default
    message = env.problems[name]
    assert fragment in message
    if raw.strip():
        assert raw.strip() not in message


def test_env__first_problem_per_variable_is_kept():
    env = Env({})
    env.error("DEBUG", "first")
    env.error("DEBUG", "second")
    assert env.problems == {"DEBUG": "first"}


def test_env__raise_if_problems_names_every_variable_once():
    env = Env({"DEBUG": "maybe", "LOG_LEVEL": "loud"})
    env("DEBUG"), env("LOG_LEVEL")
    with pytest.raises(ImproperlyConfigured) as raised:
        env.raise_if_problems()
    text = str(raised.value)
    assert text.count("DEBUG:") == 1 and text.count("LOG_LEVEL:") == 1


def test_env__raise_if_problems_is_silent_without_problems():
    Env({}).raise_if_problems()


def test_env__no_dollar_interpolation(tmp_path):
    (tmp_path / ".env").write_text("GOOGLE_CLIENT_ID=$HOME\nFACEBOOK_APP_ID='${PATH}'\n")
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path), "EMAIL_HOST_PASSWORD": "$UNDEFINED_VARIABLE"})
    assert env("GOOGLE_CLIENT_ID") == "$HOME"
    assert env("FACEBOOK_APP_ID") == "${PATH}"
    assert env("EMAIL_HOST_PASSWORD") == "$UNDEFINED_VARIABLE"
    assert env.problems == {}


def test_env__secret_strings_keep_their_spaces():
    assert Env({"EMAIL_HOST_PASSWORD": " pass word "})("EMAIL_HOST_PASSWORD") == " pass word "


# -- NAME_FILE ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("s3cret\n", "s3cret"),
        ("s3cret\r\n", "s3cret"),
        ("s3cret", "s3cret"),
        ("s3cret\n\n", "s3cret\n"),  # only one trailing newline is dropped
        ("line1\nline2\n", "line1\nline2"),
    ],
)
def test_env_file__content_with_one_trailing_newline_stripped(tmp_path, content, expected):
    secret = tmp_path / "secret"
    secret.write_bytes(content.encode())
    env = Env({"EMAIL_HOST_PASSWORD_FILE": str(secret)})
    assert env("EMAIL_HOST_PASSWORD") == expected
    assert env.sources["EMAIL_HOST_PASSWORD"] == "file"


def test_env_file__url_secret_from_file(tmp_path):
    (tmp_path / "db").write_text("postgresql://u:p@db.example.com/app\n")
    env = Env({"DATABASE_URL_FILE": str(tmp_path / "db")})
    assert env("DATABASE_URL") == "postgresql://u:p@db.example.com/app"


@pytest.mark.parametrize("target", ["missing", "directory", "binary"])
def test_env_file__unreadable_is_one_problem_on_the_variable(tmp_path, target):
    paths = {"missing": tmp_path / "nope", "directory": tmp_path, "binary": tmp_path / "bin"}
    (tmp_path / "bin").write_bytes(b"\xff\xfe" + CANARY.encode())
    env = Env({"DEBUG": "false", "ALLOWED_HOSTS": "x.com", "SECRET_KEY_FILE": str(paths[target])})
    with pytest.raises(ImproperlyConfigured) as raised:
        build_settings(_core, env=env)
    assert list(env.problems) == ["SECRET_KEY"]  # not also a misleading "You have not set it"
    assert "SECRET_KEY_FILE names a file that cannot be read" in str(raised.value)
    assert CANARY not in str(raised.value)


def test_env_file__name_and_name_file_both_set(tmp_path):
    (tmp_path / "key").write_text(CANARY)
    env = Env({"SECRET_KEY": CANARY, "SECRET_KEY_FILE": str(tmp_path / "key")})
    assert env("SECRET_KEY") is None
    assert "not both" in env.problems["SECRET_KEY"]
    assert CANARY not in env.problems["SECRET_KEY"]


def test_env_file__only_for_secrets(tmp_path):
    (tmp_path / "hosts").write_text("a.com")
    env = Env({"ALLOWED_HOSTS_FILE": str(tmp_path / "hosts")})
    assert list(env("ALLOWED_HOSTS")) == []


# -- .env --------------------------------------------------------------------------------
def test_dotenv__fills_what_the_environment_does_not_set(tmp_path):
    (tmp_path / ".env").write_text(
        "# comment\n\nexport DEBUG=true\nLOG_LEVEL='warning'\nTIME_ZONE=\"Europe/Paris\"\nSECRET_KEY=from-dotenv\n"
    )
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path), "SECRET_KEY": "from-environment"})
    assert env("DEBUG") is True
    assert env("LOG_LEVEL") == "WARNING"
    assert env("TIME_ZONE") == "Europe/Paris"
    assert env("SECRET_KEY") == "from-environment"
    assert env.sources["DEBUG"] == "dotenv"
    assert env.sources["SECRET_KEY"] == "environment"
    assert env.problems == {}


def test_dotenv__real_environment_name_beats_dotenv_name_file(tmp_path):
    (tmp_path / "key").write_text("from-file")
    (tmp_path / ".env").write_text(f"SECRET_KEY_FILE={tmp_path / 'key'}\n")
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path), "SECRET_KEY": "from-environment"})
    assert env("SECRET_KEY") == "from-environment"
    assert env.problems == {}


def test_dotenv__real_environment_name_file_beats_dotenv_name(tmp_path):
    (tmp_path / "key").write_text("from-file\n")
    (tmp_path / ".env").write_text("SECRET_KEY=from-dotenv\n")
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path), "SECRET_KEY_FILE": str(tmp_path / "key")})
    assert env("SECRET_KEY") == "from-file"
    assert env.sources["SECRET_KEY"] == "file"
    assert env.problems == {}


def test_dotenv__never_touches_os_environ(tmp_path, monkeypatch):
    monkeypatch.delenv("GOOGLE_CLIENT_ID", raising=False)
    (tmp_path / ".env").write_text("GOOGLE_CLIENT_ID=abc\n")
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path)})
    assert env("GOOGLE_CLIENT_ID") == "abc"
    import os

    assert "GOOGLE_CLIENT_ID" not in os.environ


def test_dotenv__bad_lines_counted_never_logged(tmp_path, caplog):
    (tmp_path / ".env").write_text(f"GOOD=1\nSECRET_KEY = {CANARY}\n{CANARY}\n  DEBUG=true\n")
    with caplog.at_level(logging.DEBUG):
        env = Env.with_dotenv({"BASE_DIR": str(tmp_path)})
    assert env.problems == {}  # the other lines load: a warning (W033), so `manage.py config` can still run
    assert env.warnings["ENV_FILE"] == (
        f"{tmp_path / '.env'}: line(s) 2, 3, 4 are not KEY=VALUE and were ignored (contents not shown)"
    )
    assert not env.is_set("DEBUG") and env.names() == {"BASE_DIR", "GOOD"}  # bad lines are not read either
    assert CANARY not in caplog.text
    assert CANARY not in env.warnings["ENV_FILE"]
    assert not any("Invalid line" in r.getMessage() for r in caplog.records)


def test_dotenv__filter_passes_other_records(tmp_path, caplog):
    (tmp_path / ".env").write_text("DEBUG=true\n")
    with caplog.at_level(logging.DEBUG, logger="environ"):
        Env.with_dotenv({"BASE_DIR": str(tmp_path)})
    assert any("Read environment variables" in r.getMessage() for r in caplog.records)


def test_dotenv__not_utf8_is_a_problem(tmp_path):
    (tmp_path / ".env").write_bytes(b"SECRET_KEY=\xff\xfe" + CANARY.encode() + b"\n")
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path)})
    assert env.problems == {"ENV_FILE": f"{tmp_path / '.env'} is not UTF-8 text"}
    assert env("SECRET_KEY") is None


def test_dotenv__explicit_env_file(tmp_path):
    (tmp_path / "local.env").write_text("DEBUG=on\n")
    env = Env.with_dotenv({"ENV_FILE": str(tmp_path / "local.env"), "BASE_DIR": "/nonexistent"})
    assert env("DEBUG") is True


def test_dotenv__explicit_env_file_missing_is_a_problem(tmp_path):
    env = Env.with_dotenv({"ENV_FILE": str(tmp_path / "missing.env")})
    assert "does not exist" in env.problems["ENV_FILE"]


def test_dotenv__larger_than_the_cap_is_refused_whole(tmp_path):
    """A .env over DOTENV_MAX_BYTES (a dump, a binary) is an error, not read in part: half a file is half a config."""
    line = f"EMAIL_HOST_PASSWORD={CANARY}\n"
    (tmp_path / ".env").write_text("DEBUG=on\n" + line * (env_files.DOTENV_MAX_BYTES // len(line) + 1))
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path)})
    assert env.problems == {"ENV_FILE": f"{tmp_path / '.env'} is a file that cannot be read (larger than 1024 KiB)"}
    assert env("DEBUG") is False


def test_dotenv__env_file_naming_a_device_is_not_called_missing():
    env = Env.with_dotenv({"ENV_FILE": "/dev/zero"})
    assert "not a regular file" in env.problems["ENV_FILE"]


def test_dotenv__absent_default_file_is_fine(tmp_path):
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path)})
    assert env.problems == {}
    assert env("DEBUG") is False


def test_env__from_os_reads_process_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("LOG_FORMAT", "json")
    (tmp_path / ".env").write_text("LOG_FORMAT=text\nLOG_LEVEL=ERROR\n")
    env = Env.from_os()
    assert (env("LOG_FORMAT"), env("LOG_LEVEL")) == ("json", "ERROR")
    assert env.sources["LOG_FORMAT"] == "environment"
    assert env.sources["LOG_LEVEL"] == "dotenv"


# -- sources, repr, secrets --------------------------------------------------------------
def test_env__repr_never_shows_values(tmp_path):
    env = Env({"SECRET_KEY": CANARY, "DATABASE_URL": f"postgresql://u:{CANARY}@h/db", "DEBUG": "maybe"})
    env("SECRET_KEY"), env("DATABASE_URL"), env("DEBUG")
    assert CANARY not in repr(env)
    assert repr(env) == "<Env: 3 read, 1 problem(s)>"


def test_env__is_set():
    env = Env({"DEBUG": ""})
    assert env.is_set("DEBUG") and not env.is_set("LOG_LEVEL")


def test_env__secret_values_include_url_passwords_encoded_and_decoded(tmp_path):
    (tmp_path / "pw").write_text(" padded-secret \n")
    env = Env(
        {
            "DATABASE_URL": f" postgresql://u:{CANARY}%40x@h/db ",
            "DATABASE_REPLICA_URLS": "postgresql://u:replica-pass@r1/db, postgresql://r2/db, postgresql://u:p@[::1/db",
            "EMAIL_HOST_PASSWORD_FILE": str(tmp_path / "pw"),
            "HEALTH_TOKEN": "",
            "GOOGLE_CLIENT_ID": "not-a-secret",
        }
    )
    values = set(env.secret_values())
    assert {f"{CANARY}%40x", f"{CANARY}@x", "replica-pass", " padded-secret ", "padded-secret"} <= values
    assert f"postgresql://u:{CANARY}%40x@h/db" in values  # stripped form too
    assert "not-a-secret" not in values
    assert "" not in values


# -- URLs ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://user:pw@host:5432/db?sslmode=require", "postgresql://user:***@host:5432/db?sslmode=require"),
        ("rediss://:token@host:6379/0", "rediss://***@host:6379/0"),
        ("redis://token@host:6379", "redis://***@host:6379"),
        ("postgresql://u:p@ss@host/db", "postgresql://u:***@host/db"),
        ("postgresql://host/db", "postgresql://host/db"),
        ("sqlite:///db.sqlite3", "sqlite:///db.sqlite3"),
        ("postgresql://u:ab/cd@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:ab#cd@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:ab?cd@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:p@[::1/db", "postgresql://u:***@[::1/db"),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected


@pytest.mark.parametrize("url", ["https://example.com", "redis://h:6379/0", "postgresql://u:p@[::1]:5432/db"])
def test_check_url__accepts(url):
    assert check_url(url).scheme


@pytest.mark.parametrize("url", ["example.com", "localhost:5432", "https://a b", "https://x:port", "mailto:x@y"])
def test_check_url__refuses(url):
    with pytest.raises(ValueError) as raised:
        check_url(url)
    assert url not in str(raised.value)


# -- base_dir --------------------------------------------------------------------------------
def test_base_dir__explicit(tmp_path):
    assert base_dir(Env({"BASE_DIR": str(tmp_path)})) == tmp_path.resolve()


def test_base_dir__above_the_settings_package():
    assert base_dir(Env({"DJANGO_SETTINGS_MODULE": "tests.settings"})) == Path(__file__).resolve().parents[1]


def test_base_dir__settings_module_not_imported_yet(tmp_path, monkeypatch):
    package = tmp_path / "proj" / "conf"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "mysettings.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "proj"))
    assert "conf.mysettings" not in sys.modules
    assert base_dir(Env({"DJANGO_SETTINGS_MODULE": "conf.mysettings"})) == (tmp_path / "proj").resolve()
    sys.modules.pop("conf", None)


@pytest.mark.parametrize("module", ["no_such_package.settings", "..relative", "tests.no_such_module"])
def test_base_dir__unknown_settings_module_falls_back_to_cwd(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert base_dir(Env({"DJANGO_SETTINGS_MODULE": module})) == tmp_path


def test_base_dir__namespace_module_without_file_falls_back_to_cwd(tmp_path, monkeypatch):
    (tmp_path / "nsonly").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert base_dir(Env({"DJANGO_SETTINGS_MODULE": "nsonly"})) == tmp_path


# -- build_settings / lazy_settings ----------------------------------------------------------
def _core(env: Env) -> dict:
    from modestwear_config.concerns.core import core_settings

    return core_settings(env)


def _debug_only(env: Env) -> dict:
    return {"DEBUG": env("DEBUG"), "LOG_LEVEL": env("LOG_LEVEL")}


def test_build_settings__merges_builders_and_raises_once():
    env = Env({"DEBUG": "maybe", "LOG_LEVEL": "loud"})
    with pytest.raises(ImproperlyConfigured) as raised:
        build_settings(_debug_only, lambda e: {"X": e("LOG_FORMAT")}, env=env)
    assert "DEBUG" in str(raised.value) and "LOG_LEVEL" in str(raised.value)


def test_build_settings__defaults_to_the_process_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("LOG_LEVEL", "error")
    assert build_settings(_debug_only)["LOG_LEVEL"] == "ERROR"


def test_lazy_settings__builds_on_first_upper_case_access_only(monkeypatch, tmp_path):
    calls = []

    def builder(env: Env) -> dict:
        calls.append(env)
        return {"DEBUG": env("DEBUG"), "VALUE": 1}

    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    getattr_ = lazy_settings(builder)
    for probe in ("__path__", "__file__", "__wrapped__", "_private", "lower"):
        with pytest.raises(AttributeError):
            getattr_(probe)
    assert calls == []
    assert getattr_("__all__") == ["DEBUG", "VALUE"]
    assert getattr_("VALUE") == 1
    with pytest.raises(AttributeError):
        getattr_("MISSING")
    assert len(calls) == 1


def test_lazy_settings__dunder_probe_never_raises_improperly_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("DEBUG", "maybe")
    getattr_ = lazy_settings(_debug_only)
    with pytest.raises(AttributeError):
        getattr_("__spec__")
    with pytest.raises(ImproperlyConfigured):
        getattr_("DEBUG")


def test_lazy_settings__concern_module_star_import(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("DEBUG", "true")
    import modestwear_config.concerns.mail as email

    assert not hasattr(email, "__missing_dunder__")
    namespace: dict = {}
    exec("from modestwear_config.concerns.mail import *", namespace)
    console = "django.core.mail.backends.console.EmailBackend"
    if email.uses_mailers():  # Django >= 6.1: MAILERS replaces EMAIL_BACKEND
        assert namespace["MAILERS"] == {"default": {"BACKEND": console}}
    else:
        assert namespace["EMAIL_BACKEND"] == console
    assert "email_settings" not in namespace


def test_env_module__parsers_cover_every_kind():
    kinds = {var.kind for var in BY_NAME.values()}
    assert kinds <= set(env_parsers.PARSERS)


# Numbers as every other reader of the same variable reads them (gunicorn, a shell, the platform):
# ASCII digits. Python's int() and float() also took '1_000' and other scripts' digits ('\u0663').
NUMERIC_TEXT = st.text(st.sampled_from("0123456789_+-.eE \u0663\u0665\uff15x"), min_size=1, max_size=8)


@hypothesis_settings(max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(raw=NUMERIC_TEXT)
def test_env__numbers_are_ascii_decimal_only(raw):
    text = raw.strip()
    for name, shape in (
        ("DATABASE_CONN_MAX_AGE", r"[+-]?[0-9]+"),
        ("REDIS_SOCKET_TIMEOUT", r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"),
    ):
        env = Env({name: raw})
        value = env(name)
        if name not in env.problems:
            assert re.fullmatch(shape, text), (name, raw)
            assert value == (int(text) if name == "DATABASE_CONN_MAX_AGE" else float(text))
        elif not re.fullmatch(shape, text):
            assert "unrecognised value" in env.problems[name] or "non-finite" in env.problems[name]
