"""Media on a persistent disk (a Render disk, a Fly volume), served by the app on request.

Platforms rebuild an instance's file system on every deploy or restart: uploads written beside the
code vanish.  What each platform says, and what it exposes to the process:

- Render: "By default, Render services have an ephemeral filesystem"; a disk keeps only what is
  under its mount path (render.com/docs/disks). Render sets RENDER=true on every service and no
  variable for a disk: its mount path is chosen in the dashboard or render.yaml (`disk.mountPath`).
- Fly.io: "a Machine's file system gets rebuilt from scratch each time you deploy your app, or when
  the Machine is restarted" (fly.io/docs/volumes/overview); FLY_APP_NAME is set on every Machine, and
  a volume's place is fly.toml's `[mounts] destination`, exposed as no variable.
- Heroku: every dyno (DYNO is set) has an ephemeral file system and no disks at all.
- Railway sets RAILWAY_VOLUME_MOUNT_PATH when a volume is attached (docs.railway.com/guides/volumes).

So the project names the mount path (MEDIA_DISK_PATH), and system check W060/W061 looks at the
kernel's mount table (/proc/self/mountinfo) to see whether MEDIA_ROOT really is on a mounted,
non-volatile file system when the platform concern detects a platform whose disk is ephemeral
(concerns/platform_facts.py: every platform there but Azure App Service, whose /home persists).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Env, variables_of

from .assemble import built_env, lazy_settings
from .compose import Rank
from .platforms import ephemeral_platform, mount_of, on_volatile_disk  # noqa: F401  (mount_of: its old home)
from .storage import FILE_SYSTEM, remote_media
from .unit import CHECK_PREFIX, Check, Concern, Placed

V = variables_of("media")
VARIABLES = (
    V(
        "MEDIA_DISK_PATH",
        "path",
        "Mount path of a persistent disk (Render disk, Fly volume) for uploaded media: MEDIA_ROOT.",
        default_doc="BASE_DIR/media, lost on every deploy on Render, Fly.io, Heroku",
        example="/var/data/media",
    ),
    V(
        "MEDIA_SERVE",
        "bool",
        "The app serves MEDIA_URL from MEDIA_ROOT (one instance with a disk, no CDN; see docs/media.md).",
        False,
    ),
    V(
        "RAILWAY_VOLUME_MOUNT_PATH",
        "path",
        "Set by Railway when a volume is attached: MEDIA_DISK_PATH's default.",
        example="/data",
    ),
)
MEDIA_FILES = "modestwear_config.components.media_files.MediaFilesMiddleware"


def media_settings(env: Env) -> dict[str, Any]:
    railway: Path | None = env("RAILWAY_VOLUME_MOUNT_PATH")
    disk: Path | None = (
        env("MEDIA_DISK_PATH", railway, from_=("RAILWAY_VOLUME_MOUNT_PATH",)) if railway else env("MEDIA_DISK_PATH")
    )
    serve: bool = env("MEDIA_SERVE")
    remote = remote_media(env)
    if remote and serve:
        env.error("MEDIA_SERVE", f"is on, but {remote} sends media to a remote store: unset one")
    if disk is None or (remote and not env.is_set("MEDIA_DISK_PATH")):
        return {}
    if remote:
        env.error("MEDIA_DISK_PATH", f"is set, but {remote} sends media to a remote store: unset one")
        return {}
    if not disk.is_absolute():
        source = "MEDIA_DISK_PATH" if env.is_set("MEDIA_DISK_PATH") else "RAILWAY_VOLUME_MOUNT_PATH"
        env.error(source, "expected an absolute path: the disk's mount path, like /var/data")
        return {}
    return {"MEDIA_ROOT": disk}  # written by FileSystemStorage, served by MEDIA_SERVE or a web server


def _serving(env: Env) -> bool:
    return bool(env("MEDIA_SERVE")) and remote_media(env) is None


# -- the checks ----------------------------------------------------------------------------------
W060_TEXT = (
    "Uploaded media is stored on the local file system of {platform}, which is rebuilt on every deploy "
    "and restart: every upload is lost."
)
W060_HINT = (
    "Attach a persistent disk (Render disk, Fly volume) and set MEDIA_DISK_PATH to its mount path, or send "
    "media to a store: AWS_STORAGE_BUCKET_NAME (S3, R2, B2) or CLOUDINARY_URL."
)
W061_TEXT = (
    "MEDIA_DISK_PATH is not on a mounted persistent disk ({found}) on {platform}: uploads are lost on "
    "the next deploy or restart."
)
W061_HINT = "Attach the disk with exactly this mount path (or set MEDIA_DISK_PATH to the disk's mount path)."


def check_ephemeral_media(**kwargs: Any) -> list[CheckMessage]:
    """Media is stored on a file system the platform rebuilds on every deploy."""
    env = built_env()
    platform = ephemeral_platform(env)  # the platform facts say whether its disk outlives a deploy
    storage = django_settings.STORAGES.get("default", {}).get("BACKEND", "")
    if platform is None or storage != FILE_SYSTEM:
        return []
    volatile, found = on_volatile_disk(Path(django_settings.MEDIA_ROOT))
    if not volatile:
        return []
    if not env.is_set("MEDIA_DISK_PATH"):
        return [Warning(W060_TEXT.format(platform=platform.label), hint=W060_HINT, id=CHECK_PREFIX + "W060")]
    text = W061_TEXT.format(platform=platform.label, found=found)
    return [Warning(text, hint=W061_HINT, id=CHECK_PREFIX + "W061")]


CONCERN = Concern(
    name="media",
    doc="Uploaded media on a persistent disk (MEDIA_DISK_PATH), served by the app on request (MEDIA_SERVE); "
    "system checks warn when media sits on a file system the platform rebuilds on every deploy (docs/platforms.md).",
    variables=VARIABLES,
    build=media_settings,
    checks=(Check(check_ephemeral_media, ("W060", "W061"), ("MEDIA_DISK_PATH",)),),
    middleware=(Placed(MEDIA_FILES, Rank.MEDIA_FILES, _serving),),
)

__getattr__ = lazy_settings(CONCERN)
