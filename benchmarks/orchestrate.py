"""Runs the suites in order against private services and writes the results (inside .venv-peers)."""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import ExitStack
from typing import Any

import report
import suites
from harness import HERE, CeleryWorker

ORDER = (
    "startup",
    "memory",
    "throughput",
    "liveness",
    "readiness",
    "faults",
    "remote",
    "wake",
    "health_remote",
    "health_expiry",
)
RESULTS = HERE / "results"


def run_all(quick: bool, only: list[str]) -> None:
    unknown = set(only) - set(ORDER)
    if unknown:
        raise SystemExit(f"unknown suite(s) {sorted(unknown)}; expected some of {', '.join(ORDER)}")
    chosen = [name for name in ORDER if not only or name in only]
    scale = suites.QUICK if quick else suites.FULL
    started = time.monotonic()
    results: dict[str, Any] = {"quick": quick, "machine": report.machine(), "command": command(quick, only)}
    suites.log(f"machine: {results['machine']['summary']}")
    results["loadavg_start"] = load_average()
    if results["loadavg_start"] > 0.5:
        suites.log(
            f"warning: load average {results['loadavg_start']} before starting; other work will disturb the figures"
        )
    results["plain_mirrors_ours"] = suites.check_plain_mirrors_ours()
    with ExitStack() as stack:
        services = suites.Services(stack)
        prod = suites.collectstatic(
            stack, suites.production_env(services.pg.url, services.redis.url, services.broker.url)
        )
        stack.enter_context(CeleryWorker(prod, services.broker.url))  # the seed's worker: /health pings it
        results["machine"]["postgresql"] = services.admin.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        results["machine"]["redis"] = services.redis_admin.info("server")["redis_version"]
        for name in chosen:
            suites.log(f"-- {name}")
            t0 = time.monotonic()
            if name == "startup":
                results[name] = suites.startup(scale, prod)
            elif name == "memory":
                results[name] = suites.memory(scale, prod)
            else:
                results[name] = getattr(suites, name)(scale, services, prod)
            results[name]["elapsed_s"] = round(time.monotonic() - t0, 1)
    if "readiness" in results:
        results["budget"] = suites.budget(results["readiness"])
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    write(results, complete=not quick and chosen == list(ORDER))


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def command(quick: bool, only: list[str]) -> str:
    return " ".join(
        ["python benchmarks/run.py", *(["--quick"] if quick else []), *([f"--only {','.join(only)}"] if only else [])]
    )


def write(results: dict[str, Any], complete: bool) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    markdown = report.markdown(results)
    print("\n" + markdown)
    png = RESULTS / "throughput.png"
    png.unlink(missing_ok=True)  # never leave a plot from an earlier run beside this run's figures
    if "throughput" in results:
        report.plot(results, png)
    suites.log(f"wrote {RESULTS / 'latest.json'}" + (f" and {png}" if png.exists() else ""))
    if complete:  # only a full run of every suite becomes the committed figures
        (HERE / "RESULTS.md").write_text(report.results_page(results, markdown))
        shutil.copyfile(png, HERE / "throughput.png")
        suites.log("wrote benchmarks/RESULTS.md and benchmarks/throughput.png")
    import remote
    import wake

    # Their own marked sections of RESULTS.md, written by any full (not --quick) run that has them.
    for key, name, render in (
        ("remote", "remote-database", remote.section),
        ("wake", "wake", wake.section),
        ("health_remote", "health-remote", remote.health_section),
        ("health_expiry", "health-expiry", remote.expiry_section),
    ):
        if key in results:
            print("\n" + render(results[key]))
            if not results["quick"]:
                remote.update_results_page(HERE / "RESULTS.md", name, render(results[key]))
                suites.log(f"wrote the {name} section of benchmarks/RESULTS.md")
