#!/usr/bin/env python3
"""Benchmark: a Dask LocalCluster of 2 single-threaded workers against the local ``--jobs 2`` pool.

    .venv/bin/python bench/bench_cluster.py [--n 200] [--rounds 2] [--batch 200]

Writes N synthetic projects (the generator of ``bench_build.py``), starts a
LocalCluster (2 worker processes, 1 thread each) and builds the same projects into
fresh output folders, alternating local, cluster, cluster, local with ``--rounds 2``
so that load from other processes falls on both alike. Each build is the library's
``build()`` (what ``generate.py build`` runs), timed from the call to its return:
for the cluster that includes connecting to the scheduler, registering the font
check and the workers' start-up (the renderer and its fonts), for the local pool
starting its processes. Both builds must give the same bytes; the script checks it.

Prints the per-document cost, the cluster/local ratio (the target is at most 1.15)
and the machine with its load, which on a shared machine may explain a figure.

A benchmark, not a test: it prints numbers and gates nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_build import _system_ticks, machine, write_projects  # noqa: E402

from budgetdoc.batch import build as B  # noqa: E402
from budgetdoc.batch import cluster as C  # noqa: E402
from budgetdoc.batch import job as J  # noqa: E402


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.suffix in (".html", ".pdf")}


def timed(label: str, run: object, out: Path, n: int) -> tuple[float, float]:
    """Seconds of one build and the machine's busy CPU share meanwhile (all processes, 0..cores)."""
    shutil.rmtree(out, ignore_errors=True)
    busy0, _ = _system_ticks()
    started = time.perf_counter()
    summary = run()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    busy1, _ = _system_ticks()
    cores = (busy1 - busy0) / os.sysconf("SC_CLK_TCK") / seconds
    assert (summary.built, summary.failed) == (n, 0), (label, summary.built, summary.failed)
    print(f"  {label}: {seconds:.1f} s ({seconds / n * 1000:.0f} ms per document), machine busy {cores:.2f} cores")
    return seconds, cores


def main() -> None:
    from distributed import LocalCluster

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="number of projects (default 200)")
    parser.add_argument("--rounds", type=int, default=2, choices=(1, 2), help="2: local, cluster, cluster, local")
    parser.add_argument("--batch", type=int, default=C.BATCH, help=f"documents per task at most (default {C.BATCH})")
    args = parser.parse_args()
    for what, value in machine():
        print(f"{what}: {value}")
    work = Path(tempfile.mkdtemp(prefix="budgetdoc-bench-cluster-"))
    try:
        data = work / "data"
        write_projects(args.n, data)
        options = J.Options()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            print(f"projects: {args.n}; cluster: 2 workers × 1 thread at {cluster.scheduler_address}")
            print(f"batch: {C.batch_size(args.n, 2, args.batch)} documents per task")
            C.BATCH = args.batch

            def local() -> B.Summary:
                return B.build([str(data)], work / "local", options, jobs=2)

            def dask() -> B.Summary:
                return B.build([str(data)], work / "cluster", options, scheduler=cluster.scheduler_address)

            order = [("local --jobs 2", local), ("cluster", dask)]
            if args.rounds == 2:
                order += list(reversed(order))
            times: dict[str, list[float]] = {"local --jobs 2": [], "cluster": []}
            loads: list[float] = []
            for label, run in order:
                seconds, cores = timed(label, run, work / ("local" if run is local else "cluster"), args.n)
                times[label].append(seconds)
                loads.append(cores)
        same = outputs(work / "local") == outputs(work / "cluster")
        local_s, cluster_s = (statistics.mean(times[k]) for k in ("local --jobs 2", "cluster"))
        print(f"outputs byte-identical: {'yes' if same else 'NO'}")
        print(
            f"local --jobs 2: {local_s:.1f} s, {local_s / args.n * 1000:.0f} ms per document (mean of {len(times['cluster'])})"
        )
        print(f"cluster: {cluster_s:.1f} s, {cluster_s / args.n * 1000:.0f} ms per document")
        print(f"ratio cluster/local: {cluster_s / local_s:.2f}× (target ≤ 1.15×)")
        print(f"machine busy during the builds: {min(loads):.2f}–{max(loads):.2f} of {os.cpu_count()} cores")
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
