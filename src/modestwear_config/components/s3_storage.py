"""django-storages' S3Storage, taking its documented ``client_config`` option as a plain dict.

The settings then hold only data (the doctor prints them, the overrides check compares them), and
botocore is imported when the storage is first used, never at settings import.  Every other option
is django-storages' own, passed through unchanged.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config  # type: ignore[import-untyped]
from storages.backends.s3 import S3Storage as _S3Storage  # type: ignore[import-untyped]


class S3Storage(_S3Storage):  # type: ignore[misc]
    def __init__(self, **settings: Any) -> None:
        config = settings.get("client_config")
        if isinstance(config, dict):
            settings = {**settings, "client_config": Config(**config)}
        super().__init__(**settings)
