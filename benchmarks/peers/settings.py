"""The plain project plus the two readiness checks users pick instead: django-health-check and django-alive.

Both are configured for the database and the cache, against the same PostgreSQL and Redis
the benchmark gives our package (DATABASE_URL, REDIS_URL).
"""

from __future__ import annotations

from plain.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "health_check"]  # noqa: F405  (its HTML template; JSON is asked for)
ROOT_URLCONF = "peers.urls"

# django-alive: database and cache, as its README shows.
ALIVE_CHECKS = [
    ("django_alive.checks.check_database", {}),
    ("django_alive.checks.check_cache", {}),
]
