"""Each platform simulated end to end: its variables set as it sets them (host, PORT, region, commit), exactly
the build, release and start commands its recipe names run on a fresh copy of the example project (no
Docker daemon here: the Dockerfile's RUN step runs in this venv), a local TLS-terminating proxy in front
sending that platform's forwarded headers, and /healthz, /health, an admin login and a static file probed
through it on the platform's public host name."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.support.servers import free_port, fresh_postgres_database, stop_process_group, wait_for_http
from tests.support.tls_proxy import TLSProxy
from tests.test_deploy import fresh_copy, readme_environment
from tests.test_recipes import fly, heroku, render_free

pytestmark = [pytest.mark.slow, pytest.mark.services]
STRONG_KEY = "simulated-platform-" + "Zq7-pW2-" * 6
PASSWORD = "Sim-Admin-Pw-8s2Kq"

# What each platform's router adds to a request (the sources are in docs/platforms.md):
# Render https://render.com/docs/web-services#connecting-to-your-web-service (X-Forwarded-*),
# Heroku https://devcenter.heroku.com/articles/http-routing#heroku-headers,
# Fly.io https://fly.io/docs/networking/request-headers/.
PLATFORMS: dict[str, tuple[dict[str, str], dict[str, str], Callable[[], dict[str, list[str]]]]] = {
    "render": (
        {
            "RENDER": "true",
            "RENDER_EXTERNAL_HOSTNAME": "modestwear.onrender.com",
            "RENDER_GIT_COMMIT": "9f2c1e07",
            "RENDER_INSTANCE_ID": "srv-d1-abcde",
            "RENDER_SERVICE_ID": "srv-d1",
        },
        {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "X-Request-Start": "1765000000000"},
        render_free,
    ),
    "fly": (
        {
            "FLY_APP_NAME": "modestwear",
            "FLY_REGION": "cdg",
            "FLY_MACHINE_ID": "148ed193b95089",
            "FLY_IMAGE_REF": "registry.fly.io/modestwear:deployment-01J",
            "FLY_PROCESS_GROUP": "app",
        },
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Ssl": "on",
            "X-Forwarded-Port": "443",
            "X-Forwarded-For": "203.0.113.7",
            "Fly-Client-IP": "203.0.113.7",
            "Fly-Forwarded-Port": "443",
            "Fly-Region": "cdg",
            "Via": "2 fly.io",
        },
        fly,
    ),
    "heroku": (
        {
            "DYNO": "web.1",
            "HEROKU_APP_NAME": "modestwear",
            "HEROKU_APP_DEFAULT_DOMAIN_NAME": "modestwear-1a2b3c.herokuapp.com",
            "HEROKU_SLUG_COMMIT": "c0ffee42",
        },
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Port": "443",
            "X-Forwarded-For": "203.0.113.7",
            "X-Request-Id": "5a1b2c3d",
            "X-Request-Start": "1765000000000",
            "Via": "1.1 vegur",
        },
        heroku,
    ),
}
RELEASE_LINES = {
    "render": "Render (release 9f2c1e07)",
    "fly": "Fly.io (release registry.fly.io/modestwear:deployment-01J, region cdg)",
    "heroku": "Heroku (release c0ffee42)",
}
PUBLIC = {
    "render": "modestwear.onrender.com",
    "fly": "modestwear.fly.dev",
    "heroku": "modestwear-1a2b3c.herokuapp.com",
}


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    import trustme

    base = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    (base / "cert.pem").write_bytes(b"".join(pem.bytes() for pem in cert.cert_chain_pems))  # leaf and chain
    cert.private_key_pem.write_to_path(str(base / "key.pem"))
    ca.cert_pem.write_to_path(str(base / "ca.pem"))
    return base / "cert.pem", base / "key.pem", base / "ca.pem"


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


def run_phase(command: str, root: Path, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", "-c", command], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_simulated_deploy__probes_login_and_static_through_the_platform_proxy(
    platform: str, tmp_path: Path, database: str, tls_files: tuple[Path, Path, Path]
) -> None:
    variables, headers, recipe = PLATFORMS[platform]
    host = PUBLIC[platform]
    root = tmp_path / "repo"
    root.mkdir()
    fresh_copy(root)  # root/example_project, as the repository lays it out
    port = free_port()
    runtime = readme_environment(
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL=database,
        PORT=str(port),
        WEB_CONCURRENCY="1",  # this machine is small; the platform's limits decide in production
        DJANGO_SUPERUSER_EMAIL="boss@example.com",
        DJANGO_SUPERUSER_USERNAME="boss",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        **variables,
    )
    commands = recipe()
    build_env = readme_environment(DEBUG="false")  # an image build has none of the runtime's secrets
    for command in commands.get("build", []):
        run_phase(command, root, build_env)
    for command in commands.get("release", []):
        run_phase(command, root, {**runtime, **({"DYNO": "release.1"} if platform == "heroku" else {})})
    [start] = commands["start"]
    log = tempfile.NamedTemporaryFile(prefix=f"mwc-{platform}-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        ["bash", "-c", start], cwd=root, env=runtime, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )

    def output() -> str:
        return Path(log.name).read_text(errors="replace")

    def alive() -> None:
        if server.poll() is not None:
            raise AssertionError(f"{start} exited with {server.returncode}:\n{output()}")

    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", 180, alive=alive)
        cert, key, ca = tls_files
        with TLSProxy(port, cert, key, headers=headers) as proxy:
            session = requests.Session()
            session.headers["Host"] = host
            session.headers["Connection"] = "close"  # the proxy adds its headers to the first request of a connection
            session.verify = str(ca)
            session.trust_env = False  # else REQUESTS_CA_BUNDLE would win over session.verify (requests #3829)
            base = proxy.base_url
            assert session.get(f"{base}/healthz", timeout=10).status_code == 200
            health = session.get(f"{base}/health", timeout=10)
            assert health.status_code == 200 and health.json()["status"] == "ok"
            static = session.get(f"{base}/static/admin/css/base.css", timeout=10)
            assert static.status_code == 200 and "text/css" in static.headers["Content-Type"]
            form = session.get(f"{base}/admin/login/?next=/admin/", timeout=10)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            assert form.status_code == 200 and token is not None
            admin = session.post(
                f"{base}/admin/login/?next=/admin/",
                data={
                    "csrfmiddlewaretoken": token.group(1),
                    "username": "boss",
                    "password": PASSWORD,
                    "next": "/admin/",
                },
                headers={"Origin": f"https://{host}"},  # the browser's: same origin through the platform's host
                timeout=10,
            )
            assert admin.status_code == 200 and "Site administration" in admin.text, admin.text[:500]
            assert proxy.requests_seen >= 6
        # Without the proxy's X-Forwarded-Proto the same request is plain HTTP: redirected to HTTPS.
        plain = requests.get(
            f"http://127.0.0.1:{port}/admin/", headers={"Host": host}, allow_redirects=False, timeout=10
        )
        assert plain.status_code == 301 and plain.headers["Location"] == f"https://{host}/admin/"
        assert f"Public URL: https://{host}/" in output()
        assert f"Platform: {RELEASE_LINES[platform]}" in output()
        assert PASSWORD not in output() and STRONG_KEY not in output()
    finally:
        stop_process_group(server, timeout=20)
        log.close()
        Path(log.name).unlink(missing_ok=True)
