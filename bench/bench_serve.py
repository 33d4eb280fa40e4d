#!/usr/bin/env python3
"""Benchmark of the live preview: from a save to the updated page, beside one bare render.

    .venv/bin/python bench/bench_serve.py [--saves 20] [--poll]

It copies the reference project into a temporary folder, starts ``generate.py serve``
on a free port, opens the page once (so that the worker is warm) and listens to the
server-sent events. Then it saves the file ``--saves`` times, alternating a wrong
number and the right one (each save a write to a temporary file and a rename, as
editors do), and times, from the moment before each save:

* ``checked``: the event saying the problem list is up to date (the check alone);
* ``rendered``: the event saying the updated page is available (check and render);
* then a plain GET of the page, which must show the new problems.

Saves are 0.5 s apart so that each one is seen alone. In the same run and the same
process as this script, it measures the bare work one save needs: load and check the
YAML, render the page's HTML with the same Renderer (``Renderer.html``), median of as
many runs. The goal is ``rendered`` ≤ 1.3 × bare + 0.2 s and ``checked`` ≤ 0.3 s.

A benchmark, not a test: it prints numbers and gates nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REFERENCE = ROOT / "data" / "2024" / "지역균형발전_추진.yaml"
GOOD = "              amount: 5100\n"
WRONG = "              amount: 5200\n"


def bare(path: Path, n: int) -> tuple[float, float]:
    """Median seconds of (load + check + HTML, HTML alone) for ``path``, in a warm process."""
    from budgetdoc.check.rules import check, errors
    from budgetdoc.formats.load import load
    from budgetdoc.write.render import Renderer

    renderer = Renderer()
    whole, alone = [], []
    for i in range(n + 2):
        started = time.perf_counter()
        doc = load(path)
        bad = errors(check(doc))
        mid = time.perf_counter()
        renderer.html(doc.project, marked=frozenset(p.field for p in bad), draft=bool(bad))
        done = time.perf_counter()
        if i >= 2:  # the first two warm the template cache
            whole.append(done - started)
            alone.append(done - mid)
    return statistics.median(whole), statistics.median(alone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--poll", action="store_true", help="serve --poll (periodic checks instead of notifications)")
    args = parser.parse_args()

    print(
        f"CPU: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; Python {platform.python_version()}"
    )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    path = folder / "지역균형발전_추진.yaml"
    good = REFERENCE.read_text(encoding="utf-8")
    wrong = good.replace(GOOD, WRONG)
    path.write_text(good, encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "generate.py"),
            "serve",
            str(folder),
            "--port",
            "0",
            *(["--poll"] if args.poll else []),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    events: list[tuple[float, dict[str, Any]]] = []
    try:
        assert proc.stderr is not None
        url = ""
        for line in proc.stderr:
            found = re.search(r"미리보기: (http://\S+/)", line)
            if found:
                url = found[1]
                break
        if not url:
            raise SystemExit("the server did not start")
        threading.Thread(target=lambda: [None for _ in proc.stderr or []], daemon=True).start()
        client = httpx.Client(base_url=url, timeout=60)
        page = "/p/" + str(path)
        client.get(page)  # warm: the worker renders once
        heard = threading.Event()

        def listen() -> None:
            with httpx.Client(base_url=url, timeout=httpx.Timeout(60, read=None)) as sse:
                try:
                    with sse.stream("GET", "/events") as stream:
                        heard.set()
                        for line in stream.iter_lines():
                            if line.startswith("data: "):
                                events.append((time.perf_counter(), json.loads(line[6:])))
                except httpx.HTTPError:
                    pass  # the server stopped at the end of the run

        threading.Thread(target=listen, daemon=True).start()
        heard.wait(30)
        time.sleep(0.5)
        checked, rendered, got = [], [], []
        for i in range(args.saves):
            text = wrong if i % 2 == 0 else good
            seen = len(events)
            tmp = folder / f".{path.name}.swp"
            tmp.write_text(text, encoding="utf-8")
            started = time.perf_counter()
            os.replace(tmp, path)
            deadline = started + 30
            stages: dict[str, float] = {}
            while time.perf_counter() < deadline and "rendered" not in stages:
                for at, message in events[seen:]:
                    stages.setdefault(message["stage"], at)
                time.sleep(0.002)
            if "rendered" not in stages or "checked" not in stages:
                raise SystemExit(f"save {i + 1}: no update within 30 s")
            checked.append(stages["checked"] - started)
            rendered.append(stages["rendered"] - started)
            before = time.perf_counter()
            body = client.get(page).text
            got.append(time.perf_counter() - before)
            if ("5,200천원으로 적혀 있습니다" in body) != (text is wrong):
                raise SystemExit(f"save {i + 1}: the page does not show the saved version")
            time.sleep(0.5)
        whole, alone = bare(path, args.saves)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"

    mode = "--poll" if args.poll else "notifications"
    print(f"{args.saves} saves of the reference project ({mode}):")
    print(f"  save → problem list updated (checked):   {ms(checked)}")
    print(f"  save → updated page available (rendered): {ms(rendered)}")
    print(f"  then a plain GET of the page:             {ms(got)}")
    print(f"bare, in this process: load + check + HTML {whole * 1000:.0f} ms, HTML alone {alone * 1000:.0f} ms")
    goal = 1.3 * whole + 0.2
    print(
        f"goal: rendered ≤ 1.3 × bare + 0.2 s = {goal * 1000:.0f} ms → "
        f"{'met' if statistics.median(rendered) <= goal else 'not met'}; "
        f"checked ≤ 300 ms → {'met' if statistics.median(checked) <= 0.3 else 'not met'}"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
