"""Run checks within a deadline: single-flight daemon threads, bounded waits, a short result cache.

Stale while revalidate: when the cached result has just expired, every probe arriving while
the one refresh flies would otherwise wait for it (under load, the p99 with the cache on was
worse than with it off).  A passing result up to STALE_FACTOR windows old is therefore
served at once while one refresh runs.  A failed result is never served stale to a caller that
may wait: a recovery is seen on the next probe, and a failure is reported at most STALE_FACTOR
windows late.

Why threads at all: a driver timeout bounds each check, but not always to the
budget (libpq's DNS lookup blocks, a project's check may ignore its timeout).
The request therefore waits on an Event until its deadline and never joins a
thread: a stuck check keeps one daemon thread, the next probes wait for that
same flight (single-flight) instead of starting more, and report timed_out.

Who waits, and how long (a waiting request holds a server thread, which /healthz and the
pages need too): a caller gives a flight at most its `wait` seconds *from the flight's start*,
so a flight that has already kept one caller waiting keeps no later one waiting.  When a
caller's wait is shorter than the budget and the flight has not answered, the check's latest
completed result stands in (the flight lands in the cache for the next probe).  views.py
decides the wait: the whole budget for one request per process at a time, WAIT_SHORT for the
others and under a single-threaded server; under ASGI the wait costs no thread (``arun``).

Every failure path ends by the next window: a thread that cannot start (a container's thread
limit) is a failed result cached like any other; a flight whose code fails outside the probe
still ends; a flight stuck past ABANDON_FACTOR times its timeout is abandoned and the next
probe starts a new one (at most MAX_ABANDONED stuck threads per check, then it waits for them).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from modestwear_config.components.deadline import deadline

from .catalog import SKIPPED, Probe, Selected, select
from .conf import conf
from .results import FAIL, OK, CheckReport, Report, Result
from .state import STATE, HealthState

__all__ = ["FAIL", "OK", "RUNNER", "CheckReport", "Report", "Result", "Runner", "is_timeout", "run_checks"]

logger = logging.getLogger("modestwear_config.health")

RESPONSE_RESERVE = 0.02  # seconds of the budget kept for rendering and sending the response
STALE_FACTOR = 2.0  # a passing result is served, while one refresh runs, until this many windows old
# Seconds a request waits for a flight when its thread is needed elsewhere: under a single-threaded
# server (a sync worker serves nothing else meanwhile, /healthz included), or while another request
# already waits the whole budget. Half of Kubernetes' default 1 s probe timeout.
WAIT_SHORT = 0.5
ABANDON_FACTOR = 2.0  # a flight older than this many timeouts is given up on; the next probe starts anew
MAX_ABANDONED = 2  # per check: stuck threads kept alive before no new flight is started
KEPT_SOCKETS = 8  # per check: the open sockets its flights connected, watched by its next flights' deadlines
Spawn = Callable[[Callable[[], None], str], None]


def spawn_thread(target: Callable[[], None], name: str) -> None:
    threading.Thread(target=target, name=name, daemon=True).start()


class _Flight:
    __slots__ = ("abandoned", "callbacks", "done", "result", "started", "timeout")

    def __init__(self, started: float, timeout: float) -> None:
        self.abandoned = False
        self.done = threading.Event()
        self.result: Result | None = None
        self.started = started
        self.timeout = timeout
        self.callbacks: list[Callable[[], None]] = []  # async waiters (arun), called once it lands


Found = tuple[_Flight | None, Result | None]  # the flight to wait for (if any), the result to give otherwise


class Runner:
    """Single-flight checks with a short cache; its flights and results live in `state`."""

    def __init__(self, state: HealthState | None = None, spawn: Spawn = spawn_thread) -> None:
        self.state = state if state is not None else HealthState()
        self.spawn = spawn

    def reset(self) -> None:
        """Forget every flight and cached result (tests)."""
        self.state.forget_results()

    def run(self, checks: Iterable[Selected], budget: float, cache_seconds: float, wait: float | None = None) -> Report:
        """Every check's result within `budget` seconds (the response's own work included), having
        waited for a flight at most `wait` seconds from its start (None: the whole budget)."""
        start, allowed, patience, selected = self._plan(checks, budget, wait)
        found = self._start(selected, start, allowed, cache_seconds)
        results = [self._wait(c.name, found[c.name], start, patience, allowed) for c in selected]
        return _report(selected, results, start)

    async def arun(self, checks: Iterable[Selected], budget: float, cache_seconds: float) -> Report:
        """``run`` for an event loop: it waits without holding any thread."""
        start, allowed, patience, selected = self._plan(checks, budget, None)
        found = self._start(selected, start, allowed, cache_seconds)
        for name in found:
            flight = found[name][0]
            if flight is not None:
                await self._await(flight, flight.started + patience)
        results = [self._wait(c.name, found[c.name], start, patience, allowed) for c in selected]
        return _report(selected, results, start)

    @contextmanager
    def waiting(self, single_threaded: bool) -> Iterator[float | None]:
        """The wait a request may give the flights: the whole budget for one request per process at a
        time; WAIT_SHORT for the others and under a single-threaded server."""
        if single_threaded or not self.state.waiter.acquire(blocking=False):
            yield WAIT_SHORT
            return
        try:
            yield None
        finally:
            self.state.waiter.release()

    def _plan(
        self, checks: Iterable[Selected], budget: float, wait: float | None
    ) -> tuple[float, float, float, list[Selected]]:
        start = time.monotonic()
        allowed = budget - min(RESPONSE_RESERVE, budget / 10)
        patience = allowed if wait is None else max(0.0, min(wait, allowed))
        return start, allowed, patience, list(checks)

    def _start(self, checks: list[Selected], now: float, budget: float, cache_seconds: float) -> dict[str, Found]:
        """For each check: a fresh cached result, or a flight (in the air or new) and the result that
        stands in for it (a passing stale one within the bound first, else the latest one)."""
        found: dict[str, Found] = {}
        with self.state.lock:
            for check in checks:
                cached = self.state.cache.get(check.name)
                if cached is not None and now - cached[0] < cache_seconds:
                    found[check.name] = (None, cached[1])
                    continue
                flight = self._flight(check.name, check.probe, now, budget)
                if isinstance(flight, Result):  # no flight could start: a failure like any other
                    found[check.name] = (None, flight)
                elif cached is not None and _servable(cached[1], now - cached[0], cache_seconds):
                    found[check.name] = (None, cached[1])
                else:
                    found[check.name] = (flight, cached[1] if cached is not None else None)
        return found

    def _flight(self, name: str, probe: Probe, now: float, timeout: float) -> _Flight | Result:
        """The check's flight in the air, or a new one; a failed result when none can start. Under the lock."""
        flight: _Flight | None = self.state.flights.get(name)
        if flight is not None and now - flight.started > ABANDON_FACTOR * max(flight.timeout, timeout):
            del self.state.flights[name]  # stuck: its thread ends (or not) on its own, unawaited
            flight.abandoned = True
            self.state.abandoned[name] = self.state.abandoned.get(name, 0) + 1
            _warn("Health check %s is stuck past its timeout: abandoned", name)
            flight = None
        if flight is not None:
            return flight
        if self.state.abandoned.get(name, 0) >= MAX_ABANDONED:
            return Result(FAIL, 0.0, True, "TimeoutError")  # enough stuck threads: timed out until one ends
        flight = _Flight(now, timeout)
        try:
            self.spawn(lambda: self._fly(name, probe, flight, timeout), f"modestwear-health:{name}")
        except BaseException as exc:  # noqa: BLE001 - RuntimeError: can't start new thread (and anything else)
            result = Result(FAIL, 0.0, False, type(exc).__name__)
            _warn("Health check %s could not start: %s", name, result.error)
            self.state.cache[name] = (now, result)  # retried once the window has passed
            return result
        self.state.flights[name] = flight
        return flight

    def _fly(self, name: str, probe: Probe, flight: _Flight, timeout: float) -> None:
        start = time.monotonic()
        result = Result(FAIL, 0.0, False, "RuntimeError")  # if even building the result fails
        # A deadline, not only the drivers' per-read timeouts: the sockets this flight connects, and those
        # the check's earlier flights connected and keep open, are shut down when it is due. Due when the
        # flight would be abandoned: late enough that a check slowed by a busy machine still answers
        # (the callers stopped waiting at the budget anyway), early enough that a trickle ends.
        with deadline(timeout * ABANDON_FACTOR, watch=self.state.sockets.get(name, ())) as scope:
            try:
                outcome = probe(timeout)
                result = Result(SKIPPED if outcome == SKIPPED else OK, _ms(start))
            except BaseException as exc:  # noqa: BLE001 - even SystemExit: this thread ends here, the flight must too
                expired = scope.expired  # the driver saw its socket closed under it: the deadline's doing
                result = Result(
                    FAIL, _ms(start), expired or is_timeout(exc), "TimeoutError" if expired else type(exc).__name__
                )
                _log_failure(name, result)
            finally:
                self.state.sockets[name] = scope.alive()[-KEPT_SOCKETS:]
                self._land(name, flight, result)

    def _land(self, name: str, flight: _Flight, result: Result) -> None:
        with self.state.lock:
            if self.state.flights.get(name) is flight:  # not orphaned by reset() nor abandoned
                del self.state.flights[name]
                self.state.cache[name] = (time.monotonic(), result)
            elif flight.abandoned:
                self.state.abandoned[name] = max(0, self.state.abandoned.get(name, 0) - 1)
            flight.result = result
            flight.done.set()
            callbacks, flight.callbacks = flight.callbacks, []
        for callback in callbacks:
            callback()

    def _wait(self, name: str, found: Found, start: float, patience: float, allowed: float) -> Result:
        flight, standing_in = found
        if flight is None:
            return standing_in if standing_in is not None else _timed_out(start)
        # Never past the flight's own start + this caller's patience: a late flight keeps no one waiting.
        if flight.done.wait(max(0.0, flight.started + patience - time.monotonic())) and flight.result is not None:
            return flight.result
        if patience < allowed and standing_in is not None:
            return standing_in  # this caller could not wait: the latest completed result, however old
        _warn("Health check %s did not answer within the budget", name)
        return _timed_out(start)

    async def _await(self, flight: _Flight, until: float) -> None:
        loop = asyncio.get_running_loop()
        landed = loop.create_future()

        def resolve() -> None:
            if not landed.done():
                landed.set_result(None)

        def wake() -> None:
            try:
                loop.call_soon_threadsafe(resolve)
            except RuntimeError:  # the loop closed meanwhile: nobody waits any more
                pass

        with self.state.lock:
            if not flight.done.is_set():
                flight.callbacks.append(wake)
                remaining = until - time.monotonic()
            else:
                remaining = 0.0
        if remaining > 0:
            await asyncio.wait({landed}, timeout=remaining)


