"""``manage.py health``: the /health checks once, for deploy scripts.

Exit status: 0 ok (also degraded, which it says), 1 fail, 2 the checks could not run.
"""

from __future__ import annotations

import json
import logging
import threading
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from modestwear_config.about import version
from modestwear_config.health.runner import Report, run_checks


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ArgumentTypeError("expected a number of seconds") from None
    if not 0 < seconds <= 300:
        raise ArgumentTypeError("expected a number of seconds between 0 and 300")
    return seconds


class Command(BaseCommand):
    help = (
        "Run the health checks once: exit 0 when ok or degraded, 1 when a critical check fails, 2 when they cannot run."
    )
    # A down database must not stop the command before it can say so.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django reads it as a class attribute

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the detailed report as JSON.")
        parser.add_argument(
            "--budget",
            type=_seconds,
            default=None,
            help="Seconds the checks may take (default MODESTWEAR_HEALTH_BUDGET).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The report says what the warnings would; on stdout they would also corrupt --json.
        health_logger = logging.getLogger("modestwear_config.health")
        health_logger.disabled, was_disabled = True, health_logger.disabled
        try:
            report = run_checks(budget=options["budget"], cache_seconds=0)
        except ImproperlyConfigured as exc:  # names settings only, never values
            raise CommandError(f"health checks could not run: {exc}", returncode=2) from None
        except Exception as exc:  # noqa: BLE001 - exit code 2 is the contract; the type only, never the text
            raise CommandError(f"health checks could not run: {_described(exc)}", returncode=2) from None
        finally:
            # A check still in flight past the budget logs when it ends, after our output: on
            # stdout that would corrupt --json, so the logger stays off for this one-shot process.
            if not _checks_in_flight():
                health_logger.disabled = was_disabled
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(detailed=True, version=version()), indent=2))
        else:
            self._print(report)
        if report.status == "fail":
            raise CommandError(f"health: fail ({', '.join(_failed(report, critical=True))})", returncode=1)

    def _print(self, report: Report) -> None:
        width = max((len(c.name) for c in report.checks), default=0)
        for check in report.checks:
            result = check.result
            line = f"{check.name:<{width}}  {result.status:<7} {result.duration_ms:>8.1f} ms"
            if result.error:
                line += f"  {result.error}{' (timed out)' if result.timed_out else ''}"
            if check.critical:
                line += "  [critical]"
            self.stdout.write(line)
        if report.status == "degraded":
            self.stdout.write(
                self.style.WARNING(
                    f"health: degraded ({', '.join(_failed(report, critical=False))} failed; not critical)"
                )
            )
        elif report.status == "ok":
            self.stdout.write(self.style.SUCCESS("health: ok"))


def _described(exc: Exception) -> str:
    """The type, and for an import error the module (a name from the code, never a value)."""
    if isinstance(exc, ImportError) and exc.name:
        return f"{type(exc).__name__} (module {exc.name})"
    return type(exc).__name__


def _checks_in_flight() -> bool:
    return any(thread.name.startswith("modestwear-health:") for thread in threading.enumerate())


def _failed(report: Report, critical: bool) -> list[str]:
    return [c.name for c in report.checks if c.result.status == "fail" and c.critical == critical]
