"""Each platform simulated end to end: its variables set as it sets them (host, PORT, region, commit), exactly
the build, release and start commands its recipe names run on a fresh copy of the example project (no
Docker daemon here: the Dockerfile's RUN step runs in this venv), a local TLS-terminating proxy in front
sending that platform's forwarded headers, and /healthz, /health, an admin login and a static file probed
through it on the platform's public host name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.servers import (
    ROOT,
    RedisServer,
    explicit_sqlite,
    free_port,
    fresh_postgres_database,
    stop_process_group,
    wait_for_http,
)
from tests.support.tls_proxy import TLSProxy
from tests.test_deploy import fresh_copy, readme_environment
from tests.test_recipes import (
    azure,
    celery_commands,
    cloud_run,
    digitalocean,
    fly,
    heroku,
    kubernetes,
    railway,
    render_free,
    yaml_docs,
)

pytestmark = [pytest.mark.slow, pytest.mark.services]
STRONG_KEY = "simulated-platform-" + "Zq7-pW2-" * 6
PASSWORD = "Sim-Admin-Pw-8s2Kq"


@dataclass(frozen=True)
class Simulated:
    variables: dict[str, str]  # what the platform sets
    headers: dict[str, str]  # what its proxy adds to each request
    recipe: Callable[[], dict[str, list[str]]]
    host: str  # the public host name requests arrive with
    platform_line: str  # deploy.sh's "Platform: ..." line ("" where none is detected)


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
# What each platform's router adds to a request:
# Render https://render.com/docs/web-services#connecting-to-your-web-service (X-Forwarded-*),
# Heroku https://devcenter.heroku.com/articles/http-routing#heroku-headers,
# Fly.io https://fly.io/docs/networking/request-headers/,
# Railway https://docs.railway.com/guides/public-networking (X-Real-IP, X-Forwarded-*),
# Cloud Run https://cloud.google.com/run/docs/container-contract (X-Forwarded-Proto, X-Cloud-Trace-Context),
# Azure https://learn.microsoft.com/en-us/azure/app-service/configure-language-python#detect-https-session,
# DigitalOcean https://docs.digitalocean.com/products/app-platform/ (do-connecting-ip),
# ingress-nginx https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/.
PLATFORMS: dict[str, Simulated] = {
    "render": Simulated(
        {
            "RENDER": "true",
            "RENDER_EXTERNAL_HOSTNAME": "modestwear.onrender.com",
            "RENDER_GIT_COMMIT": "9f2c1e07",
            "RENDER_INSTANCE_ID": "srv-d1-abcde",
            "RENDER_SERVICE_ID": "srv-d1",
        },
        {**FORWARDED, "X-Request-Start": "1765000000000"},
        render_free,
        "modestwear.onrender.com",
        "Render (release 9f2c1e07)",
    ),
    "fly": Simulated(
        {
            "FLY_APP_NAME": "modestwear",
            "FLY_REGION": "cdg",
            "FLY_MACHINE_ID": "148ed193b95089",
            "FLY_IMAGE_REF": "registry.fly.io/modestwear:deployment-01J",
            "FLY_PROCESS_GROUP": "app",
        },
        {
            **FORWARDED,
            "X-Forwarded-Ssl": "on",
            "X-Forwarded-Port": "443",
            "Fly-Client-IP": "203.0.113.7",
            "Fly-Forwarded-Port": "443",
            "Fly-Region": "cdg",
            "Via": "2 fly.io",
        },
        fly,
        "modestwear.fly.dev",
        "Fly.io (release registry.fly.io/modestwear:deployment-01J, region cdg)",
    ),
    "heroku": Simulated(
        {
            "DYNO": "web.1",
            "HEROKU_APP_NAME": "modestwear",
            "HEROKU_APP_DEFAULT_DOMAIN_NAME": "modestwear-1a2b3c.herokuapp.com",
            "HEROKU_SLUG_COMMIT": "c0ffee42",
        },
        {**FORWARDED, "X-Forwarded-Port": "443", "X-Request-Id": "5a1b2c3d", "Via": "1.1 vegur"},
        heroku,
        "modestwear-1a2b3c.herokuapp.com",
        "Heroku (release c0ffee42)",
    ),
    "railway": Simulated(
        {
            "RAILWAY_ENVIRONMENT": "production",
            "RAILWAY_ENVIRONMENT_NAME": "production",
            "RAILWAY_PUBLIC_DOMAIN": "modestwear-production.up.railway.app",
            "RAILWAY_PRIVATE_DOMAIN": "modestwear.railway.internal",
            "RAILWAY_GIT_COMMIT_SHA": "a1b2c3d4",
            "RAILWAY_REPLICA_REGION": "europe-west4",
        },
        {**FORWARDED, "X-Real-IP": "203.0.113.7", "X-Railway-Request-Id": "r-1"},
        railway,
        "modestwear-production.up.railway.app",
        "Railway (release a1b2c3d4, region europe-west4)",
    ),
    "cloudrun": Simulated(
        {"K_SERVICE": "modestwear", "K_REVISION": "modestwear-00042-xaz", "K_CONFIGURATION": "modestwear"},
        {**FORWARDED, "X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=1"},
        cloud_run,
        "modestwear-abc123-ew.a.run.app",
        "Google Cloud Run (release modestwear-00042-xaz)",
    ),
    "azure": Simulated(
        {
            "WEBSITE_HOSTNAME": "modestwear.azurewebsites.net",
            "WEBSITE_SITE_NAME": "modestwear",
            "WEBSITE_INSTANCE_ID": "1f2e3d",
            "REGION_NAME": "West Europe",
        },
        {**FORWARDED, "X-ARR-SSL": "2048|256|CN=Microsoft Azure TLS", "X-Client-IP": "203.0.113.7"},
        azure,
        "modestwear.azurewebsites.net",
        "Azure App Service (region West Europe)",
    ),
    "digitalocean": Simulated(
        {"PLATFORM": "digitalocean", "APP_DOMAIN": "modestwear-abc12.ondigitalocean.app", "COMMIT_HASH": "d0d0cafe"},
        {**FORWARDED, "do-connecting-ip": "203.0.113.7"},
        digitalocean,
        "modestwear-abc12.ondigitalocean.app",
        "DigitalOcean App Platform (release d0d0cafe)",
    ),
    "kubernetes": Simulated(
        {},  # nothing detected: the ConfigMap's values come from the manifest (recipe_variables)
        {**FORWARDED, "X-Real-IP": "203.0.113.7", "X-Forwarded-Host": "shop.example.com", "X-Scheme": "https"},
        kubernetes,
        "shop.example.com",
        "",
    ),
}


def recipe_variables(platform: str) -> dict[str, str]:
    """The plain values a recipe sets itself (never secrets), as the platform passes them: Cloud Run's
    container env, Kubernetes' ConfigMap; PORT stays the free one this test binds."""
    if platform == "cloudrun":
        [service] = yaml_docs(ROOT / "deploy" / "cloudrun" / "service.yaml")
        [container] = service["spec"]["template"]["spec"]["containers"]
        return {e["name"]: e["value"] for e in container["env"] if "value" in e}
    if platform == "kubernetes":
        config = yaml_docs(ROOT / "deploy" / "kubernetes" / "shop.yaml")[0]["data"]
        return {k: v for k, v in config.items() if k != "PORT"}
    return {}


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
    simulated = PLATFORMS[platform]
    host = simulated.host
    root = tmp_path / "repo"
    root.mkdir()
    fresh_copy(root)  # root/example_project, as the repository lays it out
    port = free_port()
    runtime = readme_environment(
        **{
            "DEBUG": "false",
            **recipe_variables(platform),
            **simulated.variables,
            "SECRET_KEY": STRONG_KEY,
            "DATABASE_URL": database,
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",  # this machine is small; the platform's limits decide in production
            "DJANGO_SUPERUSER_EMAIL": "boss@example.com",
            "DJANGO_SUPERUSER_USERNAME": "boss",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
    )
    commands = simulated.recipe()
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
        with TLSProxy(port, cert, key, headers=simulated.headers) as proxy:
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
        derived_host = platform not in ("cloudrun", "kubernetes")  # their URL is in no variable: ALLOWED_HOSTS
        assert (f"Public URL: https://{host}/" in output()) is derived_host
        line = simulated.platform_line
        assert (f"Platform: {line}" in output()) if line else ("Platform:" not in output())
        assert PASSWORD not in output() and STRONG_KEY not in output()
    finally:
        stop_process_group(server, timeout=20)
        log.close()
        Path(log.name).unlink(missing_ok=True)


# -- the worker shape: each recipe's Celery worker and beat commands, one task end to end --------------------
SEND = (
    "import json, os; from shop.tasks import add; r = add.delay(2, 3); "
    "print(json.dumps({'value': r.get(timeout=60), 'pid': os.getpid()}))"
)


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} within {timeout} s:\n{log.read_text(errors='replace')}")


