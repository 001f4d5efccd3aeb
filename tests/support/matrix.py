"""The supported matrix and the dependency floors: one source for noxfile.py, .ci/matrix.py and
tests/test_packaging.py (which checks them against pyproject.toml's classifiers and ranges)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]

# (python, django) -> (dependency set, pytest selection). The lowest and the newest pair run
# everything; the others run the fast tests (the slow ones start servers and workers: they exercise
# our processes, which those pairs do not change). Django 6.x needs Python >= 3.12.
MATRIX: dict[tuple[str, str], tuple[str, str]] = {
    ("3.11", "5.2"): ("lowest", "all"),
    ("3.12", "5.2"): ("newest", "not slow"),
    ("3.12", "6.0"): ("newest", "not slow"),
    ("3.12", "6.1"): ("newest", "not slow"),
    ("3.13", "5.2"): ("newest", "not slow"),
    ("3.13", "6.0"): ("newest", "not slow"),
    ("3.13", "6.1"): ("newest", "all"),
}


def project(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, Any]:
    return tomllib.loads(pyproject.read_text())["project"]  # type: ignore[no-any-return]


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """Every requirement pyproject declares, runtime and extras, without the self-references."""
    meta = project(pyproject)
    lines = [*meta["dependencies"], *(r for extra in meta["optional-dependencies"].values() for r in extra)]
    return [r for r in map(Requirement, lines) if r.name != meta["name"]]


def floors(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """name -> lowest allowed version, for every requirement pyproject declares.

    The lowest pair installs exactly these, so each floor is a version CI has run. A requirement
    without one lower bound, or with two different floors, is an error: its floor would be
    whatever is oldest on the index."""
    result: dict[str, str] = {}
    for requirement in requirements(pyproject):
        lows = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
        if len(lows) != 1:
            raise ValueError(f"{requirement} in pyproject.toml needs exactly one lower bound (>=)")
        if result.setdefault(requirement.name, lows[0]) != lows[0]:
            raise ValueError(f"{requirement.name} has two different floors in pyproject.toml")
    return result


def floor_constraints(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """A pip constraints file pinning every declared requirement to its floor."""
    return "".join(f"{name}=={low}\n" for name, low in sorted(floors(pyproject).items()))
