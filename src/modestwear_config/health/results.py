"""What a health check run reports: each check's result and the stable JSON schema of /health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OK, FAIL = "ok", "fail"


@dataclass(frozen=True)
class Result:
    status: str  # ok | fail | skipped
    duration_ms: float
    timed_out: bool = False
    error: str | None = None  # the exception's type name, never its text


@dataclass(frozen=True)
class CheckReport:
    name: str
    critical: bool
    result: Result


@dataclass(frozen=True)
class Report:
    checks: tuple[CheckReport, ...]
    duration_ms: float

    @property
    def status(self) -> str:
        failed = [c for c in self.checks if c.result.status == FAIL]
        if any(c.critical for c in failed):
            return "fail"
        return "degraded" if failed else "ok"

    def as_dict(self, detailed: bool, version: str) -> dict[str, Any]:
        """The stable JSON schema; timings and error types only when `detailed`."""
        checks = {c.name: _check_dict(c, detailed) for c in self.checks}
        body: dict[str, Any] = {"status": self.status, "version": version, "checks": checks}
        if detailed:
            body["duration_ms"] = self.duration_ms
        return body


def _check_dict(check: CheckReport, detailed: bool) -> dict[str, Any]:
    result = check.result
    entry: dict[str, Any] = {"status": result.status, "critical": check.critical, "timed_out": result.timed_out}
    if detailed:
        entry["duration_ms"] = result.duration_ms
        if result.error:
            entry["error"] = result.error
    return entry
