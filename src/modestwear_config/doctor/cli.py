"""``python -m modestwear_config.doctor`` and ``manage.py config``'s shared options.

The standalone entry point needs no Django settings, so it works when they cannot be imported.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from modestwear_config.env import REGISTRY, Env

from .docs import env_example
from .report import EXIT_CLEAN, EXIT_COULD_NOT_RUN, LEVELS, diagnose, render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    concerns = REGISTRY.concerns()  # the project's too
    parser.add_argument("--concern", choices=concerns, help="only this concern's variables")
    parser.add_argument(
        "--settings-values",
        action="store_true",
        dest="show_settings",
        help="also print the value of every setting produced (masked)",
    )
    parser.add_argument(
        "--fail-level",
        default="ERROR",
        choices=list(LEVELS),
        help="exit 1 when a problem at or above this level is found (default ERROR, as check)",
    )
    parser.add_argument("--env-example", action="store_true", help="print the .env.example the registry produces")
    parser.add_argument(
        "--port",
        metavar="PATH",
        help="read an existing settings module (or package directory) and say what to delete, set, merge and keep",
    )


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Standalone entry point: no Django settings needed, so it works when they cannot be imported."""
    parser = argparse.ArgumentParser(prog="python -m modestwear_config.doctor", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.env_example:
        out.write(env_example())
        return EXIT_CLEAN
    if args.port:
        from .porting import port_command

        return EXIT_CLEAN if port_command(args.port, out) else EXIT_COULD_NOT_RUN
    try:
        report = diagnose(Env.from_os(), args.concern)
    except Exception as exc:  # noqa: BLE001 - exit code 2 is the contract; the type only, never the text
        sys.stderr.write(f"could not run: {type(exc).__name__}\n")
        return EXIT_COULD_NOT_RUN
    return render(report, args.json, out, args.fail_level, args.show_settings)
