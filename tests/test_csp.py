"""Content Security Policy (Django >= 6.0) from the environment: the policy, the nonce, the origins the
library configures; on 5.2 nothing is sent and W050 says why. A real browser checks the admin under the
enforced policy and an inline script without the nonce, blocked and reported."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import django
import pytest
from django.test import override_settings

from modestwear_config.concerns import CONCERNS, csp
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.env import Env
from tests.support.servers import ROOT, Gunicorn, manage, project_env
from tests.support.tls_proxy import TLSProxy

needs_csp = pytest.mark.skipif(django.VERSION < (6, 0), reason="Django's CSP came in 6.0")
MIDDLEWARE = "django.middleware.csp.ContentSecurityPolicyMiddleware"
PROCESSOR = "django.template.context_processors.csp"


def build(tmp_path, **environ: str) -> dict:
    return build_settings(*CONCERNS, env=Env({"DEBUG": "true", "BASE_DIR": str(tmp_path), **environ}))


@needs_csp
def test_csp__report_only_by_default_with_the_nonce(tmp_path):
    settings = build(tmp_path)
    policy = settings["SECURE_CSP_REPORT_ONLY"]
    assert settings["SECURE_CSP"] == {}
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'", "<CSP_NONCE_SENTINEL>"]
    assert policy["frame-ancestors"] == ["'none'"]
    middleware = settings["MIDDLEWARE"]
    assert middleware.index("django.middleware.security.SecurityMiddleware") < middleware.index(MIDDLEWARE)
    assert PROCESSOR in settings["TEMPLATES"][0]["OPTIONS"]["context_processors"]


@needs_csp
def test_csp__enforce_and_the_origins_the_library_configures(tmp_path):
    settings = build(
        tmp_path,
        CSP_MODE="enforce",
        CLOUDINARY_URL="cloudinary://123456:abcdef@democloud",
        FRONTEND_URL="https://modestwear-app.vercel.app",
        STATIC_URL="https://cdn.example.com/static/",
        CSP_REPORT_URI="https://reports.example.com/csp",
        CSP_IMG_SRC="https://images.example.com,*.gravatar.com",
    )
    policy = settings["SECURE_CSP"]
    assert settings["SECURE_CSP_REPORT_ONLY"] == {}
    assert "https://res.cloudinary.com" in policy["img-src"] and "https://res.cloudinary.com" in policy["media-src"]
    assert policy["connect-src"] == ["'self'", "https://modestwear-app.vercel.app"]
    assert "https://cdn.example.com" in policy["script-src"] and "https://cdn.example.com" in policy["style-src"]
    assert policy["img-src"][-2:] == ["https://images.example.com", "*.gravatar.com"]
    assert policy["report-uri"] == ["https://reports.example.com/csp"]


@needs_csp
def test_csp__off_adds_nothing(tmp_path):
    settings = build(tmp_path, CSP_MODE="off")
    assert settings["SECURE_CSP"] == settings["SECURE_CSP_REPORT_ONLY"] == {}
    assert MIDDLEWARE not in settings["MIDDLEWARE"]
    assert PROCESSOR not in settings["TEMPLATES"][0]["OPTIONS"]["context_processors"]


@pytest.mark.parametrize(
    "value",
    ["https://a.example; script-src *", "https://a.example https://b.example", "'unsafe-anything'", "java script:"],
)
def test_csp__a_source_that_would_change_the_policy_is_refused(value):
    env = Env({"CSP_SCRIPT_SRC": value})
    csp.csp_settings(env)
    assert "CSP_SCRIPT_SRC" in env.problems


@pytest.mark.skipif(django.VERSION >= (6, 0), reason="Django 5.2 only")
def test_csp__django_5_2_sends_nothing_and_w050_says_why(tmp_path, monkeypatch):
    from modestwear_config.concerns.assemble import BUILT

    settings = build(tmp_path, CSP_MODE="enforce")
    assert not any(name.startswith("SECURE_CSP") for name in settings)
    assert MIDDLEWARE not in settings["MIDDLEWARE"]
    monkeypatch.setattr(BUILT, "env", Env({"CSP_MODE": "enforce"}))
    assert [m.id for m in csp.check_csp_available()] == ["modestwear_config.W050"]
    monkeypatch.setattr(BUILT, "env", Env({}))  # the default asks for nothing it cannot give
    assert csp.check_csp_available() == []
    env = Env({})
    csp.csp_settings(env)
    assert env.derived["CSP_MODE"][0] == "off"  # what the doctor shows in force


@needs_csp
def test_csp__nonce_reaches_templates_and_the_header(client, settings):
    built = build_settings(*CONCERNS, env=Env({"DEBUG": "true", "CSP_MODE": "enforce"}))
    with override_settings(
        SECURE_CSP=built["SECURE_CSP"],
        MIDDLEWARE=built["MIDDLEWARE"],
        TEMPLATES=built["TEMPLATES"],
        ROOT_URLCONF="tests.csp_site.urls",  # a page whose template uses the nonce (6.0's admin does not)
    ):
        response = client.get("/csp-demo/")
    header = response["Content-Security-Policy"]
    nonce = header.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.content.decode()


# -- a real browser ----------------------------------------------------------------------------------
ADMIN = {"username": "csp-admin", "email": "csp-admin@example.com", "password": "Tr1cky-Csp-Pass!"}


class _Reports(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Reports.received.append(json.loads(body or b"{}"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def report_sink() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Reports)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/csp-report"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def csp_site(tmp_path_factory, report_sink) -> Iterator[TLSProxy]:
    """Production mode, CSP enforced, behind the TLS proxy (as on a platform)."""
    if django.VERSION < (6, 0):
        pytest.skip("Django's CSP came in 6.0")
    from tests.test_browser import require_chromium

    require_chromium()
    import trustme

    base = tmp_path_factory.mktemp("csp-site")
    env = project_env(
        {
            "SECRET_KEY": "csp-site-" + "Kx9-" * 14,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BASE_DIR": str(base),
            "CSP_MODE": "enforce",
            "CSP_REPORT_URI": report_sink,
            "GUNICORN_THREADS": "1",  # sync workers: the TLS proxy adds its header once per connection
            "DJANGO_SETTINGS_MODULE": "tests.csp_site.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'example_project'}",
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
        yield proxy


@pytest.fixture
def page(csp_site):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(ignore_https_errors=True)
        page = context.new_page()
        page.violations = []  # type: ignore[attr-defined]
        page.on("console", lambda m: "Content Security Policy" in m.text and page.violations.append(m.text))
        yield page
        browser.close()


@pytest.mark.slow
@pytest.mark.browser
def test_browser__admin_works_under_the_enforced_policy(page, csp_site):
    response = page.goto(f"{csp_site.base_url}/admin/login/")
    assert "'nonce-" in response.headers["content-security-policy"]
    page.fill("#id_username", ADMIN["username"])
    page.fill("#id_password", ADMIN["password"])
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == f"{csp_site.base_url}/admin/"
    page.goto(f"{csp_site.base_url}/admin/auth/user/")  # the changelist: its scripts and styles
    page.wait_for_load_state("networkidle")
    assert "Select user to change" in page.content()
    assert page.violations == []


@pytest.mark.slow
@pytest.mark.browser
def test_browser__inline_script_without_the_nonce_is_blocked_and_reported(page, csp_site):
    _Reports.received.clear()
    page.goto(f"{csp_site.base_url}/csp-demo/")
    assert page.evaluate("window.withNonce") == "ran"
    assert page.evaluate("window.withoutNonce === undefined")
    assert any("script" in v for v in page.violations), page.violations
    page.wait_for_timeout(1500)  # browsers send reports asynchronously
    reports = [r.get("csp-report", {}) for r in _Reports.received]
    assert any(r.get("violated-directive", "").startswith("script-src") for r in reports), _Reports.received
