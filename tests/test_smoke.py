from __future__ import annotations

from django.conf import settings


def test_settings__test_database_is_postgresql_when_services_required(postgres_url):
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
