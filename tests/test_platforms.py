"""concerns/platforms.py: each platform detected from its own variables, what is derived from it (hosts,
origins, proxy trust, PORT, release, region, workers), the doctor's view, and the checks on its facts
(W040 SMTP, W060 media, W080 two platforms, W081 SQLite, I082 sleep, W083 memory)."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from hypothesis import given, settings
from hypothesis import strategies as st

from modestwear_config.concerns import build_all
from modestwear_config.concerns.platform_facts import PLATFORMS
from modestwear_config.concerns.platforms import detection, found, platform_release
from modestwear_config.doctor import report as doctor
from modestwear_config.env import Env, ImproperlyConfigured
from modestwear_config.server import memory
from modestwear_config.server import plan as server_plan
from tests.support.servers import manage, shop_env, shop_manage

STRONG_KEY = "platform-tests-" + "k3Y-9pZ-" * 6
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "DATABASE_URL": "postgres://shop@db.internal/shop"}

# Each platform as it sets itself up: (environment, expected host, release, region).
AS_SET = {
    "render": (
        {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "shop.onrender.com", "RENDER_GIT_COMMIT": "9f2c1e0"},
        "shop.onrender.com",
        "9f2c1e0",
        "",
    ),
    "fly": (
        {
            "FLY_APP_NAME": "shop",
            "FLY_REGION": "cdg",
            "FLY_MACHINE_ID": "148e",
            "FLY_IMAGE_REF": "registry.fly.io/shop:d1",
        },
        "shop.fly.dev",
        "registry.fly.io/shop:d1",
        "cdg",
    ),
    "railway": (
        {
            "RAILWAY_ENVIRONMENT": "production",
            "RAILWAY_PUBLIC_DOMAIN": "shop-production.up.railway.app",
            "RAILWAY_GIT_COMMIT_SHA": "abc123",
            "RAILWAY_REPLICA_REGION": "europe-west4",
        },
        "shop-production.up.railway.app",
        "abc123",
        "europe-west4",
    ),
    "heroku": (
        {"DYNO": "web.1", "HEROKU_APP_DEFAULT_DOMAIN_NAME": "shop-1a2b.herokuapp.com", "HEROKU_SLUG_COMMIT": "c0ffee"},
        "shop-1a2b.herokuapp.com",
        "c0ffee",
        "",
    ),
    "cloudrun": ({"K_SERVICE": "shop", "K_REVISION": "shop-00042-xaz", "PORT": "8080"}, "", "shop-00042-xaz", ""),
    "azure": (
        {"WEBSITE_HOSTNAME": "shop.azurewebsites.net", "WEBSITE_SITE_NAME": "shop", "REGION_NAME": "West Europe"},
        "shop.azurewebsites.net",
        "",
        "West Europe",
    ),
    "digitalocean": (
        {"PLATFORM": "digitalocean", "APP_DOMAIN": "shop-abc12.ondigitalocean.app", "COMMIT_HASH": "d1g1t"},
        "shop-abc12.ondigitalocean.app",
        "d1g1t",
        "",
    ),
    "koyeb": (
        {"KOYEB_APP_NAME": "shop", "KOYEB_PUBLIC_DOMAIN": "shop-acme.koyeb.app", "KOYEB_REGION": "fra"},
        "shop-acme.koyeb.app",
        "",
        "fra",
    ),
}


def test_platforms__every_platform_has_a_case_and_sources():
    assert set(AS_SET) == {p.name for p in PLATFORMS}
    for platform in PLATFORMS:
        assert platform.sources["variables"].startswith("https://"), platform.name
        assert set(platform.markers) <= {v.name for v in platform.variables}


@pytest.mark.parametrize("name", list(AS_SET))
def test_platforms__detected_and_derived(name: str):
    environ, host, release, region = AS_SET[name]
    extra = {} if host else {"ALLOWED_HOSTS": "shop.example.com"}  # Cloud Run's URL is not derivable
    env = Env({**PRODUCTION, **environ, **extra})
    settings_ = build_all(env)
    if "PLATFORM" in environ:  # named, not detected (DigitalOcean sets no variable of its own)
        assert "PLATFORM" not in env.derived and env.derived["BEHIND_TLS_PROXY"] == (True, ("PLATFORM",))
    else:
        assert env.derived["PLATFORM"][0] == name
        assert env.derived["BEHIND_TLS_PROXY"] == (True, env.derived["PLATFORM"][1])
    assert settings_["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    if host:
        assert settings_["ALLOWED_HOSTS"] == [host]
        assert f"https://{host}" in settings_["CSRF_TRUSTED_ORIGINS"]
        assert env.derived["ALLOWED_HOSTS"][1] == (next(p for p in PLATFORMS if p.name == name).host,)
    found_release = platform_release(env)
    assert (found_release.platform, found_release.host, found_release.release, found_release.region) == (
        name,
        host,
        release,
        region,
    )
    assert settings_["MODESTWEAR_PLATFORM"]["release"] == release


def test_platforms__nothing_detected_off_platform():
    env = Env({"DEBUG": "true"})
    settings_ = build_all(env)
    assert detection(env) is None and "PLATFORM" not in env.derived
    assert settings_["MODESTWEAR_PLATFORM"]["platform"] == ""
    assert settings_["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


def test_platforms__cloud_run_without_hosts_is_the_usual_error():
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS: You have not set it"):
        build_all(Env({**PRODUCTION, "K_SERVICE": "shop"}))


def test_platforms__platform_none_turns_detection_off_and_a_name_forces_one():
    env = Env({**PRODUCTION, "PLATFORM": "none", "FLY_APP_NAME": "shop", "ALLOWED_HOSTS": "shop.example.com"})
    assert build_all(env)["ALLOWED_HOSTS"] == ["shop.example.com"]
    forced = Env({**PRODUCTION, "PLATFORM": "fly", "RENDER": "true", "FLY_APP_NAME": "shop"})
    assert build_all(forced)["ALLOWED_HOSTS"] == ["shop.fly.dev"]
    with pytest.raises(ImproperlyConfigured, match="PLATFORM: expected one of render, fly"):
        build_all(Env({**PRODUCTION, "PLATFORM": "vercel", "ALLOWED_HOSTS": "a.example.com"}))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RENDER_EXTERNAL_HOSTNAME", "https://shop.onrender.com"),
        ("RAILWAY_PUBLIC_DOMAIN", "shop.up.railway.app/path"),
        ("FLY_APP_NAME", "shop app"),
        ("WEBSITE_HOSTNAME", "shop.azurewebsites.net:443"),
    ],
)
def test_platforms__a_host_django_cannot_match_names_the_variable(variable: str, value: str):
    with pytest.raises(ImproperlyConfigured) as raised:
        build_all(Env({**PRODUCTION, variable: value}))
    assert f"{variable}: expected host names" in str(raised.value)
    assert value not in str(raised.value)


def test_platforms__custom_domains_kept_beside_the_platform_host():
    env = Env({**PRODUCTION, "ALLOWED_HOSTS": "shop.example.com", "FLY_APP_NAME": "shop"})
    assert build_all(env)["ALLOWED_HOSTS"] == ["shop.example.com", "shop.fly.dev"]


def test_platforms__azure_websites_port_is_ports_default(tmp_path: Path):
    env = Env({"WEBSITE_HOSTNAME": "shop.azurewebsites.net", "WEBSITES_PORT": "8181"})
    plan = server_plan.gunicorn_settings(env, tmp_path, affinity={0})
    assert plan.settings["bind"] == ["0.0.0.0:8181"] and env.derived["PORT"] == (8181, ("WEBSITES_PORT",))


def test_platforms__forwarders_derived_from_the_platform(tmp_path: Path):
    env = Env({"FLY_APP_NAME": "shop"})
    plan = server_plan.gunicorn_settings(env, tmp_path, affinity={0})
    assert plan.settings["forwarded_allow_ips"] == "*"
    assert env.derived["FORWARDED_ALLOW_IPS"] == ("*", ("BEHIND_TLS_PROXY", "FLY_APP_NAME"))
    assert "Public URL: https://shop.fly.dev/" in server_plan.where(plan, env)
    assert "Platform: Fly.io\n" in server_plan.where(plan, env) + "\n"  # no release nor region set


def test_where__names_the_platform_release_and_region(tmp_path: Path):
    env = Env(
        {"RAILWAY_PUBLIC_DOMAIN": "s.up.railway.app", "RAILWAY_GIT_COMMIT_SHA": "abc", "RAILWAY_REPLICA_REGION": "eu"}
    )
    plan = server_plan.gunicorn_settings(env, tmp_path, affinity={0})
    assert server_plan.where(plan, env).endswith("Platform: Railway (release abc, region eu)")


# -- workers from the memory limit ------------------------------------------------------------------
def cgroup(tmp_path: Path, cpu_max: str, memory_max: str) -> Path:
    (tmp_path / "cpu.max").write_text(cpu_max + "\n")
    (tmp_path / "memory.max").write_text(memory_max + "\n")
    return tmp_path


@pytest.mark.parametrize(
    ("cpu_max", "memory_max", "workers", "reason"),
    [
        ("50000 100000", str(512 * memory.MIB), 2, "CPUs"),  # Render free: both say 2
        ("200000 100000", str(512 * memory.MIB), 2, "512 MB memory limit"),  # 2 CPUs, but 512 MB
        ("100000 100000", str(256 * memory.MIB), 1, "256 MB memory limit"),  # Fly shared-cpu-1x
        ("200000 100000", "max", 5, "CPUs"),
    ],
)
def test_planned_workers__the_smaller_of_cpu_and_memory(tmp_path, cpu_max, memory_max, workers, reason):
    root = cgroup(tmp_path, cpu_max, memory_max)
    count, why = server_plan.planned_workers(Env({}), root, affinity=set(range(8)), meminfo=tmp_path / "absent")
    assert count == workers and reason in why


def test_planned_workers__a_virtual_machine_is_limited_by_its_ram(tmp_path: Path):
    """Fly.io's Machines are VMs: the cgroup is unlimited and MemTotal (256 MB on shared-cpu-1x) is the limit."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:         262144 kB\nMemFree:          100000 kB\n")
    root = cgroup(tmp_path, "max 100000", "max")
    count, why = server_plan.planned_workers(Env({"FLY_APP_NAME": "shop"}), root, affinity={0}, meminfo=meminfo)
    assert (count, why) == (1, "256 MB memory limit (MemTotal) / 170 MB per worker")
    assert memory.memory_limit(root, meminfo) == (256, "MemTotal")
    meminfo.write_text("MemTotal: lots\n")
    assert memory.memory_limit(root, meminfo) is None