def _log_failure(name: str, result: Result) -> None:
    """The alias is in the name; never the exception text (it can hold hosts or URLs)."""
    _warn("Health check %s failed: %s%s", name, result.error, " (timed out)" if result.timed_out else "")


def _warn(message: str, *args: object) -> None:
    try:
        logger.warning(message, *args)
    except Exception:  # noqa: BLE001 - a project's logging filter or handler that raises must not strand a flight
        pass


def _report(selected: list[Selected], results: list[Result], start: float) -> Report:
    return Report(tuple(CheckReport(c.name, c.critical, r) for c, r in zip(selected, results, strict=True)), _ms(start))


def _timed_out(start: float) -> Result:
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


def _configured(budget: float | None, cache_seconds: float | None) -> tuple[list[Selected], float, float]:
    return (
        select(conf.checks, conf.critical),
        conf.budget if budget is None else budget,
        conf.cache_seconds if cache_seconds is None else cache_seconds,
    )


def run_checks(budget: float | None = None, cache_seconds: float | None = None, wait: float | None = None) -> Report:
    """The configured checks, through the process's one runner (shared by /health and the command)."""
    checks, budget, cache_seconds = _configured(budget, cache_seconds)
    return RUNNER.run(checks, budget, cache_seconds, wait)


async def arun_checks() -> Report:
    """``run_checks`` on an event loop (ASGI's /health): no thread waits."""
    return await RUNNER.arun(*_configured(None, None))
