"""The porting assistant: what an existing settings module deletes, sets, merges and keeps.

`manage.py config --port path/to/settings.py` (or a settings package's directory) reads the
module with `ast`, never importing it: its imports may need services or variables that are not
there yet. Each top-level assignment goes to one group: delete (the library provides it: the
variables to set, under the project's own names), merge (INSTALLED_APPS / MIDDLEWARE: a merge_*
line), declare (the project's own variables), review (computed where the library computes one
too) or keep (the project's own, or its own policy: defaults()).

Only line numbers, setting names and variable names are printed: a settings file can hold a
secret literal, and an environment's values never reach this command at all.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from modestwear_config.concerns import CONCERNS
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.env import BY_NAME, Env

from .settings_source import (
    NOTHING,
    assigned_settings,
    changes_part,
    list_items,
    literal_value,
    star_imports,
    string_items,
    top_level_statements,
    variables_read,
)

# Names whose value the library composes from the concerns' contributions.
MERGED = {"INSTALLED_APPS": "merge_apps", "MIDDLEWARE": "merge_middleware"}
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
GROUPS = ("delete", "merge", "declare", "review", "keep")
# Settings Django no longer reads, which a project may still carry.
REMOVED = {"STATICFILES_STORAGE": "5.1", "DEFAULT_FILE_STORAGE": "5.1"}
# Settings whose whole value the library's variables give, whatever the project computed; the mail ones on
# every Django version (6.1's MAILERS supersede them, so the builders on 6.1 do not produce them).
DRIVEN_BY = {"DATABASES": "DATABASE_URL (sqlite:///path for SQLite)", "CACHES": "REDIS_URL (and CACHES_EXTRA)"}
DRIVEN_BY |= {"EMAIL_BACKEND": "EMAIL_PROVIDER or EMAIL_HOST", "ANYMAIL": "EMAIL_PROVIDER and EMAIL_API_KEY"}
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
    review: list[Finding] = field(default_factory=list)
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
    provided = {**COMPOSED, "EMAIL_BACKEND": "email", "ANYMAIL": "email"}
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
        if name in var.alias_names:
            return var.name
    return None


def port_file(path: Path, provided: dict[str, str] | None = None) -> Porting:
    provided = provided_settings() if provided is None else provided
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    result = Porting(str(path))
    literal_lists: dict[str, list[str]] = {}
    # A module that star-imports another settings module of the project (production.py after base.py)
    # runs after the library's import: its own policy stays there, below it, where defaults() is too late.
    per_environment = bool(star_imports(tree, path))
    for node in top_level_statements(tree.body):
        for target in assigned_settings(node):
            group, finding = _classify(node, target, provided, literal_lists)
            if per_environment and "defaults(" in finding.advice:
                finding = replace(
                    finding, advice="yours differs: keep it here, below the import (this module runs after it)"
                )
            getattr(result, group).append(finding)
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple)):
            for target in assigned_settings(node):
                literal_lists[target] = string_items(node.value)
    return result


def port(path: Path) -> list[Porting]:
    """A module, or every module of a settings package (its __init__ and base first), and the project's
    modules they star-import, each once, imported ones first."""
    provided = provided_settings()
    path = path.resolve()
    if path.is_file():
        roots = [path]
    else:
        roots = sorted(path.glob("*.py"), key=lambda p: (p.stem not in ("__init__", "base", "common"), p.stem))
    ordered: dict[Path, None] = {}

    def visit(module: Path) -> None:
        if module in ordered:
            return
        ordered[module] = None  # before its imports: a cycle of star imports ends here
        tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
        for imported in star_imports(tree, module):
            visit(imported)
        ordered[module] = ordered.pop(module)  # after what it imports

    for module in roots:
        visit(module)
    return [port_file(module, provided) for module in ordered]


def _classify(
    node: ast.stmt, setting: str, provided: dict[str, str], literal_lists: dict[str, list[str]]
) -> tuple[str, Finding]:
    reads = tuple(dict.fromkeys(variables_read(node)))
    line = node.lineno
    if setting in MERGED:
        return _merge(node, setting, reads, literal_lists)
    if setting in REMOVED:
        return "delete", Finding(
            line, setting, reads, f"Django removed it in {REMOVED[setting]}; the library sets STORAGES"
        )
    if setting in provided:
        group, advice = _provided_advice(node, setting, reads, provided[setting])
        return group, Finding(line, setting, reads, advice)
    own = [name for name in reads if canonical(name) is None]
    if own:
        return "declare", Finding(line, setting, tuple(own), "declare " + ", ".join(own))
    if reads:  # REDIS_URL = env("REDIS_URL"): the library reads it already
        known = ", ".join(reads)
        return "keep", Finding(line, setting, (), f"the library reads {known} itself; keep only if your code uses it")
    return "keep", Finding(line, setting)


def _merge(
    node: ast.stmt, setting: str, reads: tuple[str, ...], literal_lists: dict[str, list[str]]
) -> tuple[str, Finding]:
    """INSTALLED_APPS / MIDDLEWARE: nothing to keep when the library's list (or an equivalent) holds every
    entry; else the merge_* call that keeps the project's entries where the project put them."""
    library = _library_value(setting)
    classes = {entry.rsplit(".", 1)[-1] for entry in library}  # its WhiteNoiseMiddleware wraps whitenoise's
    items = list_items(node, literal_lists)
    own = [i for i in items if i not in library and i.rsplit(".", 1)[-1] not in classes]
    if not own:
        return "delete", Finding(node.lineno, setting, reads, "the library's list holds every entry: delete")
    listed = ", ".join(f'"{item}"' for item in items)
    return "merge", Finding(node.lineno, setting, reads, f"{setting} = {MERGED[setting]}({setting}, [{listed}])")


