"""Build the package as a user gets it, from a private copy of the tree.

Concurrent builds of one checkout race on setuptools' build/ and *.egg-info (CI saw
`pip install <tree>[celery]` fail while another xdist worker built the same tree), so
every build starts from its own copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.servers import ROOT


def build_wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy of the tree; setuptools never writes into the checkout."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tree / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir"]
    run_pip([*command, "-q", "-w", str(tmp_path / "dist"), str(tree)])
    (wheel,) = (tmp_path / "dist").glob("modestwear_config-*.whl")
    return wheel


def run_pip(command: list[str]) -> None:
    """Run pip; a failure shows pip's own output, not only its exit status."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
