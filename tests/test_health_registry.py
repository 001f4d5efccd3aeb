"""The check registry: built-ins first, project checks in a few lines, optional and critical ones."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.health import SKIPPED, register, register_check, unregister
from modestwear_config.health.catalog import registered, select


@pytest.fixture
def cleanup():
    names: list[str] = []
    yield names
    for name in names:
        unregister(name)


def names_of(selected) -> list[str]:
    return [s.name for s in selected]


def test_registry__builtins_registered_in_order():
    regs = registered()
    assert list(regs)[:6] == ["database", "cache", "celery", "migrations", "storage", "email"]
    assert {n for n, r in regs.items() if r.optional} >= {"celery", "migrations", "storage", "email"}
    assert not regs["database"].optional and not regs["cache"].optional


def test_registry__default_selection_is_database_and_cache_per_alias():
    assert names_of(select((), frozenset())) == ["database", "cache"]


def test_registry__optional_checks_only_when_enabled():
    assert names_of(select(("storage", "celery"), frozenset())) == ["database", "cache", "celery", "storage"]


def test_registry__project_check_by_decorator(cleanup):
    cleanup.append("payments")

    @register("payments", critical=True)
    def payments(timeout: float) -> None:
        return None

    selected = {s.name: s for s in select((), frozenset())}
    assert selected["payments"].probe is payments and selected["payments"].critical
    assert list(selected)[-1] == "payments"  # after the built-ins


def test_registry__decorator_defaults_to_function_name(cleanup):
    cleanup.append("search_index")

    @register()
    def search_index(timeout: float) -> object:
        return SKIPPED

    assert "search_index" in names_of(select((), frozenset()))


def test_registry__optional_project_check(cleanup):
    cleanup.append("mailer")
    register_check("mailer", lambda timeout: None, optional=True)
    assert "mailer" not in names_of(select((), frozenset()))
    assert "mailer" in names_of(select(("mailer",), frozenset()))


def test_registry__critical_from_settings_by_name_or_alias(cleanup):
    cleanup.append("queue")
    register_check("queue", lambda timeout: None)
    critical = {s.name: s.critical for s in select((), frozenset({"queue", "cache:default", "cache"}))}
    assert critical == {"database": False, "cache": True, "queue": True}


@pytest.mark.parametrize("name", ["Payments", "has space", "db:alias", "", "9lives"])
def test_registry__bad_names_refused(name):
    with pytest.raises(ValueError):
        register_check(name, lambda timeout: None)


def test_registry__duplicate_refused():
    with pytest.raises(ValueError, match="already registered"):
        register_check("database", lambda timeout: None)


@pytest.mark.parametrize(
    "enabled, critical, setting",
    [
        (("nope",), frozenset(), "MODESTWEAR_HEALTH_CHECKS"),
        ((), frozenset({"nope:alias"}), "MODESTWEAR_HEALTH_CRITICAL"),
    ],
)
def test_registry__unknown_names_in_settings_refused(enabled, critical, setting):
    with pytest.raises(ImproperlyConfigured, match=setting):
        select(enabled, critical)


def test_registry__unregister_unknown_is_noop():
    unregister("never-registered")
    assert "never-registered" not in registered()


def test_select__a_group_whose_probes_cannot_be_built_fails_alone(settings):
    """A driver that will not import used to make /health answer {"checks": {}} (503) for everything."""
    from modestwear_config.health.catalog import register_group
    from modestwear_config.health.runner import Runner

    def broken() -> dict:
        raise ModuleNotFoundError("No module named 'somedriver'", name="somedriver")

    register_group("broken", broken)
    try:
        selected = select((), frozenset())
        report = Runner().run([c for c in selected if c.name in ("broken", "cache")], 1.0, 0)
    finally:
        unregister("broken")
    results = {c.name: c.result for c in report.checks}
    assert (results["broken"].status, results["broken"].error) == ("fail", "ModuleNotFoundError")
    assert results["cache"].status in ("ok", "skipped")
