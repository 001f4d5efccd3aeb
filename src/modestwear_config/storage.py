"""STORAGES: media on Cloudinary or the file system; static files through WhiteNoise."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any
from urllib.parse import urlsplit

from .env import Env, lazy_settings

CLOUDINARY_MEDIA = "cloudinary_storage.storage.MediaCloudinaryStorage"
FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
# Compressed, content-hashed names, served with far-future cache headers (staticfiles_storage.py).
WHITENOISE_STATIC = "modestwear_config.staticfiles_storage.ManifestStaticFilesStorage"
DJANGO_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"
CLOUDINARY_PARTS = ("CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET")
URL_SHAPE = "cloudinary://API_KEY:API_SECRET@CLOUD_NAME"


def storage_settings(env: Env) -> dict[str, Any]:
    credentials = cloudinary_credentials(env)
    # Never Cloudinary for static files: its static storages are broken on Django >= 4.2.
    static = WHITENOISE_STATIC if find_spec("whitenoise") else DJANGO_STATIC
    settings: dict[str, Any] = {
        "STORAGES": {
            "default": {"BACKEND": CLOUDINARY_MEDIA if credentials else FILE_SYSTEM},
            "staticfiles": {"BACKEND": static},
        },
    }
    if credentials:
        name = "CLOUDINARY_URL" if env.is_set("CLOUDINARY_URL") else "CLOUDINARY_CLOUD_NAME"
        env.require_extra(name, "cloudinary", "cloudinary_storage", "cloudinary")
        # django-cloudinary-storage reads this dict (a CLOUDINARY_URL *setting* is ignored).
        settings["CLOUDINARY_STORAGE"] = credentials
    return settings


def cloudinary_credentials(env: Env) -> dict[str, str] | None:
    """CLOUD_NAME/API_KEY/API_SECRET from CLOUDINARY_URL or the three variables; None if unset."""
    url: str | None = env("CLOUDINARY_URL")
    parts = {name: env(name) for name in CLOUDINARY_PARTS}
    given = [name for name, value in parts.items() if value]
    if url and given:
        env.error("CLOUDINARY_URL", f"set it or {', '.join(CLOUDINARY_PARTS)}, not both")
        return None
    if url:
        return _credentials_from_url(env, url)
    if not given:
        return None
    missing = [name for name in CLOUDINARY_PARTS if name not in given]
    for name in missing:
        env.error(name, "You have not set it, but other CLOUDINARY_* variables are set: set all three")
    if missing:
        return None
    return dict(zip(("CLOUD_NAME", "API_KEY", "API_SECRET"), (parts[n] for n in CLOUDINARY_PARTS)))


def _credentials_from_url(env: Env, url: str) -> dict[str, str] | None:
    parts = urlsplit(url)  # already checked by the URL reader: parses, has a scheme
    if parts.scheme != "cloudinary":
        env.error("CLOUDINARY_URL", f"unknown scheme; expected {URL_SHAPE}")
        return None
    # hostname is lower-cased, as the cloudinary SDK itself reads CLOUDINARY_URL.
    found = {"API key": parts.username, "API secret": parts.password, "cloud name": parts.hostname}
    missing = [label for label, value in found.items() if not value]
    if missing:
        env.error("CLOUDINARY_URL", f"expected {URL_SHAPE}; the {' and '.join(missing)} is missing")
        return None
    return {"CLOUD_NAME": str(parts.hostname), "API_KEY": str(parts.username), "API_SECRET": str(parts.password)}


__getattr__ = lazy_settings(storage_settings)
