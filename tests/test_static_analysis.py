"""The package type-checks under mypy --strict and passes ruff's error rules (house style)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.servers import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_mypy__strict_clean():
    result = run("mypy", "--no-incremental", "src/modestwear_config")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff__no_errors():
    result = run("ruff", "check", "--select", "F,E9", "src", "tests", "example_project", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr
