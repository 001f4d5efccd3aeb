"""conf: MODESTWEAR_HEALTH_* read lazily (override_settings works), defaults, bad values named."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from modestwear_config.health.conf import conf


def test_health_conf__values_from_test_settings():
    assert conf.budget == 2.5
    assert conf.cache_seconds == 2.0
    assert conf.critical == frozenset({"database"})
    assert conf.checks == ()
    assert conf.token is None


def test_health_conf__override_settings_seen_at_once():
    with override_settings(
        MODESTWEAR_HEALTH_BUDGET=1,
        MODESTWEAR_HEALTH_CACHE_SECONDS=0,
        MODESTWEAR_HEALTH_CRITICAL=["Database", "cache"],
        MODESTWEAR_HEALTH_CHECKS=("celery",),
        MODESTWEAR_HEALTH_TOKEN="tok-0123456789abcdef",
    ):
        assert (conf.budget, conf.cache_seconds) == (1.0, 0.0)
        assert conf.critical == frozenset({"database", "cache"})
        assert conf.checks == ("celery",)
        assert conf.token == "tok-0123456789abcdef"
    assert conf.budget == 2.5


def test_health_conf__defaults_when_settings_absent(settings):
    for name in (
        "MODESTWEAR_HEALTH_BUDGET",
        "MODESTWEAR_HEALTH_CACHE_SECONDS",
        "MODESTWEAR_HEALTH_CRITICAL",
        "MODESTWEAR_HEALTH_CHECKS",
        "MODESTWEAR_HEALTH_TOKEN",
    ):
        delattr(settings, name)
    assert (conf.budget, conf.cache_seconds, conf.critical, conf.checks, conf.token) == (
        2.5,
        2.0,
        frozenset({"database"}),
        (),
        None,
    )


@pytest.mark.parametrize(
    "name, value",
    [
        ("MODESTWEAR_HEALTH_BUDGET", 0),
        ("MODESTWEAR_HEALTH_BUDGET", "2"),
        ("MODESTWEAR_HEALTH_BUDGET", True),
        ("MODESTWEAR_HEALTH_BUDGET", float("inf")),
        ("MODESTWEAR_HEALTH_CACHE_SECONDS", -1),
        ("MODESTWEAR_HEALTH_CRITICAL", "database"),
        ("MODESTWEAR_HEALTH_CHECKS", [1]),
    ],
)
def test_health_conf__bad_setting_named(name, value):
    attribute = {
        "MODESTWEAR_HEALTH_BUDGET": "budget",
        "MODESTWEAR_HEALTH_CACHE_SECONDS": "cache_seconds",
        "MODESTWEAR_HEALTH_CRITICAL": "critical",
        "MODESTWEAR_HEALTH_CHECKS": "checks",
    }[name]
    with override_settings(**{name: value}), pytest.raises(ImproperlyConfigured, match=name):
        getattr(conf, attribute)


@pytest.mark.parametrize("value", [0.05, 31, "2"])
def test_health_conf__one_validator_for_conf_and_the_system_check(value):
    """The variable's bounds (0.1 to 30 s) hold for the setting too: /health and `check` agree."""
    from modestwear_config.concerns.readiness import check_health_settings

    with override_settings(MODESTWEAR_HEALTH_BUDGET=value):
        with pytest.raises(ImproperlyConfigured, match="MODESTWEAR_HEALTH_BUDGET .* from 0.1 to 30"):
            _ = conf.budget
        [error] = check_health_settings()
    assert (error.id, error.obj) == ("modestwear_config.E032", "HEALTH_BUDGET_SECONDS")


def test_health_conf__system_check_silent_on_the_test_settings():
    from modestwear_config.concerns.readiness import check_health_settings

    assert check_health_settings() == []
