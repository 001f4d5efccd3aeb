"""STORAGES: media on Cloudinary, S3 (concerns/s3.py) or the file system; static files through WhiteNoise."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Error

from modestwear_config.env import Env, variables_of

from .assemble import lazy_settings
from .compose import Rank
from .s3 import s3_configured, s3_origins, s3_storage
from .unit import CHECK_PREFIX, Check, Concern, Extra, Placed

V = variables_of("storage")
VARIABLES = (
    V(
        "CLOUDINARY_URL",
        "url",
        "Cloudinary credentials; media goes to Cloudinary when set.",
        secret=True,
        default_doc="media on the local file system",
        example="cloudinary://key:secret@cloud",
    ),
    V(
        "CLOUDINARY_CLOUD_NAME",
        "str",
        "Cloudinary cloud name (instead of CLOUDINARY_URL; all three or none).",
        example="modestwear",
    ),
    V(
        "CLOUDINARY_API_KEY",
        "str",
        "Cloudinary API key (instead of CLOUDINARY_URL).",
        example="123456789012345",
    ),
    V(
        "CLOUDINARY_API_SECRET",
        "str",
        "Cloudinary API secret (instead of CLOUDINARY_URL).",
        secret=True,
        example="<secret>",
    ),
    V(
        "CLOUDINARY_TIMEOUT",
        "float",
        "Seconds one media storage call to Cloudinary (an upload, a delete, an existence check) may take in all.",
        60.0,
        minimum=1,
        maximum=600,
    ),
)
CLOUDINARY = Extra(
    "cloudinary",
    ("cloudinary_storage", "cloudinary"),
    "CLOUDINARY_URL=cloudinary://... (media storage)",
    ("django-cloudinary-storage>=0.3", "cloudinary>=1.36"),
)
WHITENOISE = Extra(
    "whitenoise", ("whitenoise",), "static files (used when installed; no variable)", ("whitenoise>=6.6",)
)

# django-cloudinary-storage's, each call under a deadline (CLOUDINARY_TIMEOUT): components/cloudinary_media.py.
CLOUDINARY_MEDIA = "modestwear_config.components.cloudinary_media.MediaCloudinaryStorage"
FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
# Compressed, content-hashed names, served with far-future cache headers (staticfiles_storage.py).
WHITENOISE_STATIC = "modestwear_config.components.staticfiles_storage.ManifestStaticFilesStorage"
DJANGO_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"
CLOUDINARY_PARTS = ("CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET")
URL_SHAPE = "cloudinary://API_KEY:API_SECRET@CLOUD_NAME"


def storage_settings(env: Env) -> dict[str, Any]:
    credentials = cloudinary_credentials(env)
    timeout: float = env("CLOUDINARY_TIMEOUT")  # read (so validated) even without Cloudinary
    if credentials and s3_configured(env):
        env.error("AWS_STORAGE_BUCKET_NAME", "set it or Cloudinary's variables, not both: media goes to one store")
    s3 = s3_storage(env)
    # Never Cloudinary for static files: its static storages are broken on Django >= 4.2.
    static = WHITENOISE_STATIC if WHITENOISE.installed() else DJANGO_STATIC
    cloudinary = {"BACKEND": CLOUDINARY_MEDIA, "OPTIONS": {"timeout": timeout}}  # seconds per call, in all
    media = s3 or (cloudinary if credentials else {"BACKEND": FILE_SYSTEM})
    settings: dict[str, Any] = {"STORAGES": {"default": media, "staticfiles": {"BACKEND": static}}}
    if credentials:
        name = "CLOUDINARY_URL" if env.is_set("CLOUDINARY_URL") else "CLOUDINARY_CLOUD_NAME"
        CLOUDINARY.require(env, name)
        # django-cloudinary-storage reads this dict (a CLOUDINARY_URL *setting* is ignored).
        settings["CLOUDINARY_STORAGE"] = credentials
    return settings


def remote_media(env: Env) -> str | None:
    """The variable that sends media to a remote store (Cloudinary, S3), or None: media on the file system."""
    for name in ("AWS_STORAGE_BUCKET_NAME", "CLOUDINARY_URL", "CLOUDINARY_CLOUD_NAME"):
        if env.is_set(name):
            return name
    return None


CLOUDINARY_DELIVERY = "https://res.cloudinary.com"  # where Cloudinary serves uploaded media from


def media_origins(env: Env) -> list[str]:
    """The origins uploaded media is served from when it is not this site (the CSP's img-src and media-src)."""
    return [CLOUDINARY_DELIVERY] if cloudinary_credentials(env) else s3_origins(env)


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


E001 = Error(
    "STORAGES['staticfiles'] should not be a Cloudinary static storage: it is broken on "
    "Django >= 4.2 and makes network calls when constructed.",
    hint="Serve static files with whitenoise.storage.CompressedManifestStaticFilesStorage.",
    id=CHECK_PREFIX + "E001",
)
E002 = Error(
    "'cloudinary_storage' is listed before 'django.contrib.staticfiles' in INSTALLED_APPS: its "
    "collectstatic override then crashes on Django 5.2.",
    hint="Remove 'cloudinary_storage' from INSTALLED_APPS (media storage works without it) or list it after.",
    id=CHECK_PREFIX + "E002",
)


def check_static_storage(**kwargs: Any) -> list[CheckMessage]:
    """Static files are stored through Cloudinary."""
    backend = django_settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    return [E001] if backend.startswith("cloudinary_storage.") else []


def check_cloudinary_app_order(**kwargs: Any) -> list[CheckMessage]:
    """cloudinary_storage stands before staticfiles in INSTALLED_APPS."""
    apps = list(django_settings.INSTALLED_APPS)
    if "cloudinary_storage" not in apps or "django.contrib.staticfiles" not in apps:
        return []
    return [E002] if apps.index("cloudinary_storage") < apps.index("django.contrib.staticfiles") else []


def _whitenoise(env: Env) -> bool:
    return WHITENOISE.installed()


CONCERN = Concern(
    name="storage",
    doc="STORAGES: media on Cloudinary, S3 (the s3 concern) or the file system; static files through WhiteNoise "
    "when installed.",
    variables=VARIABLES,
    build=storage_settings,
    checks=(
        Check(check_static_storage, ("E001",), ("CLOUDINARY_URL",)),
        Check(check_cloudinary_app_order, ("E002",), ("CLOUDINARY_URL",)),
    ),
    extras=(CLOUDINARY, WHITENOISE),
    shadows={"STORAGES": "CLOUDINARY_URL"},
    apps=(Placed("whitenoise.runserver_nostatic", Rank.BEFORE_STATICFILES, _whitenoise),),
    # WhiteNoise, made async capable: one sync-only middleware makes Django adapt the chain under ASGI.
    middleware=(
        Placed(
            "modestwear_config.components.whitenoise_middleware.WhiteNoiseMiddleware",
            Rank.STATIC_FILES,
            _whitenoise,
            replaces=("whitenoise.middleware.WhiteNoiseMiddleware",),
        ),
    ),
)

__getattr__ = lazy_settings(CONCERN)
