"""The one reader of the environment.

``Env`` reads declared variables (registry.py) from a mapping, with typed,
strict parsing.  It never raises on the first problem: it records it, returns
the default so the rest of the configuration can still be computed, and
``Env.raise_if_problems()`` raises one ImproperlyConfigured naming every bad
variable.  Values never appear in messages: a bad value may be a secret typed
into the wrong variable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from modestwear_config.scrub.url_passwords import passwords

from .errors import ImproperlyConfigured
from .files import SecretFileError, load_dotenv, read_bounded
from .variables import BY_NAME, Variable

Source = Literal["environment", "file", "dotenv", "default"]
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})
_NOT_READ = object()
# Integers without a declared maximum: what a C int (socket, select, struct) still takes.
MAX_INT = 2**31 - 1


class Env:
    """Typed, declared reads from an environment mapping (plus an optional .env mapping)."""

    def __init__(self, environ: Mapping[str, str], dotenv: Mapping[str, str] | None = None) -> None:
        self.environ = environ
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
        env._dotenv = load_dotenv(env)
        return env

    # -- reading ------------------------------------------------------------
    def __call__(self, name: str, default: Any = _NOT_READ, *, from_: tuple[str, ...] = ()) -> Any:
        """The typed value of `name`, or its default (the registry's unless given).

        A default given here is computed by the caller from other variables
        (`from_`): when it is used, it is recorded as derived for the doctor.
        """
        return self.read(BY_NAME[name], default, from_=from_)

    def read(self, var: Variable, default: Any = _NOT_READ, *, from_: tuple[str, ...] = ()) -> Any:
        """As a call, for a Variable that need not be in the registry (a command's own, read at run time)."""
        name = var.name
        fallback = var.default if default is _NOT_READ else default
        raw = self.raw(name, var)
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

    def raw(self, name: str, var: Variable | None = None) -> str | None:
        """The string value of a declared variable and where it came from; None when unset.

        The real environment is one layer and the .env file another: the first
        layer that sets NAME (or, for a secret, NAME_FILE) wins, so a .env file
        never overrides, nor conflicts with, what the real environment sets.
        """
        var = var or BY_NAME[name]
        for source, mapping in (("environment", self.environ), ("dotenv", self._dotenv)):
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
        return set(self.environ) | set(self._dotenv)

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
        raise ImproperlyConfigured(self.problems)

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
