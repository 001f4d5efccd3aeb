"""The one reader of the environment.

``Env`` reads declared variables (registry.py) from a mapping, with typed,
strict parsing.  It never raises on the first problem: it records it, returns
the default so the rest of the configuration can still be computed, and
``Env.raise_if_problems()`` raises one ImproperlyConfigured naming every bad
variable.  Values never appear in messages: a bad value may be a secret typed
into the wrong variable.
"""

from __future__ import annotations

import copy
import io
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ImproperlyConfigured

from .redaction import (
    passwords,
    redact_url,  # noqa: F401  (its former home: a public name)
)
from .registry import BY_NAME, Variable

Source = Literal["environment", "file", "dotenv", "default"]
DOTENV_LINE = re.compile(r"\A(?:export )?([A-Za-z_0-9]+)=(.*)\Z")  # django-environ's own rule
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})
_NOT_READ = object()
# Integers without a declared maximum: what a C int (socket, select, struct) still takes.
MAX_INT = 2**31 - 1
SECRET_FILE_MAX_BYTES = 64 * 1024  # a key, a password, a URL: never more
DOTENV_MAX_BYTES = 1024 * 1024  # a few hundred variables; a bigger .env is a mistake (a dump, a binary)


class Env:
    """Typed, declared reads from an environment mapping (plus an optional .env mapping)."""

    def __init__(self, environ: Mapping[str, str], dotenv: Mapping[str, str] | None = None) -> None:
        self._environ = environ
        self._dotenv = dotenv or {}
        self.problems: dict[str, str] = {}
        # Not fatal, shown by a system check (W033) and the doctor: the settings still load.
        self.warnings: dict[str, str] = {}
        self.sources: dict[str, Source] = {}
        # Values in force that the builders computed rather than read: name -> (value, from which variables).
        self.derived: dict[str, tuple[Any, tuple[str, ...]]] = {}
        self.dotenv_path: Path | None = None

    def __repr__(self) -> str:  # never the values
        return f"<Env: {len(self.sources)} read, {len(self.problems)} problem(s)>"

    @classmethod
    def from_os(cls) -> Env:
        """The process environment, plus the project's .env file for what it does not set."""
        return cls.with_dotenv(dict(os.environ))

    @classmethod
    def with_dotenv(cls, environ: Mapping[str, str]) -> Env:
        """`environ`, plus the .env file it points to (ENV_FILE, else BASE_DIR/.env) for what it does not set."""
        env = cls(environ)
        env._dotenv = _load_dotenv(env)
        return env

    # -- reading ------------------------------------------------------------
    def __call__(self, name: str, default: Any = _NOT_READ, *, from_: tuple[str, ...] = ()) -> Any:
        """The typed value of `name`, or its default (the registry's unless given).

        A default given here is computed by the caller from other variables
        (`from_`): when it is used, it is recorded as derived for the doctor.
        """
        var = BY_NAME[name]
        fallback = var.default if default is _NOT_READ else default
        raw = self.raw(name)
        if raw is None:
            if default is not _NOT_READ:
                self.derive(name, fallback, from_)
            return fallback
        try:
            check_text(raw)
            return _PARSERS[var.kind](raw, var)
        except ValueError as exc:
            self.error(name, str(exc))
            return fallback

    def raw(self, name: str) -> str | None:
        """The string value of a declared variable and where it came from; None when unset.

        The real environment is one layer and the .env file another: the first
        layer that sets NAME (or, for a secret, NAME_FILE) wins, so a .env file
        never overrides, nor conflicts with, what the real environment sets.
        """
        var = BY_NAME[name]
        for source, mapping in (("environment", self._environ), ("dotenv", self._dotenv)):
            file_path = mapping.get(f"{name}_FILE") if var.secret else None
            if file_path is not None:
                self.sources[name] = "file"
                return self._read_secret_file(var, file_path, both=name in mapping)
            if name in mapping:
                self.sources[name] = source  # type: ignore[assignment]
                return mapping[name]
        self.sources[name] = "default"
        return None

    def is_set(self, name: str) -> bool:
        return self.raw(name) is not None

    def derive(self, name: str, value: Any, from_: tuple[str, ...] = ()) -> None:
        """Record that `name`'s value in force is `value`, computed from the variables `from_`."""
        self.derived[name] = (value, tuple(from_))

    def names(self) -> set[str]:
        """Every name set in the environment or the .env file (never their values)."""
        return set(self._environ) | set(self._dotenv)

    def require_extra(self, name: str, extra: str, *modules: str) -> None:
        """`name` configures a feature that needs `modules`: a missing one is an error naming the extra.

        find_spec only looks the module up; nothing heavy is imported at settings import.
        """
        if all(find_spec(module) is not None for module in modules):
            return
        self.error(name, f'needs the {extra} extra, which is not installed: pip install "modestwear_config[{extra}]"')

    def _read_secret_file(self, var: Variable, path: str, both: bool) -> str | None:
        # Problems are recorded under the variable itself, so a later "You have
        # not set it" about the same variable does not add a misleading line.
        file_name = f"{var.name}_FILE"
        if both:
            self.error(var.name, f"set either {var.name} or {file_name}, not both")
            return None
        try:
            content = read_bounded(path).decode("utf-8")
        except SecretFileError as exc:
            self.error(var.name, f"{file_name} names {exc}")
            return None
        except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: NUL in the path
            self.error(var.name, f"{file_name} names a file that cannot be read ({type(exc).__name__})")
            return None
        return content[:-2] if content.endswith("\r\n") else content.removesuffix("\n")

    # -- problems -----------------------------------------------------------
    def error(self, name: str, message: str) -> None:
        """Record a problem with `name`; the first one per variable is kept."""
        self.problems.setdefault(name, message)

    def raise_if_problems(self) -> None:
        if not self.problems:
            return
        lines = [f"  {name}: {message}" for name, message in sorted(self.problems.items())]
        raise ImproperlyConfigured("Invalid environment configuration:\n" + "\n".join(lines))

    # -- secrets ------------------------------------------------------------
    def secret_values(self) -> Iterator[str]:
        """Every secret value set in this environment, and URL passwords, for log scrubbing.

        Both the raw and the stripped value, and every password a consumer would
        parse out of a URL (redaction.passwords: user info, query, every server
        of a list), as written (percent-encoded) and decoded.
        """
        for var in BY_NAME.values():
            if not var.secret:
                continue
            raw = self.raw(var.name)
            if not raw:
                continue
            yield raw
            yield raw.strip()
            if var.kind in ("url", "list"):
                yield from passwords(raw)


