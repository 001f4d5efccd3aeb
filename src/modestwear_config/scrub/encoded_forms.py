"""A secret as client libraries encode it before it reaches a header, a URL, a log or an error report.

Two kinds of form:

- Spellings of the secret itself (``secret_forms``), matched as they are: repr/ascii/JSON escaping
  (also applied twice: a JSON body inside a JSON log line, the repr of a repr), percent-encoding
  (also twice: a URL inside a URL), and hex of its UTF-8 bytes (lower and upper case; hex is byte
  aligned, so the hex of ``api:<secret>`` holds the hex of the secret).  Bytes are UTF-8, or
  Latin-1 when the secret fits it: urllib3's and requests' Basic auth encode Latin-1.
- Base64 (standard and URL-safe) of any bytes *holding* the secret: HTTP Basic's
  ``base64(<user>:<secret>)``, a token a client builds.  The user part is unknown, so the encoding
  cannot be computed; but base64 turns each 3-byte group into 4 characters, so the characters
  that encode the secret's *whole* groups depend only on the secret and on its offset modulo 3,
  never on what surrounds it.  For each of the three offsets that "core" is fixed (``base64_cores``):
  finding one in a text finds every base64 token holding the secret, and the whole token (the run
  of base64 characters around the core, with its padding) is masked, since its other characters
  encode the rest of the secret's first and last groups.  A core shorter than ``MIN_CORE``
  characters could occur by chance inside ordinary words, so a secret shorter than 8 bytes is found
  in base64 only at the offsets where its core is long enough, and in a Basic header by decoding
  it (url_passwords: any Basic credentials are masked, configured or not).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from .url_passwords import MASK

MIN_CORE = 8  # base64 characters: 6 bytes of the secret
BASE64_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")
_URLSAFE = str.maketrans("+/", "-_")
_STANDARD = str.maketrans("-_", "+/")
MIN_SECRET_LENGTH = 6  # shorter values are masked only as whole tokens: they would mask parts of words
NOTHING = re.compile(r"(?!)")


def _escapes(value: str) -> set[str]:
    """The spellings of `value` once escaped: repr/ascii/JSON (and JSON's optional '\\/'), the %r of
    its bytes (what a driver holds), percent-encoded (an access log's request line, a Referer)."""
    escaped_json = json.dumps(value)[1:-1]
    return {
        value,
        repr(value)[1:-1],
        ascii(value)[1:-1],
        escaped_json,
        escaped_json.replace("/", "\\/"),
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value.encode("utf-8", "backslashreplace"))[2:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
    }


def encoded_bytes(value: str) -> set[bytes]:
    """The bytes a client sends for `value`: UTF-8, or Latin-1 (urllib3's and requests' Basic auth)."""
    forms = {value.encode("utf-8", "backslashreplace")}
    if all(ord(ch) < 256 for ch in value):
        forms.add(value.encode("latin-1"))
    return forms


def secret_forms(value: str) -> set[str]:
    """Every spelling of a secret matched as is: escaped once or twice, and hex."""
    once = _escapes(value)
    hexes = {form for raw in encoded_bytes(value) for form in (raw.hex(), raw.hex().upper())}
    return {form for spelling in once for form in _escapes(spelling)} | hexes


def percent_pattern(value: str) -> str:
    """A regular expression for `value` with any of its characters percent-encoded, in either case of
    hex digit, a space also as '+': how a client's URL carries it. quote() gives one spelling (upper
    case, its own safe set); requests keeps ':@/', others encode every byte or write '%2f'. One spelling
    per client would never be all of them."""
    characters = []
    for character in value:
        encoded = "".join(f"%(?i:{byte:02x})" for byte in character.encode("utf-8"))
        choices = [re.escape(character), encoded, *([r"\+"] if character == " " else [])]
        characters.append(f"(?:{'|'.join(choices)})")
    return "".join(characters)


def base64_cores(value: str, minimum: int = MIN_CORE) -> set[str]:
    """The base64 characters that encode `value` at each offset modulo 3, whatever surrounds it."""
    cores: set[str] = set()
    for raw in encoded_bytes(value):
        for skip in range(3):  # the secret's bytes completing a group begun by its unknown neighbours
            body = raw[skip:]
            core = base64.b64encode(body[: len(body) - len(body) % 3]).decode()
            if len(core) >= minimum:
                cores |= {core, core.translate(_URLSAFE)}
    return cores


def union(words: Iterable[str]) -> str:
    """A regular expression matching any of `words`, the longest where several match, as a trie.

    re tries the alternatives of a flat union one by one at every position of the text: with a
    few hundred forms that costs ~0.5 ms a log line. As a trie it follows one branch per character
    (~30 times faster). A trie too deep for the regex compiler falls back to the flat union.
    """
    ordered = sorted(set(words) - {""}, key=len, reverse=True)
    flat = "|".join(re.escape(word) for word in ordered)
    trie: dict[str, Any] = {}
    for word in ordered:
        node = trie
        for character in word:
            node = node.setdefault(character, {})
        node[""] = {}
    try:
        pattern = _branches(trie)
        re.compile(pattern)
    except (RecursionError, re.error):
        return flat
    return pattern


def _branches(node: dict[str, Any]) -> str:
    literal = []
    while len(node) == 1 and "" not in node:  # a chain without a choice: one literal
        character, node = next(iter(node.items()))
        literal.append(re.escape(character))
    choices = [re.escape(character) + _branches(child) for character, child in sorted(node.items()) if character]
    if not choices:
        return "".join(literal)
    if "" in node:
        choices.append("")  # a word ending here is tried last: the longest match wins
    return "".join(literal) + "(?:" + "|".join(choices) + ")"


class Base64Finder:
    """Masks every base64 token (standard or URL-safe, padded or not) that holds one of the secrets."""

    def __init__(self, secrets: Iterable[str]) -> None:
        secrets = tuple(secrets)
        cores = {core for secret in secrets for core in base64_cores(secret)}
        self.pattern = re.compile(union(cores)) if cores else NOTHING
        # A secret of 6 or 7 bytes has offsets whose core is shorter than MIN_CORE: base64("api:" + a
        # 6-digit PIN) holds none. There a 4-character core marks a candidate token, which is decoded
        # and searched for the secret's bytes (a core that short occurs by chance: never masked alone).
        short = [s for s in secrets if any(MIN_SECRET_LENGTH <= len(raw) < 8 for raw in encoded_bytes(s))]
        partial = {core for secret in short for core in base64_cores(secret, minimum=4)} - cores
        self.partial = re.compile(union(partial)) if partial else NOTHING
        self.decoded = {raw for secret in short for raw in encoded_bytes(secret)}

    def mask(self, text: str) -> str:
        found = [_token(text, *match.span()) for match in self.pattern.finditer(text)]
        candidates = {_token(text, *match.span()) for match in self.partial.finditer(text)}
        found += [span for span in candidates if self._holds_secret(text[span[0] : span[1]])]
        spans: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if spans and start <= spans[-1][1]:  # overlapping or touching: one mask
                previous_start, previous_end = spans.pop()
                start, end = previous_start, max(end, previous_end)
            spans.append((start, end))
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            out += [text[last:start], MASK]
            last = end
        out.append(text[last:])
        return "".join(out)

    def _holds_secret(self, token: str) -> bool:
        """Whether `token`, decoded from any of the four character offsets (it may be glued to other
        text), holds one of the short secrets' bytes."""
        token = token.rstrip("=").translate(_STANDARD)
        for start in range(4):
            chunk = token[start:]
            chunk = chunk[: len(chunk) - 1] if len(chunk) % 4 == 1 else chunk
            try:
                decoded = base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True)
            except ValueError:  # binascii.Error
                continue
            if any(raw in decoded for raw in self.decoded):
                return True
        return False


def _token(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole run of base64 characters around text[start:end], with its padding."""
    while start > 0 and text[start - 1] in BASE64_CHARACTERS:
        start -= 1
    while end < len(text) and text[end] in BASE64_CHARACTERS:
        end += 1
    while end < len(text) and text[end] == "=":
        end += 1
    return start, end
