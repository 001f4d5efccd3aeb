"""The porting assistant: what an existing settings module deletes, sets, merges and keeps.

`manage.py config --port path/to/settings.py` (or a settings package's directory) reads the
module with `ast`, never importing it: its imports may need services or variables that are not
there yet. Each top-level assignment is sorted into one of four groups:

- delete: a setting the library provides from the environment; the variables to set are named,
  under the names the project already reads where the library knows them;
- merge: INSTALLED_APPS / MIDDLEWARE, reduced to the project's own entries;
- declare: a setting of the project's own read from the environment (declare it to get the
  library's typing, masking and doctor);
- keep: everything else.

Only line numbers, setting names and variable names are printed: a settings file can hold a
secret literal, and an environment's values never reach this command at all.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from modestwear_config.concerns import CONCERNS
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.env import BY_NAME, Env

from .settings_source import (
    NOTHING,
    assigned_settings,
    list_items,
    literal_value,
    string_items,
    top_level_statements,
    variables_read,
)

# Names whose value the library composes from the concerns' contributions.
MERGED = ("INSTALLED_APPS", "MIDDLEWARE")
COMPOSED = {"INSTALLED_APPS": "core", "MIDDLEWARE": "core", "TEMPLATES": "core"}
EMBEDDED_DEFAULT = {"DEBUG": "true"}  # what the library gives with nothing else set
# Environments that make the builders produce their conditional settings too (never connected to).
SAMPLES: tuple[dict[str, str], ...] = (
    {},
    {
        "EMAIL_PROVIDER": "mailgun",
        "EMAIL_API_KEY": "k",
        "DEFAULT_FROM_EMAIL": "a@example.com",
        "ADMINS": "a@example.com",
    },
    {"REDIS_URL": "rediss://h:6379", "CELERY_USE_REDIS_URL": "true", "CLOUDINARY_URL": "cloudinary://k:s@c"},
    {"DATABASE_URL": "postgres://h/db", "DATABASE_REPLICA_URLS": "postgres://r/db", "AWS_STORAGE_BUCKET_NAME": "b"},
    {"EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_USER": "u", "EMAIL_HOST_PASSWORD": "p"},
)
# Never a project default: what differs between a laptop and production.
PER_ENVIRONMENT = frozenset({"DEBUG", "ALLOWED_HOSTS"})


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


@dataclass(frozen=True)
class Finding:
    line: int
    setting: str
    reads: tuple[str, ...] = ()
    advice: str = ""


@dataclass
class Porting:
    path: str
    delete: list[Finding] = field(default_factory=list)
    merge: list[Finding] = field(default_factory=list)
    declare: list[Finding] = field(default_factory=list)
    keep: list[Finding] = field(default_factory=list)

    def variables_to_set(self) -> list[str]:
        """The project's variable names the library reads (directly or as an alias)."""
        names = (name for f in self.delete for name in f.reads if canonical(name) is not None)
        return list(dict.fromkeys(names))

    def unknown_names(self) -> list[str]:
        """Variables read for a setting the library now provides, under a name it does not know."""
        names = (name for f in self.delete for name in f.reads if canonical(name) is None)
        return list(dict.fromkeys(names))


def provided_settings() -> dict[str, str]:
    """Every setting the library produces -> its concern: each builder run on sample environments.

    Problems are collected by the Env, never raised here, so every builder returns its names.
    """
    provided = dict(COMPOSED)
    for sample in SAMPLES:
        env = Env({**EMBEDDED_DEFAULT, **sample})
        for concern in CONCERNS:
            for name in concern.build(env):
                provided.setdefault(name, concern.name)
    return provided


def canonical(name: str) -> str | None:
    """The library variable a project's variable name stands for, if it knows it."""
    if name in BY_NAME:
        return name
    for var in BY_NAME.values():
        if name in getattr(var, "aliases", ()):
            return var.name
    return None


def port_file(path: Path, provided: dict[str, str] | None = None) -> Porting:
    provided = provided_settings() if provided is None else provided
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    result = Porting(str(path))
    literal_lists: dict[str, list[str]] = {}
    for node in top_level_statements(tree.body):
        for target in assigned_settings(node):
            finding = _classify(node, target, provided, literal_lists)
            getattr(result, finding[0]).append(finding[1])
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple)):
            for target in assigned_settings(node):
                literal_lists[target] = string_items(node.value)
    return result


def port(path: Path) -> list[Porting]:
    """A module, or every module of a settings package (its __init__ and base first)."""
    if path.is_file():
        return [port_file(path)]
    provided = provided_settings()
    order = sorted(path.glob("*.py"), key=lambda p: (p.stem not in ("__init__", "base", "common"), p.stem))
    return [port_file(module, provided) for module in order]


