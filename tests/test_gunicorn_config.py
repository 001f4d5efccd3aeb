"""gunicorn configuration: worker count from the CPU quota and affinity, env-driven settings,
clean errors, and a real gunicorn reading the module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config import gunicorn as config
from modestwear_config.env import BY_NAME, Env
from modestwear_config.server import plan as server_plan
from tests.support.servers import EXAMPLE_PROJECT, Gunicorn, project_env, require_binary

EIGHT_CPUS = range(8)


def cgroup_v2(tmp_path: Path, cpu_max: str) -> Path:
    (tmp_path / "cpu.max").write_text(f"{cpu_max}\n")
    return tmp_path


def cgroup_v1(tmp_path: Path, quota: str, period: str, sub: str = "cpu,cpuacct") -> Path:
    (tmp_path / sub).mkdir()
    (tmp_path / sub / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (tmp_path / sub / "cpu.cfs_period_us").write_text(f"{period}\n")
    return tmp_path


# -- the CPU quota -------------------------------------------------------------------------
def test_cgroup_quota__v2_half_cpu(tmp_path: Path) -> None:
    assert server_plan.cgroup_quota(cgroup_v2(tmp_path, "50000 100000")) == 50000 / 100000


def test_cgroup_quota__v2_unlimited(tmp_path: Path) -> None:
    assert server_plan.cgroup_quota(cgroup_v2(tmp_path, "max 100000")) is None


def test_cgroup_quota__v1_files(tmp_path: Path) -> None:
    assert server_plan.cgroup_quota(cgroup_v1(tmp_path, "150000", "100000")) == 1.5


def test_cgroup_quota__v1_unlimited(tmp_path: Path) -> None:
    assert server_plan.cgroup_quota(cgroup_v1(tmp_path, "-1", "100000", sub="cpu")) is None


def test_cgroup_quota__no_cgroup_files(tmp_path: Path) -> None:
    assert server_plan.cgroup_quota(tmp_path) is None


def test_cgroup_quota__garbage_is_ignored(tmp_path: Path) -> None:
    assert server_plan.cgroup_quota(cgroup_v2(tmp_path, "lots")) is None


def test_available_cpus__quota_below_affinity(tmp_path: Path) -> None:
    cpus = server_plan.available_cpus(cgroup_v2(tmp_path, "50000 100000"), affinity=EIGHT_CPUS)
    assert (cpus.count, cpus.source) == (0.5, "cgroup quota")


def test_available_cpus__affinity_below_quota(tmp_path: Path) -> None:
    cpus = server_plan.available_cpus(cgroup_v2(tmp_path, "400000 100000"), affinity={0, 1})
    assert (cpus.count, cpus.source) == (2.0, "affinity")


def test_available_cpus__this_process() -> None:
    import os

    assert server_plan.available_cpus().count <= len(os.sched_getaffinity(0))


# -- the worker count ----------------------------------------------------------------------
def test_gunicorn_settings__half_cpu_quota_gives_the_seeds_two_workers(tmp_path: Path) -> None:
    plan = server_plan.gunicorn_settings(Env({}), cgroup_v2(tmp_path, "50000 100000"), affinity=EIGHT_CPUS)
    assert plan.settings["workers"] == 2  # the seed: 2 x 0.5 + 1 on Render's free tier
    assert "cgroup quota" in plan.workers_reason


def test_gunicorn_settings__one_cpu_of_affinity_gives_three(tmp_path: Path) -> None:
    plan = server_plan.gunicorn_settings(Env({}), tmp_path, affinity={3})
    assert plan.settings["workers"] == 2 * 1 + 1
    assert "affinity" in plan.workers_reason


def test_gunicorn_settings__host_count_alone_is_never_used(tmp_path: Path) -> None:
    quota = cgroup_v1(tmp_path, "100000", "100000")
    plan = server_plan.gunicorn_settings(Env({}), quota, affinity=range(64))
    assert plan.settings["workers"] == 3


def test_gunicorn_settings__web_concurrency_wins(tmp_path: Path) -> None:
    plan = server_plan.gunicorn_settings(Env({"WEB_CONCURRENCY": "7"}), cgroup_v2(tmp_path, "50000 100000"))
    assert (plan.settings["workers"], plan.workers_reason) == (7, "WEB_CONCURRENCY")


def test_default_workers__tiny_quota_keeps_one() -> None:
    assert server_plan.default_workers(0.1) == 1


# -- the other settings --------------------------------------------------------------------
def test_gunicorn_settings__defaults(tmp_path: Path) -> None:
    s = server_plan.gunicorn_settings(Env({}), tmp_path, affinity={0}).settings
    assert s["bind"] == [f"0.0.0.0:{BY_NAME['PORT'].default}"]
    assert (s["threads"], s["worker_class"]) == (BY_NAME["GUNICORN_THREADS"].default, "gthread")
    assert s["timeout"] == BY_NAME["GUNICORN_TIMEOUT"].default
    assert (s["accesslog"], s["errorlog"]) == ("-", "-")
    assert s["max_requests"] == BY_NAME["GUNICORN_MAX_REQUESTS"].default
    assert s["max_requests_jitter"] == BY_NAME["GUNICORN_MAX_REQUESTS_JITTER"].default
    assert s["forwarded_allow_ips"] == "*"  # behind Render's proxy by default
    assert s["control_socket_disable"] is True


def test_gunicorn_settings__each_value_from_the_environment(tmp_path: Path) -> None:
    env = Env(
        {
            "PORT": "9123",
            "GUNICORN_THREADS": "1",
            "GUNICORN_TIMEOUT": "30",
            "GUNICORN_LOG_LEVEL": "WARNING",
            "GUNICORN_MAX_REQUESTS": "500",
            "GUNICORN_MAX_REQUESTS_JITTER": "50",
            "BEHIND_TLS_PROXY": "false",
        }
    )
    s = server_plan.gunicorn_settings(env, tmp_path, affinity={0}).settings
    assert s["bind"] == ["0.0.0.0:9123"]
    assert (s["threads"], s["worker_class"]) == (1, "sync")
    assert (s["timeout"], s["loglevel"]) == (30, "warning")
    assert (s["max_requests"], s["max_requests_jitter"]) == (500, 50)
    assert s["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_gunicorn_settings__no_recycling_means_no_jitter(tmp_path: Path) -> None:
    s = server_plan.gunicorn_settings(Env({"GUNICORN_MAX_REQUESTS": "0"}), tmp_path, affinity={0}).settings
    assert (s["max_requests"], s["max_requests_jitter"]) == (0, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_CONCURRENCY", "abc"),
        ("PORT", "70000"),
        ("PORT", "0"),
        ("GUNICORN_THREADS", "0"),
        ("GUNICORN_LOG_LEVEL", "loud"),
    ],
)
def test_gunicorn_settings__bad_value_names_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        server_plan.gunicorn_settings(Env({name: value}), tmp_path, affinity={0})
    assert f"{name}:" in str(caught.value)
    assert value not in str(caught.value)


def test_gunicorn_settings__every_bad_value_at_once(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        server_plan.gunicorn_settings(Env({"WEB_CONCURRENCY": "abc", "PORT": "70000"}), tmp_path)
    assert "WEB_CONCURRENCY:" in str(caught.value) and "PORT:" in str(caught.value)


def test_describe__shows_the_chosen_values(tmp_path: Path) -> None:
    plan = server_plan.gunicorn_settings(Env({"PORT": "9123"}), cgroup_v2(tmp_path, "50000 100000"), affinity={0})
    line = server_plan.describe(plan)
    assert "bind=0.0.0.0:9123" in line and "workers=2 (from 2 x 0.5 CPUs (cgroup quota) + 1)" in line


def test_where__local_and_render_urls(tmp_path: Path) -> None:
    plan = server_plan.gunicorn_settings(Env({"PORT": "9123"}), tmp_path, affinity={0})
    text = server_plan.where(plan, Env({"RENDER_EXTERNAL_HOSTNAME": "shop.onrender.com"}))
    assert "http://127.0.0.1:9123/healthz" in text and "https://shop.onrender.com/" in text


def test_when_ready__logs_the_plan_once() -> None:
    lines: list[str] = []
    server = type("Server", (), {"log": type("Log", (), {"info": staticmethod(lines.append)})()})()
    config.when_ready(server)
    assert lines == [server_plan.describe(config.PLAN)]


def test_module__gunicorn_accepts_every_setting() -> None:
    """gunicorn's own loader reads the module: every value passes its validators."""
    from gunicorn.app.base import Application

    class Probe(Application):  # type: ignore[misc]
        def init(self, parser: object, opts: object, args: object) -> None: ...

        def load(self) -> None: ...

        def load_config(self) -> None:
            self.load_config_from_module_name_or_filename("python:modestwear_config.gunicorn")

    cfg = Probe().cfg
    assert cfg.workers == config.PLAN.settings["workers"]
    assert cfg.worker_class_str == config.PLAN.settings["worker_class"]
    assert cfg.bind == config.PLAN.settings["bind"]
    assert cfg.max_requests == config.PLAN.settings["max_requests"]
    from modestwear_config.server.log_streams import redacting_logger

    assert cfg.logger_class is redacting_logger


