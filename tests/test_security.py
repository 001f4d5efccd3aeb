"""Security settings: strict when DEBUG is off, relaxed in development, each value overridable."""

from __future__ import annotations

import pytest
from django.core.checks.security import base as django_security

from modestwear_config.concerns.security import HEALTH_PATHS_EXEMPT, ONE_YEAR, security_settings
from modestwear_config.env import Env

PRODUCTION_FLAGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def settings(**environ: str) -> dict:
    env = Env(environ)
    result = security_settings(env)
    assert env.problems == {}
    return result


def test_security__production_defaults_are_strict():
    result = settings()
    assert all(result[flag] is True for flag in PRODUCTION_FLAGS)
    assert result["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert result["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert result["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert result["SESSION_COOKIE_HTTPONLY"] is True
    assert result["X_FRAME_OPTIONS"] == "DENY"
    assert result["SECURE_REFERRER_POLICY"] == "same-origin"
    assert result["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"


def test_security__debug_relaxes_https_only_settings():
    result = settings(DEBUG="true")
    assert not any(result[flag] for flag in PRODUCTION_FLAGS)
    assert result["SECURE_HSTS_SECONDS"] == 0
    assert result["X_FRAME_OPTIONS"] == "DENY"  # headers stay on: they cost nothing over HTTP


@pytest.mark.parametrize("flag", PRODUCTION_FLAGS)
def test_security__each_flag_overridable(flag):
    assert settings(**{flag: "false"})[flag] is False
    assert settings(DEBUG="true", **{flag: "true"})[flag] is True


def test_security__header_values_overridable():
    result = settings(
        SECURE_HSTS_SECONDS="300",
        SECURE_REFERRER_POLICY="strict-origin",
        SECURE_CROSS_ORIGIN_OPENER_POLICY="same-origin-allow-popups",
        X_FRAME_OPTIONS="sameorigin",
    )
    assert result["SECURE_HSTS_SECONDS"] == 300
    assert result["SECURE_REFERRER_POLICY"] == "strict-origin"
    assert result["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin-allow-popups"
    assert result["X_FRAME_OPTIONS"] == "SAMEORIGIN"


def test_security__no_proxy_header_when_not_behind_a_tls_proxy():
    assert settings(BEHIND_TLS_PROXY="false")["SECURE_PROXY_SSL_HEADER"] is None


def test_security__health_paths_exempt_from_ssl_redirect():
    import re

    result = settings()
    assert result["SECURE_REDIRECT_EXEMPT"] == HEALTH_PATHS_EXEMPT
    # SecurityMiddleware matches the path without its leading slash.
    for path in ("healthz", "healthz/", "health", "health/"):
        assert any(re.search(pattern, path) for pattern in result["SECURE_REDIRECT_EXEMPT"])
    for path in ("healthz/extra", "admin/", "api/health"):
        assert not any(re.search(pattern, path) for pattern in result["SECURE_REDIRECT_EXEMPT"])


def test_security__never_sets_the_removed_xss_filter():
    assert "SECURE_BROWSER_XSS_FILTER" not in settings()


def test_security__referrer_policy_default_passes_djangos_own_check():
    assert settings()["SECURE_REFERRER_POLICY"] in django_security.REFERRER_POLICY_VALUES


def test_samesite__lax_by_default():
    result = settings()
    assert (result["SESSION_COOKIE_SAMESITE"], result["CSRF_COOKIE_SAMESITE"]) == ("Lax", "Lax")


def test_samesite__none_for_a_cross_site_frontend_in_production():
    result = settings(SESSION_COOKIE_SAMESITE="none", CSRF_COOKIE_SAMESITE="None")
    assert (result["SESSION_COOKIE_SAMESITE"], result["CSRF_COOKIE_SAMESITE"]) == ("None", "None")


@pytest.mark.parametrize("name", ["SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE"])
def test_samesite__none_without_secure_cookie_is_an_error(name):
    env = Env({"DEBUG": "true", name: "None"})
    security_settings(env)
    assert list(env.problems) == [name]
    assert name.replace("_SAMESITE", "_SECURE") in env.problems[name]
