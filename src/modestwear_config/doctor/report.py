"""The configuration doctor: every variable's value in force (secrets masked), where it came
from, the settings it produced, and the problems found, each attached to its variable.

The doctor finds nothing itself: its problems are the environment reader's (env/reader.py) and the
system checks' (this library's and Django's deploy checks), so counts match ``check --deploy``.
``manage.py config`` runs the checks and, with ``--connections``, /health's live checks;
``python -m modestwear_config.doctor`` works even when the settings cannot be imported, and
then shows the reader's problems and warnings and the environment typos (W031, W033).

Exit codes: 2 could not run; 1 a problem at or above ``--fail-level`` (ERROR by default, as
``manage.py check``: warnings alone exit 0 unless ``--fail-level WARNING``); else 0.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from django.core.checks import CheckMessage
from django.core.checks import messages as levels

from modestwear_config.about import version
from modestwear_config.concerns import CONCERNS, check_ledger, django_check_variables
from modestwear_config.concerns.environment import environment_messages
from modestwear_config.concerns.project import project_settings
from modestwear_config.env import ALIASES, BY_NAME, REGISTRY, Env, Variable
from modestwear_config.scrub.scrubber import Scrubber, shown_secret
from modestwear_config.scrub.url_passwords import redact

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_COULD_NOT_RUN = 0, 1, 2
LEVELS = {
    "CRITICAL": levels.CRITICAL,
    "ERROR": levels.ERROR,
    "WARNING": levels.WARNING,
    "INFO": levels.INFO,
    "DEBUG": levels.DEBUG,
}
LEVEL_NAMES = {number: name.lower() for name, number in LEVELS.items()}
READER = "environment"  # the id of the reader's problems: they stop the application, so errors
__all__ = ["EXIT_CLEAN", "EXIT_COULD_NOT_RUN", "EXIT_PROBLEMS", "Report", "diagnose", "render"]


class Writer(Protocol):
    """A text stream, or a management command's OutputWrapper."""

    def write(self, text: str, /) -> Any: ...


@dataclass
class Problem:
    level: str  # "error", "warning", ... as Django's check levels
    id: str  # a system check's id, or "environment" for the reader
    message: str
    hint: str = ""


@dataclass
class Entry:
    name: str
    concern: str
    value: str  # the value in force, masked when secret
    source: str  # environment, file, dotenv, default or derived
    origin: str = ""  # the .env path, the NAME_FILE variable, or the variables it was derived from
    problems: list[Problem] = field(default_factory=list)
    alias: str = ""  # the other name it was read under (DJANGO_SECRET_KEY), to rename


@dataclass
class Report:
    debug: bool
    entries: list[Entry]
    settings: dict[str, dict[str, str]] = field(default_factory=dict)  # concern -> setting -> masked repr
    checks: list[Problem] = field(default_factory=list)  # problems concerning no single variable
    connections: list[dict[str, Any]] = field(default_factory=list)
    dotenv: str | None = None  # the .env file that was read

    def problems(self) -> list[Problem]:
        failed = [
            Problem("error", "connection", f"{c['name']}: {c['error']}")
            for c in self.connections
            if c.get("status") == "fail"
        ]
        return [p for e in self.entries for p in e.problems] + self.checks + failed

    @property
    def problem_count(self) -> int:
        return len(self.problems())

    def exit_code(self, fail_level: str = "ERROR") -> int:
        worst = max((LEVELS[p.level.upper()] for p in self.problems()), default=0)
        return EXIT_PROBLEMS if worst >= LEVELS[fail_level] else EXIT_CLEAN

    def as_dict(self) -> dict[str, Any]:
        return {"version": version(), "debug": self.debug, "problems": self.problem_count, **asdict(self)}


def diagnose(env: Env, concern: str | None = None, messages: list[CheckMessage] | None = None) -> Report:
    """Build every concern on `env` (collecting the reader's problems) and describe each variable.

    `messages` are the system checks' findings (manage.py config); without them (no Django
    settings) only the checks that need none, on the environment itself (W031, W033), are run.
    """
    produced = {c.name: c.build(env) for c in CONCERNS}
    for c in CONCERNS:
        if c.validate is not None:  # variables read by the server or a command: their problems too
            c.validate(env)
    for var in REGISTRY.declared():  # the project's own: each under its own concern
        produced.setdefault(var.concern, {})
    for name, value in project_settings(env).items():
        produced[BY_NAME[name].concern][name] = value
    entries = {var.name: _entry(env, var) for var in BY_NAME.values()}
    report = Report(debug=bool(env("DEBUG")), entries=[])
    for message in environment_messages(env) if messages is None else messages:
        problem = Problem(
            LEVEL_NAMES.get(message.level, "warning"), message.id or "", str(message.msg), message.hint or ""
        )
        target = entries.get(_variable_of(message))
        (target.problems if target else report.checks).append(problem)
    report.entries = [e for e in entries.values() if concern is None or e.concern == concern]
    scrubber = Scrubber(env.secret_values())  # once: it reads every secret's every form
    report.settings = {c: _shown_settings(scrubber, s) for c, s in produced.items() if concern in (None, c)}
    if concern is not None:
        report.checks = []
    report.dotenv = str(env.dotenv_path) if env.dotenv_path else None
    return report


