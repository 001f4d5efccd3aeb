"""The container's memory limit, from the cgroup, for the worker count and the memory check (W073).

A platform's instance size is its cgroup limit (Render free 512 MB, Fly's shared-cpu-1x 256 MB): the
host's RAM says nothing. Each gunicorn worker imports Django and the project on its own (no preload),
so the limit divided by one worker's resident size bounds how many fit.
"""

from __future__ import annotations

import math
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
MIB = 1024 * 1024
# cgroup v1 writes "no limit" as a huge page-rounded number (9223372036854771712): anything past 1 PiB.
_UNLIMITED_V1 = 1 << 50
# The master, the page cache and a request's peak share the rest: workers get 90% of the limit.
WORKER_SHARE = 0.9


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
