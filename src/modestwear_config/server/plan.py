"""The server plan: gunicorn's settings from the environment, without side effects.

``modestwear_config.gunicorn`` serves it to gunicorn; the doctor reads it to show the
values in force (the worker count, the trusted forwarders).

SERVER_INTERFACE=asgi runs uvicorn's worker class instead (``core.asgi:application``; the
``asgi`` extra): the same process manager, worker count, timeouts, recycling and signals.

Every value comes from the environment through Env (so a bad value is an error
naming the variable, and gunicorn exits non-zero before binding).  The worker
count honours the container's CPU quota and affinity: on Render's free tier
(0.5 CPU) the host may show 8 cores, and 17 workers would not fit in 512 MB.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from modestwear_config.concerns.platforms import platform_port, platform_release, proxy_source, public_host
from modestwear_config.concerns.security import behind_tls_proxy
from modestwear_config.concerns.unit import Extra
from modestwear_config.env import Env

from .memory import MEMINFO, memory_limit, workers_for_memory

CGROUP_ROOT = Path("/sys/fs/cgroup")
# cgroup v1 mounts the cpu controller under one of these names.
_V1_DIRS = ("cpu", "cpu,cpuacct", "cpuacct,cpu", ".")


@dataclass(frozen=True)
class Cpus:
    count: float
    source: str  # why: "cgroup quota", "affinity"


def cgroup_quota(root: Path = CGROUP_ROOT) -> float | None:
    """CPUs allowed by the cgroup's CPU quota (v2 cpu.max, else v1 cfs files); None when unlimited."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        return _ratio(*(v2.split() + ["", ""])[:2])
    for sub in _V1_DIRS:
        quota = _read(root / sub / "cpu.cfs_quota_us")
        period = _read(root / sub / "cpu.cfs_period_us")
        if quota is not None and period is not None:
            return _ratio(quota, period)
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _ratio(quota: str, period: str) -> float | None:
    """quota/period; "max" (v2) or a negative quota (v1: -1) mean no limit; garbage is ignored."""
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def _affinity() -> Collection[int]:
    if hasattr(os, "sched_getaffinity"):
        return os.sched_getaffinity(0)
    return range(os.cpu_count() or 1)  # pragma: no cover  (macOS has no affinity API)


def available_cpus(root: Path = CGROUP_ROOT, affinity: Collection[int] | None = None) -> Cpus:
    """The CPUs this process may really use: the smaller of the cgroup quota and the affinity mask."""
    allowed = len(affinity if affinity is not None else _affinity()) or 1
    quota = cgroup_quota(root)
    if quota is not None and quota < allowed:
        return Cpus(quota, "cgroup quota")
    return Cpus(float(allowed), "affinity")


def default_workers(cpus: float) -> int:
    """gunicorn's 2 x CPUs + 1, on fractional CPUs: 0.5 CPU -> 2 (the seed's figure), 1 -> 3."""
    return max(1, math.floor(2 * cpus + 1))


ASGI = Extra(
    "asgi",
    ("gunicorn", "uvicorn_worker", "uvicorn"),
    "SERVER_INTERFACE=asgi",
    ("modestwear_config[gunicorn]", "uvicorn-worker>=0.3", "uvicorn[standard]>=0.30"),
)
UVICORN_WORKER = "uvicorn_worker.UvicornWorker"  # uvicorn's own worker, maintained apart since uvicorn 0.30


def choose_worker_class(env: Env, threads: int) -> str:
    """asgi: uvicorn's worker (one event loop per process; threads do not apply); wsgi: gthread
    lets one worker serve `threads` requests at once (I/O-bound Django views), else sync."""
    if env("SERVER_INTERFACE") == "asgi":
        if find_spec("uvicorn_worker") is None:  # found, not imported: `--where` stays light
            env.error("SERVER_INTERFACE", "asgi needs the asgi extra: pip install 'modestwear_config[asgi]'")
        else:
            ASGI.require(env, "SERVER_INTERFACE")  # and at the extra's floors
        return UVICORN_WORKER
    return "gthread" if threads > 1 else "sync"


@dataclass(frozen=True)
class Plan:
    settings: dict[str, Any]
    workers_reason: str


def gunicorn_settings(env: Env, root: Path = CGROUP_ROOT, affinity: Collection[int] | None = None) -> Plan:
    """gunicorn settings from the environment; raises ImproperlyConfigured naming every bad variable."""
    plan = server_plan(env, root, affinity)
    env.raise_if_problems()
    return plan


