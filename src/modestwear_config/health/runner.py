"""Run checks within a deadline: single-flight daemon threads, bounded waits, a short result cache.

Stale while revalidate: when the cached result has just expired, every probe arriving while
the one refresh flies would otherwise wait for it (under load, the p99 with the cache on was
worse than with it off).  A passing result up to STALE_FACTOR windows old is therefore
served at once while one refresh runs.  A failed result is never served stale: a recovery is
seen on the next probe, and a failure is reported at most STALE_FACTOR windows late.

Why threads at all: a driver timeout bounds each check, but not always to the
budget (libpq's DNS lookup blocks, a project's check may ignore its timeout).
The request therefore waits on an Event until its deadline and never joins a
thread: a stuck check keeps one daemon thread, the next probes wait for that
same flight (single-flight) instead of starting more, and report timed_out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .catalog import SKIPPED, Probe, Selected, select
from .conf import conf
from .state import STATE, HealthState

logger = logging.getLogger("modestwear_config.health")

OK, FAIL = "ok", "fail"
RESPONSE_RESERVE = 0.02  # seconds of the budget kept for rendering and sending the response
STALE_FACTOR = 2.0  # a passing result is served, while one refresh runs, until this many windows old


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


class _Flight:
    __slots__ = ("done", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Result | None = None


class Runner:
    """Single-flight checks with a short cache; its flights and results live in `state`."""

    def __init__(self, state: HealthState | None = None) -> None:
        self.state = state if state is not None else HealthState()

    def reset(self) -> None:
        """Forget every flight and cached result (tests)."""
        self.state.forget_results()

    def run(self, checks: Iterable[Selected], budget: float, cache_seconds: float) -> Report:
        """Every check's result within `budget` seconds, the response's own work included."""
        start = time.monotonic()
        allowed = budget - min(RESPONSE_RESERVE, budget / 10)
        deadline = start + allowed
        selected = list(checks)
        pending = self._start(selected, start, allowed, cache_seconds)
        reports = [
            CheckReport(c.name, c.critical, self._wait(c.name, pending.get(c.name), deadline, start)) for c in selected
        ]
        return Report(tuple(reports), _ms(start))

    def _start(
        self, checks: list[Selected], now: float, budget: float, cache_seconds: float
    ) -> dict[str, _Flight | Result]:
        """For each check: a fresh cached result, or a flight (in the air or new) and, while it flies,
        a passing result that is stale but still within the bound."""
        found: dict[str, _Flight | Result] = {}
        with self.state.lock:
            for check in checks:
                cached = self.state.cache.get(check.name)
                if cached is not None and now - cached[0] < cache_seconds:
                    found[check.name] = cached[1]
                    continue
                flight = self.state.flights.get(check.name)
                if flight is None:
                    flight = self.state.flights[check.name] = _Flight()
                    self._launch(check.name, check.probe, flight, budget)
                stale = cached is not None and _servable(cached[1], now - cached[0], cache_seconds)
                found[check.name] = cached[1] if cached is not None and stale else flight
        return found

    def _launch(self, name: str, probe: Probe, flight: _Flight, timeout: float) -> None:
        thread = threading.Thread(
            target=self._fly, args=(name, probe, flight, timeout), name=f"modestwear-health:{name}", daemon=True
        )
        thread.start()

    def _fly(self, name: str, probe: Probe, flight: _Flight, timeout: float) -> None:
        start = time.monotonic()
        try:
            outcome = probe(timeout)
            result = Result(SKIPPED if outcome == SKIPPED else OK, _ms(start))
        except BaseException as exc:  # noqa: BLE001 - even SystemExit: this thread ends here, the flight must too
            result = Result(FAIL, _ms(start), is_timeout(exc), type(exc).__name__)
            # The alias is in the name; never the exception text (it can hold hosts or URLs).
            logger.warning(
                "Health check %s failed: %s%s", name, result.error, " (timed out)" if result.timed_out else ""
            )
        with self.state.lock:
            if self.state.flights.get(name) is flight:  # not orphaned by reset()
                del self.state.flights[name]
                self.state.cache[name] = (time.monotonic(), result)
        flight.result = result
        flight.done.set()

    def _wait(self, name: str, found: _Flight | Result | None, deadline: float, start: float) -> Result:
        if isinstance(found, Result):
            return found
        assert found is not None
        if found.done.wait(max(0.0, deadline - time.monotonic())) and found.result is not None:
            return found.result
        logger.warning("Health check %s did not answer within the budget", name)
        return Result(FAIL, _ms(start), timed_out=True, error="TimeoutError")


def _servable(result: Result, age: float, cache_seconds: float) -> bool:
    """A stale result may stand in for the refresh: only a passing one, and only for a bounded time."""
    return result.status != FAIL and age < cache_seconds * STALE_FACTOR


def is_timeout(exc: BaseException) -> bool:
    """TimeoutError, socket.timeout, redis' TimeoutError, psycopg's ConnectionTimeout, ..."""
    return isinstance(exc, TimeoutError) or any("Timeout" in cls.__name__ for cls in type(exc).__mro__)


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


RUNNER = Runner(STATE)


def run_checks(budget: float | None = None, cache_seconds: float | None = None) -> Report:
    """The configured checks, through the process's one runner (shared by /health and the command)."""
    checks = select(conf.checks, conf.critical)
    return RUNNER.run(
        checks,
        conf.budget if budget is None else budget,
        conf.cache_seconds if cache_seconds is None else cache_seconds,
    )