def test_memory_limit__v1_and_garbage(tmp_path: Path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text(str(1024 * memory.MIB))
    assert memory.memory_limit_mb(tmp_path) == 1024
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712")  # v1's "no limit"
    assert memory.memory_limit_mb(tmp_path) is None
    (tmp_path / "memory.max").write_text("lots")
    assert memory.memory_limit_mb(tmp_path) is None
    assert memory.memory_limit_mb(tmp_path / "absent") is None


@given(limit=st.integers(min_value=1, max_value=1 << 20), per=st.integers(min_value=16, max_value=65536))
def test_workers_for_memory__always_fits_or_one(limit: int, per: int):
    workers = memory.workers_for_memory(limit, per)
    assert workers >= 1
    assert workers == 1 or workers * per <= limit * memory.WORKER_SHARE
    assert (workers + 1) * per > limit * memory.WORKER_SHARE


def test_detection__a_projects_own_app_domain_is_not_digitalocean():
    """APP_DOMAIN is a name projects use for themselves: alone it detects no platform and adds no host."""
    env = Env({**PRODUCTION, "ALLOWED_HOSTS": "shop.example.com", "APP_DOMAIN": "shop.example.com"})
    settings_ = build_all(env)
    assert detection(env) is None
    assert settings_["ALLOWED_HOSTS"] == ["shop.example.com"]


# -- the property: whatever platforms' variables are set, one wins, in order, and W080 names two ----------
HOSTS = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z")


@settings(max_examples=200, deadline=None)
@given(chosen=st.lists(st.sampled_from([p for p in PLATFORMS if p.markers]), unique_by=lambda p: p.name), host=HOSTS)
def test_detection__first_in_order_wins_and_hosts_come_from_it_alone(chosen: list[Any], host: str):
    environ = {p.markers[0]: f"{host}.example.net" if p.markers[0] == p.host else "x" for p in chosen}
    for p in chosen:
        if p.host:
            environ[p.host] = host if p.host_form != "{}" else f"{host}.{p.name}.example.net"
    env = Env({**PRODUCTION, "ALLOWED_HOSTS": "own.example.com", **environ})
    settings_ = build_all(env)
    first = next((p for p in PLATFORMS if p in chosen), None)
    assert [p for p, _ in found(env)] == [p for p in PLATFORMS if p in chosen]
    expected = ["own.example.com"]
    if first is not None and first.host:
        expected.append(first.host_form.format(environ[first.host]))
    assert settings_["ALLOWED_HOSTS"] == expected
    assert settings_["MODESTWEAR_PLATFORM"]["platform"] == (first.name if first else "")


# Any text a platform (or a person) may put in its host variable: a host Django matches, or one error naming
# the variable, never quoting the value.
@settings(max_examples=300, deadline=None)
@given(
    value=st.text(min_size=1, max_size=40).filter(lambda v: v.strip() and "\x00" not in v),
    which=st.sampled_from([p for p in PLATFORMS if p.host]),
)
def test_public_host__valid_or_one_error_naming_the_variable(value: str, which: Any):
    from modestwear_config.env.items import host_problem

    def build(text: str) -> list[str]:
        env = Env({**PRODUCTION, "PLATFORM": which.name, "ALLOWED_HOSTS": "own.example.com", which.host: text})
        return build_all(env)["ALLOWED_HOSTS"]  # type: ignore[no-any-return]

    try:
        hosts = build(value)
    except ImproperlyConfigured as exc:
        assert which.host in str(exc)
        # Never quoting the value: the message reads the same for the value with every letter and digit
        # changed (a substring test cannot tell "ar_" quoted from the "ar_" of "modestwear_config").
        with pytest.raises(ImproperlyConfigured) as other:
            build(value.translate(SAME_SHAPE))
        assert str(other.value) == str(exc)
        return
    assert all(host_problem(host) is None for host in hosts)


# Each ASCII letter to another of its case, each digit to another digit: a value of the same shape.
SAME_SHAPE = str.maketrans(
    string.ascii_lowercase + string.ascii_uppercase + string.digits,
    string.ascii_lowercase[13:]
    + string.ascii_lowercase[:13]
    + string.ascii_uppercase[13:]
    + string.ascii_uppercase[:13]
    + string.digits[5:]
    + string.digits[:5],
)


# -- the checks ------------------------------------------------------------------------------------
def ids(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], deploy: bool = False) -> list[str]:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return [m.id or "" for m in run_checks(include_deployment_checks=deploy)]