def server_plan(env: Env, root: Path = CGROUP_ROOT, affinity: Collection[int] | None = None) -> Plan:
    """gunicorn settings from the environment, problems recorded on `env` (the doctor shows them).

    The values not set directly (the worker count, the trusted forwarders) are recorded as
    derived, so `manage.py config` shows the value in force and why.
    """
    routed = platform_port(env)  # Azure names the port in WEBSITES_PORT; the others set PORT itself
    port: int = env("PORT", routed[0], from_=(routed[1],)) if routed else env("PORT")
    threads: int = env("GUNICORN_THREADS")
    workers: int | None = env("WEB_CONCURRENCY")
    max_requests: int = env("GUNICORN_MAX_REQUESTS")
    behind_proxy = behind_tls_proxy(env)
    settings = {
        "bind": [f"0.0.0.0:{port}"],  # all interfaces: the platform's router connects from outside
        "threads": threads,
        "worker_class": choose_worker_class(env, threads),
        "interface": env("SERVER_INTERFACE"),  # which module deploy.sh serves: core.wsgi or core.asgi
        "timeout": env("GUNICORN_TIMEOUT"),  # seconds of silence before a worker is killed
        "accesslog": "-",  # stdout: Render collects it
        "errorlog": "-",
        # gunicorn's own lines (a boot traceback, a request line) scrubbed like Django's.
        "logger_class": "modestwear_config.server.log_streams.redacting_logger",
        "loglevel": env("GUNICORN_LOG_LEVEL"),
        # Recycling a worker after N (+ random jitter) requests bounds a slow leak, and the
        # jitter keeps workers from restarting together. 0 disables it.
        "max_requests": max_requests,
        "max_requests_jitter": env("GUNICORN_MAX_REQUESTS_JITTER") if max_requests else 0,
        # The platform's proxy ends TLS and connects from addresses we cannot list: trust its
        # X-Forwarded-Proto from any peer, only when the app is declared to be behind one
        # (and the platform lets no one else reach the port); FORWARDED_ALLOW_IPS narrows it.
        "forwarded_allow_ips": _trusted_forwarders(env, behind_proxy),
        # gunicorn >= 24 opens a runtime control socket at one fixed path per user: two
        # instances on a host would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }
    if workers is not None:
        return Plan({**settings, "workers": workers}, "WEB_CONCURRENCY")
    count, reason = planned_workers(env, root, affinity)
    env.derive("WEB_CONCURRENCY", count, (reason,))
    return Plan({**settings, "workers": count}, reason)


def planned_workers(
    env: Env, root: Path = CGROUP_ROOT, affinity: Collection[int] | None = None, meminfo: Path = MEMINFO
) -> tuple[int, str]:
    """2 x CPUs + 1, but no more than fit in the memory limit (each worker about GUNICORN_WORKER_MEMORY_MB)."""
    cpus = available_cpus(root, affinity)
    count = default_workers(cpus.count)
    reason = f"2 x {cpus.count:g} CPUs ({cpus.source}) + 1"
    limit = memory_limit(root, meminfo)
    per_worker: int = env("GUNICORN_WORKER_MEMORY_MB")
    if limit is not None and workers_for_memory(limit[0], per_worker) < count:
        count = workers_for_memory(limit[0], per_worker)
        reason = f"{limit[0]:.0f} MB memory limit ({limit[1]}) / {per_worker} MB per worker"
    return count, reason


def _trusted_forwarders(env: Env, behind_proxy: bool) -> str:
    """FORWARDED_ALLOW_IPS (addresses, networks, or *), else * behind a TLS proxy, else loopback."""
    given: list[str] = env("FORWARDED_ALLOW_IPS")
    if not given:
        trusted = "*" if behind_proxy else "127.0.0.1,::1"
        # On a detected platform its proxy is the only way in: the platform's variable is the reason.
        env.derive("FORWARDED_ALLOW_IPS", trusted, ("BEHIND_TLS_PROXY", *proxy_source(env)))
        return trusted
    if "*" in given and given != ["*"]:  # each item is checked as it is read (env.items.network_problem)
        env.error("FORWARDED_ALLOW_IPS", "expected IP addresses or networks (like 10.0.0.0/8,::1), or * alone")
    return ",".join(given)


# The settings the start-up summary shows, in its order.
SHOWN = (
    "bind",
    "workers",
    "worker_class",
    "threads",
    "timeout",
    "max_requests",
    "max_requests_jitter",
    "forwarded_allow_ips",
    "loglevel",
)
OVERRIDDEN = "gunicorn's command line or GUNICORN_CMD_ARGS"


def describe(plan: Plan, in_force: dict[str, Any] | None = None) -> str:
    """One line: the plan, or (gunicorn running) the settings gunicorn uses, each override said to be one."""
    in_force = in_force or {}
    s = {**plan.settings, **in_force}
    changed = [name for name in SHOWN if name in in_force and in_force[name] != plan.settings[name]]
    reason = OVERRIDDEN if "workers" in changed else plan.workers_reason
    line = (
        f"modestwear_config.gunicorn: bind={','.join(s['bind'])} workers={s['workers']} "
        f"(from {reason}) worker_class={s['worker_class']} threads={s['threads']} "
        f"timeout={s['timeout']}s max_requests={s['max_requests']}+{s['max_requests_jitter']} "
        f"forwarded_allow_ips={s['forwarded_allow_ips']} loglevel={s['loglevel']}"
    )
    others = [name for name in changed if name != "workers"]
    return line + (f" ({', '.join(others)} from {OVERRIDDEN})" if others else "")


def where(plan: Plan, env: Env) -> str:
    """Where a person can reach the server, for deploy.sh to print before starting it."""
    port = plan.settings["bind"][0].rpartition(":")[2]
    local = f"http://127.0.0.1:{port}"
    lines = [f"Serving on 0.0.0.0:{port}: {local}/healthz, {local}/health, {local}/admin/"]
    public = public_host(env)  # the platform's (concerns/platforms.py)
    if public:
        lines.append(f"Public URL: https://{public[1]}/")
    running = platform_release(env)
    if running.platform:
        known = [
            f"{name} {value}" for name, value in (("release", running.release), ("region", running.region)) if value
        ]
        lines.append(f"Platform: {running.label}" + (f" ({', '.join(known)})" if known else ""))
    if env.environ.get("GUNICORN_CMD_ARGS"):  # gunicorn applies it over this module's settings
        lines.append("GUNICORN_CMD_ARGS is set: the options it gives (like --bind) override the above")
    return "\n".join(lines)
