"""Files the reader reads: secrets named by NAME_FILE, the project's .env, and where the project lives."""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from collections.abc import Mapping
from importlib.machinery import PathFinder
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Protocol


class Env(Protocol):
    """What these functions use of reader.Env (which calls them: a protocol, not an import)."""

    environ: Mapping[str, str]
    warnings: dict[str, str]
    notes: dict[str, str]
    dotenv_path: Path | None

    def __call__(self, name: str) -> Any: ...
    def is_set(self, name: str) -> bool: ...
    def error(self, name: str, message: str) -> None: ...
    def derive(self, name: str, value: Any, from_: tuple[str, ...] = ()) -> None: ...


DOTENV_LINE = re.compile(r"\A(?:export )?([A-Za-z_0-9]+)=(.*)\Z")  # django-environ's own rule
SECRET_FILE_MAX_BYTES = 64 * 1024  # a key, a password, a URL: never more
DOTENV_MAX_BYTES = 1024 * 1024  # a few hundred variables; a bigger .env is a mistake (a dump, a binary)


class SecretFileError(Exception):
    """A *_FILE path that is not a small regular file (the message never holds its content)."""


class DotenvEncodingError(Exception):
    """A .env file that is not UTF-8 text (the message never holds its content)."""


def read_bounded(path: str, limit: int = SECRET_FILE_MAX_BYTES) -> bytes:
    """A regular file's bytes, at most `limit`: never a device (/dev/zero), never blocked on a FIFO."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens without a writer
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SecretFileError("a file that cannot be read (not a regular file: a device, FIFO or directory?)")
        with os.fdopen(os.dup(fd), "rb") as file:
            content = file.read(limit + 1)
    finally:
        os.close(fd)
    if len(content) > limit:
        raise SecretFileError(f"a file that cannot be read (larger than {limit // 1024} KiB)")
    return content


# -- project location and .env ---------------------------------------------------
def base_dir(env: Env) -> Path:
    """BASE_DIR, else the directory holding the settings' top package (where manage.py lives), else cwd.

    mysite/settings.py, mysite/settings/production.py and cookiecutter's config/settings/production.py
    all give the directory holding mysite/ or config/: the one manage.py is in, whatever the depth.
    The choice and its reason are recorded for the doctor.
    """
    configured = env("BASE_DIR")
    if configured is not None:
        return Path(configured).resolve()
    module = env.environ.get("DJANGO_SETTINGS_MODULE")
    settings_file = _module_file(module) if module else None
    if not module or settings_file is None:
        why = "DJANGO_SETTINGS_MODULE names no module found" if module else "DJANGO_SETTINGS_MODULE is not set"
        env.derive("BASE_DIR", Path.cwd())
        env.notes["BASE_DIR"] = f"the working directory ({why})"
        return Path.cwd()
    if settings_file.name == "__init__.py":  # a settings package imported by its own name
        settings_file = settings_file.parent
    top = module.partition(".")[0]
    root = settings_file.parents[module.count(".")]
    env.derive("BASE_DIR", root, ("DJANGO_SETTINGS_MODULE",))
    env.notes["BASE_DIR"] = (
        f"the directory holding manage.py and {top}/, the top package of {module}"
        if (root / "manage.py").is_file()
        else f"the directory holding {top}/, the top package of {module} (no manage.py there: set BASE_DIR)"
    )
    return root


def _module_file(dotted: str) -> Path | None:
    module = sys.modules.get(dotted)
    origin = getattr(module, "__file__", None)
    if origin is None:
        found = module_path(dotted)
        if found is not None:
            return found.resolve()
        try:  # a loader other than the file system's (a zip): find_spec, which imports the parents
            spec = find_spec(dotted)
        except (ImportError, ValueError):
            return None
        origin = spec.origin if spec else None
    return Path(origin).resolve() if origin else None


def module_path(dotted: str) -> Path | None:
    """The file of a module on sys.path (a package's __init__.py), found without running any of the project's
    code: find_spec would import its packages (mysite/__init__.py often loads Celery), in gunicorn's master too."""
    top, *rest = dotted.split(".")
    try:
        spec = PathFinder.find_spec(top)
    except (ImportError, ValueError):  # an empty or odd name
        return None
    if spec is None:
        return None
    if not rest:
        return Path(spec.origin) if spec.origin else None
    for location in spec.submodule_search_locations or ():
        parent = Path(location, *rest[:-1])
        for candidate in (parent / f"{rest[-1]}.py", parent / rest[-1] / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def dotenv_candidates(env: Env) -> list[Path]:
    """Where a .env file is looked for: beside manage.py (BASE_DIR) and beside settings.py."""
    places = [base_dir(env) / ".env"]
    module = env.environ.get("DJANGO_SETTINGS_MODULE")
    settings_file = _module_file(module) if module else None
    if settings_file is not None:
        places.append(settings_file.parent / ".env")
    return list(dict.fromkeys(place.resolve() for place in places))


def load_dotenv(env: Env) -> dict[str, str]:
    explicit = env("ENV_FILE")
    if explicit is not None and not Path(explicit).exists():
        env.error("ENV_FILE", "names a file that does not exist")
        return {}
    found = [Path(explicit)] if explicit is not None else [p for p in dotenv_candidates(env) if p.is_file()]
    if len(found) > 1:
        # Paths only (never contents): which one wins would be a guess, so neither is read.
        env.error(
            "ENV_FILE",
            f"two .env files exist ({found[0]} and {found[1]}): delete one, or set ENV_FILE to the one to read",
        )
        return {}
    if not found:
        return {}
    env.dotenv_path = found[0].resolve()
    return _read_dotenv_file(found[0], env)


def _read_dotenv_file(path: Path, env: Env) -> dict[str, str]:
    """Parse a .env file with django-environ into a private dict, never into os.environ.

    Read as editors save it: UTF-8 with or without a BOM, LF, CRLF or CR line ends. Every line
    is read as written or named by number in a warning (W033), never quoted (one may hold a
    secret) and never handed to django-environ, which would log it in full.
    """
    import environ  # type: ignore[import-untyped]

    env.dotenv_path = path
    if not env.is_set("ENV_FILE"):
        env.derive("ENV_FILE", path, ("BASE_DIR",))
    try:
        text = decode_dotenv(read_bounded(str(path), DOTENV_MAX_BYTES))
    except DotenvEncodingError as exc:  # UTF-16 (a Windows tool), or not UTF-8 at all
        env.error("ENV_FILE", f"{path} {exc}")
        return {}
    except SecretFileError as exc:  # a device, a FIFO, a directory, or too large: never read whole
        env.error("ENV_FILE", f"{path} is {exc}")
        return {}
    except (OSError, ValueError) as exc:  # ValueError: NUL in the path
        env.error("ENV_FILE", f"{path} cannot be read ({type(exc).__name__})")
        return {}
    lines = NEWLINE.split(text.removesuffix("\n").removesuffix("\r"))
    notes = line_notes(lines)
    if notes:
        # A warning, not an error: the other lines load, so `manage.py config` can run and show it.
        env.warnings["ENV_FILE"] = f"{path}: " + "; ".join(notes) + " (contents not shown)"
    values: dict[str, str] = {}
    reader: Any = type("_DotenvReader", (environ.Env,), {"ENVIRON": values})
    reader.read_env(io.StringIO("\n".join(line for line in lines if _assignment(line))))
    return values


NEWLINE = re.compile(r"\r\n|\r|\n")  # what editors end lines with; str.splitlines() also cuts at U+2028, \f ...
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-32's start with one of them too
# Whitespace then '#' in an unquoted value: a comment to a reader, part of the value to django-environ.
TRAILING_COMMENT = re.compile(
    r"""\A(?:export )?[A-Za-z_0-9]+=(?:[^'"].*)?\s#|\A(?:export )?[A-Za-z_0-9]+=(['"]).*\1\s*#"""
)


def decode_dotenv(content: bytes) -> str:
    """The text of a .env file: UTF-8, a BOM dropped; UTF-16/32 (BOM or NUL bytes) is refused by name."""
    if content.startswith(UTF16_BOMS) or b"\x00" in content:
        raise DotenvEncodingError("is UTF-16 text (as Windows tools save it): save it as UTF-8")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DotenvEncodingError("is not UTF-8 text") from None


def line_notes(lines: list[str]) -> list[str]:
    """What a reader of the file would not expect, each line by number: never a line's content."""
    bad = [n for n, line in enumerate(lines, start=1) if not (_comment(line) or _assignment(line))]
    notes = [f"line(s) {_numbers(bad)} are not KEY=VALUE and were ignored"] if bad else []
    commented = [n for n, line in enumerate(lines, start=1) if _assignment(line) and TRAILING_COMMENT.match(line)]
    if commented:
        notes.append(
            f"line(s) {_numbers(commented)} hold ' #' after the value, which keeps it as part of the value "
            "(put the comment on its own line, or quote a value that holds ' #')"
        )
    seen: dict[str, list[int]] = {}
    for number, line in enumerate(lines, start=1):
        match = _assignment(line)
        if match:
            seen.setdefault(match.group(1), []).append(number)
    for name, numbers in seen.items():
        if len(numbers) > 1:
            lines_text = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
            notes.append(f"{name} is set on lines {lines_text}: line {numbers[-1]} wins")
    return notes


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:10]) + (", ..." if len(numbers) > 10 else "")


def _comment(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _assignment(line: str) -> re.Match[str] | None:
    """KEY=VALUE by django-environ's own rule, on one line as an editor shows it."""
    return DOTENV_LINE.match(line) if line.splitlines() == [line] else None
