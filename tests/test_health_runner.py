"""The runner: deadline held without joining threads, single-flight, result cache, report schema."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from modestwear_config.health import builtin as checks
from modestwear_config.health.catalog import SKIPPED, Selected
from modestwear_config.health.runner import Report, Result, Runner, is_timeout, run_checks

BUDGET = 0.3


class Gate:
    """A probe that blocks until released, counting its calls: a dependency that never answers."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, timeout: float) -> None:
        self.calls += 1
        self.release.wait(10)


def counting(outcome: object = None, error: Exception | None = None):
    calls = []

    def probe(timeout: float) -> object:
        calls.append(timeout)
        if error is not None:
            raise error
        return outcome

    return probe, calls


def flight_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("modestwear-health:")]


@pytest.fixture
def runner():
    return Runner()


def test_runner__results_by_status(runner):
    ok, _ = counting()
    skipped, _ = counting(SKIPPED)
    failing, _ = counting(error=ConnectionRefusedError("secret host db.internal:5432"))
    report = runner.run(
        [Selected("a", ok, True), Selected("b", skipped, False), Selected("c", failing, False)], BUDGET, 0
    )
    results = {c.name: c.result for c in report.checks}
    assert [results[n].status for n in "abc"] == ["ok", "skipped", "fail"]
    assert results["c"].error == "ConnectionRefusedError" and not results["c"].timed_out
    assert report.status == "degraded"


@pytest.mark.parametrize("critical, status", [(True, "fail"), (False, "degraded")])
def test_runner__overall_status_follows_criticality(runner, critical, status):
    failing, _ = counting(error=OSError())
    ok, _ = counting()
    report = runner.run([Selected("db", failing, critical), Selected("x", ok, True)], BUDGET, 0)
    assert report.status == status


def test_runner__all_ok_or_skipped_is_ok(runner):
    ok, _ = counting()
    skipped, _ = counting(SKIPPED)
    assert runner.run([Selected("a", ok, True), Selected("b", skipped, True)], BUDGET, 0).status == "ok"


def test_runner__hung_probe_answers_within_budget_without_joining(runner):
    gate = Gate()
    start = time.monotonic()
    report = runner.run([Selected("hung", gate, True)], BUDGET, 0)
    elapsed = time.monotonic() - start
    result = report.checks[0].result
    assert BUDGET * 0.9 <= elapsed <= BUDGET * 1.1
    assert (result.status, result.timed_out, result.error) == ("fail", True, "TimeoutError")
    assert report.status == "fail"
    assert all(t.daemon for t in flight_threads())
    gate.release.set()


