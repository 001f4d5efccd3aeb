"""The registry of environment variables: each declared once, by its concern or by the project.

The typed read (reader.py), error messages, redaction, the reference tables, ``.env.example``
and the doctor all come from these declarations.  A name that is not declared cannot be read
(Env raises KeyError), so nothing escapes the registry.  The concerns declare theirs through
``concerns.CONCERNS``; a project adds its own with ``declare()`` until the settings are built,
then the registry is sealed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["str", "bool", "int", "float", "list", "url", "path"]


@dataclass(frozen=True)
class Alias:
    """Another name a project may already use for a variable (DJANGO_SECRET_KEY for SECRET_KEY).

    The reader reads it as the variable itself; ``implies`` are values it also gives other variables
    left unset (MAILGUN_API_KEY is EMAIL_API_KEY and means EMAIL_PROVIDER=mailgun).
    """

    name: str
    implies: tuple[tuple[str, str], ...] = ()
    # Set together with the variable's own name, this one is used and the other is no error: a platform
    # that sets both itself (Heroku's REDIS_URL and REDIS_TLS_URL) leaves the user nothing to unset.
    wins: bool = False


@dataclass(frozen=True)
class Variable:
    name: str
    kind: Kind
    concern: str
    description: str
    default: Any = None
    secret: bool = False
    # What the reference shows as the default when it is derived, not constant.
    default_doc: str = ""
    example: str = ""
    # A str's only values (any case); a url's names accepted besides URLs, as written.
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    # A list's rule for each item, as its consumer reads it at request time (env/items.py): what is
    # wrong with one item, never quoting it, or None.
    item_problem: Callable[[str], str | None] | None = None
    # Names other projects and templates use for it (cookiecutter-django's, Heroku's): read as this one.
    aliases: tuple[Alias | str, ...] = ()
    # A secret's pieces that its consumers hold apart, each masked on its own by the scrubber
    # (env/parsers.pair_values: each value of `key=value,...` headers); a list's items are already.
    parts: Callable[[str], list[str]] | None = None

    @property
    def alias_entries(self) -> tuple[Alias, ...]:
        return tuple(alias if isinstance(alias, Alias) else Alias(alias) for alias in self.aliases)

    @property
    def alias_names(self) -> tuple[str, ...]:
        return tuple(alias.name for alias in self.alias_entries)

    @property
    def shown_default(self) -> str:
        if self.default_doc:
            return self.default_doc
        if self.default is None:
            return "unset"
        if self.secret and self.default not in ("", (), []):
            return "set in code, not shown"  # a secret's default is masked as its value would be
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if self.default == "":
            return "empty"
        if isinstance(self.default, (list, tuple)):
            return ",".join(self.default) or "empty"
        return str(self.default)


def variables_of(concern: str) -> Callable[..., Variable]:
    """A concern's own Variable constructor: ``V = variables_of("cache")`` then ``V(name, kind, description, ...)``."""

    def make(name: str, kind: Kind, description: str, default: Any = None, **options: Any) -> Variable:
        return Variable(name, kind, concern, description, default, **options)

    return make


class Registry:
    """Every declared variable by name: the library's (added once, by the concerns) and the project's."""

    def __init__(self) -> None:
        self.by_name: dict[str, Variable] = {}
        self.builtin: frozenset[str] = frozenset()
        self.sealed = False
        # The project's own defaults (env/defaults.py), as the variable would spell them: name -> text.
        self.project_defaults: dict[str, str] = {}
        self.aliases: dict[str, str] = {}  # alias -> the variable it names
        # variable -> (alias, value): an alias set alone gives this variable that value (Alias.implies).
        self.implied: dict[str, list[tuple[str, str]]] = {}

    def add_builtin(self, variables: Iterable[Variable]) -> None:
        for var in variables:
            if var.name in self.by_name:
                raise ValueError(f"{var.name} is declared by two concerns")
            self.by_name[var.name] = var
        for var in self.by_name.values():
            self._add_aliases(var)
        self.builtin = frozenset(self.by_name)

    def _add_aliases(self, var: Variable) -> None:
        for alias in var.alias_entries:
            if not (alias.name.isidentifier() and alias.name.isupper()):
                raise ValueError(f"{alias.name!r}: an alias is an UPPER_CASE identifier")
            owner = self.aliases.get(alias.name)
            if alias.name in self.by_name or (owner is not None and owner != var.name):
                raise ValueError(f"{alias.name} cannot be an alias of {var.name}: it names {owner or 'a variable'}")
            self.aliases[alias.name] = var.name
            for target, value in alias.implies:
                if (alias.name, value) not in self.implied.get(target, []):
                    self.implied.setdefault(target, []).append((alias.name, value))

    def declare(self, *variables: Variable) -> None:
        """Add a project's own variables, read with the same guarantees as the built-ins.

        Declaring the same definition twice is harmless (settings modules can be imported more
        than once); a different definition of a known name is a programming error, and so is a
        new name once the settings are built (nothing would read it).
        """
        for var in variables:
            if not (var.name.isidentifier() and var.name.isupper()):
                raise ValueError(f"{var.name!r}: a variable name is an UPPER_CASE identifier")
            known = self.by_name.get(var.name)
            if known == var:
                continue
            if known is not None:
                owner = "the library" if var.name in self.builtin else "an earlier declare()"
                raise ValueError(f"{var.name} is already declared by {owner} with another definition")
            if var.name in self.aliases:
                raise ValueError(f"{var.name} is already an alias of {self.aliases[var.name]}")
            if self.sealed:
                raise ValueError(
                    f"{var.name} is declared after the settings were built: declare it before "
                    "`from modestwear_config import *` (or pass it to configure())"
                )
            self._add_aliases(var)
            self.by_name[var.name] = var

    def declared(self) -> list[Variable]:
        """The project's own variables, in declaration order."""
        return [var for name, var in self.by_name.items() if name not in self.builtin]

    def concerns(self) -> tuple[str, ...]:
        """Every concern with a variable, the library's first, in order."""
        return tuple(dict.fromkeys(var.concern for var in self.by_name.values()))

    def seal(self) -> None:
        self.sealed = True


REGISTRY = Registry()
BY_NAME = REGISTRY.by_name  # the same dict: every reader looks names up here
ALIASES = REGISTRY.aliases  # the same dict: alias -> the variable it names
IMPLIED = REGISTRY.implied
declare = REGISTRY.declare
declared = REGISTRY.declared
