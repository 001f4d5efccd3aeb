"""Send reads to a replica, writes and migrations to the primary."""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from modestwear_config.concerns.database import REPLICA_PREFIX


class ReplicaRouter:
    """Reads go to a random replica unless the primary is inside a transaction.

    Inside ``transaction.atomic()`` every read goes to the primary, so a
    transaction sees its own writes (replicas lag behind).  Outside one, a read
    right after a write may not see it yet: wrap read-your-writes code in atomic().
    """

    def __init__(self) -> None:
        # Django builds routers once, after settings: a list lookup per query, not a scan of DATABASES.
        self.replicas: list[str] = [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]

    def db_for_read(self, model: type, **hints: Any) -> str:
        if not self.replicas or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return random.choice(self.replicas)

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Every alias holds the same data, so relations across them are fine.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        # Replicas get the schema by replication; migrating them would fail (read-only) or diverge.
        return db == DEFAULT_DB_ALIAS
