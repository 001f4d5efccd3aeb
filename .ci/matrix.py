"""Run every pair of noxfile.MATRIX, one nox session after another, then print a summary table.

    .venv/bin/python .ci/matrix.py [nox arguments]

Each Python keeps one virtualenv per dependency set under .nox/ (noxfile.shared_venv), reused by its pairs.

Exit status 1 when any pair fails (every pair is required: a missing interpreter fails its pair).
"""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from noxfile import RESULTS
from tests.support.matrix import MATRIX


def counts(junit: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) from pytest's JUnit XML; failed includes errors."""
    if not junit.exists():
        return 0, 0, 0
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")  # type: ignore[assignment]
    tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    return tests - skipped - failed, failed, skipped


def run_pair(python: str, django: str, nox_args: list[str]) -> tuple[int, float]:
    junit = RESULTS / f"py{python}-django{django}.xml"
    junit.unlink(missing_ok=True)  # a stale file must not count for this run
    session = f"tests(python='{python}', django='{django}')"
    print(f"\n=== {session}", flush=True)
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", session, *nox_args])
    return code, time.monotonic() - started


def main(nox_args: list[str]) -> int:
    rows, failures = [], 0
    for (python, django), (dependencies, selection) in MATRIX.items():
        code, seconds = run_pair(python, django, nox_args)
        junit = RESULTS / f"py{python}-django{django}.xml"
        passed, failed, skipped = counts(junit)
        status = "ok" if code == 0 else "FAILED" if junit.exists() else "FAILED (no test ran: see its log above)"
        failures += code != 0
        tests = "all" if selection == "all" else f"-m '{selection}'"
        rows.append(
            (
                f"Python {python} + Django {django}",
                f"{dependencies}, {tests}",
                str(passed),
                str(failed),
                str(skipped),
                f"{seconds:.0f} s",
                status,
            )
        )
    header = ("pair", "dependency set", "passed", "failed", "skipped", "wall time", "result")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print("\nSupported matrix (noxfile.py):")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    total_passed = sum(int(row[2]) for row in rows)
    total_failed = sum(int(row[3]) for row in rows)
    print(f"{failures} of {len(rows)} required pairs failed" if failures else f"all {len(rows)} pairs passed")
    print(f"matrix: {total_passed} passed, {total_failed} failed", flush=True)  # the closing line CI reads
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
