"""The supported matrix: every (Python, Django) pair, each in its own virtualenv.

    nox -l                                          # list the sessions
    nox -s "tests(python='3.13', django='6.1')"     # run one pair
    nox -s "tests(python='3.12', django='6.0')" -- -x tests/test_core.py   # your own pytest arguments

Interpreters come from pyenv (`pyenv prefix 3.13`); a missing one fails its session, naming it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import nox
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / ".nox" / "results"

# (python, django) -> (dependency set, pytest selection). The lowest and the newest pair run
# everything; the others run the fast tests (the slow ones start servers: they test our code,
# which those pairs do not change). Django 6.x needs Python >= 3.12.
MATRIX: dict[tuple[str, str], tuple[str, str]] = {
    ("3.11", "5.2"): ("lowest", "all"),
    ("3.12", "5.2"): ("newest", "not slow"),
    ("3.12", "6.0"): ("newest", "not slow"),
    ("3.12", "6.1"): ("newest", "not slow"),
    ("3.13", "5.2"): ("newest", "not slow"),
    ("3.13", "6.0"): ("newest", "not slow"),
    ("3.13", "6.1"): ("newest", "all"),
}

nox.options.error_on_missing_interpreters = True  # a missing Python fails, never skips
nox.options.download_python = "never"  # the interpreters under test are pyenv's, not a download
nox.options.sessions = ["tests"]


def pyenv_bin(version: str) -> Path | None:
    """pyenv's bin/ directory for a Python version, or None when pyenv does not have it."""
    if not shutil.which("pyenv"):
        return None
    found = subprocess.run(["pyenv", "prefix", version], check=False, capture_output=True, text=True)
    return Path(found.stdout.strip()) / "bin" if found.returncode == 0 else None


def put_pyenv_first() -> None:
    """Put each matrix Python's real bin/ first on PATH, ahead of pyenv's shims (which refuse
    versions the shell has not selected), so nox finds python3.X there."""
    found = [pyenv_bin(python) for python in sorted({python for python, _ in MATRIX})]
    paths = [str(path) for path in found if path]
    os.environ["PATH"] = os.pathsep.join([*paths, os.environ.get("PATH", "")])


put_pyenv_first()


def floors(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """name -> lowest allowed version, for every requirement pyproject declares (runtime and extras).

    The lowest session installs exactly these, so a floor is a version CI has run. A requirement
    without a lower bound is an error: its floor would be whatever is oldest on the index."""
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    result: dict[str, str] = {}
    for line in declared:
        requirement = Requirement(line)
        if requirement.name == project["name"]:
            continue  # an extra that includes other extras
        lows = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
        if len(lows) != 1:
            raise ValueError(f"{line!r} in pyproject.toml needs exactly one lower bound (>=)")
        if result.get(requirement.name, lows[0]) != lows[0]:
            raise ValueError(f"{requirement.name} has two different floors in pyproject.toml")
        result[requirement.name] = lows[0]
    return result


def write_floor_constraints(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name}=={low}\n" for name, low in sorted(floors().items())))
    return path


@nox.session
@nox.parametrize(("python", "django"), list(MATRIX))
def tests(session: nox.Session, django: str) -> None:
    """One supported pair: install the package with its test extra, then run pytest."""
    dependencies, selection = MATRIX[(str(session.python), django)]
    if dependencies == "lowest":
        constraints = write_floor_constraints(Path(session.virtualenv.location) / "floors.txt")
        session.install("-c", str(constraints), "-e", ".[test]", f"django~={django}.0")
    else:
        session.install("--upgrade", "-e", ".[test]", f"django~={django}.0")
    session.run("python", "-m", "pip", "check")  # installed versions really satisfy each other
    session.run(
        "python", "-c", "import django, sys; print('Python', sys.version.split()[0], 'Django', django.__version__)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    junit = RESULTS / f"py{session.python}-django{django}.xml"
    marker = [] if selection == "all" else ["-m", selection]
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", *marker, *session.posargs)