def test_logger_class__keeps_gunicorn_statsd_when_a_statsd_host_is_set() -> None:
    """gunicorn switches to its statsd logger only when the default class is in use: ours does the same."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger
    from gunicorn.instrument.statsd import Statsd

    from modestwear_config.server.log_streams import ScrubbedFormatter, redacting_logger

    plain, with_statsd = Config(), Config()
    with_statsd.set("statsd_host", "127.0.0.1:8125")
    for cfg, statsd in ((plain, False), (with_statsd, True)):
        logger = redacting_logger(cfg)
        assert isinstance(logger, Logger) and isinstance(logger, Statsd) is statsd
        assert all(isinstance(h.formatter, ScrubbedFormatter) for h in logger.error_log.handlers)
        if statsd:
            logger.sock.close()  # the UDP socket it opened towards the statsd host


# -- real processes ----------------------------------------------------------------------------
def run_gunicorn(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = require_binary("gunicorn")
    return subprocess.run(
        [binary, "-c", "python:modestwear_config.gunicorn", "core.wsgi:application"],
        cwd=EXAMPLE_PROJECT,
        env=project_env(extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_gunicorn_process__bad_port_exits_2_naming_it() -> None:
    result = run_gunicorn({"PORT": "70000"})
    assert result.returncode == 2
    assert "PORT: expected an integer <= 65535" in result.stderr
    assert "Listening at" not in result.stdout + result.stderr


@pytest.mark.slow
def test_gunicorn_process__bad_web_concurrency_exits_non_zero_naming_it() -> None:
    # gunicorn parses WEB_CONCURRENCY itself before reading our module: its traceback names it.
    result = run_gunicorn({"WEB_CONCURRENCY": "abc"})
    assert result.returncode != 0
    assert "WEB_CONCURRENCY" in result.stderr
    assert "Listening at" not in result.stdout + result.stderr


@pytest.mark.slow
def test_check_command__bad_web_concurrency_is_one_clear_line() -> None:
    """deploy.sh runs this before gunicorn: the clean message gunicorn itself cannot give."""
    result = subprocess.run(
        [sys.executable, "-m", "modestwear_config.gunicorn"],
        env=project_env({"WEB_CONCURRENCY": "abc"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "WEB_CONCURRENCY: expected an integer, got an unrecognised value" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_gunicorn_process__serves_with_the_configured_workers() -> None:
    with Gunicorn(project_env({"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2"})) as server:
        import urllib.request

        with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=5) as response:
            assert response.status == 200
        server.stop()
        log = server.output()  # the log file goes away on exit
        server.log.close()  # Gunicorn.__exit__ unlinks it without closing it (a ResourceWarning)
    assert log.count("modestwear_config.gunicorn: bind=") == 1  # logged once, by the master
    assert "workers=2 (from WEB_CONCURRENCY)" in log and "Using worker: gthread" in log
    assert log.count("Booting worker") >= 2
    assert '"GET /healthz HTTP/1.1" 200' in log  # access log on stdout


# -- SERVER_INTERFACE ----------------------------------------------------------------------
def test_gunicorn_settings__wsgi_by_default(tmp_path: Path) -> None:
    s = server_plan.gunicorn_settings(Env({}), tmp_path, affinity={0}).settings
    assert s["interface"] == "wsgi" and s["worker_class"] in ("gthread", "sync")


@pytest.mark.parametrize("value", ["asgi", "ASGI"])
def test_gunicorn_settings__asgi_runs_uvicorns_worker(tmp_path: Path, value: str) -> None:
    pytest.importorskip("uvicorn_worker")
    s = server_plan.gunicorn_settings(
        Env({"SERVER_INTERFACE": value, "GUNICORN_THREADS": "4"}), tmp_path, affinity={0}
    ).settings
    assert (s["interface"], s["worker_class"]) == ("asgi", "uvicorn_worker.UvicornWorker")
    assert s["workers"] == 3 and s["timeout"] == BY_NAME["GUNICORN_TIMEOUT"].default  # the same plan otherwise


def test_gunicorn_settings__unknown_interface_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="SERVER_INTERFACE: expected one of wsgi, asgi") as info:
        server_plan.gunicorn_settings(Env({"SERVER_INTERFACE": "rsgi-secret-value"}), tmp_path, affinity={0})
    assert "rsgi-secret-value" not in str(info.value)


def test_gunicorn_settings__asgi_without_the_extra_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing uvicorn-worker is reported before gunicorn binds, not as a worker boot traceback."""
    real = server_plan.find_spec
    monkeypatch.setattr(server_plan, "find_spec", lambda name: None if name == "uvicorn_worker" else real(name))
    with pytest.raises(ImproperlyConfigured, match=r"SERVER_INTERFACE: asgi needs the asgi extra"):
        server_plan.gunicorn_settings(Env({"SERVER_INTERFACE": "asgi"}), tmp_path, affinity={0})


