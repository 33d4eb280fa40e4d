"""The test suite's time against an earlier revision's, in one run on one machine.

The earlier revision (``--old``, by default ce9f9ff, where the suite stood when the house
was reviewed) is checked out with ``git worktree`` into a temporary folder and its suite
runs there with this checkout's Python environment (the same WeasyPrint and tools; the
old code and tests are imported from the worktree, which the script checks). Then this
checkout's suite runs. Both write JUnit XML; the script prints, for each side, the number
of tests, the wall time and the summed test durations, and then the same for the tests
both suites have, matched by test name (a test keeps its name when it moves to another
file), with the ratio new / old.

    python bench/bench_suite.py [--old REV] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_suite(where: Path, xml: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(where), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    tail = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]
    return seconds, tail


def durations(xml: Path) -> dict[str, float]:
    """Test name (function and parameters) → seconds, for the tests that passed."""
    out: dict[str, float] = {}
    for case in ET.parse(xml).iter("testcase"):
        if any(child.tag in ("failure", "error", "skipped") for child in case):
            continue
        out[case.get("name", "")] = out.get(case.get("name", ""), 0.0) + float(case.get("time", 0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default="ce9f9ff")
    parser.add_argument("--keep", action="store_true", help="keep the worktree and the XML files")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    old_root = tmp / "old"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(old_root), args.old], cwd=ROOT, check=True, capture_output=True
    )
    try:
        imported = subprocess.run(
            [sys.executable, "-c", "import budgetdoc; print(budgetdoc.__file__)"],
            cwd=old_root,
            env={**os.environ, "PYTHONPATH": str(old_root)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert imported.startswith(str(old_root)), f"the old suite would import {imported}"
        old_seconds, old_tail = run_suite(old_root, tmp / "old.xml")
        new_seconds, new_tail = run_suite(ROOT, tmp / "new.xml")
        old, new = durations(tmp / "old.xml"), durations(tmp / "new.xml")
    finally:
        if not args.keep:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_root)], cwd=ROOT, capture_output=True)
    both = sorted(set(old) & set(new))
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    print(f"old ({args.old}): {old_tail}; wall {old_seconds:.1f} s, tests {len(old)}, summed {sum(old.values()):.1f} s")
    print(
        f"new ({rev.strip()}): {new_tail}; wall {new_seconds:.1f} s, tests {len(new)}, summed {sum(new.values()):.1f} s"
    )
    o, n = sum(old[t] for t in both), sum(new[t] for t in both)
    print(f"the {len(both)} tests both have: old {o:.1f} s, new {n:.1f} s, ratio new / old {n / o:.2f}x")
    slower = sorted(both, key=lambda t: new[t] - old[t], reverse=True)[:8]
    print("most slowed of those:", ", ".join(f"{t} {old[t]:.2f}→{new[t]:.2f} s" for t in slower))
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load[0]:.1f} at the end"
    )
    if args.keep:
        print(f"kept: {tmp}")


if __name__ == "__main__":
    main()