def _classify(
    node: ast.stmt, setting: str, provided: dict[str, str], literal_lists: dict[str, list[str]]
) -> tuple[str, Finding]:
    reads = tuple(dict.fromkeys(variables_read(node)))
    line = node.lineno
    if setting in MERGED:
        own = [item for item in list_items(node, literal_lists) if item not in _library_value(setting)]
        if not own:
            return "delete", Finding(line, setting, reads, "the library's list holds every entry: delete")
        listed = ", ".join(f'"{item}"' for item in own)
        return "merge", Finding(line, setting, reads, f"{setting} = [*{setting}, {listed}]")
    if setting in provided:
        return "delete", Finding(line, setting, reads, _delete_advice(node, setting, reads, provided[setting]))
    own = [name for name in reads if canonical(name) is None]
    if own:
        return "declare", Finding(line, setting, tuple(own), "declare " + ", ".join(own))
    if reads:  # REDIS_URL = env("REDIS_URL"): the library reads it already
        known = ", ".join(reads)
        return "keep", Finding(line, setting, (), f"the library reads {known} itself; keep only if your code uses it")
    return "keep", Finding(line, setting)


def _delete_advice(node: ast.stmt, setting: str, reads: tuple[str, ...], concern: str) -> str:
    if reads:
        return "; ".join(_read_advice(name, concern) for name in reads)
    var = BY_NAME.get(setting)
    literal = literal_value(node)
    if var is not None and var.secret:
        written = "a secret in code" if literal is not NOTHING else "computed in code"
        return f"{written}: delete it, and set {setting} in the environment"
    if setting in PER_ENVIRONMENT:
        return f"differs between development and production: delete it, and set {setting} in each environment"
    if literal is NOTHING and var is not None:
        return f"computed in code: the library reads {setting} (manage.py config shows it); delete unless yours differs"
    if literal is NOTHING:
        return f"computed in code: the {concern} concern provides it ({_driver(concern)}); delete unless yours differs"
    # An environment-driven setting is compared with its variable's default, not with what
    # the embedded default (DEBUG on) happens to give: DEBUG = True is never "the same".
    same = literal == (var.default if var is not None else _library_value(setting))
    if same:
        return "the library's default already: delete"
    if var is not None:
        return f"yours differs from the default: set {setting} in the environment, or keep it as a project default"
    return f"the {concern} concern provides it ({_driver(concern)}): delete, or keep yours as a project default"


def _driver(concern: str) -> str:
    """What a concern's settings come from: its first variables (DATABASE_URL, REDIS_URL, ...)."""
    variables = next(c.variables for c in CONCERNS if c.name == concern)
    return "from " + ", ".join(v.name for v in variables[:2]) if variables else "no variable"


def _read_advice(name: str, concern: str) -> str:
    known = canonical(name)
    if known == name:
        return f"set {name}"
    if known is not None:
        return f"set {name} (read as {known}; renaming it to {known} is clearer)"
    return f"the library does not read {name}: see the {concern} concern's variables"


def _library_value(setting: str) -> Any:
    return _library_settings().get(setting, NOTHING)


@cache
def _library_settings() -> dict[str, Any]:
    """Every setting the library gives on the embedded default (built once per process)."""
    return build_settings(*CONCERNS, env=Env(EMBEDDED_DEFAULT))


def port_command(path: str, out: Writer) -> bool:
    """--port: the assistant on a settings module or package; False (said why on stderr) if it cannot."""
    target = Path(path)
    if not target.exists():
        sys.stderr.write(f"--port: {path} does not exist\n")
        return False
    try:
        portings = port(target)
    except SyntaxError as exc:  # its line number, never its text: the line may hold a secret
        sys.stderr.write(f"--port: {exc.filename} line {exc.lineno} is not valid Python\n")
        return False
    render_porting(portings, out)
    return True


# -- rendering ----------------------------------------------------------------------
def render_porting(portings: list[Porting], out: Writer) -> None:
    for porting in portings:
        if not (porting.delete or porting.merge or porting.declare or porting.keep):
            continue
        out.write(f"Porting {porting.path}\n")
        for title, findings in (
            ("Delete: the library provides these from the environment", porting.delete),
            ("Merge: keep only your own entries, after the library's", porting.merge),
            ("Declare: your own settings read from the environment (typed, masked, in the doctor)", porting.declare),
            ("Keep: your project's own", porting.keep),
        ):
            if findings:
                out.write(f"\n  {title} ({len(findings)}):\n")
            for f in findings:
                advice = f"  {f.advice}" if f.advice else ""
                out.write(f"    line {f.line:<4} {f.setting}{advice}\n")
        out.write("\n")
    names = list(dict.fromkeys(n for p in portings for n in p.variables_to_set()))
    if names:
        out.write("Set in the environment (the names your project already uses; values never shown):\n")
        out.write(f"  {', '.join(names)}\n\n")
    unknown = list(dict.fromkeys(n for p in portings for n in p.unknown_names()))
    if unknown:
        out.write("Rename (the library does not read these names; `manage.py config` lists the ones it reads):\n")
        out.write(f"  {', '.join(unknown)}\n\n")
    out.write("Then: `from modestwear_config import *` at the top of the settings module, and run\n")
    out.write("`python manage.py config` and `python manage.py check --deploy` with the production environment.\n")
