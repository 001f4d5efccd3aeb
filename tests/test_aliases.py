"""Aliases: the names existing projects already use (DJANGO_SECRET_KEY, REDIS_TLS_URL, cookiecutter-django's,
anymail providers' keys) read as the library's own variables, through the one reader."""

from __future__ import annotations

import io
import os
import tempfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modestwear_config import BUILDERS
from modestwear_config.concerns import VARIABLES
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.doctor import report as doctor
from modestwear_config.env import ALIASES, Env, Variable
from modestwear_config.env.typos import suggestions
from modestwear_config.env.variables import Alias, Registry

CANARY = "Al1asCanaryVal"
STRONG_KEY = "prod-" + "".join(chr(97 + (i * 7) % 26) for i in range(60))
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "sqlite:////tmp/mwc-aliases.sqlite3",
    "DEFAULT_FROM_EMAIL": "Shop <no-reply@shop.example.com>",
}
EXAMPLES = int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Every declared alias with the variable it names and what it implies, from the registry (one source).
DECLARED = sorted(((alias, var) for var in VARIABLES for alias in var.alias_entries), key=lambda pair: pair[0].name)


def values_of(var: Variable) -> st.SearchStrategy[str]:
    """Values a project would give the variable: valid and invalid, by its kind."""
    token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=40)
    by_kind: dict[str, st.SearchStrategy[str]] = {
        "bool": st.sampled_from(["true", "false", "1", "0", "yes", "off", "maybe"]),
        "int": st.integers(-5, 100_000).map(str),
        "list": st.sampled_from(["shop.example.com", "a.example.com,.b.example.org", "bad host"]),
        "url": st.sampled_from(["rediss://default:t0ken@cache.example.com:6379", "https://api.example.com/v3", "nope"]),
    }
    strategies = [by_kind.get(var.kind, token)]
    if var.choices:
        strategies.append(st.sampled_from(var.choices))
    if var.example and not var.example.startswith("<"):
        strategies.append(st.just(var.example))
    if var.name == "SECRET_KEY":
        strategies.append(st.just(STRONG_KEY[::-1]))
    return st.one_of(strategies)


def outcome(environ: dict[str, str]) -> tuple[str, object]:
    """The settings built, or the problems (the alias's "(set as NAME) " prefix aside)."""
    try:
        return "settings", build_settings(*BUILDERS, env=Env(environ))
    except ImproperlyConfigured as exc:
        problems = getattr(exc, "problems", {})
        return "problems", {
            name: message.partition(") ")[2] if message.startswith("(set as ") else message
            for name, message in problems.items()
        }


@PROFILE
@given(st.sampled_from(DECLARED), st.data())
def test_aliases__alone_builds_what_the_name_builds(declared, data):
    alias, var = declared
    value = data.draw(values_of(var))
    base = {k: v for k, v in PRODUCTION.items() if k != var.name}
    canonical = {**base, var.name: value, **dict(alias.implies)}
    assert outcome({**base, alias.name: value}) == outcome(canonical)


@PROFILE
@given(st.sampled_from(DECLARED), st.sampled_from(["a", "b1", "-x"]), st.sampled_from(["c", "d2", "_y"]))
def test_aliases__both_set_differently_an_error_naming_both_and_no_value(declared, one, other):
    alias, var = declared
    first, second = CANARY + one, CANARY + other
    if alias.wins:  # a platform sets both itself: its preferred name is used, no conflict
        env = Env({**PRODUCTION, var.name: first, alias.name: second})
        assert env.raw(var.name) == second and var.name not in env.problems
        return
    with pytest.raises(ImproperlyConfigured) as raised:
        build_settings(*BUILDERS, env=Env({**PRODUCTION, var.name: first, alias.name: second}))
    message = raised.value.problems[var.name]  # type: ignore[attr-defined]
    assert var.name in message and alias.name in message
    assert CANARY not in str(raised.value)


@pytest.mark.parametrize(("alias", "var"), DECLARED, ids=lambda p: getattr(p, "name", ""))
def test_aliases__both_set_alike_is_the_name(alias, var):
    value = var.example if var.example and not var.example.startswith("<") else "x"
    env = Env({**PRODUCTION, var.name: value, alias.name: value})
    assert env.raw(var.name) == value and var.name not in env.problems
    assert env.aliased.get(var.name) == (alias.name if alias.wins else None)


def test_aliases__heroku_sets_redis_url_and_redis_tls_url_and_the_tls_one_is_used():
    """Heroku Key-Value Store's add-on sets both itself (redis:// and rediss://, other ports): the user
    cannot unset one, so REDIS_TLS_URL is used and nothing conflicts; both passwords stay masked."""
    plain, tls = f"redis://:{CANARY}a@ec2.example.com:6379", f"rediss://:{CANARY}b@ec2.example.com:6380"
    env = Env({**PRODUCTION, "REDIS_URL": plain, "REDIS_TLS_URL": tls})
    settings = build_settings(*BUILDERS, env=env)
    assert settings["CACHES"]["default"]["LOCATION"].startswith("rediss://")
    assert {f"{CANARY}a", f"{CANARY}b"} <= set(env.secret_values())