def test_check__two_platforms_named_w070(monkeypatch, unbuilt):
    found_ids = ids(monkeypatch, {"RENDER": "true", "DYNO": "web.1"})
    assert "modestwear_config.W080" in found_ids
    [message] = [m for m in run_checks() if m.id == "modestwear_config.W080"]
    assert "Render (RENDER)" in message.msg and "Heroku (DYNO)" in message.msg
    monkeypatch.setenv("PLATFORM", "heroku")
    assert "modestwear_config.W080" not in [m.id for m in run_checks()]


def test_check__one_platform_is_quiet(monkeypatch, unbuilt):
    assert "modestwear_config.W080" not in ids(monkeypatch, {"FLY_APP_NAME": "shop", "FLY_REGION": "cdg"})


ignore_databases_warning = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@ignore_databases_warning
def test_check__sqlite_on_an_ephemeral_disk_w071(settings, monkeypatch, unbuilt, tmp_path):
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}}
    assert "modestwear_config.W081" not in ids(monkeypatch, {})  # off platform
    assert "modestwear_config.W081" in ids(monkeypatch, {"FLY_APP_NAME": "shop"})
    monkeypatch.delenv("FLY_APP_NAME")
    assert "modestwear_config.W081" not in ids(
        monkeypatch, {"WEBSITE_HOSTNAME": "s.azurewebsites.net"}
    )  # /home persists


