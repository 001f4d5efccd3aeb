"""manage.py config: the configuration doctor with Django's system checks and live connections.

Exit codes: 0 clean, 1 a problem at or above --fail-level (ERROR by default, as ``check``),
2 could not run.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from modestwear_config.doctor import cli
from modestwear_config.doctor import report as doctor
from modestwear_config.doctor.docs import env_example
from modestwear_config.doctor.leftovers import leftovers
from modestwear_config.env import BY_NAME, Env


class Command(BaseCommand):
    help = (
        "Show every configuration variable: its value in force (secrets masked), where it came "
        "from (environment, _FILE, .env, default, derived) and the settings it produced, with the "
        "problems the environment reader and the system checks (deploy checks when DEBUG is off or the environment "
        "says production) found, and settings-file lines that contradict the environment. "
        "Exit codes: 0 clean, 1 a problem at or above --fail-level (ERROR), 2 could not run."
    )
    requires_system_checks: list[str] = []  # the doctor reports them itself instead of stopping

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        cli.add_arguments(parser)
        parser.add_argument(
            "--connections",
            action="store_true",
            help="also run /health's live checks once (database, Redis, ...) and show each result and time",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["port"]:  # reads a settings module; needs none of this project's settings
            from modestwear_config.doctor.porting import port_command

            if not port_command(options["port"], self.stdout):
                raise SystemExit(doctor.EXIT_COULD_NOT_RUN)
            return
        if options["env_example"]:
            # The project's declared variables too (settings.py declared them before this runs).
            self.stdout.write(env_example(BY_NAME.values()), ending="")
            return
        try:
            env = Env.from_os()
            messages = self._system_checks(production=not env("DEBUG")) + leftovers(Env.from_os(), settings)
            report = doctor.diagnose(env, options["concern"], messages)
            if options["connections"]:
                report.connections = self._connections()
        except Exception as exc:  # the type only: exception text may carry a URL
            raise CommandError(f"could not run: {type(exc).__name__}", returncode=doctor.EXIT_COULD_NOT_RUN) from None
        code = doctor.render(report, options["json"], self.stdout, options["fail_level"], options["show_settings"])
        if code:
            raise SystemExit(code)

    def _system_checks(self, production: bool) -> list[checks.CheckMessage]:
        """What `manage.py check` reports, with --deploy when DEBUG is off in the settings or the environment
        says production (a leftover `DEBUG = True` must not hide the deploy checks), silenced ones left out."""
        messages = checks.run_checks(include_deployment_checks=production or not settings.DEBUG)
        return [m for m in messages if m.level >= checks.WARNING and not m.is_silenced()]

    def _connections(self) -> list[dict[str, Any]]:
        """/health's checks once, uncached: "can this dyno reach Neon and Upstash?"."""
        from modestwear_config.health.runner import run_checks

        logging.disable(logging.WARNING)  # failures are in the report; log lines on stdout would corrupt --json
        try:
            report = run_checks(cache_seconds=0)
        finally:
            logging.disable(logging.NOTSET)
        return [
            {
                "name": c.name,
                "status": c.result.status,
                "critical": c.critical,
                "timed_out": c.result.timed_out,
                "duration_ms": round(c.result.duration_ms, 1),
                "error": c.result.error,
            }
            for c in report.checks
        ]
