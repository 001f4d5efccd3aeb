"""Is a secret recoverable from a text? Every encoding a client applies before a secret reaches a
header, a URL, a log or an error report, checked the way an attacker reading the text would."""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from urllib.parse import quote, quote_plus

_RUNS = re.compile(r"[A-Za-z0-9+/_-]{4,}")
_HEX = re.compile(r"[0-9A-Fa-f]{2,}")


def escaped_forms(secret: str) -> set[str]:
    """The spellings of the secret itself: as written, repr/ascii/JSON-escaped, percent-encoded."""
    return {
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(json.dumps(secret)[1:-1])[1:-1],  # a JSON string inside a JSON log line
        quote(secret, safe=""),
        quote_plus(secret),
    }


def decoded_runs(text: str) -> list[bytes]:
    """Every byte string a run of base64 (standard or URL-safe) or hex characters in `text` decodes to,
    from every starting offset (the token may be glued to other text: 'key=dXNl...')."""
    out: list[bytes] = []
    for match in _RUNS.finditer(text):
        run = match.group().replace("-", "+").replace("_", "/")
        for start in range(4):
            chunk = run[start:]
            if len(chunk) % 4 == 1:
                chunk = chunk[:-1]  # never a whole base64 token: its last character alone
            try:
                out.append(base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True))
            except (binascii.Error, ValueError):
                continue
    for match in _HEX.finditer(text):
        for start in range(2):
            chunk = match.group()[start:]
            out.append(bytes.fromhex(chunk[: len(chunk) - len(chunk) % 2]))
    return out


def encoded_bytes(secret: str) -> set[bytes]:
    """The secret's bytes as clients encode it: UTF-8, or Latin-1 (urllib3's and requests' Basic auth)."""
    forms = {secret.encode("utf-8")}
    try:
        forms.add(secret.encode("latin-1"))
    except UnicodeEncodeError:
        pass
    return forms


def recoverable(secret: str, text: str) -> bool:
    """True when `text` (or its HTML-unescaped reading) shows the secret in any form a client gives it."""
    for reading in {text, html.unescape(text)}:
        if any(form in reading for form in escaped_forms(secret)):
            return True
        decoded = decoded_runs(reading)
        if any(raw in chunk for raw in encoded_bytes(secret) for chunk in decoded):
            return True
    return False