def _provided_advice(node: ast.stmt, setting: str, reads: tuple[str, ...], concern: str) -> tuple[str, str]:
    """(group, advice) for a setting the library provides: delete what the environment now drives or
    what equals the library's own value; keep what the project decided differently; review the rest."""
    if reads:
        return "delete", "; ".join(_read_advice(name, concern) for name in reads)
    if changes_part(node):  # DATABASES["default"]["ATOMIC_REQUESTS"] = True: no variable replaces it
        return "keep", f"changes part of the library's {setting}: keep it below the import"
    var = BY_NAME.get(setting)
    literal = literal_value(node)
    if var is not None and var.secret:
        return "delete", f"read as a secret: delete it from the code, and set {setting} in the environment"
    if setting in PER_ENVIRONMENT:
        return "delete", f"differs between development and production: delete it, and set {setting} in each"
    if setting in DRIVEN_BY:
        return "delete", f"set {DRIVEN_BY[setting]} instead (manage.py config shows what it gives)"
    if literal is NOTHING:
        where = f"the library reads {setting}" if var is not None else f"the {concern} concern provides it"
        return "review", f"computed in code; {where}: compare with `manage.py config --settings-values`"
    if literal == (var.default if var is not None else _library_value(setting)):
        return "delete", "the library's default already: delete"
    if var is not None:
        return "keep", f"yours differs from the default: keep it as modestwear_config.defaults({setting}=...)"
    if setting == "TEMPLATES":
        return "keep", "yours differs from the library's: TEMPLATES = merge_templates(TEMPLATES, [yours])"
    return "keep", "yours differs from the library's: keep it below the import"


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
        if not any(getattr(porting, group) for group in GROUPS):
            continue
        out.write(f"Porting {porting.path}\n")
        for title, findings in (
            ("Delete: the library provides these from the environment", porting.delete),
            (
                "Merge: your entries, placed where you listed them (from modestwear_config import merge_...)",
                porting.merge,
            ),
            ("Declare: your own settings read from the environment (typed, masked, in the doctor)", porting.declare),
            ("Review: computed in code, and the library provides one too", porting.review),
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