def _entry(env: Env, var: Variable) -> Entry:
    value = masked_value(env, var)
    source: str = env.sources.get(var.name, "default")
    problems = [Problem("error", READER, env.problems[var.name])] if var.name in env.problems else []
    # The file variable as set: an alias's own (DJANGO_SECRET_KEY_FILE) when the file came through one.
    origin = {"dotenv": str(env.dotenv_path), "file": f"{env.aliased.get(var.name) or var.name}_FILE"}.get(source, "")
    if var.name in env.derived and var.name not in env.problems:
        derived, from_ = env.derived[var.name]
        value = masked_value(Env({var.name: _as_text(derived)}), var) if derived is not None else "unset"
        source = "derived" if source == "default" else source
        origin = ": ".join(filter(None, (", ".join(from_), env.notes.get(var.name, ""))))  # and why
    return Entry(var.name, var.concern, value, source, origin, problems, env.aliased.get(var.name, ""))


def _as_text(value: Any) -> str:
    """A derived value as the variable would spell it, so masked_value masks it the same way."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def _variable_of(message: CheckMessage) -> str:
    """The variable a message is filed under: its obj when that names one, else its check's first variable."""
    if isinstance(message.obj, str) and message.obj in BY_NAME:
        return message.obj
    declared = check_ledger().get(message.id or "")
    if declared is not None:
        return declared[1].variables[0] if declared[1].variables else ""
    return django_check_variables().get(message.id or "", "")


def masked_value(env: Env, var: Variable) -> str:
    env(var.name)  # validates it (the builders may not read every variable)
    raw = env.raw(var.name)
    if raw is None and var.secret:  # a declared default is in force: "set", never shown
        return "set" if var.default not in (None, "", (), []) else "unset"
    if raw is None:
        return var.shown_default or '""'
    if var.name in env.problems:
        # A secret pasted into the wrong variable is exactly what makes a value invalid.
        return "<invalid, not shown>"
    if var.secret and raw.strip() in var.choices:  # a named choice (django-db) hides nothing
        return raw.strip()
    if var.secret:  # every kind: each password a consumer would parse, each list item, or "set"
        return shown_secret(var.kind, raw) or '""'
    return redact(raw) or '""'  # a password in any URL, whatever the variable


# -- the settings produced, masked --------------------------------------------------
def _shown_settings(scrubber: Scrubber, produced: dict[str, Any]) -> dict[str, str]:
    return {name: repr(scrubber.value(name, value)) for name, value in sorted(produced.items())}


# -- rendering ----------------------------------------------------------------------
def render_text(report: Report, out: Writer, show_settings: bool = False) -> None:
    mode = "DEBUG on" if report.debug else "production (DEBUG off)"
    if not report.debug and _local_http(report):
        mode = "production over PLAIN HTTP (LOCAL_HTTP=true: for this machine only, never deploy it)"
    out.write(f"modestwear_config {version()}: effective configuration, {mode}\n")
    out.write(f".env file read: {report.dotenv or 'none'}\n")
    width = max((len(e.name) for e in report.entries), default=10) + 2
    for concern in dict.fromkeys((*(c.name for c in CONCERNS), *(e.concern for e in report.entries))):
        entries = [e for e in report.entries if e.concern == concern]
        if not entries:
            continue
        out.write(f"\n[{concern}]\n")
        for entry in entries:
            out.write(f"  {entry.name.ljust(width)}{entry.value}  ({_source_text(entry)})\n")
            for problem in entry.problems:
                out.write(f"    ! {_problem_text(problem)}\n")
        produced = report.settings.get(concern, {})
        if produced and show_settings:
            for name, value in produced.items():
                out.write(f"  = {name} = {value}\n")
        elif produced:
            out.write(f"  = settings: {', '.join(produced)}\n")
    if report.checks:
        out.write("\n[system checks]\n")
        for problem in report.checks:
            out.write(f"  ! {_problem_text(problem)}\n")
    if report.connections:
        out.write("\n[connections]\n")
        for conn in report.connections:
            error = f" {conn['error']}" if conn.get("error") else ""
            out.write(f"  {conn['name'].ljust(width)}{conn['status']} in {conn['duration_ms']:.0f} ms{error}\n")
    out.write(_summary(report))


def _local_http(report: Report) -> bool:
    """LOCAL_HTTP is on and accepted (the reader refuses it on a hosting platform)."""
    return any(
        e.name == "LOCAL_HTTP" and e.value == "true" and all(p.id != READER for p in e.problems) for e in report.entries
    )


def _source_text(entry: Entry) -> str:
    if not entry.alias:
        return _plain_source_text(entry)
    # The value is right; only its name is another project's: say so, and how to stop needing the alias.
    meant = ALIASES.get(entry.alias, entry.name)
    if meant == entry.name:
        return f"{_plain_source_text(entry)}: from {entry.alias} (alias of {meant}); rename it to {meant}"
    return f"{_plain_source_text(entry)}: implied by {entry.alias} (alias of {meant}); set {entry.name} and rename it"


def _plain_source_text(entry: Entry) -> str:
    if entry.source == "derived":
        return f"derived from {entry.origin}" if entry.origin else "derived"
    if entry.source == "dotenv":
        return f".env {entry.origin}"
    if entry.source == "file":
        return entry.origin
    return f"{entry.source}, with {entry.origin}" if entry.origin else entry.source


def _problem_text(problem: Problem) -> str:
    hint = f" HINT: {problem.hint}" if problem.hint else ""
    return f"{problem.level} ({problem.id}) {problem.message}{hint}"


def _summary(report: Report) -> str:
    problems = report.problems()
    if not problems:
        return "\nNo problems found.\n"
    counts = {name: sum(1 for p in problems if p.level == name) for name in LEVEL_NAMES.values()}
    detail = ", ".join(f"{n} {name}(s)" for name, n in counts.items() if n)
    return f"\n{len(problems)} problem(s) found: {detail}.\n"


def render(report: Report, as_json: bool, out: Writer, fail_level: str = "ERROR", show_settings: bool = False) -> int:
    if as_json:
        out.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        render_text(report, out, show_settings)
    return report.exit_code(fail_level)