@ignore_databases_warning
def test_check__postgres_on_a_platform_is_quiet(settings, monkeypatch, unbuilt):
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}}
    assert "modestwear_config.W081" not in ids(monkeypatch, {"DYNO": "web.1"})


def test_check__sleeping_platform_points_monitors_at_healthz_i072(monkeypatch, unbuilt):
    monkeypatch.setenv("RENDER", "true")
    monkeypatch.setenv("RENDER_EXTERNAL_HOSTNAME", "shop.onrender.com")
    [info] = [m for m in run_checks(include_deployment_checks=True) if m.id == "modestwear_config.I082"]
    assert "/healthz" in info.msg and info.hint == "Monitor https://shop.onrender.com/healthz."
    assert not info.is_serious()
    assert "modestwear_config.I082" not in [m.id for m in run_checks()]  # a deploy check


def test_check__no_sleep_fact_no_info(monkeypatch, unbuilt):
    environ = {"PLATFORM": "digitalocean", "APP_DOMAIN": "s.ondigitalocean.app"}
    assert "modestwear_config.I082" not in ids(monkeypatch, environ, deploy=True)


def test_check__memory_too_small_for_the_workers_w073(monkeypatch, unbuilt, tmp_path):
    monkeypatch.setattr(memory, "CGROUP_ROOT", cgroup(tmp_path, "max 100000", str(512 * memory.MIB)))
    monkeypatch.setattr(memory, "MEMINFO", tmp_path / "absent")
    assert "modestwear_config.W083" not in ids(monkeypatch, {})  # the default fits the limit
    assert "modestwear_config.W083" not in ids(monkeypatch, {"WEB_CONCURRENCY": "2"})  # 340 of 460 MB
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    [warning] = [m for m in run_checks() if m.id == "modestwear_config.W083"]
    assert "WEB_CONCURRENCY=4" in warning.msg and "680 MB" in warning.msg and "512 MB" in warning.msg
    monkeypatch.setenv("GUNICORN_WORKER_MEMORY_MB", "100")  # measured smaller: 400 MB fits
    assert "modestwear_config.W083" not in [m.id for m in run_checks()]


