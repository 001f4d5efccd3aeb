from __future__ import annotations

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`-n 2`, the default in pyproject), the slow tests (servers, workers, load,
    browsers, deadlines measured against real processes) share one worker and run one at a time, as
    without xdist; the fast ones spread over the others. Parallel load tests would measure each other."""
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.xdist_group("slow"))
