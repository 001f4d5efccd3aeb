"""CORS and CSRF trusted origins: validated, normalised the way browsers send them, FRONTEND_URL added."""

from __future__ import annotations

import pytest

from modestwear_config.concerns.cors import cors_settings, normalise_origin, origin_problem
from modestwear_config.env import Env

FRONTEND = "https://modestwear-app.vercel.app"


def settings(**environ: str) -> dict:
    env = Env(environ)
    result = cors_settings(env)
    assert env.problems == {}
    return result


def test_cors__empty_by_default_with_credentials():
    assert settings() == {"CORS_ALLOWED_ORIGINS": [], "CSRF_TRUSTED_ORIGINS": [], "CORS_ALLOW_CREDENTIALS": True}


def test_cors__frontend_url_is_allowed_and_trusted():
    result = settings(FRONTEND_URL=FRONTEND + "/")
    assert result["CORS_ALLOWED_ORIGINS"] == [FRONTEND]
    assert result["CSRF_TRUSTED_ORIGINS"] == [FRONTEND]


def test_cors__list_plus_frontend_deduplicated_in_order():
    result = settings(
        CORS_ALLOWED_ORIGINS=f"http://localhost:3000, {FRONTEND}",
        FRONTEND_URL=FRONTEND,
        CSRF_TRUSTED_ORIGINS="https://*.modestwear.com,https://admin.modestwear.com",
    )
    assert result["CORS_ALLOWED_ORIGINS"] == ["http://localhost:3000", FRONTEND]
    assert result["CSRF_TRUSTED_ORIGINS"] == [
        "http://localhost:3000",
        FRONTEND,
        "https://*.modestwear.com",
        "https://admin.modestwear.com",
    ]


def test_cors__render_hostname_trusted_for_csrf_only():
    result = settings(RENDER_EXTERNAL_HOSTNAME="modestwear.onrender.com")
    assert result["CSRF_TRUSTED_ORIGINS"] == ["https://modestwear.onrender.com"]
    assert result["CORS_ALLOWED_ORIGINS"] == []


def test_cors__credentials_overridable():
    assert settings(CORS_ALLOW_CREDENTIALS="false")["CORS_ALLOW_CREDENTIALS"] is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://App.Example.COM", "https://app.example.com"),
        ("HTTPS://app.example.com/", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://app.example.com:80/", "http://app.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        ("https://[::1]:443", "https://[::1]"),
    ],
)
def test_normalise_origin__as_a_browser_sends_it(value, expected):
    assert normalise_origin(value) == expected


@pytest.mark.parametrize(
    "value", ["https://a.example.com", "http://localhost:3000", "https://a.example.com/", "https://[::1]:8000"]
)
def test_origin_problem__accepts(value):
    assert origin_problem(value) is None


@pytest.mark.parametrize(
    ("value", "wildcard", "fragment"),
    [
        ("a.example.com", False, "without a scheme"),
        ("*", True, "without a scheme"),
        ("ftp://a.example.com", False, "http:// or https://"),
        ("https://a.example.com/app", False, "path"),
        ("https://a.example.com?x=1", False, "query"),
        ("https://a.example.com#top", False, "path"),
        ("https://u@a.example.com", False, "user info"),
        ("https://", False, "host name"),
        ("https://*", True, "host name"),
        ("https://*.example.com", False, "wildcards only"),
        ("https://a.*.com", True, "wildcards only"),
    ],
)
def test_origin_problem__refuses(value, wildcard, fragment):
    problem = origin_problem(value, wildcard)
    assert problem is not None and fragment in problem


def test_origin_problem__wildcard_subdomain_allowed_for_csrf():
    assert origin_problem("https://*.example.com", wildcard=True) is None


def test_cors__normalised_origin_matches_the_browser_in_corsheaders(rf, settings):
    """End to end through django-cors-headers: a mixed-case configured origin still matches."""
    from corsheaders.middleware import CorsMiddleware
    from django.http import HttpResponse

    settings.CORS_ALLOWED_ORIGINS = cors_settings(Env({"CORS_ALLOWED_ORIGINS": "https://App.Example.com:443/"}))[
        "CORS_ALLOWED_ORIGINS"
    ]
    middleware = CorsMiddleware(lambda request: HttpResponse())
    response = middleware(rf.get("/api/hello/", HTTP_ORIGIN="https://app.example.com"))
    assert response["access-control-allow-origin"] == "https://app.example.com"


def test_cors__local_frontend_trusted_with_debug_on():
    result = settings(DEBUG="true", FRONTEND_URL=FRONTEND)
    assert result["CORS_ALLOWED_ORIGINS"] == [FRONTEND, "http://localhost:3000", "http://127.0.0.1:3000"]
    assert result["CSRF_TRUSTED_ORIGINS"] == result["CORS_ALLOWED_ORIGINS"]


def test_cors__local_frontend_never_trusted_with_debug_off():
    result = settings(DEBUG="false")
    assert "http://localhost:3000" not in result["CORS_ALLOWED_ORIGINS"] + result["CSRF_TRUSTED_ORIGINS"]


def test_cors__local_frontend_preflight_answered_with_debug_on(rf, settings):
    from corsheaders.middleware import CorsMiddleware
    from django.http import HttpResponse

    for name, value in cors_settings(Env({"DEBUG": "true"})).items():
        setattr(settings, name, value)
    request = rf.options("/api/", HTTP_ORIGIN="http://localhost:3000", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    response = CorsMiddleware(lambda r: HttpResponse())(request)
    assert response["access-control-allow-origin"] == "http://localhost:3000"
