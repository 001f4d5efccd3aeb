"""Where a secret hides in a connection string, found the way its consumers parse it: one source.

The doctor (``manage.py config``, ``--json``), the log formatter and the DEBUG
error pages all mask what ``secret_spans`` finds:

- the password of ``user:password@`` (or a token-only user info), up to the
  *last* ``@`` of the URL: libpq stops user info at ``@``, not at ``?`` or
  ``#``, so a password may hold any of them unencoded;
- query (and fragment) parameters whose name looks secret (``?password=`` is read by
  libpq and redis-py; ``sslpassword``, ``token``, ``api_secret``, ``#access_token=``...);
- every URL of a list: django-redis takes comma-separated LOCATIONs, kombu
  ``;``-separated failover brokers, libpq ``host1,host2`` (one user info for
  all), CACHES_EXTRA ``name=URL`` entries; a new URL starts only where
  ``scheme://`` (or ``name=scheme://``) follows the separator, so a password
  holding ``,`` or ``;`` stays inside its URL.

In free text, also HTTP Basic credentials (``Basic base64(user:password)``, as a client library
builds the header), whatever their source: they always carry a password.

Over-redacting beats leaking: a ``@`` in a query string masks up to it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import NamedTuple
from urllib.parse import unquote

MASK = "***"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# A new URL of a list: a separator, optional spaces, then scheme:// (or name=scheme://, as in CACHES_EXTRA).
_NEXT_URL = re.compile(r"[,;]\s*(?=(?:[A-Za-z_][A-Za-z0-9_]*=)?[A-Za-z][A-Za-z0-9+.-]*://)")
# What ends a URL inside free text (a log line, an HTML page): never part of a valid URL.
_URL_END = re.compile(r"[\s<>\"'`]")
SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|cred|sig", re.IGNORECASE)
# libpq keyword/value connection strings in free text ("host=db password='s e'"), e.g. a frame's conninfo.
# HTTP Basic credentials in free text: a header line, a repr of a headers dict, an error report.
_BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/_-]{4,}={0,2})", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"\b(?:ssl)?pass(?:word|wd)?\s*=\s*('(?:[^'\\]|\\.)*'|[^\s'\"&;,]+)", re.IGNORECASE)


class Span(NamedTuple):
    start: int
    end: int
    password: bool  # False: a token-only user info (may be a mere user name, never scrubbed from logs)


def secret_spans(text: str, embedded: bool = False, merged: bool = True) -> list[Span]:
    """Every place of `text` a consumer would read a secret from, left to right.

    `embedded`: URLs inside free text (a log line, a page), which end at a
    space or a quote; a configured value is one URL (list) from end to end.
    """
    # In free text every scheme:// starts a URL (each ends at a space or quote anyway).
    starts = (m.start() for m in (_SCHEME if embedded else _NEXT_URL).finditer(text))
    cuts = [0, *starts, len(text)]
    spans: list[Span] = []
    for start, end in pairwise(cuts):
        scheme = _SCHEME.search(text, start, end)
        if scheme is not None:
            stop = _URL_END.search(text, scheme.end(), end) if embedded else None
            spans += _url_spans(text, scheme.end(), stop.start() if stop else end, embedded)
    if embedded:
        spans += [Span(m.start(1), m.end(1), True) for m in _KEYWORD_PASSWORD.finditer(text)]
        spans += [Span(m.start(1), m.end(1), True) for m in _BASIC.finditer(text) if _is_credentials(m.group(1))]
    return _merged(sorted(spans)) if merged else spans


def _is_credentials(token: str) -> bool:
    """True when `token` is base64 (standard or URL-safe) of user:password, as HTTP Basic sends it."""
    padded = token.rstrip("=").translate(str.maketrans("-_", "+/"))
    try:
        decoded = base64.b64decode(padded + "=" * (-len(padded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def _merged(spans: list[Span]) -> list[Span]:
    """Overlapping spans as one (a '?' or '@' inside a password makes user info and query overlap)."""
    out: list[Span] = []
    for span in spans:
        if out and span.start <= out[-1].end:
            last = out.pop()
            span = Span(last.start, max(last.end, span.end), last.password or span.password)
        out.append(span)
    return out


def _url_spans(text: str, start: int, end: int, embedded: bool = False) -> Iterator[Span]:
    """The spans of one URL whose authority starts at `start` (just after '://'), by each parser's rule.

    libpq: user info runs to the last '@'.  urlsplit (redis-py, kombu): the
    authority ends at the first '/', '?' or '#', user info at its last '@'.
    The query starts at the first '?', or (libpq) at the first after the user info.
    In free text, where a URL need not be valid: a ':' anywhere before the last
    '@' masks everything between them, so a password holding an unencoded '/',
    '?', '#' or '@' never shows ("http://h:8000/@shop" loses its port: over-
    redacting beats leaking a URL that is not a configured secret); without one,
    urlsplit's rule ("https://x.com/@shop" in an access log is no user info).
    """
    netloc_end = min((i for i in (text.find(c, start, end) for c in "/?#") if i != -1), default=end)
    last_at = text.rfind("@", start, end)
    ats = {text.rfind("@", start, netloc_end)}
    if not embedded or text.find(":", start, max(last_at, start)) != -1:
        ats.add(last_at)
    ats.discard(-1)
    for at in ats:
        colon = text.find(":", start, at)
        if colon != -1:
            yield Span(colon + 1, at, True)
        elif at > start:
            yield Span(start, at, False)
    queries = {text.find("?", start, end), *(text.find("?", at + 1, end) for at in ats)} - {-1}
    # The fragment's parameters too: an OAuth redirect carries #access_token=..., and a client that
    # builds or logs it reads them as a query's.
    queries |= {text.find("#", start, end), *(text.find("#", at + 1, end) for at in ats)} - {-1}
    for query in queries:
        yield from _query_spans(text, query, end)


def _query_spans(text: str, query: int, end: int) -> Iterator[Span]:
    """The secret-named parameters after text[query] (a '?' or a '#'), up to the fragment or `end`."""
    fragment = text.find("#", query + 1, end)
    position = query + 1
    for pair in text[position : fragment if fragment != -1 else end].split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and SECRET_PARAMETER.search(unquote(name)):
            yield Span(position + len(name) + 1, position + len(pair), True)
        position += len(pair) + 1


def redact(text: str, embedded: bool = False) -> str:
    """`text` with every secret span replaced by ***; an empty user with a password masks both."""
    out, last = [], 0
    for span in secret_spans(text, embedded):
        start = span.start
        if span.password and text[start - 1] == ":" and text[start - 3 : start - 1] == "//":
            start -= 1  # scheme://:password@ -> scheme://***@
        out += [text[last:start], MASK]
        last = span.end
    out.append(text[last:])
    return "".join(out)


def passwords(text: str) -> Iterator[str]:
    """Each password `text` holds, as written and percent-decoded (a library may log either).

    One holding a list separator also in pieces: a consumer that splits the
    list (django-redis, kombu, our list variables) may log a piece alone.  One
    holding '/', '?' or '#' also cut there: urlsplit (dj-database-url, redis-py)
    ends the authority at the first of them, so a setting built from the URL
    (a database NAME, a path) can hold the password's first part alone.
    """
    for span in {*secret_spans(text), *secret_spans(text, merged=False)}:
        if span.password and span.end > span.start:
            value = text[span.start : span.end]
            for form in (value, unquote(value)):
                yield form
                yield from (piece for piece in re.split(r"[,;/?#]", form) if piece and piece != form)


def redact_url(url: str) -> str:
    """A URL (or a list of URLs) with every password replaced by ***."""
    return redact(url)
