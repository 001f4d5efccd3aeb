"""django-redis's client, except that ``cache.clear()`` deletes only this cache's keys.

django-redis's ``clear()`` is FLUSHDB: with the cache, the Celery broker and
the result backend in one Redis database (Upstash's free plan has only
database 0) it deletes queued tasks and stored results.  Django cache keys are
``<KEY_PREFIX>:<version>:<key>`` (the default KEY_FUNCTION) and kombu's and the
result backend's never start that way (``celery``, ``_kombu.binding.*``,
``unacked*``, ``celery-task-meta-*``), so clearing ``<KEY_PREFIX>:*`` leaves
them alone, even with an empty prefix (Django keys then start with ':').
Imported by django-redis only when the cache is configured.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

from django_redis.client import DefaultClient  # type: ignore[import-untyped]
from django_redis.exceptions import ConnectionInterrupted  # type: ignore[import-untyped]
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

BATCH = 1000  # keys per SCAN step and per DEL


class ScopedClearClient(DefaultClient):  # type: ignore[misc]
    """DefaultClient whose clear() deletes ``<KEY_PREFIX>:*`` instead of flushing the database."""

    def __init__(self, server: Any, params: dict[str, Any], backend: Any) -> None:
        super().__init__(server, params, backend)
        self.clear_pattern = f"{glob_escape(str(params.get('KEY_PREFIX') or ''))}:*"

    def clear(self, client: Any = None) -> None:
        client = client if client is not None else self.get_client(write=True)
        try:
            keys = client.scan_iter(match=self.clear_pattern, count=BATCH)
            while batch := list(islice(keys, BATCH)):
                client.delete(*batch)
        except (RedisConnectionError, RedisTimeoutError, ResponseError) as exc:
            raise ConnectionInterrupted(connection=client) from exc


def glob_escape(text: str) -> str:
    """`text` matched literally in a Redis MATCH pattern."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
