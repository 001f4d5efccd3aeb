"""The hosting platform: detected from its own variables (concerns/platform_facts.py), and what follows.

One source for what a platform implies: the public host name (ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS:
core and cors ask ``public_host``), proxy trust (BEHIND_TLS_PROXY, gunicorn's FORWARDED_ALLOW_IPS:
security and server/plan.py ask ``detection``), PORT where the platform names it elsewhere, the
release id and region (``platform_release``: logs, /health, observability), and the checks on the
platform's facts: two platforms at once (W080), SQLite on an ephemeral disk (W081), sleeping on idle
(I082), a memory limit too small for the workers (W083); email (W040) and media (W060) ask too.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Info, Warning

from modestwear_config.env import Env, variables_of
from modestwear_config.env.items import host_problem
from modestwear_config.server import memory

from .assemble import built_env, lazy_settings
from .platform_facts import BY_PLATFORM_NAME, PLATFORMS, Platform
from .unit import CHECK_PREFIX, Check, Concern

V = variables_of("platform")
NONE = "none"
VARIABLES = (
    V(
        "PLATFORM",
        "str",
        "The platform this runs on; detected from the platform's own variables, none turns detection off.",
        default_doc="none detected (looked for: " + ", ".join(BY_PLATFORM_NAME) + ")",
        example="render",
    ),
    *(var for platform in PLATFORMS for var in platform.variables),
)


# -- detection -------------------------------------------------------------------------------------
def found(env: Env) -> list[tuple[Platform, str]]:
    """Every platform whose variables are set (non-empty), each with the first of its markers that is."""
    hits = []
    for platform in PLATFORMS:
        marker = next((name for name in platform.markers if env(name)), None)
        if marker is not None:
            hits.append((platform, marker))
    return hits


def detection(env: Env) -> tuple[Platform, str] | None:
    """The platform in force and the variable that says so (PLATFORM, or the platform's own marker)."""
    forced: str | None = env("PLATFORM")
    if forced:
        platform = BY_PLATFORM_NAME.get(forced.strip().lower())
        if platform is None and forced.strip().lower() != NONE:  # "none": detection off
            env.error("PLATFORM", f"expected one of {', '.join((*BY_PLATFORM_NAME, NONE))}")
        return (platform, "PLATFORM") if platform is not None else None
    hits = found(env)
    if not hits:
        return None
    platform, marker = hits[0]
    env.derive("PLATFORM", platform.name, (marker,))
    return platform, marker


def public_host(env: Env) -> tuple[str, str] | None:
    """(the variable it comes from, the public host name) of the detected platform; None when it sets none.

    A value Django could never match is an error naming the variable (a URL where a host was expected).
    """
    detected = detection(env)
    if detected is None or not detected[0].host:
        return None
    platform = detected[0]
    value: str = env(platform.host)
    if not value:
        return None
    name = value.strip().lower()
    if platform.host_form != "{}" and "." in name:  # Fly's FLY_APP_NAME=shop.fly.dev made shop.fly.dev.fly.dev
        example = platform.host_form.format("shop")
        env.error(platform.host, f"expected the app's name alone (shop gives {example}), got a host name")
        return None
    host = platform.host_form.format(name)
    problem = host_problem(host)
    if problem:
        env.error(platform.host, problem)
        return None
    return platform.host, host


def proxy_source(env: Env) -> tuple[str, ...]:
    """The variable behind proxy trust: every platform here ends TLS in its own proxy, the only way in."""
    detected = detection(env)
    return (detected[1],) if detected else ()


def platform_port(env: Env) -> tuple[int, str] | None:
    """(port, variable) when the platform names the routed port in a variable of its own (Azure's WEBSITES_PORT)."""
    detected = detection(env)
    if detected is None or not detected[0].port:
        return None
    port: int | None = env(detected[0].port)
    return (port, detected[0].port) if port is not None else None


def ephemeral_platform(env: Env) -> Platform | None:
    """The detected platform when an instance's own files vanish on its deploys and restarts."""
    detected = detection(env)
    return detected[0] if detected and detected[0].ephemeral_disk else None


@dataclass(frozen=True)
class Release:
    """Where and what this process runs, for logs, /health and observability ("" when unknown)."""

    platform: str = ""  # PLATFORM's value
    label: str = ""
    host: str = ""
    release: str = ""  # the platform's commit or deployment id
    region: str = ""
    instance: str = ""


def platform_release(env: Env | None = None) -> Release:
    """The platform, public host, release id, region and instance, from the platform's own variables."""
    env = built_env() if env is None else env
    detected = detection(env)
    if detected is None:
        return Release()
    platform = detected[0]
    host = public_host(env)
    release = next((str(env(name)) for name in platform.release if env(name)), "")
    return Release(
        platform.name,
        platform.label,
        host[1] if host else "",
        release,
        str(env(platform.region) or "") if platform.region else "",
        str(env(platform.instance) or "") if platform.instance else "",
    )


def platform_settings(env: Env) -> dict[str, Any]:
    for var in VARIABLES:  # each read (validated, shown by the doctor), detection or not
        env(var.name)
    release = platform_release(env)
    detected = detection(env)
    facts: dict[str, Any] = {}
    if detected is not None:
        platform = detected[0]
        facts = {
            "smtp_blocked": list(platform.smtp_blocked),
            "ephemeral_disk": platform.ephemeral_disk,
            "sleeps": platform.sleeps,
        }
    # What the doctor shows (--settings-values) and a project may read: never a secret (names, ids, hosts).
    return {"MODESTWEAR_PLATFORM": {**asdict(release), **facts}}


# -- disks ----------------------------------------------------------------------------------------
VOLATILE_FILE_SYSTEMS = frozenset({"overlay", "aufs", "tmpfs", "ramfs"})  # a container's layer, memory
MOUNTINFO = Path("/proc/self/mountinfo")


def mount_of(path: Path, mountinfo: Path = MOUNTINFO) -> tuple[str, str]:
    """(mount point, file system type) of the mount holding `path` (or its nearest existing parent)."""
    path = Path(os.path.realpath(path))
    best = ("/", "")
    try:
        lines = mountinfo.read_text().splitlines()
    except OSError:  # not Linux: the mount point alone, from the file system
        while not os.path.ismount(path):
            path = path.parent
        return (str(path), "")
    for line in lines:
        fields, _, after = line.partition(" - ")
        point = _unescape(fields.split()[4])
        if (path == Path(point) or Path(point) in path.parents) and len(point) >= len(best[0]):
            best = (point, after.split()[0])
    return best


def _unescape(point: str) -> str:
    """mountinfo writes space, tab, newline and backslash in octal (\\040)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        point = point.replace(code, char)
    return point


def on_volatile_disk(path: Path) -> tuple[bool, str]:
    """Whether `path` is on the container's own layer (or memory), and what holds it."""
    mount, fs_type = mount_of(path)
    return mount == "/" or fs_type in VOLATILE_FILE_SYSTEMS, f"{fs_type or 'a file system'} mounted at {mount}"


# -- the checks -----------------------------------------------------------------------------------
W070_TEXT = (
    "The environment holds variables of two platforms, {first} ({first_var}) and {second} ({second_var}): "
    "{first} is assumed, and the host names, proxy trust and release id come from it."
)
W070_HINT = "Unset the other platform's variables (copied from another deployment?), or set PLATFORM."
W071_TEXT = (
    "The database is a SQLite file on {platform}'s ephemeral disk ({found}): every deploy and restart "
    "starts from an empty database, and each instance has its own."
)
W071_HINT = "Set DATABASE_URL to a managed PostgreSQL (the platform's own, Neon, Supabase)."
I072_TEXT = (
    "{platform} stops idle instances ({when}): a keep-awake monitor belongs on /healthz (answered without "
    "the database); on /health every ping wakes the database and the broker and spends their quotas."
)
W073_TEXT = (
    "WEB_CONCURRENCY={workers} workers of about {per} MB need {need} MB, more than {share:.0%} of the "
    "instance's {limit:.0f} MB memory limit: the kernel kills workers under load (out of memory)."
)
W073_HINT = (
    "Unset WEB_CONCURRENCY (the default fits the limit), or measure a worker's RSS and set GUNICORN_WORKER_MEMORY_MB."
)


def check_two_platforms(**kwargs: Any) -> list[CheckMessage]:
    """The environment holds variables of two platforms."""
    env = built_env()
    hits = found(env)
    if env("PLATFORM") or len(hits) < 2:
        return []
    (first, first_var), (second, second_var) = hits[:2]
    text = W070_TEXT.format(first=first.label, first_var=first_var, second=second.label, second_var=second_var)
    return [Warning(text, hint=W070_HINT, obj="PLATFORM", id=CHECK_PREFIX + "W080")]


def check_sqlite_on_ephemeral_disk(**kwargs: Any) -> list[CheckMessage]:
    """The SQLite database is on a disk the platform rebuilds on every deploy."""
    platform = ephemeral_platform(built_env())
    database = django_settings.DATABASES.get("default", {})
    name = str(database.get("NAME") or "")
    if platform is None or not str(database.get("ENGINE", "")).endswith("sqlite3") or name in ("", ":memory:"):
        return []
    volatile, found_on = on_volatile_disk(Path(name))
    if not volatile:
        return []
    text = W071_TEXT.format(platform=platform.label, found=found_on)
    return [Warning(text, hint=W071_HINT, obj="DATABASE_URL", id=CHECK_PREFIX + "W081")]


def check_sleeping_platform(**kwargs: Any) -> list[CheckMessage]:
    """The platform stops idle instances: where a keep-awake monitor belongs."""
    env = built_env()
    detected = detection(env)
    if detected is None or not detected[0].sleeps:
        return []
    host = public_host(env)
    hint = f"Monitor https://{host[1]}/healthz." if host else "Monitor https://<your host>/healthz."
    text = I072_TEXT.format(platform=detected[0].label, when=detected[0].sleeps)
    return [Info(text, hint=hint, obj="PLATFORM", id=CHECK_PREFIX + "I082")]


def check_memory_limit(**kwargs: Any) -> list[CheckMessage]:
    """WEB_CONCURRENCY workers do not fit in the container's memory limit."""
    env = built_env()
    workers: int | None = env("WEB_CONCURRENCY")
    found = memory.memory_limit(memory.CGROUP_ROOT, memory.MEMINFO)
    if workers is None or found is None:  # the default worker count is already capped by the limit
        return []
    limit, per = found[0], int(env("GUNICORN_WORKER_MEMORY_MB"))
    if workers * per <= limit * memory.WORKER_SHARE:
        return []
    text = W073_TEXT.format(workers=workers, per=per, need=workers * per, share=memory.WORKER_SHARE, limit=limit)
    return [Warning(text, hint=W073_HINT, obj="WEB_CONCURRENCY", id=CHECK_PREFIX + "W083")]


CONCERN = Concern(
    name="platform",
    doc="The hosting platform (Render, Fly.io, Railway, Heroku, Cloud Run, Azure App Service, DigitalOcean App "
    "Platform, Koyeb), detected from its own variables: the public host name in ALLOWED_HOSTS and the trusted "
    "origins, proxy trust, PORT, the release id and region (MODESTWEAR_PLATFORM), and checks on its facts "
    "(two platforms at once, SQLite on an ephemeral disk, sleeping on idle, the memory limit). See docs/platforms.md.",
    variables=VARIABLES,
    build=platform_settings,
    checks=(
        Check(check_two_platforms, ("W080",), ("PLATFORM",)),
        Check(check_sqlite_on_ephemeral_disk, ("W081",), ("DATABASE_URL",)),
        Check(check_sleeping_platform, ("I082",), ("PLATFORM",), deploy=True),
        Check(check_memory_limit, ("W083",), ("WEB_CONCURRENCY",)),
    ),
)

__getattr__ = lazy_settings(CONCERN)