@pytest.mark.slow
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_gunicorn_process__interface_printed_for_deploy_sh(interface: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modestwear_config.gunicorn", "--interface"],
        env=project_env({"SERVER_INTERFACE": interface}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, f"{interface}\n")
    bad = subprocess.run(
        [sys.executable, "-m", "modestwear_config.gunicorn", "--interface"],
        env=project_env({"SERVER_INTERFACE": "both"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "SERVER_INTERFACE" in bad.stderr and bad.stdout == ""


def test_gunicorn_settings__forwarded_allow_ips_is_overridable(tmp_path: Path) -> None:
    env = Env({"FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.168.1.7,::1"})
    s = server_plan.gunicorn_settings(env, tmp_path, affinity={0}).settings
    assert s["forwarded_allow_ips"] == "10.0.0.0/8,192.168.1.7,::1"


@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.0/33", "*,10.0.0.1"])
def test_gunicorn_settings__forwarded_allow_ips_refuses_names(tmp_path: Path, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="FORWARDED_ALLOW_IPS"):
        server_plan.gunicorn_settings(Env({"FORWARDED_ALLOW_IPS": value}), tmp_path, affinity={0})


def test_gunicorn_settings__timeout_has_an_upper_bound(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="GUNICORN_TIMEOUT"):
        server_plan.gunicorn_settings(Env({"GUNICORN_TIMEOUT": "100000000"}), tmp_path, affinity={0})


@pytest.mark.parametrize("value", ["10.0.0.1/8", "10.0.0.0/8 10.1.0.0/16", "10.0.0.0/8;::1", "10.0.0.0/8 # vpc"])
def test_forwarded_allow_ips__only_what_gunicorn_itself_accepts(tmp_path: Path, value: str) -> None:
    """gunicorn validates networks strictly (host bits set is an error at its start-up): so do we."""
    from gunicorn.config import Config

    with pytest.raises(Exception):  # noqa: B017  (gunicorn raises ValueError or its own ConfigError)
        Config().set("forwarded_allow_ips", value)
    env = Env({"FORWARDED_ALLOW_IPS": value})
    server_plan.server_plan(env, tmp_path, affinity={0})
    assert "FORWARDED_ALLOW_IPS" in env.problems and value not in env.problems["FORWARDED_ALLOW_IPS"]


def test_when_ready__describes_what_gunicorn_uses_not_the_plan() -> None:
    """The summary said bind=0.0.0.0:P while gunicorn listened on 127.0.0.1:P (its --bind): a setting
    given on gunicorn's command line or in GUNICORN_CMD_ARGS wins over the module, and is what is shown."""
    from types import SimpleNamespace

    from gunicorn.config import Config

    cfg = Config()
    for name, value in config.PLAN.settings.items():
        if name in cfg.settings:
            cfg.set(name, value)
    cfg.set("bind", ["127.0.0.1:9123"])
    workers = config.PLAN.settings["workers"] + 1
    cfg.set("workers", workers)
    lines: list[str] = []
    config.when_ready(SimpleNamespace(cfg=cfg, log=SimpleNamespace(info=lines.append)))
    [line] = lines
    assert "bind=127.0.0.1:9123 " in line and "0.0.0.0" not in line, line
    assert f"workers={workers} (from gunicorn's command line or GUNICORN_CMD_ARGS)" in line, line
    assert line.endswith("(bind from gunicorn's command line or GUNICORN_CMD_ARGS)")
    assert f"threads={config.PLAN.settings['threads']} " in line


@pytest.mark.slow
def test_gunicorn_process__summary_names_the_address_it_listens_on() -> None:
    server = Gunicorn(project_env({}))
    server.args = ("--bind", f"127.0.0.1:{server.port}")
    with server:
        server.stop()
        log = server.output()
        server.log.close()
    assert f"Listening at: http://127.0.0.1:{server.port}" in log
    assert f"modestwear_config.gunicorn: bind=127.0.0.1:{server.port} " in log, log
    assert "bind=0.0.0.0" not in log


def test_where__says_when_gunicorn_cmd_args_can_override_it(tmp_path: Path) -> None:
    plan = server_plan.gunicorn_settings(Env({"PORT": "9123"}), tmp_path, affinity={0})
    assert "GUNICORN_CMD_ARGS" not in server_plan.where(plan, Env({}))
    text = server_plan.where(plan, Env({"GUNICORN_CMD_ARGS": "--bind 127.0.0.1:9"}))
    assert "GUNICORN_CMD_ARGS is set" in text