def test_aliases__cookiecutter_production_names_configure_the_same_site():
    """What cookiecutter-django's production settings read, ported as they are."""
    environ = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": "postgresql://shop:pw@db.example.com/shop",
        "CONN_MAX_AGE": "60",
        "REDIS_TLS_URL": "rediss://default:t0ken@cache.example.com:6379",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_PRELOAD": "false",
        "DJANGO_DEFAULT_FROM_EMAIL": "Shop <no-reply@shop.example.com>",
        "MAILGUN_API_KEY": "key-" + CANARY,
        "MAILGUN_DOMAIN": "mg.shop.example.com",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    pytest.importorskip("anymail", reason="the anymail extra is not installed")
    pytest.importorskip("django_redis", reason="the redis extra is not installed")
    built = build_settings(*BUILDERS, env=Env(environ))
    assert built["DEBUG"] is False and built["SECRET_KEY"] == STRONG_KEY
    assert built["DATABASES"]["default"]["CONN_MAX_AGE"] == 60  # not the library's 600
    assert built["CACHES"]["default"]["BACKEND"] == "django_redis.cache.RedisCache"  # not local memory
    assert built["SECURE_SSL_REDIRECT"] is False and built["SECURE_HSTS_PRELOAD"] is False
    assert built["LOGGING"]["root"]["level"] == "WARNING"
    mailer = built.get("MAILERS", {}).get("default", {}).get("BACKEND") or built["EMAIL_BACKEND"]
    assert mailer.endswith("MailgunEmailBackend")  # not the console


def test_aliases__doctor_says_from_which_alias_and_to_rename(tmp_path):
    environ = {**PRODUCTION, "BASE_DIR": str(tmp_path), "DJANGO_SECRET_KEY": STRONG_KEY, "SENDGRID_API_KEY": CANARY}
    del environ["SECRET_KEY"]
    report = doctor.diagnose(Env(environ))
    out = io.StringIO()
    doctor.render(report, as_json=False, out=out)
    text = out.getvalue()
    assert "SECRET_KEY" in text and "(environment: from DJANGO_SECRET_KEY (alias of SECRET_KEY); rename it" in text
    assert "implied by SENDGRID_API_KEY (alias of EMAIL_API_KEY)" in text
    assert STRONG_KEY not in text and CANARY not in text
    entries = {e.name: e for e in report.entries}
    assert entries["SECRET_KEY"].alias == "DJANGO_SECRET_KEY" and entries["EMAIL_PROVIDER"].value == "sendgrid"


def test_aliases__secret_alias_redacted_even_when_it_loses():
    env = Env({"DJANGO_SECRET_KEY": CANARY + "-alias"}, {"SECRET_KEY": CANARY + "-dotenv"})
    assert {CANARY + "-alias", CANARY + "-dotenv"} <= set(env.secret_values())
    assert env.raw("SECRET_KEY") == CANARY + "-alias"  # the real environment's layer wins, alias or not


def test_aliases__dotenv_alias_under_an_environment_name_is_no_conflict():
    env = Env({"SECRET_KEY": STRONG_KEY}, {"DJANGO_SECRET_KEY": CANARY})
    assert env.raw("SECRET_KEY") == STRONG_KEY and env.problems == {} and env.sources["SECRET_KEY"] == "environment"


def test_aliases__bad_value_names_the_alias_it_came_from():
    env = Env({"DJANGO_DEBUG": "maybe"})
    env("DEBUG")
    assert env.problems["DEBUG"].startswith("(set as DJANGO_DEBUG) expected a boolean")


def test_aliases__a_file_and_an_alias_is_an_error(tmp_path):
    (tmp_path / "key").write_text(STRONG_KEY)
    env = Env({"SECRET_KEY_FILE": str(tmp_path / "key"), "DJANGO_SECRET_KEY": STRONG_KEY})
    assert env.raw("SECRET_KEY") is None
    assert env.problems["SECRET_KEY"] == "set either DJANGO_SECRET_KEY or SECRET_KEY_FILE, not both"


def test_aliases__provider_keys_of_two_providers_are_an_error():
    env = Env({"MAILGUN_API_KEY": "k", "SENDGRID_API_KEY": "k"})
    env("EMAIL_PROVIDER")
    assert "MAILGUN_API_KEY" in env.problems["EMAIL_PROVIDER"] and "SENDGRID_API_KEY" in env.problems["EMAIL_PROVIDER"]


def test_typos__aliases_are_read_never_typos():
    assert suggestions([alias.name for alias, _ in DECLARED]) == {}
    assert suggestions(["DJANGO_SECRT_KEY", "REDIS_TLS_ULR"]) == {
        "DJANGO_SECRT_KEY": "SECRET_KEY",
        "REDIS_TLS_ULR": "REDIS_URL",
    }