@pytest.mark.parametrize("recipe", list(celery_commands()))
def test_simulated_worker__recipe_runs_a_task_through_its_broker_and_beat_starts(recipe: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    fresh_copy(root)
    with RedisServer() as redis_server:
        # The broker as each recipe chooses it: Heroku's REDIS_URL (CELERY_USE_REDIS_URL), else CELERY_BROKER_URL.
        broker = (
            {"REDIS_URL": redis_server.url, "CELERY_USE_REDIS_URL": "true"}
            if recipe == "heroku"
            else {"CELERY_BROKER_URL": redis_server.url, "CELERY_RESULT_BACKEND": redis_server.url}
        )
        env = readme_environment(
            **{"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "shop.example.com", **broker},
            DATABASE_URL=explicit_sqlite(root / "example_project"),  # production names its database
        )
        started: list[tuple[subprocess.Popen[bytes], Path]] = []
        try:
            for command in celery_commands()[recipe]:
                log = tmp_path / f"process-{len(started)}.log"
                with log.open("wb") as out:
                    process = subprocess.Popen(
                        ["bash", "-c", command], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )  # fmt: skip
                started.append((process, log))
                wait_for_line(
                    log, "beat: Starting" if " beat" in command and "worker" not in command else " ready.", process
                )
            sent = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", SEND],
                cwd=root / "example_project", env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert sent.returncode == 0, sent.stderr
            reply = json.loads(sent.stdout.strip().splitlines()[-1])
            assert reply["value"]["sum"] == 5 and reply["value"]["pid"] != reply["pid"]  # ran in the worker
            logs = "".join(log.read_text(errors="replace") for _, log in started)
            assert "succeeded" in logs and "beat: Starting" in logs
        finally:
            for process, _ in started:
                stop_process_group(process, timeout=20)
