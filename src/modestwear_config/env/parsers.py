"""The typed parsers of the reader: one per kind, each raising ValueError with a message that
never contains the value (a bad value may be a secret typed into the wrong variable)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from .variables import Variable

TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})
# Integers without a declared maximum: what a C int (socket, select, struct) still takes.
MAX_INT = 2**31 - 1
INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


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
    text = raw.strip()
    try:
        value = cast(text)
    except ValueError:
        raise ValueError(f"expected {what}, got an unrecognised value") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected {what}, got a non-finite number")
    # Python's int() and float() also take '1_000' and other scripts' digits ('\u0663'); gunicorn,
    # a shell script or the platform reading the same variable would not: ASCII digits only.
    if not (INTEGER if cast is int else DECIMAL).fullmatch(text):
        raise ValueError(f"expected {what}, got an unrecognised value")
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


def list_items(raw: str) -> list[str]:
    """The items of a comma-separated list, stripped, empty ones dropped ("a, b," -> a, b)."""
    return [item.strip() for item in raw.split(",") if item.strip()]


def pair_items(raw: str) -> list[tuple[str, str, str]]:
    """`k=v,k2=v2` as the OpenTelemetry specification spells it (OTEL_EXPORTER_OTLP_HEADERS,
    OTEL_RESOURCE_ATTRIBUTES): (key, "=" or "" when the item has none, value percent-decoded as the
    SDK decodes it), stripped, empty items dropped."""
    items = []
    for item in list_items(raw):
        key, equals, value = item.partition("=")
        items.append((key.strip(), equals, unquote(value.strip())))
    return items


def pair_values(raw: str) -> list[str]:
    """Each value of a `k=v,...` secret as written and as decoded, for the scrubber: a client that
    sends or logs one header holds that value alone (Variable.parts)."""
    values: list[str] = []
    for item in list_items(raw):
        written = item.partition("=")[2].strip()
        values += [written, unquote(written)]
    return [value for value in dict.fromkeys(values) if value]


def _parse_list(raw: str, var: Variable) -> list[str]:
    """The items, each checked by the variable's own rule (item_problem): a list is only as valid as its
    worst item. A problem names the item by position, never by value."""
    items = list_items(raw)
    for position, item in enumerate(items, start=1):
        where = f"item {position} of {len(items)}: " if len(items) > 1 else ""
        if not var.secret and any(ord(ch) < 32 or ord(ch) == 127 for ch in item):
            raise ValueError(f"{where}expected text, got control characters")
        problem = var.item_problem(item) if var.item_problem is not None else None
        if problem:
            raise ValueError(f"{where}{problem}")
    return items


def _parse_url(raw: str, var: Variable) -> str:
    value = raw.strip()
    if not value:
        raise ValueError("expected a URL, got an empty value")
    if value in var.choices:  # a URL's named alternatives (Celery's result backend "django-db")
        return value
    check_url(value)
    return value


def check_url(value: str) -> SplitResult:
    """Split a URL, or raise ValueError (without the URL) if it has no scheme or is malformed."""
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("expected a URL, got one with whitespace or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ValueError("expected a URL, got one that cannot be parsed (bad port or brackets?)") from None
    if port == 0:  # urlsplit takes it; no server listens there (dj-database-url turns it into the default)
        raise ValueError("expected a URL, got one with port 0")
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


PARSERS: dict[str, Callable[[str, Variable], Any]] = {
    "bool": _parse_bool,
    "int": lambda raw, var: _parse_number(raw, var, int, "an integer"),
    "float": lambda raw, var: _parse_number(raw, var, float, "a number"),
    "str": _parse_str,
    "list": _parse_list,
    "url": _parse_url,
    "path": _parse_path,
}