def test_runner__single_flight_concurrent_callers_share_one_probe(runner):
    gate = Gate()
    reports: list[Report] = []
    callers = [
        threading.Thread(target=lambda: reports.append(runner.run([Selected("g", gate, False)], BUDGET, 0)))
        for _ in range(8)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(5)
    assert gate.calls == 1
    assert len(reports) == 8 and all(r.checks[0].result.timed_out for r in reports)
    gate.release.set()


def test_runner__stuck_check_keeps_one_thread_across_many_probes(runner):
    from modestwear_config.health.runner import ABANDON_FACTOR, MAX_ABANDONED

    gate = Gate()
    timeout = 0.01
    started = time.monotonic()
    try:
        for _ in range(20):
            runner.run([Selected("stuck", gate, False)], timeout, 0)
        elapsed = time.monotonic() - started
        stuck = [t for t in flight_threads() if t.name == "modestwear-health:stuck"]
        # Never a thread per probe, however slow the machine; within one abandon window, exactly one.
        assert gate.calls == len(stuck) <= MAX_ABANDONED
        if elapsed < timeout * ABANDON_FACTOR:
            assert gate.calls == 1
    finally:
        gate.release.set()  # a failure must not leave stuck threads for the next test to count


def test_runner__finished_flight_result_reaches_later_caller(runner):
    gate = Gate()
    first = runner.run([Selected("slow", gate, False)], 0.01, 0)
    assert first.checks[0].result.timed_out
    gate.release.set()
    time.sleep(0.05)
    second = runner.run([Selected("slow", gate, False)], BUDGET, 5)
    assert second.checks[0].result.status == "ok" and gate.calls == 1  # the cached, finished flight


def test_runner__cache_window_reuses_result(runner):
    probe, calls = counting()
    for _ in range(5):
        runner.run([Selected("c", probe, False)], BUDGET, 60)
    assert len(calls) == 1


def test_runner__cache_window_zero_probes_every_time(runner):
    probe, calls = counting()
    for _ in range(3):
        runner.run([Selected("c", probe, False)], BUDGET, 0)
    assert len(calls) == 3


def test_runner__cache_expires(runner):
    probe, calls = counting()
    runner.run([Selected("c", probe, False)], BUDGET, 0.05)
    time.sleep(0.06)
    runner.run([Selected("c", probe, False)], BUDGET, 0.05)
    assert len(calls) == 2


def test_runner__probe_gets_budget_as_timeout(runner):
    probe, calls = counting()
    runner.run([Selected("c", probe, False)], 1.25, 0)
    assert calls == [pytest.approx(1.25 - 0.02)]  # the budget less what the response needs


def test_runner__checks_run_in_parallel(runner):
    gates = [Gate() for _ in range(3)]
    start = time.monotonic()
    runner.run([Selected(f"g{i}", g, False) for i, g in enumerate(gates)], BUDGET, 0)
    assert time.monotonic() - start < BUDGET * 1.1 + 0.02  # not 3 x the budget
    for gate in gates:
        gate.release.set()


def test_runner__reset_orphans_flight_result(runner):
    gate = Gate()
    runner.run([Selected("o", gate, False)], 0.01, 0)
    runner.reset()
    gate.release.set()
    time.sleep(0.05)
    probe, calls = counting(error=OSError())
    report = runner.run([Selected("o", probe, False)], BUDGET, 60)
    assert calls and report.checks[0].result.status == "fail"  # not the orphan's late "ok"


def test_runner__base_exception_in_probe_still_ends_flight(runner):
    def interrupted(timeout: float) -> None:
        raise SystemExit(3)

    report = runner.run([Selected("i", interrupted, False)], BUDGET, 0)
    assert report.checks[0].result.error == "SystemExit"
    probe, _ = counting()
    assert runner.run([Selected("i", probe, False)], BUDGET, 0).checks[0].result.status == "ok"


def test_runner__failure_logged_with_type_only(runner, caplog):
    failing, _ = counting(error=ConnectionError("redis://:CanaryPw@cache.internal:6379"))
    with caplog.at_level(logging.WARNING, "modestwear_config.health"):
        runner.run([Selected("cache:sessions", failing, False)], BUDGET, 0)
    assert "Health check cache:sessions failed: ConnectionError" in caplog.text
    assert "CanaryPw" not in caplog.text and "internal" not in caplog.text


@pytest.mark.parametrize(
    "exc, expected",
    [
        (TimeoutError(), True),
        (OSError(), False),
        (ValueError(), False),
    ],
)
def test_runner__is_timeout(exc, expected):
    assert is_timeout(exc) is expected


def test_runner__is_timeout_recognises_driver_timeouts():
    import psycopg
    import redis

    assert is_timeout(redis.exceptions.TimeoutError())
    assert is_timeout(psycopg.errors.ConnectionTimeout())
    assert not is_timeout(redis.exceptions.ConnectionError())


def test_runner__as_dict_anonymous_and_detailed():
    report = Report(
        (
            __import__("modestwear_config.health.runner", fromlist=["CheckReport"]).CheckReport(
                "database", True, Result("fail", 12.5, True, "TimeoutError")
            ),
        ),
        13.0,
    )
    assert report.as_dict(detailed=False, version="9.9") == {
        "status": "fail",
        "version": "9.9",
        "checks": {"database": {"status": "fail", "critical": True, "timed_out": True}},
    }
    detailed = report.as_dict(detailed=True, version="9.9")
    assert detailed["duration_ms"] == 13.0
    assert detailed["checks"]["database"] == {
        "status": "fail",
        "critical": True,
        "timed_out": True,
        "duration_ms": 12.5,
        "error": "TimeoutError",
    }


def test_runner__run_checks_uses_settings(settings):
    from modestwear_config.health.runner import RUNNER

    settings.MODESTWEAR_HEALTH_CHECKS = ()
    settings.MODESTWEAR_HEALTH_CRITICAL = ("database",)
    RUNNER.reset()
    report = run_checks(budget=2.0, cache_seconds=0)
    names = [c.name for c in report.checks]
    assert names[:2] == ["database", "cache"]
    assert {c.name: c.critical for c in report.checks}["database"] is True
    checks.reset()  # close the kept health connection


class Scripted:
    """A probe whose calls follow a script: "ok", "fail" or "block" (until released)."""

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.calls = 0
        self.release = threading.Event()

    def __call__(self, timeout: float) -> None:
        step = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if step == "block":
            self.release.wait(10)
        elif step == "fail":
            raise ConnectionError("down")


WINDOW = 0.2  # cache_seconds in the stale-while-revalidate tests


def wait_for_refresh(runner: Runner, name: str) -> None:
    deadline = time.monotonic() + 5
    while any(t.name == f"modestwear-health:{name}" for t in flight_threads()) and time.monotonic() < deadline:
        time.sleep(0.005)


def test_runner__stale_passing_result_served_at_once_while_one_refresh_runs(runner):
    probe = Scripted("ok", "block")
    runner.run([Selected("db", probe, True)], BUDGET, WINDOW)
    time.sleep(WINDOW * 1.2)  # expired, within 2 windows
    start = time.monotonic()
    reports = [runner.run([Selected("db", probe, True)], BUDGET, WINDOW) for _ in range(10)]
    elapsed = time.monotonic() - start
    # The old runner made each of these wait for the blocked refresh until the budget ran out.
    assert [r.checks[0].result.status for r in reports] == ["ok"] * 10
    assert not any(r.checks[0].result.timed_out for r in reports)
    assert elapsed < BUDGET
    assert probe.calls == 2  # the first check and ONE refresh
    probe.release.set()


def test_runner__refreshed_result_replaces_the_stale_one(runner):
    probe = Scripted("ok", "fail")
    runner.run([Selected("db", probe, True)], BUDGET, WINDOW)
    time.sleep(WINDOW * 1.2)
    assert runner.run([Selected("db", probe, True)], BUDGET, WINDOW).status == "ok"  # stale, refresh launched
    wait_for_refresh(runner, "db")
    assert runner.run([Selected("db", probe, True)], BUDGET, WINDOW).status == "fail"  # ok -> fail: next probe
    assert probe.calls == 2


def test_runner__result_older_than_the_bound_is_not_served(runner):
    probe = Scripted("ok", "block")
    runner.run([Selected("db", probe, True)], BUDGET, WINDOW / 4)
    time.sleep(WINDOW * 0.6)  # more than 2 windows of WINDOW / 4
    report = runner.run([Selected("db", probe, True)], 0.05, WINDOW / 4)
    assert report.checks[0].result.timed_out  # waited for the refresh, as without the cache
    probe.release.set()


def test_runner__failed_result_is_never_served_stale(runner):
    probe = Scripted("fail", "ok")
    assert runner.run([Selected("db", probe, True)], BUDGET, WINDOW).status == "fail"
    time.sleep(WINDOW * 1.2)
    # fail -> ok: the recovery shows on the very next probe, not one window later.
    assert runner.run([Selected("db", probe, True)], BUDGET, WINDOW).status == "ok"


# -- every failure path of the runner ends by the next window (hardening III, class 5) ------------------
@pytest.fixture
def thread_limit(monkeypatch):
    """The container's thread limit, for the runner's threads only: starting one raises what CPython raises."""
    limit = {"refuse": True}
    real_start = threading.Thread.start

    def start(self):
        if limit["refuse"] and self.name.startswith("modestwear-health:"):
            raise RuntimeError("can't start new thread")
        return real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    return limit


def test_runner__thread_start_failure_recovers_by_the_next_window(runner, thread_limit):
    probe, calls = counting()
    start = time.monotonic()
    first = runner.run([Selected("db", probe, True)], BUDGET, WINDOW)
    assert time.monotonic() - start < BUDGET / 2  # answered at once, not after waiting on a flight that never flies
    assert (first.checks[0].result.status, first.checks[0].result.error) == ("fail", "RuntimeError")
    thread_limit["refuse"] = False
    time.sleep(WINDOW * 1.2)
    # The old runner kept the empty flight: every later probe waited the budget and failed, forever.
    assert runner.run([Selected("db", probe, True)], BUDGET, WINDOW).status == "ok"
    assert len(calls) == 1


def test_runner__flight_failing_outside_the_probe_still_lands(runner):
    """A project's logging filter that raises (the flight logs the failure) must not strand the flight."""
    health_logger = logging.getLogger("modestwear_config.health")

    def broken_filter(record):
        raise ZeroDivisionError("a project's filter")

    health_logger.addFilter(broken_filter)
    try:
        failing, _ = counting(error=ConnectionError())
        runner.run([Selected("db", failing, True)], BUDGET, 0)
    finally:
        health_logger.removeFilter(broken_filter)
    wait_for_refresh(runner, "db")
    probe, _ = counting()
    assert runner.run([Selected("db", probe, True)], BUDGET, 0).status == "ok"


def test_runner__stuck_flight_abandoned_after_its_timeout_threads_bounded(runner):
    from modestwear_config.health.runner import ABANDON_FACTOR, MAX_ABANDONED

    gate = Gate()
    budget = 0.1
    try:
        for _ in range(MAX_ABANDONED + 3):
            runner.run([Selected("stuck", gate, False)], budget, 0)
            time.sleep(budget * ABANDON_FACTOR * 1.2)
        # A new flight for each abandoned one until MAX_ABANDONED threads are stuck: never one per probe.
        assert gate.calls == MAX_ABANDONED
        assert len([t for t in flight_threads() if t.name == "modestwear-health:stuck"]) == MAX_ABANDONED
    finally:
        gate.release.set()
    wait_for_refresh(runner, "stuck")
    # The stuck threads ended: the next probe starts a flight again and sees the dependency's answer.
    probe, _ = counting()
    assert runner.run([Selected("stuck", probe, False)], budget, 0).status == "ok"


FAULTS = ("ok", "fail", "no-thread", "filter-raises", "hang")


@given(st.lists(st.sampled_from(FAULTS), min_size=1, max_size=5))
@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_runner__property_any_fault_sequence_recovers_by_the_next_window(monkeypatch, faults):
    """Whatever went wrong (a failing check, no thread, a flight failing outside the probe, a hung
    check), once it stops the first probe a window later (plus the abandon time for a hang) is right."""
    from modestwear_config.health.runner import ABANDON_FACTOR

    runner = Runner()
    budget, window = 0.05, 0.05
    gates: list[threading.Event] = []
    real_start = threading.Thread.start
    refuse = {"on": False}
    monkeypatch.setattr(
        threading.Thread,
        "start",
        lambda self: (
            (_ for _ in ()).throw(RuntimeError("can't start new thread"))
            if refuse["on"] and self.name.startswith("modestwear-health:")
            else real_start(self)
        ),
    )
    health_logger = logging.getLogger("modestwear_config.health")

    def raising(record):
        raise ZeroDivisionError()

    try:
        for fault in faults:
            refuse["on"] = fault == "no-thread"
            if fault == "filter-raises":
                health_logger.addFilter(raising)
            gate = threading.Event()
            gates.append(gate)

            def probe(timeout: float, fault=fault, gate=gate) -> None:
                if fault == "hang":
                    gate.wait(10)
                elif fault in ("fail", "filter-raises"):
                    raise ConnectionError()

            runner.run([Selected("dep", probe, True)], budget, window)
            health_logger.removeFilter(raising)
            refuse["on"] = False
            time.sleep(window * 1.1 + (budget * ABANDON_FACTOR * 1.2 if fault == "hang" else 0))
            gate.set()  # the fault stops: a hung dependency answers at last
        healthy, _ = counting()
        time.sleep(window * 1.1)
        assert runner.run([Selected("dep", healthy, True)], budget, window).status == "ok", faults
        assert len([t for t in flight_threads() if t.name == "modestwear-health:dep"]) <= 1
    finally:
        health_logger.removeFilter(raising)
        for gate in gates:
            gate.set()


# -- who waits, and how long (hardening III, class 8) -------------------------------------------------
def test_runner__a_late_flight_keeps_no_later_caller_waiting(runner):
    gate = Gate()
    runner.run([Selected("db", gate, True)], 5.0, 0, wait=0.2)
    time.sleep(0.3)  # the flight is older than any caller's short wait
    start = time.monotonic()
    report = runner.run([Selected("db", gate, True)], 5.0, 0, wait=0.2)
    # The old runner made every caller wait its own budget (here 5 s) for the same late flight.
    assert time.monotonic() - start < 0.15
    assert report.checks[0].result.timed_out and gate.calls == 1
    gate.release.set()


def test_runner__short_wait_gives_the_latest_result_while_the_flight_runs(runner):
    probe = Scripted("fail", "block")
    runner.run([Selected("db", probe, True)], BUDGET, 0)
    report = runner.run([Selected("db", probe, True)], BUDGET, 0, wait=0.01)
    assert (report.status, report.checks[0].result.error) == ("fail", "ConnectionError")  # the latest, not timed out
    full = runner.run([Selected("db", probe, True)], BUDGET, 0)  # a caller that may wait: the truth, timed out
    assert full.checks[0].result.timed_out and probe.calls == 2
    probe.release.set()


def test_runner__one_request_per_process_waits_the_whole_budget(runner):
    from modestwear_config.health.runner import WAIT_SHORT

    with runner.waiting(single_threaded=False) as first, runner.waiting(single_threaded=False) as second:
        assert (first, second) == (None, WAIT_SHORT)
    with runner.waiting(single_threaded=False) as again:
        assert again is None  # released
    with runner.waiting(single_threaded=True) as single:
        assert single == WAIT_SHORT  # a single-threaded server serves nothing else meanwhile, /healthz included


def test_runner__async_waiters_hold_no_thread(runner):
    import asyncio

    gate = Gate()
    before = threading.active_count()

    async def many() -> list[Report]:
        return await asyncio.gather(*(runner.arun([Selected("db", gate, True)], BUDGET, 0) for _ in range(20)))

    start = time.monotonic()
    reports = asyncio.run(many())
    assert time.monotonic() - start < BUDGET * 3  # awaited together, within the budget
    assert all(r.checks[0].result.timed_out for r in reports) and gate.calls == 1
    assert threading.active_count() - before <= 1  # the one flight; no thread per waiting request
    gate.release.set()
    wait_for_refresh(runner, "db")
    probe, _ = counting()
    assert asyncio.run(runner.arun([Selected("db", probe, True)], BUDGET, 0)).status == "ok"
