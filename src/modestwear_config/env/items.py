"""What an item of a list variable must be for its consumer to accept it *at request time*.

A list variable declares ``item_problem``: a function returning what is wrong with one item
(never quoting it: a value in the wrong variable may be a secret), or None.  The reader applies it
to every item, so a value that only looks valid (hosts separated by spaces or ';', a trailing
``# comment`` from a .env line, ``*.example.com``) is an error naming the variable at start-up,
instead of a site that answers 400 to every request while ``check --deploy`` stays silent.
"""

from __future__ import annotations

import ipaddress
import re
from email.utils import getaddresses, parseaddr

from .parsers import check_url

# Django's request-time rule (django.http.request.split_domain_port, validate_host): the Host
# header must be [a-z0-9.-] or a bracketed IPv6 address, lower-cased, its trailing dot dropped,
# and a pattern matches it exactly, or as ".domain" (the domain and its subdomains), or "*".
_LABELS = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*"
_HOST = re.compile(rf"\A(?:\.?{_LABELS}|\[[a-f0-9]*:[a-f0-9.:]+\])\Z", re.IGNORECASE | re.ASCII)
# An origin's host as browsers send it (a CSRF wildcard "*." is allowed before it by origin_problem).
_ORIGIN_HOST = re.compile(r"\A(?:\*\.)?[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*\.?\Z", re.IGNORECASE | re.ASCII)
_SEPARATORS = re.compile(r"[\s;#'\"|]")
_GLUED_URL = re.compile(r"[;|]\s*[A-Za-z][A-Za-z0-9+.-]*://")
SEPARATED = "got an item holding spaces, ';', '#', '|' or quotes: separate items with commas only, and put a comment on a line of its own"


def host_problem(host: str) -> str | None:
    """Why Django would never match `host` (an ALLOWED_HOSTS pattern) against a request's Host."""
    if host == "*":
        return None
    if _SEPARATORS.search(host):
        return f"expected host names, {SEPARATED}"
    if "/" in host or "@" in host or (":" in host and not (host.startswith("[") and host.endswith("]"))):
        # Django drops the port of the request's Host before matching; IPv6 needs brackets.
        return "expected host names (like example.com or .example.com), got a URL, path or port"
    if host.startswith("*."):
        return "expected .example.com for a domain and its subdomains: Django reads *.example.com literally"
    if not host.isascii():
        return "expected ASCII host names: write an internationalised one in its xn-- (punycode) form"
    if host.endswith(".") and len(host) > 1:
        return "expected host names without a trailing dot (Django drops it from the request's Host)"
    if not _HOST.match(host):
        return "expected host names of letters, digits, '-' and '.' (like example.com): no request can match this one"
    if not host.startswith("[") and (len(host.strip(".")) > 253 or any(len(label) > 63 for label in host.split("."))):
        return "expected host names of at most 253 characters, each label at most 63: DNS has no longer ones"
    return None


def origin_host_problem(netloc: str) -> str | None:
    """Why no browser's Origin header would hold this host (an origin's netloc, its port dropped) as
    written: browsers send ASCII (an internationalised name in its xn-- form), labels of 1 to 63 letters,
    digits, '-' or '_', or a bracketed IPv6 address; spaces, ';', '#' or quotes are items glued together."""
    hostname = re.sub(r":[0-9]*\Z", "", netloc)
    if _SEPARATORS.search(hostname):
        return f"expected origins, {SEPARATED}"
    if not hostname.isascii():
        return "expected ASCII origins: browsers send an internationalised host in its xn-- (punycode) form"
    if hostname.startswith("[") and hostname.endswith("]"):
        try:
            ipaddress.IPv6Address(hostname[1:-1])
        except ValueError:
            return "expected origins with a host name or a bracketed IPv6 address"
        return None
    if not _ORIGIN_HOST.match(hostname):
        return "expected origins whose host is labels of 1 to 63 letters, digits, '-' or '_' (like app.example.com)"
    return None


def network_problem(item: str) -> str | None:
    """Why gunicorn would refuse `item` in forwarded_allow_ips: it reads each with ipaddress.ip_network,
    strictly (10.0.0.1/8, host bits set, stops it at start-up)."""
    if item == "*":
        return None
    try:
        ipaddress.ip_network(item)
    except ValueError:
        if _SEPARATORS.search(item):
            return f"expected IP addresses or networks, {SEPARATED}"
        return "expected IP addresses or networks (like 10.0.0.0/8,::1; no host bits set after the /), or * alone"
    return None


def url_problem(item: str) -> str | None:
    """Why `item` is not one URL: unparsable, without a scheme, holding whitespace, or two glued by ';'."""
    try:
        check_url(item)
    except ValueError as exc:
        return str(exc)
    if _GLUED_URL.search(item):
        return "expected one URL per item, got two joined by ';' or '|': separate URLs with commas"
    return None


def mailbox_problem(value: str) -> str | None:
    """Why `value` is not one From address ("Shop <no-reply@example.com>" or the address alone). Django
    sends "apikey" (SendGrid's SMTP user) as a From address, which the server refuses at every send,
    and raises ValueError for two addresses: both in the request that sends the mail."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        return "expected one email address (like Shop <no-reply@example.com>)"
    return None if len(getaddresses([value])) == 1 else "expected one email address, got several"


def mail_host_problem(host: str) -> str | None:
    """Why smtplib could never connect to `host`: Django passes EMAIL_PORT beside it, so a host written
    as a URL or with its port is looked up as a name, and every send fails."""
    if "://" in host:
        return "expected a host name (like smtp.example.com), got a URL: TLS is EMAIL_USE_TLS / EMAIL_USE_SSL"
    if host.count(":") == 1 or _SEPARATORS.search(host) or any(ch in host for ch in "/@[]"):
        return "expected a host name (like smtp.example.com) without a port, path or user: the port is EMAIL_PORT"
    return None


# botocore's rule for region_name (validate_region_name): anything else is InvalidRegionError when the
# client is made, at the first upload or the first mail, not at start-up.
_REGION = re.compile(r"(?![0-9]+\Z)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")


def region_problem(region: str) -> str | None:
    """Why botocore would refuse `region` as a region_name."""
    if _REGION.fullmatch(region):
        return None
    return "expected a region name (like eu-central-1: letters, digits and '-', not digits alone)"
