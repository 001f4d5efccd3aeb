#!/usr/bin/env python3
"""Benchmarks: what modestwear_config costs, next to a plain project and the peers users pick instead.

    python benchmarks/run.py [--quick] [--only startup,memory,throughput,readiness,faults,remote,wake,
                                                health_remote,health_expiry]

Run with any python3 (>= 3.11).  It creates benchmarks/.venv-peers (git-ignored) and installs
into it this package and the peers (django-health-check, django-alive) plus matplotlib and the
profilers; none of them is a dependency of the package.  It then re-runs itself inside that
environment, so every candidate runs on the same Python, Django, gunicorn and drivers.

Output: a markdown table on stdout, benchmarks/results/latest.json, benchmarks/results/throughput.png;
a full run (no --quick) also writes benchmarks/RESULTS.md and benchmarks/throughput.png.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv-peers"
REQUIREMENTS = [
    "-e",
    f"{ROOT}[all]",  # this package, with every optional driver (psycopg, django-redis, gunicorn, ...)
    "django-health-check",
    "django-alive",
    "matplotlib",
    "psycopg-pool",  # the remote-database suite's pool candidate (Django's OPTIONS["pool"])
    "trustme",  # the remote-database suite: a local CA for PostgreSQL's TLS, as Neon requires it
    "pytest",  # tests/support/servers.py (the private PostgreSQL/Redis helpers) imports it
    "pyinstrument",
    "py-spy",
]


def in_peers_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_venv() -> Path:
    """Create and fill the peers' virtual environment; reinstall only when the requirements change."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements"
    wanted = hashlib.sha256("\n".join([*REQUIREMENTS, (ROOT / "pyproject.toml").read_text()]).encode()).hexdigest()
    if not python.exists():
        print(f"[bench] creating {VENV.relative_to(ROOT)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        print("[bench] installing the package and the peers into it", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
        stamp.write_text(wanted)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, shorter runs (a smoke test)")
    parser.add_argument("--only", default="", help="comma-separated suites to run (default: all)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:  # the load generator of every throughput figure
        raise SystemExit("benchmarks/run.py: wrk is not installed (Debian: apt-get install wrk)")
    if not in_peers_venv():
        python = ensure_venv()
        os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.path.insert(0, str(HERE))
    from orchestrate import run_all

    run_all(quick=args.quick, only=[s for s in args.only.split(",") if s])


if __name__ == "__main__":
    main()
