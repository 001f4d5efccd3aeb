"""A real browser across origins: the frontend (Vercel's stand-in) calls the API with credentials,
and the admin login works behind a TLS-terminating proxy that sets X-Forwarded-Proto (Render's set-up).

Headless Debian Chromium driven by Playwright; skipped where Chromium is absent, failed in CI.
"""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import REQUIRE_SERVICES, Gunicorn, manage, project_env
from tests.support.tls_proxy import TLSProxy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
ADMIN = {"username": "browser-admin", "email": "browser-admin@example.com", "password": "Tr1cky-Browser-Pass!"}
FRONTEND_PAGE = """<!doctype html><title>frontend</title><script>
window.apiResult = fetch(new URLSearchParams(location.search).get("api") + "/api/hello/", {credentials: "include"})
  .then(r => r.json()).then(j => "ok:" + j.hello, e => "blocked:" + e.name);
</script>"""


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"Chromium is not installed at {CHROMIUM} (Debian packages chromium, chromium-driver)"
    if REQUIRE_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


class _FrontendHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = FRONTEND_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def frontend() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FrontendHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, frontend: int) -> Iterator[tuple[Gunicorn, TLSProxy]]:
    """The example project in production mode under gunicorn (sync workers), behind the TLS proxy."""
    require_chromium()
    import trustme

    base = tmp_path_factory.mktemp("browser-site")
    env = project_env(
        {
            "SECRET_KEY": "browser-" + "Kx9-" * 14,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BASE_DIR": str(base),
            "CORS_ALLOWED_ORIGINS": f"http://localhost:{frontend}",
            "GUNICORN_THREADS": "1",
            "WEB_CONCURRENCY": "2",
            "DJANGO_SUPERUSER_USERNAME": ADMIN["username"],
            "DJANGO_SUPERUSER_EMAIL": ADMIN["email"],
            "DJANGO_SUPERUSER_PASSWORD": ADMIN["password"],
        },
        debug=False,
    )
    for step in (("migrate", "--no-input"), ("collectstatic", "--no-input"), ("createsuperuser", "--no-input")):
        result = manage(*step, env=env)
        assert result.returncode == 0, result.stderr
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.cert_chain_pems[0].write_to_path(str(base / "cert.pem"))
    cert.private_key_pem.write_to_path(str(base / "key.pem"))
    with Gunicorn(env) as server, TLSProxy(server.port, base / "cert.pem", base / "key.pem") as proxy:
        yield server, proxy


@pytest.fixture(scope="module")
def browser(site: tuple[Gunicorn, TLSProxy]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def fetch_from_origin(browser: object, origin: str, api: str) -> str:
    context = browser.new_context(ignore_https_errors=True)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(f"{origin}/?api={api}")
        return str(page.evaluate("window.apiResult"))
    finally:
        context.close()


def test_cors__allowed_origin_reads_the_api_with_credentials(browser, site, frontend):
    _, proxy = site
    assert fetch_from_origin(browser, f"http://localhost:{frontend}", proxy.base_url) == "ok:modestwear"


def test_cors__other_origin_is_blocked(browser, site, frontend):
    _, proxy = site
    result = fetch_from_origin(browser, f"http://127.0.0.1:{frontend}", proxy.base_url)
    assert result.startswith("blocked:"), result


def test_admin_login__through_tls_proxy(browser, site):
    _, proxy = site
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        response = page.goto(f"{proxy.base_url}/admin/login/")
        assert response.status == 200
        assert response.request.redirected_from is None  # no redirect loop behind the proxy
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        page.fill("#id_username", ADMIN["username"])
        page.fill("#id_password", ADMIN["password"])
        with page.expect_navigation():
            page.click("input[type=submit]")
        assert page.url == f"{proxy.base_url}/admin/"  # the CSRF check passed and we are in
        assert "Site administration" in page.content()
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]
        assert cookies["csrftoken"]["secure"]
    finally:
        context.close()


def test_plain_http__redirects_to_https_but_health_probe_does_not(site):
    server, _ = site
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(f"{server.base_url}/admin/login/", timeout=5)
    redirected.value.close()
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"].startswith("https://")
    with opener.open(f"{server.base_url}/healthz", timeout=5) as response:
        assert response.status == 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