def test_registry__aliases_are_unique_upper_case_and_no_declared_name():
    registry = Registry()
    registry.add_builtin([Variable("SHOP_KEY", "str", "shop", "A key.", aliases=("OLD_SHOP_KEY",))])
    with pytest.raises(ValueError, match="OLD_SHOP_KEY is already an alias of SHOP_KEY"):
        registry.declare(Variable("OLD_SHOP_KEY", "str", "shop", "Another."))
    with pytest.raises(ValueError, match="cannot be an alias of SHOP_TOKEN"):
        registry.declare(Variable("SHOP_TOKEN", "str", "shop", "A token.", aliases=("OLD_SHOP_KEY",)))
    with pytest.raises(ValueError, match="UPPER_CASE"):
        registry.declare(Variable("SHOP_PIN", "str", "shop", "A pin.", aliases=("old-pin",)))
    registry.declare(Variable("SHOP_CODE", "str", "shop", "A code.", aliases=(Alias("SHOP_LEGACY_CODE"),)))
    assert registry.aliases == {"OLD_SHOP_KEY": "SHOP_KEY", "SHOP_LEGACY_CODE": "SHOP_CODE"}


def test_aliases__the_issue_names_are_declared():
    expected = {
        "DJANGO_SECRET_KEY": "SECRET_KEY",
        "DJANGO_DEBUG": "DEBUG",
        "DJANGO_ALLOWED_HOSTS": "ALLOWED_HOSTS",
        "DJANGO_LOG_LEVEL": "LOG_LEVEL",
        "REDIS_TLS_URL": "REDIS_URL",
        "CONN_MAX_AGE": "DATABASE_CONN_MAX_AGE",
        "DJANGO_SECURE_SSL_REDIRECT": "SECURE_SSL_REDIRECT",
        "MAILGUN_API_KEY": "EMAIL_API_KEY",
        "MAILGUN_DOMAIN": "EMAIL_SENDER_DOMAIN",
        "POSTMARK_SERVER_TOKEN": "EMAIL_API_KEY",
        "SENDGRID_API_KEY": "EMAIL_API_KEY",
        "BREVO_API_KEY": "EMAIL_API_KEY",
        "DJANGO_AWS_SECRET_ACCESS_KEY": "AWS_S3_SECRET_ACCESS_KEY",
    }
    assert {alias: ALIASES.get(alias) for alias in expected} == expected


SECRET_ALIASES = [(alias, var) for alias, var in DECLARED if var.secret]
FILES = tempfile.mkdtemp(prefix="mwc-alias-files-")


@PROFILE
@given(st.sampled_from(SECRET_ALIASES), st.data())
def test_aliases__an_alias_file_is_read_as_the_names_file(declared, data):
    """DJANGO_SECRET_KEY_FILE, REDIS_TLS_URL_FILE: a secret's alias has its _FILE too. It was ignored:
    the key missing in production, or the cache silently on local memory instead of Redis."""
    alias, var = declared
    value = data.draw(values_of(var))
    path = os.path.join(FILES, "secret")
    with open(path, "w") as file:
        file.write(value + "\n")
    base = {k: v for k, v in PRODUCTION.items() if k != var.name}
    canonical = {**base, f"{var.name}_FILE": path, **dict(alias.implies)}
    assert outcome({**base, f"{alias.name}_FILE": path}) == outcome(canonical)
    assert value in set(Env({**base, f"{alias.name}_FILE": path}).secret_values())
    assert suggestions({f"{alias.name}_FILE"}) == {}


def test_aliases__two_files_for_one_secret_an_error_naming_both(tmp_path):
    (tmp_path / "a").write_text(STRONG_KEY)
    (tmp_path / "b").write_text(STRONG_KEY[::-1])
    env = Env({"SECRET_KEY_FILE": str(tmp_path / "a"), "DJANGO_SECRET_KEY_FILE": str(tmp_path / "b")})
    assert env.raw("SECRET_KEY") is None
    assert env.problems["SECRET_KEY"] == (
        "SECRET_KEY_FILE and DJANGO_SECRET_KEY_FILE are both set, to different files: keep one"
    )


def test_aliases__doctor_names_the_alias_file_it_read(tmp_path):
    (tmp_path / "key").write_text(STRONG_KEY + "\n")
    environ = {**PRODUCTION, "BASE_DIR": str(tmp_path), "DJANGO_SECRET_KEY_FILE": str(tmp_path / "key")}
    del environ["SECRET_KEY"]
    out = io.StringIO()
    doctor.render(doctor.diagnose(Env(environ)), as_json=False, out=out)
    assert "(DJANGO_SECRET_KEY_FILE: from DJANGO_SECRET_KEY (alias of SECRET_KEY); rename it" in out.getvalue()
    assert STRONG_KEY not in out.getvalue()
