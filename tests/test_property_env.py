"""Property-based bad input: any environment either builds settings Django accepts or raises one
ImproperlyConfigured naming the offending variables; nothing else, no hang, no secret in the text.

Examples per test come from MODESTWEAR_HYPOTHESIS_EXAMPLES (CI: 2,500 x 4 tests = 10,000).
"""

from __future__ import annotations

import os
import re

from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler, load_backend
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modestwear_config import BUILDERS
from modestwear_config.email import COMPANIONS as EMAIL_COMPANIONS
from modestwear_config.env import FALSE, TRUE, Env, build_settings
from modestwear_config.registry import VARIABLES, Variable
from tests.support.servers import manage, project_env

CANARY = "Hyp0CanarySecret"
EXAMPLES = int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Variables an error may name although the environment did not set them (required ones).
REQUIRED_WHEN_PRODUCTION = {"SECRET_KEY", "ALLOWED_HOSTS"}
CLOUDINARY_PARTS = {"CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET"}
SCHEMES = ["postgres", "postgresql", "pgsql", "postgis", "sqlite", "mysql", "mysql2", "oracle", "redis",
           "rediss", "unix", "amqp", "memory", "cloudinary", "http", "https", "ftp", "file", "", "x-y+z"]
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=()), max_size=40)


@st.composite
def urls(draw: st.DrawFn, secret: bool) -> str:
    scheme = draw(st.sampled_from(SCHEMES))
    user = draw(st.sampled_from(["", "user", "us%40er", "default", "ü"]))
    password = CANARY if secret else draw(st.sampled_from(["", "pw", "p%2Fw"]))
    userinfo = draw(st.sampled_from(["", f"{user}@", f"{user}:{password}@", f":{password}@"]))
    host = draw(st.sampled_from(["127.0.0.1", "localhost", "db.example.com", "ep-x-pooler.neon.tech", "[::1]",
                                 "[::1", "", "host_name", "münchen.de", "cloud"]))
    port = draw(st.sampled_from(["", ":5432", ":0", ":65535", ":70000", ":-1", ":abc", ":"]))
    path = draw(st.sampled_from(["", "/", "/db", "/0", "/neondb?sslmode=disable", "/db?sslmode=require&x=1",
                                 "/%zz", "/a b", "/db#frag", "/x?upload_prefix=http://127.0.0.1:1"]))
    separator = draw(st.sampled_from(["://", ":/", ":", "//"]))
    return f"{scheme}{separator}{userinfo}{host}{port}{path}"


def values_for(var: Variable) -> st.SearchStrategy[str]:
    nasty = st.one_of(TEXT, st.just(""), st.just(" "), st.just("x" * 100_000), st.just("$HOME"),
                      st.just(CANARY if var.secret else "value"))
    kind_values: dict[str, st.SearchStrategy[str]] = {
        "bool": st.sampled_from(["true", "FALSE", "1", "0", "yes", "No", "on", "off", "maybe", "tru", " true "]),
        "int": st.one_of(st.integers(-10**6, 10**6).map(str), st.sampled_from(["1e3", "0x10", "٣", "+5", " 7 "])),
        "float": st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), st.sampled_from(["0.5", "1_0"])),
        "str": st.one_of(st.sampled_from(list(var.choices) or ["x"]), TEXT),
        "list": st.lists(st.one_of(urls(var.secret), st.sampled_from(["example.com", "*", "https://a.b", " ", "http://x/y"])),
                         max_size=4).map(",".join),
        "url": urls(var.secret),
        "path": st.one_of(st.sampled_from(["/tmp", "/nonexistent/file", "relative/path", "~", "/etc/hostname"]), TEXT),
    }
    if var.secret and var.kind == "str":
        return st.one_of(st.just(CANARY), st.just(CANARY * 8), nasty)
    return st.one_of(kind_values[var.kind], nasty)


@st.composite
def environments(draw: st.DrawFn, production: bool | None = None) -> dict[str, str]:
    chosen = draw(st.lists(st.sampled_from(VARIABLES), max_size=12, unique_by=lambda v: v.name))
    env = {var.name: draw(values_for(var)) for var in chosen}
    if production is not None:
        env["DEBUG"] = "false" if production else "true"
    if draw(st.booleans()):
        secret = draw(st.sampled_from([v for v in VARIABLES if v.secret]))
        env[f"{secret.name}_FILE"] = draw(st.sampled_from(["/nonexistent", "/etc/hostname", "", "/tmp"]))
    return env