# -- parsers: raise ValueError with a message that never contains the value ----
def check_text(raw: str) -> None:
    """Refuse what Python decoded from non-UTF-8 bytes (surrogate escapes): encoding it later fails."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("expected UTF-8 text, got bytes that are not UTF-8") from None


def _parse_bool(raw: str, var: Variable) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError("expected a boolean (true/false/1/0/yes/no/on/off), got an unrecognised value")


def _parse_number(raw: str, var: Variable, cast: Callable[[str], Any], what: str) -> Any:
    try:
        value = cast(raw.strip())
    except ValueError:
        raise ValueError(f"expected {what}, got an unrecognised value") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected {what}, got a non-finite number")
    if var.minimum is not None and value < var.minimum:
        raise ValueError(f"expected {what} >= {var.minimum:g}")
    maximum = var.maximum if var.maximum is not None else MAX_INT if isinstance(value, int) else None
    if maximum is not None and value > maximum:
        raise ValueError(f"expected {what} <= {maximum:g}")
    return value


def _parse_str(raw: str, var: Variable) -> str:
    value = raw if var.secret else raw.strip()
    if not var.secret and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        # Such values end up in headers, mail headers or paths, where they fail on every use.
        raise ValueError("expected text, got control characters")
    if var.choices:
        match = {c.lower(): c for c in var.choices}.get(value.lower())
        if match is None:
            raise ValueError(f"expected one of {', '.join(var.choices)}, got an unrecognised value")
        return match
    return value


def _parse_list(raw: str, var: Variable) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _parse_url(raw: str, var: Variable) -> str:
    value = raw.strip()
    if not value:
        raise ValueError("expected a URL, got an empty value")
    check_url(value)
    return value


def check_url(value: str) -> SplitResult:
    """Split a URL, or raise ValueError (without the URL) if it has no scheme or is malformed."""
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("expected a URL, got one with whitespace or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise ValueError("expected a URL, got one that cannot be parsed (bad port or brackets?)") from None
    if not parts.scheme or "://" not in value:
        raise ValueError("expected a URL with a scheme (like scheme://host), got one without")
    return parts


def _parse_path(raw: str, var: Variable) -> Path:
    value = raw.strip()
    if not value or "\x00" in value:
        raise ValueError("expected a file system path, got an empty or invalid value")
    try:
        return Path(value).expanduser()
    except RuntimeError:  # ~user/ for a user this system does not know
        raise ValueError("expected a file system path, got a ~user path whose user does not exist") from None


_PARSERS: dict[str, Callable[[str, Variable], Any]] = {
    "bool": _parse_bool,
    "int": lambda raw, var: _parse_number(raw, var, int, "an integer"),
    "float": lambda raw, var: _parse_number(raw, var, float, "a number"),
    "str": _parse_str,
    "list": _parse_list,
    "url": _parse_url,
    "path": _parse_path,
}


class SecretFileError(Exception):
    """A *_FILE path that is not a small regular file (the message never holds its content)."""


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
    """BASE_DIR, else the directory above the settings package (startproject's layout), else cwd."""
    configured = env("BASE_DIR")
    if configured is not None:
        return Path(configured).resolve()
    module = env._environ.get("DJANGO_SETTINGS_MODULE")
    settings_file = _module_file(module) if module else None
    return settings_file.parent.parent if settings_file else Path.cwd()


def _module_file(dotted: str) -> Path | None:
    module = sys.modules.get(dotted)
    origin = getattr(module, "__file__", None)
    if origin is None:
        try:
            spec = find_spec(dotted)
        except (ImportError, ValueError):
            return None
        origin = spec.origin if spec else None
    return Path(origin).resolve() if origin else None


def dotenv_candidates(env: Env) -> list[Path]:
    """Where a .env file is looked for: beside manage.py (BASE_DIR) and beside settings.py."""
    places = [base_dir(env) / ".env"]
    module = env._environ.get("DJANGO_SETTINGS_MODULE")
    settings_file = _module_file(module) if module else None
    if settings_file is not None:
        places.append(settings_file.parent / ".env")
    return list(dict.fromkeys(place.resolve() for place in places))


def _load_dotenv(env: Env) -> dict[str, str]:
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

    Lines that are not KEY=VALUE are reported by number, never by content (one may hold a
    secret), and never reach django-environ, which would log them in full.
    """
    import environ  # type: ignore[import-untyped]

    env.dotenv_path = path
    if not env.is_set("ENV_FILE"):
        env.derive("ENV_FILE", path, ("BASE_DIR",))
    try:
        lines = read_bounded(str(path), DOTENV_MAX_BYTES).decode("utf-8").splitlines()
    except UnicodeDecodeError:
        env.error("ENV_FILE", f"{path} is not UTF-8 text")
        return {}
    except SecretFileError as exc:  # a device, a FIFO, a directory, or too large: never read whole
        env.error("ENV_FILE", f"{path} is {exc}")
        return {}
    except (OSError, ValueError) as exc:  # ValueError: NUL in the path
        env.error("ENV_FILE", f"{path} cannot be read ({type(exc).__name__})")
        return {}
    bad = [number for number, line in enumerate(lines, start=1) if not _dotenv_line_ok(line)]
    if bad:
        numbers = ", ".join(str(n) for n in bad[:10]) + (", ..." if len(bad) > 10 else "")
        # A warning, not an error: the other lines load, so `manage.py config` can run and show it.
        env.warnings["ENV_FILE"] = f"{path}: line(s) {numbers} are not KEY=VALUE and were ignored (contents not shown)"
    values: dict[str, str] = {}
    reader: Any = type("_DotenvReader", (environ.Env,), {"ENVIRON": values})
    reader.read_env(io.StringIO("\n".join(line for line in lines if _dotenv_line_ok(line))))
    return values


def _dotenv_line_ok(line: str) -> bool:
    return not line or line.startswith("#") or DOTENV_LINE.match(line) is not None


# -- settings modules ---------------------------------------------------------------
Builder = Callable[[Env], "dict[str, Any]"]


def build_settings(*builders: Builder, env: Env | None = None) -> dict[str, Any]:
    """Run each concern's builder on one Env and raise one error naming every problem."""
    env = env if env is not None else Env.from_os()
    settings: dict[str, Any] = {}
    for builder in builders:
        settings.update(builder(env))
    env.raise_if_problems()
    return settings


def lazy_settings(*builders: Builder) -> Callable[[str], Any]:
    """A module-level __getattr__ (PEP 562) that builds the settings on first access.

    Importing a concern module for its builder function then costs nothing and
    raises nothing; ``from module import *`` asks for ``__all__`` and triggers
    the build.  Only ``__all__`` and UPPER_CASE names do, so tools probing
    dunder attributes never see an ImproperlyConfigured.
    """
    built: dict[str, Any] = {}

    def __getattr__(name: str) -> Any:
        if name != "__all__" and not name.isupper():
            raise AttributeError(name)
        if not built:
            built.update(build_settings(*builders))
        if name == "__all__":  # a star import: remember what it gave (checks.check_overrides)
            record_star_import(built)
            return sorted(built)
        try:
            return built[name]
        except KeyError:
            raise AttributeError(name) from None

    return __getattr__


# What `from modestwear_config import *` gave: setting -> (the object, a copy as built).
_STAR_IMPORTED: dict[str, tuple[Any, Any]] = {}


def record_star_import(built: Mapping[str, Any]) -> None:
    for name, value in built.items():
        _STAR_IMPORTED[name] = (value, copy.deepcopy(value))


def star_imported() -> dict[str, tuple[Any, Any]]:
    """The settings the last star import gave, each with a deep copy taken when it was built."""
    return dict(_STAR_IMPORTED)
