"""The package type-checks under mypy --strict, and the whole tree passes ruff's rule set and
`ruff format --check` (house style, enforced by tools: pyproject.toml's [tool.ruff])."""

from __future__ import annotations

import subprocess
import sys

from tests.support.servers import ROOT

TREE = ("src", "tests", "example_project", "benchmarks", "noxfile.py")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_mypy__strict_clean():
    result = run("mypy", "--no-incremental", "src/modestwear_config")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff__rule_set_clean():
    result = run("ruff", "check", *TREE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff__formatted():
    result = run("ruff", "format", "--check", *TREE)
    assert result.returncode == 0, result.stdout + result.stderr
