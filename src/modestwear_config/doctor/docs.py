"""The generated reference (docs/reference.md) and ``.env.example``, derived from the concerns.

``python -m modestwear_config.doctor.docs --write`` rewrites both; tests/test_docs.py fails when
either drifts from the code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from modestwear_config.concerns import CONCERNS, RETIRED_CHECK_IDS, VARIABLES, check_ledger, extras
from modestwear_config.env import Variable

COMMAND = "python -m modestwear_config.doctor.docs --write"
REFERENCE = Path("docs") / "reference.md"
ENV_EXAMPLE = Path("example_project") / ".env.example"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def variables_table() -> str:
    """Markdown: one table per concern, each variable with its type, default and example."""
    parts: list[str] = []
    for concern in CONCERNS:
        if not concern.variables:
            continue
        parts += [
            f"### {concern.name}",
            "",
            concern.doc,
            "",
            "| variable | type | default | example | description |",
            "|---|---|---|---|---|",
        ]
        for var in concern.variables:
            kind = f"{var.kind}, secret" if var.secret else var.kind
            if var.choices:
                kind += ": " + " / ".join(var.choices)
            example = f"`{_cell(var.example)}`" if var.example else ""
            # Other projects' names for it, read as it (an alias set with the name, differently, is an error).
            also = " Also read as " + ", ".join(f"`{a}`" for a in var.alias_names) + "." if var.aliases else ""
            parts.append(
                f"| `{var.name}` | {kind} | {_cell(var.shown_default)} | {example} | {_cell(var.description)}{also} |"
            )
        parts.append("")
    parts.append(
        "Every secret can also be read from a file: set `NAME_FILE` to its path (one trailing newline is dropped)."
    )
    return "\n".join(parts)


def checks_table() -> str:
    """Markdown: the check-ID ledger, every id with its concern, variable and whether it is deploy-only."""
    rows = [
        "| id | concern | filed under | when |",
        "|---|---|---|---|",
    ]
    for check_id, (concern, check) in sorted(check_ledger().items()):
        where = " or ".join(f"`{v}`" for v in check.variables) or "its message's object"
        when = f"deploy: {check.title}" if check.deploy else check.title
        rows.append(f"| `{check_id}` | {concern.name} | {where} | {_cell(when)} |")
    retired = ", ".join(sorted(RETIRED_CHECK_IDS)) or "none"
    rows += ["", f"Retired ids, never reused: {retired}."]
    return "\n".join(rows)


def extras_table() -> str:
    rows = ["| extra | concern | serves |", "|---|---|---|"]
    for concern in CONCERNS:
        rows += [f"| `{extra.name}` | {concern.name} | {_cell(extra.feature)} |" for extra in concern.extras]
    return "\n".join(rows)


def reference() -> str:
    return "\n".join(
        [
            "# Reference",
            "",
            f"Generated from the concerns (`{COMMAND}`); do not edit by hand.",
            "",
            "## Variables",
            "",
            variables_table(),
            "",
            "## System checks",
            "",
            "`manage.py check` runs these (`check --deploy` also the deploy-only ones); the doctor files each",
            "problem under the variable shown.",
            "",
            checks_table(),
            "",
            "## Extras",
            "",
            'Each feature needs its extra: `pip install "modestwear_config[EXTRA]"`.',
            "",
            extras_table(),
            "",
        ]
    )


def extra_names() -> list[str]:
    return [extra.name for extra in extras()]


def _example_line(var: Variable) -> str:
    """`# NAME=value`: the example, else the default as the variable is spelled, so that uncommenting the
    line sets what it says (never shown_default's words: "empty" would become a real value)."""
    return f"# {var.name}={var.example or ('' if var.secret else _spelled(var.default))}"


def _spelled(default: object) -> str:
    if default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (list, tuple)):
        return ",".join(str(item) for item in default)
    return str(default)


def env_example(variables: Iterable[Variable] | None = None) -> str:
    """A commented .env template: every variable (the registry's unless given), grouped by concern, nothing enabled."""
    variables = list(VARIABLES if variables is None else variables)
    lines = [
        f"# Generated from modestwear_config's registry: {COMMAND}",
        "# Copy to .env for local development; the real environment always wins over this file.",
        "# Secrets also accept NAME_FILE=/path/to/file.",
    ]
    for concern in dict.fromkeys(v.concern for v in variables):
        lines += ["", f"# --- {concern} ---"]
        for var in (v for v in variables if v.concern == concern):
            lines += [f"# {var.description} (default: {var.shown_default})", _example_line(var)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"rewrite {REFERENCE} and {ENV_EXAMPLE}")
    parser.add_argument("--extras", action="store_true", help="print the extras' names, one a line (.ci/extras)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: cwd)")
    args = parser.parse_args(argv)
    if args.extras:
        sys.stdout.write("".join(f"{name}\n" for name in extra_names()))
        return 0
    if not args.write:
        sys.stdout.write(reference())
        return 0
    (args.root / REFERENCE).parent.mkdir(exist_ok=True)
    (args.root / REFERENCE).write_text(reference())
    (args.root / ENV_EXAMPLE).write_text(env_example())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
