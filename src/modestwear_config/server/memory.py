"""The instance's memory limit, for the worker count and the memory check (W083).

A container's limit is its cgroup's (Render free 512 MB, a Kubernetes limit): the host's RAM says nothing.
A platform that gives each instance a virtual machine (Fly.io's Firecracker Machines, shared-cpu-1x 256 MB)
leaves the cgroup unlimited, and the machine's own RAM (/proc/meminfo MemTotal) is the limit. Each gunicorn worker imports Django and the project on its own (no preload),
so the limit divided by one worker's resident size bounds how many fit.
"""

from __future__ import annotations

import math
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
MEMINFO = Path("/proc/meminfo")
MIB = 1024 * 1024
# cgroup v1 writes "no limit" as a huge page-rounded number (9223372036854771712): anything past 1 PiB.
_UNLIMITED_V1 = 1 << 50
# The master, the page cache and a request's peak share the rest: workers get 90% of the limit.
WORKER_SHARE = 0.9


def memory_limit(root: Path = CGROUP_ROOT, meminfo: Path = MEMINFO) -> tuple[float, str] | None:
    """(MiB, where from): the cgroup's limit, else the machine's RAM; None when neither can be read."""
    limit = memory_limit_mb(root)
    if limit is not None:
        return limit, "cgroup"
    total = _mem_total_mb(meminfo)
    return (total, "MemTotal") if total is not None else None


def _mem_total_mb(meminfo: Path) -> float | None:
    try:
        lines = meminfo.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name == "MemTotal" and value.split() and value.split()[0].isdigit():
            return int(value.split()[0]) / 1024  # kB
    return None


def memory_limit_mb(root: Path = CGROUP_ROOT) -> float | None:
    """MiB allowed by the cgroup (v2 memory.max, else v1 memory.limit_in_bytes); None when unlimited."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        try:
            limit = int(text)
        except ValueError:
            return None  # "max" (v2): no limit; garbage is ignored alike
        return limit / MIB if 0 < limit < _UNLIMITED_V1 else None
    return None


def workers_for_memory(limit_mb: float, per_worker_mb: int) -> int:
    """How many workers of `per_worker_mb` fit in WORKER_SHARE of the limit; never fewer than one."""
    return max(1, math.floor(limit_mb * WORKER_SHARE / per_worker_mb))
