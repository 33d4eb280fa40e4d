"""Time ``diff`` and ``rollover`` on a git repository of varied projects (tests/docgen.py).

    .venv/bin/python bench/bench_cycle.py [--projects 2000]

Three commits: the projects; every project's first 과목 changed; ten of them changed
again. Prints the wall time and the peak memory of each command (a fresh process, as
CI runs it) and the load average around it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import docgen  # noqa: E402

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=ENV, capture_output=True)


def timed(repo: Path, *args: str) -> None:
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), *args], cwd=repo, stdout=out)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        size = out.tell()
    print(
        f"{' '.join(args)}: {seconds:.1f} s, exit {child.returncode}, {size:,} bytes out, "
        f"peak {usage.ru_maxrss / 1024:.0f} MB, load {load:.1f} → {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2000)
    n = parser.parse_args().projects
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        git(repo, "init", "-q")
        specs = docgen.specs(n, seed=11)
        docgen.write(repo / "data", specs)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "projects")
        specs = [s.with_item(s.items[0][0], s.items[0][2] + 1000) for s in specs]
        docgen.write(repo / "data", specs)
        git(repo, "commit", "-q", "-am", "every project changed")
        for i in range(0, n, max(1, n // 10)):
            s = specs[i]
            path = repo / "data" / str(s.year) / s.office / f"{i:04d}.yaml"
            path.write_text(docgen.text(s.with_item(s.items[0][0], s.items[0][2] + 5000)), encoding="utf-8")
        git(repo, "commit", "-q", "-am", "ten changed")
        print(f"{n:,} projects, {os.cpu_count()} CPUs")
        timed(repo, "diff", "HEAD~2", "HEAD~1", "--format", "markdown")
        timed(repo, "diff", "HEAD~1", "HEAD", "--format", "markdown")
        timed(repo, "rollover", "data", "--to", "2025")


if __name__ == "__main__":
    main()
