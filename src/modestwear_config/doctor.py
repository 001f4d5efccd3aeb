"""The configuration doctor: every variable's effective value (secrets masked), where it came
from, and what is wrong, flagged in place.

``manage.py config`` adds Django's system checks and live connection checks;
``python -m modestwear_config.doctor`` works even when the settings cannot be imported.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TextIO

from django.core.exceptions import ImproperlyConfigured

from . import BUILDERS, __version__
from .cors import origin_problem
from .docs import env_example
from .env import Env, build_settings
from .redaction import redact
from .registry import CONCERNS, VARIABLES, Variable

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_COULD_NOT_RUN = 0, 1, 2
__all__ = ["EXIT_CLEAN", "EXIT_COULD_NOT_RUN", "EXIT_PROBLEMS", "Report", "diagnose", "env_example", "main", "render"]


class Writer(Protocol):
    """A text stream, or a management command's OutputWrapper."""

    def write(self, text: str, /) -> Any: ...


@dataclass
class Entry:
    name: str
    concern: str
    value: str
    source: str
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    debug: bool
    entries: list[Entry]
    checks: list[dict[str, str]] = field(default_factory=list)
    connections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        failed = sum(1 for c in self.connections if c.get("status") == "fail")
        return sum(len(e.problems) for e in self.entries) + len(self.checks) + failed

    def as_dict(self) -> dict[str, Any]:
        return {"version": __version__, "debug": self.debug, "problems": self.problem_count, **asdict(self)}


def diagnose(env: Env, concern: str | None = None) -> Report:
    """Build the settings once (collecting every problem), then describe each variable."""
    try:
        build_settings(*BUILDERS, env=env)
    except ImproperlyConfigured:
        pass  # the problems stay in env.problems and are shown in place
    flags = _flags(env)
    entries = [
        Entry(var.name, var.concern, masked_value(env, var), env.sources.get(var.name, "default"),
              [p for p in (env.problems.get(var.name), *flags.get(var.name, [])) if p])
        for var in VARIABLES
        if concern is None or var.concern == concern
    ]
    return Report(debug=bool(env("DEBUG")), entries=entries)


def masked_value(env: Env, var: Variable) -> str:
    env(var.name)  # validates it (the builders may not read every variable)
    raw = env.raw(var.name)
    if raw is None:
        return "unset" if var.secret else var.shown_default or '""'
    if var.name in env.problems:
        # A secret pasted into the wrong variable is exactly what makes a value invalid.
        return "<invalid, not shown>"
    if var.secret and var.kind not in ("url", "list"):
        return "set"
    # Every password a consumer would parse (user info, query, each server of a list).
    return redact(raw.strip() if var.secret else raw) or '""'


def _flags(env: Env) -> dict[str, list[str]]:
    """Risky but valid choices, per variable (the doctor's own findings)."""
    flags: dict[str, list[str]] = {}
    production = not env("DEBUG")

    def flag(name: str, message: str) -> None:
        flags.setdefault(name, []).append(message)

    database_url = env("DATABASE_URL") or "sqlite://"
    if production and database_url.startswith("sqlite"):
        flag("DATABASE_URL", "production with SQLite: the platform's disk is ephemeral, every deploy loses data")
    if env("DATABASE_CONN_MAX_AGE") and not env("DATABASE_CONN_HEALTH_CHECKS"):
        flag("DATABASE_CONN_HEALTH_CHECKS", "off while CONN_MAX_AGE keeps connections: stale ones fail after a Neon suspend")
    redis_urls = [env("REDIS_URL"), env("CELERY_BROKER_URL"), env("CELERY_RESULT_BACKEND")]
    if env("REDIS_SSL_CERT_REQS") == "none" and any(u and u.startswith("rediss://") for u in redis_urls):
        flag("REDIS_SSL_CERT_REQS", "rediss:// with certificate verification off: the server can be impersonated")
    broker = env("CELERY_BROKER_URL") or env("REDIS_URL")
    if broker and env("CELERY_TASK_ALWAYS_EAGER", False):
        flag("CELERY_TASK_ALWAYS_EAGER", "on while a broker is configured: tasks run in the web process, the broker is unused")
    for name in ("CORS_ALLOWED_ORIGINS", "FRONTEND_URL"):
        value = env(name)
        origins = value if isinstance(value, list) else [value] if value else []
        plain = [o for o in origins if not origin_problem(o) and not o.startswith("https://")]
        if production and plain:
            flag(name, "an origin is not https:// in production: it can be impersonated on the network")
    return flags


# -- rendering ----------------------------------------------------------------------
def render_text(report: Report, out: Writer) -> None:
    mode = "DEBUG on" if report.debug else "production (DEBUG off)"
    out.write(f"modestwear_config {__version__}: effective configuration, {mode}\n")
    width = max((len(e.name) for e in report.entries), default=10) + 2
    for concern in CONCERNS:
        entries = [e for e in report.entries if e.concern == concern]
        if not entries:
            continue
        out.write(f"\n[{concern}]\n")
        for entry in entries:
            out.write(f"  {entry.name.ljust(width)}{entry.value}  ({entry.source})\n")
            for problem in entry.problems:
                out.write(f"    ! {problem}\n")
    if report.checks:
        out.write("\n[system checks]\n")
        for check in report.checks:
            out.write(f"  {check['id']}: {check['message']}\n")
    if report.connections:
        out.write("\n[connections]\n")
        for conn in report.connections:
            error = f" {conn['error']}" if conn.get("error") else ""
            out.write(f"  {conn['name'].ljust(width)}{conn['status']} in {conn['duration_ms']:.0f} ms{error}\n")
    count = report.problem_count
    out.write(f"\n{count} problem(s) found.\n" if count else "\nNo problems found.\n")


def render(report: Report, as_json: bool, out: Writer) -> int:
    if as_json:
        out.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        render_text(report, out)
    return EXIT_PROBLEMS if report.problem_count else EXIT_CLEAN


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--concern", choices=CONCERNS, help="only this concern's variables")
    parser.add_argument("--env-example", action="store_true", help="print the .env.example the registry produces")


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Standalone entry point: no Django settings needed, so it works when they cannot be imported."""
    parser = argparse.ArgumentParser(prog="python -m modestwear_config.doctor", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.env_example:
        out.write(env_example())
        return EXIT_CLEAN
    try:
        report = diagnose(Env.from_os(), args.concern)
    except Exception as exc:  # noqa: BLE001 - exit code 2 is the contract; the type only, never the text
        sys.stderr.write(f"could not run: {type(exc).__name__}\n")
        return EXIT_COULD_NOT_RUN
    return render(report, args.json, out)


if __name__ == "__main__":
    raise SystemExit(main())
