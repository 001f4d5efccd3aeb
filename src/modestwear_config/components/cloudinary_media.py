"""Media on Cloudinary: django-cloudinary-storage's storage, each call bounded by CLOUDINARY_TIMEOUT in all.

The SDK's uploads take a per-read timeout at most, and the storage's existence, size and open
calls go through requests with none at all: a Cloudinary endpoint that stalls or trickles held a
request for as long as it liked.  Here every call that reaches the network (``_save``, ``_open``,
``delete``, ``exists``, ``size``, ``listdir``: Django's Storage API) runs under one deadline
(components/deadline.py); past it, its sockets are shut down and the SDK fails with its own error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from cloudinary_storage.storage import MediaCloudinaryStorage as UpstreamStorage  # type: ignore[import-untyped]

from .deadline import deadline

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0  # seconds; the STORAGES OPTIONS the storage concern builds set CLOUDINARY_TIMEOUT


class MediaCloudinaryStorage(UpstreamStorage):  # type: ignore[misc]  # the package ships no type information
    def __init__(self, *args: Any, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout = float(timeout)

    def _bounded(self, call: Callable[..., T], *args: Any) -> T:
        with deadline(self.timeout):
            return call(*args)

    def _open(self, name: str, mode: str = "rb") -> Any:
        return self._bounded(super()._open, name, mode)

    def _save(self, name: str, content: Any) -> str:
        return str(self._bounded(super()._save, name, content))

    def delete(self, name: str) -> Any:
        return self._bounded(super().delete, name)

    def exists(self, name: str) -> bool:
        return bool(self._bounded(super().exists, name))

    def size(self, name: str) -> int:
        return int(self._bounded(super().size, name))

    def listdir(self, path: str) -> Any:
        return self._bounded(super().listdir, path)
