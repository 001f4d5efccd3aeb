"""Adopting the library in an existing project, in process: project defaults (defaults()), merging lists,
the wiring checks, truthful declared variables, the start-up error, and LOCAL_HTTP.

The same features on a real startproject with a custom user model, run as a user would: tests/test_adoption_project.py.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from modestwear_config import (
    BUILDERS,
    Variable,
    configure,
    declare,
    defaults,
    merge_apps,
    merge_middleware,
    merge_templates,
)
from modestwear_config.concerns import wiring
from modestwear_config.concerns.assemble import BUILT, announce, build_settings, doctor_command
from modestwear_config.concerns.compose import app_module
from modestwear_config.concerns.platform_facts import OTHER_HOSTS, PLATFORMS
from modestwear_config.concerns.security import hosting_platform, security_settings
from modestwear_config.doctor import report as doctor
from modestwear_config.doctor.docs import env_example
from modestwear_config.env import BY_NAME, REGISTRY, Env, ImproperlyConfigured
from tests.support.startproject import STARTPROJECT_APPS, STARTPROJECT_MIDDLEWARE

CANARY = "Canary-Adoption-Secret-4kQ9"
LIVENESS = wiring.LIVENESS


def built(environ: dict[str, str], tmp_path) -> tuple[dict[str, object], Env]:
    env = Env({"BASE_DIR": str(tmp_path), **environ})
    return build_settings(*BUILDERS, env=env), env


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "adoption-" + "Zp4-kW9-" * 7,
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "sqlite:////tmp/adoption-never-opened.sqlite3",  # production names its database
}


# -- 3. project defaults -------------------------------------------------------------------------------
def test_defaults__below_the_environment_above_the_library(registry, tmp_path):
    defaults(
        SECURE_HSTS_SECONDS=2_592_000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=False,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    settings, env = built({**PRODUCTION, "DATABASE_URL": "sqlite:///db.sqlite3"}, tmp_path)
    assert (settings["SECURE_HSTS_SECONDS"], settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (2_592_000, False)
    assert settings["DEFAULT_AUTO_FIELD"] == "django.db.models.AutoField"
    assert settings["SECURE_HSTS_PRELOAD"] is True  # what the project did not say stays the library's
    overridden, _ = built({**PRODUCTION, "SECURE_HSTS_SECONDS": "60"}, tmp_path)
    assert overridden["SECURE_HSTS_SECONDS"] == 60  # the environment still wins
    entries = {e.name: e for e in doctor.diagnose(env).entries}
    assert (entries["SECURE_HSTS_SECONDS"].value, entries["SECURE_HSTS_SECONDS"].source) == (
        "2592000",
        "project default",
    )
    assert (entries["DEFAULT_AUTO_FIELD"].source, entries["SECURE_HSTS_PRELOAD"].source) == (
        "project default",
        "derived",
    )
    out = io.StringIO()
    doctor.render_text(doctor.diagnose(env), out)
    assert re.search(r"\n  SECURE_HSTS_INCLUDE_SUBDOMAINS +false  \(project default\)\n", out.getvalue())


def test_defaults__a_wrong_call_is_an_error_naming_the_variable_never_the_value(registry):
    with pytest.raises(ValueError, match="SECURE_HSTS_SECONDZ is not a variable"):
        defaults(SECURE_HSTS_SECONDZ=1)
    with pytest.raises(ValueError, match=r"defaults\(\): SECURE_HSTS_SECONDS: expected an integer <="):
        defaults(SECURE_HSTS_SECONDS=10**9)
    with pytest.raises(ValueError, match="expected a boolean") as caught:
        defaults(SECURE_SSL_REDIRECT=CANARY)
    assert CANARY not in str(caught.value)
    for name in ("DEBUG", "SECRET_KEY", "LOCAL_HTTP"):  # production's safety never hangs on a line of code
        with pytest.raises(ValueError, match=f"{name} cannot be a project default"):
            defaults(**{name: "true"})
    with pytest.raises(ValueError, match="expected a str, bool, number, path or list"):
        defaults(ALLOWED_HOSTS={"a": 1})
    defaults(ALLOWED_HOSTS=["shop.example.com", ".example.org"])
    REGISTRY.seal()
    defaults(ALLOWED_HOSTS=["shop.example.com", ".example.org"])  # the settings module imported again
    with pytest.raises(ValueError, match="after the settings were built"):
        defaults(SECURE_HSTS_SECONDS=60)


def test_defaults__of_a_declared_variable_and_through_configure(registry, monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("DEBUG", "true")
    limit = Variable("ORDER_LIMIT", "int", "shop", "Most items in one order.", 20, minimum=1)
    settings = configure(limit, defaults={"ORDER_LIMIT": 5, "DEFAULT_AUTO_FIELD": "django.db.models.AutoField"})
    assert (settings["ORDER_LIMIT"], settings["DEFAULT_AUTO_FIELD"]) == (5, "django.db.models.AutoField")
    assert BUILT.star_imported["DEFAULT_AUTO_FIELD"][0] == "django.db.models.AutoField"  # W030 watches configure()


def test_reference__default_auto_field_is_a_documented_variable():
    from modestwear_config.doctor.docs import reference

    assert "| `DEFAULT_AUTO_FIELD` | str | django.db.models.BigAutoField |" in reference()


# -- 4. merging lists ----------------------------------------------------------------------------------
def test_merge_apps__duplicate_labels_once_project_spelling_and_order_kept(tmp_path):
    library = built({"DEBUG": "true"}, tmp_path)[0]["INSTALLED_APPS"]
    project = ["jazzmin", "django.contrib.admin.apps.SimpleAdminConfig", *STARTPROJECT_APPS, "django.contrib.auth"]
    merged = merge_apps(library, [*project, "rest_framework", "accounts.apps.AccountsConfig", "accounts"])
    labels = [app_module(app) for app in merged]
    assert len(labels) == len(set(labels))
    assert merged[:2] == ["jazzmin", "django.contrib.admin.apps.SimpleAdminConfig"]  # before admin, as listed
    assert merged[-2:] == ["rest_framework", "accounts.apps.AccountsConfig"]
    assert [app for app in merged if app in library] == [app for app in library if app != "django.contrib.admin"]


def test_merge_middleware__library_order_kept_liveness_first_whitenoise_replaced(tmp_path):
    library = built({"DEBUG": "true"}, tmp_path)[0]["MIDDLEWARE"]
    project = [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        *STARTPROJECT_MIDDLEWARE,
        "harbour.middleware.BasicAuth",
    ]
    merged = merge_middleware(library, project)
    assert merged[0] == LIVENESS and merged[-1] == "harbour.middleware.BasicAuth"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" not in merged and merged[: len(library)] == library
    with override_settings(MIDDLEWARE=merged):
        assert wiring.check_middleware_before_liveness() == []


def test_merge_templates__project_dirs_kept_library_processors_added(tmp_path):
    library = built({"DEBUG": "true", "CSP_MODE": "enforce"}, tmp_path)[0]["TEMPLATES"]
    ours = ["django.template.context_processors.debug", "django.template.context_processors.request"]
    project = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": ["templates"],
            "OPTIONS": {"context_processors": ours},
        },
        {"BACKEND": "django.template.backends.jinja2.Jinja2", "DIRS": []},
    ]
    merged = merge_templates(library, project)
    processors = merged[0]["OPTIONS"]["context_processors"]
    assert merged[0]["DIRS"] == ["templates"] and merged[1] == project[1]
    assert processors[0] == "django.template.context_processors.debug"
    assert set(library[0]["OPTIONS"]["context_processors"]) <= set(processors) and len(processors) == len(
        set(processors)
    )


ENTRY = st.sampled_from(
    [f"django.contrib.{n}" for n in ("admin", "auth", "sessions")]
    + [f"p{i}.apps.P{i}Config" for i in range(4)]
    + [f"q{i}" for i in range(4)]
)


@given(library=st.lists(ENTRY, unique=True), project=st.lists(ENTRY))
def test_merge_apps__every_label_once_in_the_library_order_each_own_entry_before_its_next_anchor(library, project):
    merged = [app_module(app) for app in merge_apps(library, project)]
    ours = [app_module(app) for app in library]
    assert len(merged) == len(set(merged)) and set(merged) == set(ours) | {app_module(a) for a in project}
    assert [label for label in merged if label in ours] == ours
    own = [app_module(a) for a in project]
    for position, label in enumerate(own):
        if label in ours or label in own[:position]:
            continue
        anchor = next((later for later in own[position + 1 :] if later in ours), None)
        if anchor is not None:  # just before the library entry the project lists after it
            assert merged.index(label) < merged.index(anchor)
        else:  # at the end, after every library entry
            assert all(merged.index(label) > merged.index(x) for x in ours)


def test_check_wiring__library_app_or_liveness_dropped_is_an_error(monkeypatch):
    monkeypatch.setattr(wiring, "EXPECTED", {"app": True, "liveness": True})
    with override_settings(INSTALLED_APPS=STARTPROJECT_APPS, MIDDLEWARE=STARTPROJECT_MIDDLEWARE):
        ids = [m.id for m in wiring.check_wiring()]
    assert ids == ["modestwear_config.E070", "modestwear_config.E071"]
    with override_settings(INSTALLED_APPS=[*STARTPROJECT_APPS, "modestwear_config.apps.ModestwearConfig"]):
        assert [m.id for m in wiring.check_wiring()] == []
    monkeypatch.setattr(wiring, "EXPECTED", {})  # settings built another way: left alone
    with override_settings(INSTALLED_APPS=STARTPROJECT_APPS, MIDDLEWARE=STARTPROJECT_MIDDLEWARE):
        assert wiring.check_wiring() == []


def test_check_middleware_before_liveness__names_each_one():
    with override_settings(
        MIDDLEWARE=["harbour.auth.BasicAuth", "harbour.ip.Allowlist", LIVENESS, *STARTPROJECT_MIDDLEWARE]
    ):
        (message,) = wiring.check_middleware_before_liveness()
    assert (
        message.id == "modestwear_config.W070" and "harbour.auth.BasicAuth, harbour.ip.Allowlist before" in message.msg
    )


# -- 9. declared variables: truthful and masked; the start-up error ------------------------------------------
def test_declared__secret_with_default_shows_set_and_its_default_is_masked(registry, tmp_path):
    declare(Variable("PAYMENT_TOKEN", "str", "shop", "Payment token.", CANARY, secret=True))
    env = Env({"BASE_DIR": str(tmp_path), "DEBUG": "true"})
    report = doctor.diagnose(env)
    entry = next(e for e in report.entries if e.name == "PAYMENT_TOKEN")
    assert (entry.value, entry.source) == ("set", "default")
    for as_json in (False, True):
        out = io.StringIO()
        doctor.render(report, as_json, out, show_settings=True)
        assert "PAYMENT_TOKEN" in out.getvalue() and CANARY not in out.getvalue()
    assert CANARY not in env_example(BY_NAME.values()) and CANARY in set(env.secret_values())


def test_declared__unset_without_default_is_no_setting(registry, tmp_path):
    declare(
        Variable("SHOP_CSP_REPORT_URI", "url", "shop", "Where browsers report violations."),
        Variable("SHOP_CSP_SCRIPT_SRC", "list", "shop", "Script sources."),
        Variable("SHOP_NAME", "str", "shop", "Shop name.", ""),
    )
    settings, _ = built({"DEBUG": "true"}, tmp_path)
    assert (
        "SHOP_CSP_REPORT_URI" not in settings and "SHOP_CSP_SCRIPT_SRC" not in settings and settings["SHOP_NAME"] == ""
    )
    settings, _ = built({"DEBUG": "true", "SHOP_CSP_SCRIPT_SRC": "'self'"}, tmp_path)
    assert settings["SHOP_CSP_SCRIPT_SRC"] == ["'self'"]


def test_startup_error__leads_with_the_problems_and_names_the_doctor(capsys):
    announce({"DEBUG": "expected a boolean", "ZZ_LAST": "x"})
    announce({"DEBUG": "expected a boolean", "ZZ_LAST": "x"})  # Django imports a failing settings module twice
    err = capsys.readouterr().err
    assert err.startswith("modestwear_config: the settings cannot load, 2 variable(s) are invalid:\n  DEBUG: expected")
    assert err.count("python -m modestwear_config.doctor") == 1
    assert "python -m modestwear_config.doctor" in str(ImproperlyConfigured({"DEBUG": "x"}))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["manage.py", "config"], True),
        (["/srv/app/manage.py", "config", "--json"], True),
        (["/venv/bin/django-admin", "config"], True),
        (["manage.py", "check"], False),
        (["gunicorn", "config"], False),
        (["manage.py"], False),
        ([], False),
    ],
)
def test_doctor_command__only_manage_py_config(argv, expected):
    assert doctor_command(argv) is expected


# -- 10. LOCAL_HTTP -------------------------------------------------------------------------------------
def test_local_http__production_over_plain_http(tmp_path):
    env = Env({"BASE_DIR": str(tmp_path), **PRODUCTION, "LOCAL_HTTP": "true"})
    settings = security_settings(env)
    assert not any(
        settings[n]
        for n in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS")
    )
    assert env.problems == {} and env.derived["SESSION_COOKIE_SECURE"][1] == ("DEBUG", "LOCAL_HTTP")
    report = doctor.diagnose(Env({"BASE_DIR": str(tmp_path), **PRODUCTION, "LOCAL_HTTP": "true"}))
    out = io.StringIO()
    doctor.render_text(report, out)
    assert "production over PLAIN HTTP (LOCAL_HTTP=true" in out.getvalue().splitlines()[0]
    assert security_settings(Env({**PRODUCTION}))["SESSION_COOKIE_SECURE"] is True  # off by default


@pytest.mark.parametrize("platform", [*(m for p in PLATFORMS for m in p.markers), *OTHER_HOSTS])
def test_local_http__refused_on_every_platform(platform, tmp_path):
    env = Env({"BASE_DIR": str(tmp_path), **PRODUCTION, "LOCAL_HTTP": "true", platform: "x"})
    settings = security_settings(env)
    assert settings["SECURE_SSL_REDIRECT"] is True and settings["SESSION_COOKIE_SECURE"] is True
    assert f"({platform} is set)" in env.problems["LOCAL_HTTP"] and "laptop only" in env.problems["LOCAL_HTTP"]
    report = json.loads(json.dumps(doctor.diagnose(env).as_dict()))
    assert "PLAIN HTTP" not in json.dumps(report)


def test_hosting_platform__from_variable_names():
    assert hosting_platform(Env({"PATH": "/bin", "HOME": "/root", "CI": "true"})) is None
    assert hosting_platform(Env({"FLY_APP_NAME": "shop"})) == "Fly.io (FLY_APP_NAME is set)"
    assert hosting_platform(Env({"VERCEL": "1"})) == "Vercel (VERCEL is set)"


def test_merge_apps__apps_whose_modules_end_alike_are_all_kept(tmp_path):
    """bakerydemo's list: wagtail.search beside bakerydemo.search, wagtail.admin beside django.contrib.admin
    (their labels differ: Wagtail's AppConfigs declare "wagtailsearch", "wagtailadmin"). Both of each stay."""
    library = built({"DEBUG": "true"}, tmp_path)[0]["INSTALLED_APPS"]
    project = ["bakerydemo.search", "wagtail.search", "wagtail.admin", "django.contrib.admin", "wagtail"]
    merged = merge_apps(library, project)
    assert set(project) <= set(merged)
    assert len(merged) == len(set(merged))


def test_local_http__no_proxy_trusted_on_a_laptop(tmp_path):
    """A laptop has no TLS proxy: with LOCAL_HTTP the forwarded headers are nobody's to trust (gunicorn and
    Django alike), unless BEHIND_TLS_PROXY says otherwise; a platform still derives its proxy."""
    from modestwear_config.concerns.security import behind_tls_proxy

    local = Env({"BASE_DIR": str(tmp_path), **PRODUCTION, "LOCAL_HTTP": "true"})
    assert behind_tls_proxy(local) is False and security_settings(local)["SECURE_PROXY_SSL_HEADER"] is None
    assert behind_tls_proxy(Env({**PRODUCTION, "LOCAL_HTTP": "true", "BEHIND_TLS_PROXY": "true"})) is True
    assert behind_tls_proxy(Env({**PRODUCTION})) is True  # the default everywhere else