def allowed_names(env: dict[str, str]) -> set[str]:
    given_names = {name.removesuffix("_FILE") for name in env} | set(env)
    return given_names | REQUIRED_WHEN_PRODUCTION | CLOUDINARY_PARTS | set(EMAIL_COMPANIONS) | {"ENV_FILE"}


def assert_builds_or_names_offenders(env: dict[str, str], dotenv: dict[str, str] | None = None) -> dict | None:
    try:
        built = build_settings(*BUILDERS, env=Env(env, dotenv))
    except ImproperlyConfigured as exc:
        message = str(exc)
        assert CANARY not in message
        named = set(re.findall(r"^  ([A-Z0-9_]+):", message, flags=re.MULTILINE))
        assert named, message
        assert named <= allowed_names({**env, **(dotenv or {})}), (named, sorted(env))
        return None
    assert_django_accepts(built)
    return built


def assert_django_accepts(built: dict) -> None:
    """Django's own parsing of the emitted settings, without connecting anywhere."""
    handler = ConnectionHandler(built["DATABASES"])
    for alias, db in handler.settings.items():
        if db["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
            load_backend(db["ENGINE"]).DatabaseWrapper(db, alias).get_connection_params()
    assert built["SECRET_KEY"]
    assert isinstance(built["ALLOWED_HOSTS"], list) and built["ALLOWED_HOSTS"]
    for origin in built["CORS_ALLOWED_ORIGINS"] + built["CSRF_TRUSTED_ORIGINS"]:
        assert re.match(r"^https?://[^/?#@]+$", origin), origin


@PROFILE
@given(environments())
def test_build__any_environment(env):
    assert_builds_or_names_offenders(env)


@PROFILE
@given(environments(production=True))
def test_build__any_production_environment(env):
    assert_builds_or_names_offenders(env)


@PROFILE
@given(environments(production=False), environments())
def test_build__any_environment_with_dotenv(env, dotenv):
    assert_builds_or_names_offenders(env, dotenv)


@PROFILE
@given(st.sampled_from([v for v in VARIABLES if v.kind in ("url", "list")]), st.data())
def test_build__odd_urls_in_every_url_variable(var, data):
    env = {"DEBUG": "true", var.name: data.draw(urls(var.secret))}
    assert_builds_or_names_offenders(env)



def _encodable(env: dict[str, str]) -> bool:
    try:
        return all(len(v) < 50_000 and v.encode("utf-8") is not None for v in env.values())
    except UnicodeEncodeError:  # lone surrogates cannot be put into a child's environment
        return False


def valid_values_for(var: Variable) -> st.SearchStrategy[str]:
    """Values a user would plausibly set, so most generated environments build."""
    if var.choices:
        return st.sampled_from(var.choices)
    if var.kind == "bool":
        return st.sampled_from(sorted(TRUE | FALSE))
    if var.kind in ("int", "float"):
        low, high = int(var.minimum or 0) + 1, int(min(var.maximum or 3600, 3600))
        return st.integers(low, high).map(str)
    return st.just(var.example.replace("pass@", f"{CANARY}@").replace(":token@", f":{CANARY}@") or "x")


@st.composite
def plausible_environments(draw: st.DrawFn) -> dict[str, str]:
    pool = [v for v in VARIABLES if v.kind != "path" and v.name not in ("DEBUG", "SECRET_KEY")]
    chosen = draw(st.lists(st.sampled_from(pool), max_size=20, unique_by=lambda v: v.name))
    return {var.name: draw(valid_values_for(var)) for var in chosen}


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_SUBPROCESS_EXAMPLES", "15")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(plausible_environments())
def test_example_project__accepted_environments_pass_django_check(env):
    """The real thing: django.setup() plus `manage.py check` in the example project."""
    env = {"DEBUG": "true", **env}
    assume(_encodable(env) and "BASE_DIR" not in env and "ENV_FILE" not in env)
    try:
        build_settings(*BUILDERS, env=Env(env))
    except ImproperlyConfigured:
        assume(False)
    result = manage("check", env=project_env(env), timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert CANARY not in result.stdout + result.stderr
