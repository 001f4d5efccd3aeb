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
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.support.matrix import MATRIX, floor_constraints  # noqa: E402 - after the sys.path line

RESULTS = ROOT / ".nox" / "results"

nox.options.error_on_missing_interpreters = True  # a missing Python fails, never skips
nox.options.download_python = "never"  # the interpreters under test are pyenv's, not a download
nox.options.sessions = ["tests"]


def pyenv_executable() -> str | None:
    """pyenv on PATH, else where its installer puts it (a non-interactive shell skips ~/.bashrc)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    return shutil.which("pyenv") or shutil.which("pyenv", path=str(root / "bin"))


def pyenv_bin(version: str) -> Path | None:
    """pyenv's bin/ directory for a Python version, or None when pyenv does not have it."""
    pyenv = pyenv_executable()
    if pyenv is None:
        return None
    found = subprocess.run([pyenv, "prefix", version], check=False, capture_output=True, text=True)
    return Path(found.stdout.strip()) / "bin" if found.returncode == 0 else None


def put_pyenv_first() -> None:
    """Put each matrix Python's real bin/ first on PATH, ahead of pyenv's shims (which refuse
    versions the shell has not selected), so nox finds python3.X there."""
    paths = []
    for python in sorted({python for python, _ in MATRIX}):
        found = pyenv_bin(python)
        if found is None:  # its sessions then fail with "Python interpreter 3.X not found"
            print(f"noxfile: pyenv has no Python {python} (`pyenv install {python}`)", file=sys.stderr)
        else:
            paths.append(str(found))
    os.environ["PATH"] = os.pathsep.join([*paths, os.environ.get("PATH", "")])


put_pyenv_first()


def shared_venv(session: nox.Session, python: str, dependencies: str) -> Path:
    """The virtualenv of one Python and dependency set, shared by its Django versions: each pair swaps
    Django alone instead of installing everything again (about 50 s a pair). Created on first use."""
    venv = ROOT / ".nox" / f"py{python}-{dependencies}"
    if not (venv / "bin" / "python").exists():
        found = pyenv_bin(python)
        if found is None or not (found / f"python{python}").exists():
            session.error(f"Python interpreter {python} not found (`pyenv install {python}`)")
        session.run(str(found / f"python{python}"), "-m", "venv", "--clear", str(venv))
    return venv


# venv_backend="none": the pair installs into its shared virtualenv (shared_venv) itself.
@nox.session(venv_backend="none")
@nox.parametrize(("python", "django"), list(MATRIX))
def tests(session: nox.Session, python: str, django: str) -> None:
    """One supported pair: install the package with its test extra, then run pytest."""
    dependencies, selection = MATRIX[(python, django)]
    venv = shared_venv(session, python, dependencies)
    bin_python = str(venv / "bin" / "python")
    pip = (bin_python, "-m", "pip", "install", "-q")
    # django-tasks-celery needs Django >= 6.0, so [test] cannot hold it; a 5.2 pair removes it again.
    extras = "test" if django < "6.0" else "test,tasks-celery"
    if django < "6.0":
        session.run(bin_python, "-m", "pip", "uninstall", "-q", "-y", "django-tasks-celery")
    if dependencies == "lowest":
        constraints = venv / "floors.txt"
        constraints.write_text(floor_constraints())
        session.run(*pip, "-c", str(constraints), "-e", f".[{extras}]", f"django~={django}.0")
    else:
        session.run(*pip, "--upgrade", "-e", f".[{extras}]", f"django~={django}.0")
    session.run(bin_python, "-m", "pip", "check")  # installed versions really satisfy each other
    session.run(
        bin_python, "-c", "import django, sys; print('Python', sys.version.split()[0], 'Django', django.__version__)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    junit = RESULTS / f"py{python}-django{django}.xml"
    marker = [] if selection == "all" else ["-m", selection]
    session.run(bin_python, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", *marker, *session.posargs)
