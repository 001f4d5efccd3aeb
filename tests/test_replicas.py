"""Read replicas (DATABASE_REPLICA_URLS + routers.ReplicaRouter) on the real PostgreSQL, with a second
database standing in for the replica: reads go there, writes and transactions to the primary, and
`migrate` touches only the primary."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.components.routers import ReplicaRouter
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.database import database_settings
from modestwear_config.env import Env
from tests.support.servers import fresh_postgres_database, manage, project_env

ROUTER = "modestwear_config.components.routers.ReplicaRouter"


# -- the settings ------------------------------------------------------------------
def test_database_settings__no_replicas_no_router():
    settings = build_settings(database_settings, env=Env({"DATABASE_URL": "postgresql://u:p@localhost/shop"}))
    assert list(settings["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in settings


def test_database_settings__replicas_share_the_primary_connection_options():
    env = Env(
        {
            "DATABASE_URL": "postgresql://u:p@ep-a.eu-central-1.aws.neon.tech/neondb",
            "DATABASE_REPLICA_URLS": "postgresql://u:p@ep-b.eu-central-1.aws.neon.tech/neondb, "
            "postgresql://u:p@ep-c.eu-central-1.aws.neon.tech/neondb",
            "DATABASE_CONN_MAX_AGE": "60",
            "DATABASE_CONNECT_TIMEOUT": "3",
        }
    )
    settings = build_settings(database_settings, env=env)
    databases = settings["DATABASES"]
    assert list(databases) == ["default", "replica_1", "replica_2"]
    assert settings["DATABASE_ROUTERS"] == [ROUTER]
    for alias in ("replica_1", "replica_2"):
        replica = databases[alias]
        for key in ("ENGINE", "NAME", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
            assert replica[key] == databases["default"][key], (alias, key)
        assert replica["TEST"] == {"MIRROR": "default"}  # tests run against the primary only
    assert databases["replica_2"]["HOST"] == "ep-c.eu-central-1.aws.neon.tech"
    assert databases["replica_1"]["OPTIONS"] == {"connect_timeout": 3, "sslmode": "require"}


def test_database_settings__bad_replica_url_names_the_variable_not_the_password():
    env = Env(
        {
            "DATABASE_URL": "postgresql://u:p@localhost/shop",
            "DATABASE_REPLICA_URLS": "postgresql://u:hunter2-secret@localhost/shop,mongodb://u:hunter2-secret@h/db",
        }
    )
    with pytest.raises(ImproperlyConfigured) as excinfo:
        build_settings(database_settings, env=env)
    assert "DATABASE_REPLICA_URLS: unknown database scheme" in str(excinfo.value)
    assert "hunter2-secret" not in str(excinfo.value)


def test_replica_router__without_replicas_everything_is_the_primary():
    router = ReplicaRouter()  # the test settings have no replica
    assert router.replicas == []
    assert router.db_for_read(object) == "default"
    assert router.db_for_write(object) == "default"
    assert router.allow_migrate("default", "auth") is True
    assert router.allow_migrate("replica_1", "auth") is False
    assert router.allow_relation(object(), object()) is True


def test_replica_router__reads_spread_over_replicas_outside_transactions(monkeypatch):
    from django.db import connections

    router = ReplicaRouter()
    router.replicas = ["replica_1", "replica_2"]
    seen = {router.db_for_read(object) for _ in range(200)}
    assert seen == {"replica_1", "replica_2"}
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    assert router.db_for_read(object) == "default"
    assert router.db_for_write(object) == "default"


# -- the real PostgreSQL -------------------------------------------------------------
@pytest.fixture
def primary_and_replica(postgres_url: str) -> Iterator[tuple[str, str]]:
    with fresh_postgres_database(postgres_url) as primary, fresh_postgres_database(postgres_url) as replica:
        yield primary, replica


def public_tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {row[0] for row in rows}


def group_names(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return sorted(row[0] for row in conn.execute("SELECT name FROM auth_group"))


PROBE = r"""
import json
from django.contrib.auth.models import Group
from django.db import transaction

read = sorted(Group.objects.values_list("name", flat=True))
read_alias = Group.objects.all().db
Group.objects.create(name="written")
after_write = sorted(Group.objects.values_list("name", flat=True))
with transaction.atomic():
    in_transaction = sorted(Group.objects.values_list("name", flat=True))
    in_transaction_alias = Group.objects.all().db
print(json.dumps({"read": read, "read_alias": read_alias, "after_write": after_write,
                  "in_transaction": in_transaction, "in_transaction_alias": in_transaction_alias}))
"""


@pytest.mark.slow
@pytest.mark.services
def test_replicas__reads_on_replica_writes_and_transactions_on_primary_migrate_primary_only(
    primary_and_replica, tmp_path
):
    primary, replica = primary_and_replica
    env = project_env({"BASE_DIR": str(tmp_path), "DATABASE_URL": primary, "DATABASE_REPLICA_URLS": replica})

    migrated = manage("migrate", "--no-input", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert {"django_migrations", "auth_group", "auth_user"} <= public_tables(primary)
    assert public_tables(replica) == set()  # the router kept migrate off the replica

    # Stand-in for replication: the same schema on the replica, and a row only each side has.
    replicated = manage("migrate", "--no-input", env=project_env({"BASE_DIR": str(tmp_path), "DATABASE_URL": replica}))
    assert replicated.returncode == 0, replicated.stderr
    for url, name in ((primary, "on-primary"), (replica, "on-replica")):
        with psycopg.connect(url) as conn:
            conn.execute("INSERT INTO auth_group (name) VALUES (%s)", (name,))

    probed = manage("shell", "-c", PROBE, env=env)
    assert probed.returncode == 0, probed.stderr
    seen = json.loads(probed.stdout.strip().splitlines()[-1])

    assert (seen["read"], seen["read_alias"]) == (["on-replica"], "replica_1")
    assert seen["after_write"] == ["on-replica"]  # the write went elsewhere: the primary
    assert (seen["in_transaction"], seen["in_transaction_alias"]) == (["on-primary", "written"], "default")
    assert group_names(primary) == ["on-primary", "written"]
    assert group_names(replica) == ["on-replica"]
