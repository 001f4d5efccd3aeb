"""Send reads to a replica, writes and migrations to the primary."""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.db import connections

from .database import REPLICA_PREFIX


class ReplicaRouter:
    """Reads go to a random replica unless the primary is inside a transaction.

    Inside ``transaction.atomic()`` every read goes to the primary, so a
    transaction sees its own writes (replicas lag behind).
    """

    def _replicas(self) -> list[str]:
        return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]

    def db_for_read(self, model: type, **hints: Any) -> str:
        replicas = self._replicas()
        if not replicas or connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Every alias holds the same data, so relations across them are fine.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == "default"
