"""health_settings: MODESTWEAR_HEALTH_* from HEALTH_* variables, validated, secrets never echoed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config import BUILDERS
from modestwear_config.concerns import readiness as health
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.readiness import health_settings
from modestwear_config.env import Env

CANARY = "CanaryH3alth"


def build(**environ: str) -> dict:
    return build_settings(health_settings, env=Env(environ))


def error_of(**environ: str) -> str:
    with pytest.raises(ImproperlyConfigured) as caught:
        build(**environ)
    return str(caught.value)


def test_health_settings__defaults():
    assert build() == {
        "MODESTWEAR_HEALTH_TOKEN": None,
        "MODESTWEAR_HEALTH_BUDGET": 2.5,
        "MODESTWEAR_HEALTH_CACHE_SECONDS": 2.0,
        "MODESTWEAR_HEALTH_CRITICAL": ("database",),
        "MODESTWEAR_HEALTH_CHECKS": (),
    }


def test_health_settings__values_read():
    token = "t0ken-" + "a" * 20
    settings = build(
        HEALTH_TOKEN=token,
        HEALTH_BUDGET_SECONDS="1.5",
        HEALTH_CACHE_SECONDS="0",
        HEALTH_CHECKS="Celery, migrations,storage,celery",
        HEALTH_CRITICAL_CHECKS="database,cache:sessions,celery",
    )
    assert settings["MODESTWEAR_HEALTH_TOKEN"] == token
    assert settings["MODESTWEAR_HEALTH_BUDGET"] == 1.5
    assert settings["MODESTWEAR_HEALTH_CACHE_SECONDS"] == 0
    assert settings["MODESTWEAR_HEALTH_CHECKS"] == ("celery", "migrations", "storage")
    assert settings["MODESTWEAR_HEALTH_CRITICAL"] == ("database", "cache:sessions", "celery")


def test_health_settings__token_from_file(tmp_path):
    path = tmp_path / "token"
    path.write_text("file-token-0123456789\n")
    assert build(HEALTH_TOKEN_FILE=str(path))["MODESTWEAR_HEALTH_TOKEN"] == "file-token-0123456789"


@pytest.mark.parametrize(
    "environ, variable",
    [
        # Names are only checked for shape here; registered or not is the system checks' (E030/E031).
        ({"HEALTH_CHECKS": f"celery,{CANARY}/x"}, "HEALTH_CHECKS"),
        ({"HEALTH_CRITICAL_CHECKS": f"database,{CANARY} x:y"}, "HEALTH_CRITICAL_CHECKS"),
        ({"HEALTH_BUDGET_SECONDS": "0"}, "HEALTH_BUDGET_SECONDS"),
        ({"HEALTH_BUDGET_SECONDS": "nan"}, "HEALTH_BUDGET_SECONDS"),
        ({"HEALTH_CACHE_SECONDS": "-1"}, "HEALTH_CACHE_SECONDS"),
        ({"HEALTH_TOKEN": CANARY}, "HEALTH_TOKEN"),  # too short
        ({"HEALTH_TOKEN": f"{CANARY} with spaces inside"}, "HEALTH_TOKEN"),
        ({"HEALTH_TOKEN": f"{CANARY}-non-ascii-\u00e9\u00e9\u00e9"}, "HEALTH_TOKEN"),
    ],
    ids=lambda v: str(v),
)
def test_health_settings__bad_value_names_variable_never_value(environ, variable):
    message = error_of(**environ)
    assert f"  {variable}: " in message
    assert CANARY not in message


def test_health_settings__critical_of_enabled_optional_check_accepted():
    settings = build(HEALTH_CHECKS="celery", HEALTH_CRITICAL_CHECKS="database,celery")
    assert settings["MODESTWEAR_HEALTH_CRITICAL"] == ("database", "celery")


def test_health_settings__part_of_package_builders():
    assert health.CONCERN in BUILDERS and health.CONCERN.build is health_settings
    settings = build_settings(*BUILDERS, env=Env({"DEBUG": "true", "HEALTH_BUDGET_SECONDS": "1"}))
    assert settings["MODESTWEAR_HEALTH_BUDGET"] == 1.0


def test_health_settings__module_import_star_builds_only_health():
    import modestwear_config.concerns.readiness as module

    assert set(module.__all__) == set(build())  # what `import *` takes


def test_health_settings__defaults_are_the_registry_s():
    from modestwear_config.concerns import readiness as module
    from modestwear_config.env import BY_NAME

    assert module.setting_default("MODESTWEAR_HEALTH_BUDGET") == BY_NAME["HEALTH_BUDGET_SECONDS"].default
    assert module.setting_default("MODESTWEAR_HEALTH_CACHE_SECONDS") == BY_NAME["HEALTH_CACHE_SECONDS"].default
    assert module.setting_default("MODESTWEAR_HEALTH_CRITICAL") == tuple(BY_NAME["HEALTH_CRITICAL_CHECKS"].default)


def test_health_settings__one_declaration_for_each_variable_and_setting():
    """Every HEALTH_* variable becomes exactly one MODESTWEAR_HEALTH_* setting, and nothing else does."""
    from modestwear_config.concerns import readiness as module

    assert sorted(module.SETTINGS.values()) == sorted(v.name for v in module.VARIABLES)
    assert set(build()) == set(module.SETTINGS)


def test_health_settings__project_check_names_accepted():
    """A project's own @register(..., optional=True) check can be named (checked later, against the registry)."""
    settings = build(HEALTH_CHECKS="payments", HEALTH_CRITICAL_CHECKS="database,payments")
    assert settings["MODESTWEAR_HEALTH_CHECKS"] == ("payments",)
    assert settings["MODESTWEAR_HEALTH_CRITICAL"] == ("database", "payments")
