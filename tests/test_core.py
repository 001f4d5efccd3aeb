"""Core settings: DEBUG off by default, production requirements, the stable development key, hosts."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.concerns import CONCERNS, unit
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.core import (
    INSECURE_PREFIX,
    LOCAL_HOSTS,
    development_secret_key,
    host_problem,
    is_weak_secret_key,
)
from modestwear_config.env import Env
from tests.support.servers import explicit_sqlite

STRONG_KEY = "prod-" + "".join(chr(97 + (i * 7) % 26) for i in range(60))
PRODUCTION = {"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "shop.example.com"}


def build(tmp_path: Path, **environ: str) -> dict:
    """Every concern, as `from modestwear_config import *` builds them (core composes the lists)."""
    # Production names its database: the SQLite file the development default uses, chosen explicitly.
    database = {"DATABASE_URL": explicit_sqlite(tmp_path)}
    return build_settings(*CONCERNS, env=Env({"BASE_DIR": str(tmp_path), **database, **environ}))


def test_debug__defaults_to_false(tmp_path):
    assert build(tmp_path, **PRODUCTION)["DEBUG"] is False


def test_production__requires_key_and_hosts_in_one_error(tmp_path):
    with pytest.raises(ImproperlyConfigured) as raised:
        build(tmp_path)
    text = str(raised.value)
    assert "SECRET_KEY: You have not set it" in text
    assert "ALLOWED_HOSTS: You have not set it" in text


def test_production__strong_key_kept_and_hosts_exact(tmp_path):
    settings = build(tmp_path, SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="shop.example.com, .example.org,shop.example.com")
    assert settings["SECRET_KEY"] == STRONG_KEY
    assert settings["ALLOWED_HOSTS"] == ["shop.example.com", ".example.org"]  # no localhost in production


@pytest.mark.parametrize(
    ("key", "weak"),
    [
        ("x" * 49 + "abc", True),  # 4 distinct characters
        ("abcde" * 9, True),  # 45 characters
        (INSECURE_PREFIX + STRONG_KEY, True),
        ("abcde" * 10, False),  # exactly Django's limits
        (STRONG_KEY, False),
    ],
)
def test_is_weak_secret_key__django_deploy_criteria(key, weak):
    assert is_weak_secret_key(key) is weak


def test_is_weak_secret_key__agrees_with_django_check_deploy():
    from django.core.checks.security.base import _check_secret_key

    for key in ("abcde" * 10, "abcd" * 20, INSECURE_PREFIX + STRONG_KEY, "short"):
        assert is_weak_secret_key(key) is not _check_secret_key(key)


def test_debug__weak_key_allowed(tmp_path):
    assert build(tmp_path, DEBUG="true", SECRET_KEY="dev")["SECRET_KEY"] == "dev"


def test_debug__without_key_uses_the_stable_development_key(tmp_path):
    settings = build(tmp_path, DEBUG="true")
    assert settings["SECRET_KEY"] == development_secret_key(tmp_path.resolve())
    assert settings["SECRET_KEY"].startswith(INSECURE_PREFIX)  # check --deploy flags it
    assert not is_weak_secret_key(settings["SECRET_KEY"][len(INSECURE_PREFIX) :])


def test_debug__development_key_differs_per_project(tmp_path):
    assert development_secret_key(tmp_path / "a") != development_secret_key(tmp_path / "b")


KEY_SCRIPT = (
    "from modestwear_config import Env, build_settings\n"
    "from modestwear_config.concerns.core import core_settings\n"
    "print(build_settings(core_settings, env=Env.from_os())['SECRET_KEY'])\n"
)


@pytest.mark.slow
def test_debug__development_key_same_in_separate_processes(tmp_path):
    """Several gunicorn workers, and a restart, must sign sessions with the same key."""
    environ = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "BASE_DIR": str(tmp_path)}
    keys = [
        subprocess.run(
            [sys.executable, "-c", KEY_SCRIPT], env=environ, capture_output=True, text=True, check=True, cwd=cwd
        ).stdout.strip()
        for cwd in (tmp_path, Path("/"))
    ]
    assert keys[0] == keys[1] == development_secret_key(tmp_path.resolve())


def test_debug__localhost_hosts_when_none_given(tmp_path):
    assert build(tmp_path, DEBUG="true")["ALLOWED_HOSTS"] == LOCAL_HOSTS


def test_debug__given_hosts_replace_localhost(tmp_path):
    assert build(tmp_path, DEBUG="true", ALLOWED_HOSTS="dev.example.com")["ALLOWED_HOSTS"] == ["dev.example.com"]


def test_render__hostname_added_to_hosts_and_trusted_origins(tmp_path):
    settings = build(tmp_path, **PRODUCTION, RENDER_EXTERNAL_HOSTNAME="modestwear.onrender.com")
    assert settings["ALLOWED_HOSTS"] == ["shop.example.com", "modestwear.onrender.com"]
    assert "https://modestwear.onrender.com" in settings["CSRF_TRUSTED_ORIGINS"]
    assert "https://modestwear.onrender.com" not in settings["CORS_ALLOWED_ORIGINS"]


def test_render__hostname_alone_satisfies_production_hosts(tmp_path):
    settings = build(tmp_path, SECRET_KEY=STRONG_KEY, RENDER_EXTERNAL_HOSTNAME="modestwear.onrender.com")
    assert settings["ALLOWED_HOSTS"] == ["modestwear.onrender.com"]


def test_render__hostname_alone_in_debug_replaces_localhost(tmp_path):
    settings = build(tmp_path, DEBUG="true", RENDER_EXTERNAL_HOSTNAME="modestwear.onrender.com")
    assert settings["ALLOWED_HOSTS"] == ["modestwear.onrender.com"]


@pytest.mark.parametrize(
    ("host", "bad"),
    [
        ("example.com", False),
        (".example.com", False),
        ("*", False),  # allowed here; system check W001 warns in production
        ("[::1]", False),
        ("127.0.0.1", False),
        ("https://example.com", True),
        ("example.com/", True),
        ("user@example.com", True),
        ("example.com:8000", True),
        ("::1", True),
        ("[::1]:8000", True),
        ("shop.example.com www.example.com", True),  # what Django can never match
        ("shop.example.com;www.example.com", True),
        ("shop.example.com # production", True),
        ("'shop.example.com'", True),
        ("*.example.com", True),
        ("münchen.example", True),
        ("xn--mnchen-3ya.example", False),
        ("shop.example.com.", True),
        ("shop_1.internal", True),
        ("SHOP.Example.COM", False),
    ],
)
def test_host_problem(host, bad):
    assert (host_problem(host) is not None) is bad


def test_core__paths_under_base_dir(tmp_path):
    settings = build(tmp_path, **PRODUCTION)
    assert settings["BASE_DIR"] == tmp_path.resolve()
    assert settings["STATIC_ROOT"] == tmp_path.resolve() / "staticfiles"
    assert settings["MEDIA_ROOT"] == tmp_path.resolve() / "media"
    assert (settings["STATIC_URL"], settings["MEDIA_URL"]) == ("/static/", "/media/")


def test_core__url_prefixes_overridable(tmp_path):
    settings = build(tmp_path, **PRODUCTION, STATIC_URL="https://cdn.example.com/static/", MEDIA_URL="/uploads/")
    assert (settings["STATIC_URL"], settings["MEDIA_URL"]) == ("https://cdn.example.com/static/", "/uploads/")


def test_core__locale_and_ids(tmp_path):
    settings = build(tmp_path, **PRODUCTION, TIME_ZONE="Africa/Lagos", LANGUAGE_CODE="fr")
    assert (settings["TIME_ZONE"], settings["LANGUAGE_CODE"]) == ("Africa/Lagos", "fr")
    assert settings["USE_TZ"] is True
    assert settings["DEFAULT_AUTO_FIELD"] == "django.db.models.BigAutoField"


def test_core__frontend_and_social_ids(tmp_path):
    settings = build(
        tmp_path,
        **PRODUCTION,
        FRONTEND_URL="https://modestwear-app.vercel.app",
        GOOGLE_CLIENT_ID="gid",
        FACEBOOK_APP_ID="fid",
    )
    assert settings["FRONTEND_URL"] == "https://modestwear-app.vercel.app"
    assert (settings["GOOGLE_CLIENT_ID"], settings["FACEBOOK_APP_ID"]) == ("gid", "fid")


@pytest.mark.parametrize("code", ["en-us", "pt-br", "zh-hans", "de"])
def test_core__known_languages_accepted(tmp_path, code):
    assert build(tmp_path, **PRODUCTION, LANGUAGE_CODE=code)["LANGUAGE_CODE"] == code


def test_core__liveness_middleware_first_and_whitenoise_after_security(tmp_path):
    middleware = build(tmp_path, **PRODUCTION)["MIDDLEWARE"]
    assert middleware[0] == "modestwear_config.health.middleware.LivenessMiddleware"
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "modestwear_config.components.whitenoise_middleware.WhiteNoiseMiddleware"
    assert middleware.index("corsheaders.middleware.CorsMiddleware") < middleware.index(
        "django.middleware.common.CommonMiddleware"
    )


def test_core__installed_apps_without_cloudinary_storage(tmp_path):
    apps = build(tmp_path, **PRODUCTION)["INSTALLED_APPS"]
    assert "cloudinary_storage" not in apps
    assert apps.index("whitenoise.runserver_nostatic") < apps.index("django.contrib.staticfiles")
    assert {"corsheaders", "modestwear_config", "django.contrib.admin"} <= set(apps)


def test_core__without_whitenoise_installed(tmp_path, monkeypatch):
    real = unit.find_spec
    monkeypatch.setattr(unit, "find_spec", lambda name: None if name == "whitenoise" else real(name))
    settings = build(tmp_path, **PRODUCTION)
    assert not any("whitenoise" in entry for entry in settings["MIDDLEWARE"] + settings["INSTALLED_APPS"])


def test_core__unset_optional_strings_are_empty_never_none(tmp_path):
    """An email link is f"{FRONTEND_URL}/auth/..." and google-auth reads audience=None as "do not check"."""
    settings = build(tmp_path, **PRODUCTION)
    for name in ("FRONTEND_URL", "GOOGLE_CLIENT_ID", "FACEBOOK_APP_ID"):
        assert settings[name] == "", name
    assert f"{settings['FRONTEND_URL']}/auth/verify" == "/auth/verify"


def test_core__set_optional_strings_are_kept(tmp_path):
    settings = build(tmp_path, FRONTEND_URL="https://app.example.com", GOOGLE_CLIENT_ID=" id.apps ", **PRODUCTION)
    assert (settings["FRONTEND_URL"], settings["GOOGLE_CLIENT_ID"]) == ("https://app.example.com", "id.apps")


@pytest.mark.parametrize("name", ["x" * 300, "Europe/" + "y" * 300, "America", "zoneinfo", "../zoneinfo"])
def test_core__time_zone_looked_up_in_pypi_tzdata_is_one_named_error(tmp_path, name):
    """With PyPI's tzdata installed (the test extra has it, as Windows and celery users do), ZoneInfo
    opens files inside that package: a long name is an OSError there (ENAMETOOLONG), not a
    ZoneInfoNotFoundError. Each must still be the collected error naming TIME_ZONE."""
    assert importlib.util.find_spec("tzdata") is not None  # the path under test
    with pytest.raises(ImproperlyConfigured) as raised:
        build(tmp_path, **PRODUCTION, TIME_ZONE=name)
    assert "TIME_ZONE" in str(raised.value)
    assert name not in str(raised.value)
