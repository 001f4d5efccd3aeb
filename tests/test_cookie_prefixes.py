"""W074: a __Secure- or __Host- cookie name whose cookie breaks its prefix's rule. Browsers drop such a
cookie, so a session or CSRF cookie never comes back and no login succeeds (found porting a project that
names its session cookie __Secure-sessionid, under LOCAL_HTTP). The rule is checked against Chromium."""

from __future__ import annotations

import http.server
import itertools
import threading
from collections.abc import Iterator

import pytest
from django.core.checks import run_checks

from modestwear_config.concerns.security import COOKIES, cookie_prefix_problem
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

W074 = "modestwear_config.W074"
CASES = list(itertools.product(("plain-", "__Secure-", "__Host-"), (True, False), (None, "localhost"), ("/", "/app")))


@pytest.mark.parametrize("cookie", COOKIES)
@pytest.mark.parametrize(("prefix", "secure", "domain", "path"), CASES)
def test_check__warns_exactly_when_the_prefix_rule_is_broken(settings, cookie, prefix, secure, domain, path):
    setattr(settings, f"{cookie}_NAME", f"{prefix}{cookie.lower()}")
    setattr(settings, f"{cookie}_SECURE", secure)
    setattr(settings, f"{cookie}_DOMAIN", domain)
    setattr(settings, f"{cookie}_PATH", path)
    found = [m for m in run_checks() if m.id == W074]
    expected = cookie_prefix_problem(f"{prefix}x", secure, domain, path)
    assert [m.obj for m in found] == ([f"{cookie}_NAME"] if expected else [])
    if expected:
        assert f"{cookie}_NAME starts with {prefix}" in found[0].msg and expected in found[0].msg


def test_check__the_librarys_own_names_are_quiet():
    assert W074 not in [m.id for m in run_checks()]


# -- the rule, against a real browser ---------------------------------------------------------------
def set_cookie_header(name: str, secure: bool, domain: str | None, path: str) -> str:
    return f"{name}=1; Path={path}" + ("; Secure" if secure else "") + (f"; Domain={domain}" if domain else "")


class CookieSetter(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        for index, (prefix, secure, domain, path) in enumerate(CASES):
            self.send_header("Set-Cookie", set_cookie_header(f"{prefix}c{index}", secure, domain, path))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cookie_setter() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CookieSetter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}"  # a name: Domain=127.0.0.1 reads as host-only
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
@pytest.mark.browser
def test_rule__matches_what_chromium_keeps(cookie_setter):
    """Over http://localhost (a secure context to Chromium), so Secure itself is no reason to drop a cookie
    there: what is dropped is what the prefixes forbid, and cookie_prefix_problem says so."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.new_page().goto(f"{cookie_setter}/app/")
            kept = {cookie["name"] for cookie in context.cookies()}
        finally:
            browser.close()
    for index, (prefix, secure, domain, path) in enumerate(CASES):
        name = f"{prefix}c{index}"
        dropped_by_prefix = cookie_prefix_problem(name, secure, domain, path) is not None
        if prefix == "plain-":
            continue  # no prefix: kept or not for other reasons (a Path the page is not under), not ours
        assert (name not in kept) == dropped_by_prefix, (name, secure, domain, path, sorted(kept))
