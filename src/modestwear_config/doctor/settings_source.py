"""Reading a settings module without importing it: its assignments and the variables they read.

Importing an existing project's settings could need services or variables that are not there
yet, so the porting assistant reads the source with `ast` instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# What reads a variable in settings code: django-environ's env(...)/env.<type>(...),
# os.environ / os.getenv, python-decouple's config(...).
READER_NAMES = frozenset({"env", "config", "getenv"})
READER_ATTRIBUTES = frozenset({"get", "getenv", "str", "bool", "int", "float", "list", "tuple", "dict", "json"})
READER_ATTRIBUTES |= {"url", "db", "db_url", "cache", "cache_url", "email", "email_url", "path", "search_url"}
NOTHING = object()  # no literal value / no such setting
MUTATORS = frozenset({"append", "extend", "insert", "update", "remove", "setdefault"})


def top_level_statements(body: Iterable[ast.stmt]) -> Iterable[ast.stmt]:
    """Top-level statements, and those inside top-level if/try blocks (settings often branch)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from top_level_statements([*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            yield from top_level_statements([*node.body, *node.orelse, *node.finalbody])
        else:
            yield node


def assigned_settings(node: ast.stmt) -> list[str]:
    """The UPPER_CASE settings a statement changes: X = ..., X += ..., X["k"] = ..., X: T = ...,
    and X.append(...) / X.extend(...) / X.insert(...) / X.update(...)."""
    if isinstance(node, ast.Assign):
        targets: list[ast.expr] = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute):
        if node.value.func.attr not in MUTATORS:
            return []
        targets = [node.value.func.value]
    else:
        return []
    names = []
    for target in targets:
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        if isinstance(target, ast.Name) and target.id.isupper():
            names.append(target.id)
    return names


def changes_part(node: ast.stmt) -> bool:
    """X["k"] = ... or X["k"]["j"] = ...: a change inside a setting, not the whole setting."""
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Subscript) for t in node.targets)
    return isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Subscript)


def variables_read(node: ast.AST) -> Iterable[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and sub.args and is_reader(sub.func):
            first = sub.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value
        elif (
            isinstance(sub, ast.Subscript)
            and dotted(sub.value) in ("os.environ", "environ")
            and isinstance(sub.slice, ast.Constant)
            and isinstance(sub.slice.value, str)
        ):
            yield sub.slice.value


def is_reader(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in READER_NAMES
    if isinstance(func, ast.Attribute):
        owner = dotted(func.value)
        return func.attr in READER_ATTRIBUTES and (owner in ("env", "os.environ", "environ", "os") or owner == "")
    return False


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def star_imports(tree: ast.Module, path: Path) -> list[Path]:
    """The project's modules a settings module star-imports (from .base import *, from config.settings.x import *)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)):
            continue
        parts = (node.module or "").split(".") if node.module else []
        roots = [path.parents[node.level - 1]] if node.level else list(path.parents)
        for root in roots:
            candidate = root.joinpath(*parts)
            for module in (candidate.with_suffix(".py"), candidate / "__init__.py"):
                if parts and module.is_file():
                    found.append(module)
                    break
            else:
                continue
            break
    return found


def list_items(node: ast.stmt, literal_lists: dict[str, list[str]]) -> list[str]:
    """The string entries a list assignment names, following names assigned earlier (A + B + C)."""
    value = getattr(node, "value", None)
    if isinstance(node, ast.Expr) and isinstance(value, ast.Call):  # X.append(...): what it adds, not X
        value = ast.List(elts=list(value.args), ctx=ast.Load())
    items: list[str] = []
    for sub in ast.walk(value) if value is not None else ():
        if isinstance(sub, ast.Name) and sub.id in literal_lists:
            items.extend(literal_lists[sub.id])
        elif isinstance(sub, (ast.List, ast.Tuple)):
            items.extend(string_items(sub))
    return list(dict.fromkeys(items))


def string_items(node: ast.List | ast.Tuple) -> list[str]:
    return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def literal_value(node: ast.stmt) -> Any:
    """The value a plain `X = <literal>` gives X, else NOTHING (X += ..., X["k"] = ..., a call, a name)."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return NOTHING
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not all(isinstance(t, ast.Name) for t in targets):
        return NOTHING
    try:
        return ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOTHING
