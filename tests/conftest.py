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
