from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import POSTGRES_URL, REDIS_URL, require


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The shared PostgreSQL (skips, or fails in CI, when unreachable). Never reconfigure it."""
    return require(POSTGRES_URL, "PostgreSQL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared Redis (skips, or fails in CI, when unreachable). Never flush it."""
    return require(REDIS_URL, "Redis")


# Modules whose fast tests assert durations (deadlines, socket timeouts): they run on the serial worker
# too, never beside a test that starts servers, wrk or a browser (measured: a 0.55 s bound missed by 1 ms).
TIMED_MODULES = frozenset(
    {
        "test_cache",
        "test_celery",
        "test_database",
        "test_email",
        "test_faults",
        "test_health_checks",
        "test_health_gunicorn",
        "test_health_postgres",
        "test_health_redis_probe",
        "test_health_runner",
        "test_health_views",
        "test_s3",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`-n 2 --dist loadgroup`, the default in pyproject), the slow tests (servers,
    workers, load, browsers) and the timed ones share one worker and run one at a time, as without
    xdist; the others (property tests, type checking, pure settings, and the idle-window tests, which
    mostly sleep) fill the second worker."""
    for item in items:
        slow = item.get_closest_marker("slow") and not item.get_closest_marker("idle")
        if slow or item.module.__name__.rpartition(".")[2] in TIMED_MODULES:
            item.add_marker(pytest.mark.xdist_group("serial"))


@pytest.fixture
def unbuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process whose settings are not built yet (gunicorn's master, a test that sets os.environ):
    the scrubber and the checks then read the process environment when first used."""
    from modestwear_config.concerns.assemble import BUILT

    monkeypatch.setattr(BUILT, "env", None)
    monkeypatch.setattr(BUILT, "_scrubber", None)


@pytest.fixture
def registry() -> Iterator[None]:
    """declare() and defaults() change the process-wide registry: put it back after each test."""
    from modestwear_config.concerns import wiring
    from modestwear_config.env import BY_NAME, REGISTRY

    saved, sealed, project_defaults = dict(BY_NAME), REGISTRY.sealed, dict(REGISTRY.project_defaults)
    REGISTRY.sealed = False
    expected = dict(wiring.EXPECTED)  # configure() builds in force: the wiring check's expectations too
    yield
    wiring.EXPECTED.clear()
    wiring.EXPECTED.update(expected)
    BY_NAME.clear()
    BY_NAME.update(saved)
    REGISTRY.sealed = sealed
    REGISTRY.project_defaults.clear()
    REGISTRY.project_defaults.update(project_defaults)