@pytest.mark.parametrize(
    ("environ", "port", "warned"),
    [
        ({"RENDER": "true"}, "587", True),
        ({"RAILWAY_ENVIRONMENT": "production"}, "465", True),
        ({"K_SERVICE": "shop"}, "25", True),
        ({"K_SERVICE": "shop"}, "587", False),  # Google blocks 25 only
        ({"FLY_APP_NAME": "shop"}, "587", False),  # no documented block
        ({"DYNO": "web.1"}, "587", False),
    ],
)
def test_check__smtp_blocked_by_the_platform_w040(settings, monkeypatch, unbuilt, environ, port, warned):
    from modestwear_config.concerns.mail import email_settings

    mail = email_settings(Env({"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": port}))
    for name, value in mail.items():
        setattr(settings, name, value)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "modestwear_config.W040"]
    assert bool(messages) is warned
    if warned:
        platform = detection(Env(environ))
        assert platform is not None and platform[0].label in messages[0].msg and f"port {port}" in messages[0].msg


def test_check__media_w060_on_every_ephemeral_platform(settings, monkeypatch, unbuilt, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("KOYEB_APP_NAME", "shop")
    [warning] = [m for m in run_checks() if m.id == "modestwear_config.W060"]
    assert "Koyeb" in warning.msg


# -- the doctor ---------------------------------------------------------------------------------------
def test_doctor__shows_the_platform_and_what_it_derived():
    report = doctor.diagnose(Env({**PRODUCTION, "FLY_APP_NAME": "shop", "FLY_REGION": "cdg"}))
    entries = {e.name: e for e in report.entries}
    assert (entries["PLATFORM"].value, entries["PLATFORM"].source, entries["PLATFORM"].origin) == (
        "fly",
        "derived",
        "FLY_APP_NAME",
    )
    assert (entries["ALLOWED_HOSTS"].value, entries["ALLOWED_HOSTS"].origin) == ("shop.fly.dev", "FLY_APP_NAME")
    assert entries["BEHIND_TLS_PROXY"].origin == "FLY_APP_NAME"
    assert entries["FLY_REGION"].value == "cdg"
    assert "'region': 'cdg'" in report.settings["platform"]["MODESTWEAR_PLATFORM"]


# -- on another project (tests/shop_project), through manage.py ---------------------------------------
@pytest.mark.slow
def test_shop_project__check_deploy_on_two_platforms_and_doctor():
    env = shop_env(
        {
            **PRODUCTION,
            "RAILWAY_ENVIRONMENT": "production",
            "RAILWAY_PUBLIC_DOMAIN": "shop.up.railway.app",
            "DYNO": "web.1",
        }
    )
    check = shop_manage("check", "--deploy", env=env)
    assert "modestwear_config.W080" in check.stderr + check.stdout
    assert "Railway (RAILWAY_ENVIRONMENT) and Heroku (DYNO)" in check.stderr + check.stdout
    config = shop_manage("config", "--concern", "platform", env={**env, "PLATFORM": "railway"})
    assert "railway  (environment)" in config.stdout or "PLATFORM" in config.stdout
    assert "RAILWAY_PUBLIC_DOMAIN" in config.stdout and "shop.up.railway.app" in config.stdout


def test_example_project__manage_py_config_names_render(tmp_path: Path):
    from tests.support.servers import project_env

    result = manage(
        "config",
        "--concern",
        "platform",
        env=project_env({"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "shop.onrender.com", "BASE_DIR": str(tmp_path)}),
    )
    assert "render  (derived from RENDER)" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("value", ["shop.fly.dev", "shop.example.com"])
def test_public_host__fly_takes_the_apps_name_alone(value: str):
    """FLY_APP_NAME=shop.fly.dev made the host shop.fly.dev.fly.dev, which no request reaches."""
    env = Env({**PRODUCTION, "ALLOWED_HOSTS": "own.example.com", "FLY_APP_NAME": value})
    with pytest.raises(ImproperlyConfigured, match="FLY_APP_NAME: expected the app's name alone"):
        build_all(env)


@settings(max_examples=200, deadline=None)
@given(labels=st.lists(st.from_regex(r"\A[a-z][a-z0-9]{0,80}\Z"), min_size=1, max_size=5))
def test_host_problem__a_host_accepted_is_one_dns_can_name(labels: list[str]):
    from modestwear_config.env.items import host_problem

    host = ".".join(labels)
    dns_can = all(len(label) <= 63 for label in labels) and len(host) <= 253
    assert (host_problem(host) is None) == dns_can
