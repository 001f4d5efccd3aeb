"""The one reader of the environment.

``Env`` reads declared variables (registry.py) from a mapping, with typed,
strict parsing.  It never raises on the first problem: it records it, returns
the default so the rest of the configuration can still be computed, and
``Env.raise_if_problems()`` raises one ImproperlyConfigured naming every bad
variable.  Values never appear in messages: a bad value may be a secret typed
into the wrong variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from modestwear_config.scrub.url_passwords import passwords

from .defaults import spelled
from .errors import ImproperlyConfigured
from .files import SecretFileError, load_dotenv, read_bounded
from .parsers import FALSE, PARSERS, TRUE, check_text, check_url, list_items
from .variables import BY_NAME, IMPLIED, REGISTRY, Variable

__all__ = ["FALSE", "TRUE", "Env", "Source", "check_url"]
Source = Literal["environment", "file", "dotenv", "project default", "default"]
_NOT_READ = object()


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
        # Variables read under another name: name -> the alias set (or the alias that implied it).
        self.aliased: dict[str, str] = {}
        # Why a derived value is what it is (BASE_DIR: which directory, and why that one), for the doctor.
        self.notes: dict[str, str] = {}

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
            return PARSERS[var.kind](raw, var)
        except ValueError as exc:
            alias = self.aliased.get(name)
            self.error(name, f"(set as {alias}) {exc}" if alias else str(exc))
            return fallback

    def raw(self, name: str, var: Variable | None = None) -> str | None:
        """The string value of a declared variable and where it came from; None when unset.

        The real environment is one layer and the .env file another: the first
        layer that sets NAME (or, for a secret, NAME_FILE), one of its aliases, or an
        alias that implies it wins, so a .env file never overrides, nor conflicts
        with, what the real environment sets.  Below both, the project's own default
        (env/defaults.py), read as if the environment had set it.
        """
        var = var or BY_NAME[name]
        for source, mapping in (("environment", self.environ), ("dotenv", self._dotenv)):
            given = [n for n in (name, *var.alias_names) if n in mapping]
            # An alias's _FILE too (DJANGO_SECRET_KEY_FILE, REDIS_TLS_URL_FILE): ignored, the value
            # would be missing in production, or a cache silently fall back to local memory.
            files = [f"{n}_FILE" for n in (name, *var.alias_names) if var.secret and f"{n}_FILE" in mapping]
            if files:
                self.sources[name] = "file"
                if files[0] != f"{name}_FILE":
                    self.aliased[name] = files[0].removesuffix("_FILE")
                differing = [f for f in files[1:] if mapping[f] != mapping[files[0]]]
                if differing:
                    self.error(name, f"{files[0]} and {differing[0]} are both set, to different files: keep one")
                    return None
                return self._read_secret_file(var, files[0], mapping[files[0]], both=given[0] if given else None)
            if given:
                self.sources[name] = source  # type: ignore[assignment]
                return self._given(var, given, mapping)
            implied = [
                (alias, value)
                for alias, value in IMPLIED.get(name, ())
                if alias in mapping or f"{alias}_FILE" in mapping  # MAILGUN_API_KEY_FILE says mailgun too
            ]
            if implied:
                self.sources[name] = source  # type: ignore[assignment]
                self.aliased[name] = implied[0][0]
                if len({value for _, value in implied}) > 1:
                    self.error(name, f"{implied[0][0]} and {implied[1][0]} are both set: they name different ones")
                return implied[0][1]
        project_default = REGISTRY.project_defaults.get(name)
        self.sources[name] = "default" if project_default is None else "project default"
        return project_default

    def _given(self, var: Variable, given: list[str], mapping: Mapping[str, str]) -> str:
        """The value under the first of `given` (the name, then its aliases); two that differ are an error
        naming both, never a value: which one the project meant would be a guess."""
        winning = [a.name for a in var.alias_entries if a.wins and a.name in given]
        used = winning[0] if winning else given[0]
        if winning:  # the platform's own pair: the preferred one is used, the other is no conflict
            given = [used, *(n for n in given if n != used and n != var.name)]
        if used == var.name:
            self.aliased.pop(var.name, None)
        else:
            self.aliased[var.name] = used
        differing = [n for n in given[1:] if mapping[n] != mapping[used]]
        if differing:
            self.error(
                var.name,
                f"{used} and {differing[0]} are both set, to different values: keep one"
                f" ({differing[0] if used == var.name else used} is an alias of {var.name})",
            )
        for alias, value in IMPLIED.get(var.name, ()):
            if alias in mapping and mapping[used].strip().lower() != value:
                self.error(var.name, f"{used} and {alias} are both set, and {alias} is for {value}: keep one")
        return mapping[used]

    def is_set(self, name: str) -> bool:
        return self.raw(name) is not None

    def derive(self, name: str, value: Any, from_: tuple[str, ...] = ()) -> None:
        """Record that `name`'s value in force is `value`, computed from the variables `from_`."""
        self.derived[name] = (value, tuple(from_))

    def names(self) -> set[str]:
        """Every name set in the environment or the .env file (never their values)."""
        return set(self.environ) | set(self._dotenv)

    def _read_secret_file(self, var: Variable, file_name: str, path: str, both: str | None) -> str | None:
        # Problems are recorded under the variable itself, so a later "You have
        # not set it" about the same variable does not add a misleading line.
        if both:  # the name itself or an alias
            self.error(var.name, f"set either {both} or {file_name}, not both")
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
        """Every form a secret set in this environment takes on its way out, for the one scrubber.

        The raw and the stripped value; every password a consumer would parse out of a URL
        (url_passwords.passwords: user info, query, every server of a list), as written
        (percent-encoded) and decoded; and the value as the program holds it (held_forms).
        """
        for var in BY_NAME.values():
            if not var.secret:
                continue
            for raw in self._secret_raws(var):
                yield raw
                yield raw.strip()
                if var.kind in ("url", "list"):
                    yield from passwords(raw)
                yield from held_forms(var, raw)

    def _secret_raws(self, var: Variable) -> list[str]:
        """The value in force (a *_FILE's content too, a declared secret's default too), and every value
        set under the name or an alias in either layer: a value that lost to another is still a secret."""
        raws = [self.raw(var.name)]
        if raws[0] is None and var.default is not None:
            raws[0] = spelled(var.default)  # a declared secret's default is the value in force: masked too
        raws += [m[n] for m in (self.environ, self._dotenv) for n in (var.name, *var.alias_names) if n in m]
        return [raw for raw in dict.fromkeys(raws) if raw and raw.strip() not in var.choices]  # a name hides nothing


# An http(s) URL's path or query shorter than this is a route ("/v1"), not where its secret hides.
MIN_URL_PART = 8


def held_forms(var: Variable, raw: str) -> list[str]:
    """A secret as the program holds and prints it, whatever its kind: each item of a list (a
    library logs one key of several), an int or float as Python prints it ("0042" -> 42), a path
    with its ~ expanded, and an http(s) URL's path, query and fragment (a webhook's or a presigned URL's
    token, an OAuth redirect's #access_token).
    Invalid values too: a list item the reader refused is still a secret. A variable's own `parts`
    (each value of `key=value,...` headers, a Sentry DSN's key) come on top."""
    parts = var.parts(raw) if var.parts is not None else []
    return parts + _kind_forms(var, raw)


def _kind_forms(var: Variable, raw: str) -> list[str]:
    if var.kind == "list":
        return list_items(raw)
    try:
        value = PARSERS[var.kind](raw, var)
    except ValueError:
        return []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value), repr(value)]
    if isinstance(value, Path):
        return [str(value)]
    if var.kind == "url":
        parts = urlsplit(value)
        if parts.scheme.lower() in ("http", "https"):
            return [part for part in (parts.path, parts.query, parts.fragment) if len(part) >= MIN_URL_PART]
    return []
