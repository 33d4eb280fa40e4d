#!/usr/bin/env python3
"""Benchmark of the council book: prints the figures the README shows, with the machine.

    .venv/bin/python bench/bench_book.py [--n 1000] [--jobs 0] [--keep DIR] [--pdf-variant pdf/a-2b]

It writes N synthetic projects (the reference project with other titles, in 12 실·국 of up
to 4 부서 each: half cut down to one 과목 and two pages, a third as they are, three pages,
the rest with 10–40 more bullets, four to six pages; all pass ``check``) and measures,
with the command line (``generate.py book``) in a child process:

* the cold book (empty cache): time, pages, size;
* peak memory of the whole process tree, sampled from /proc (sum of RSS and of PSS,
  which counts pages shared between the workers once), and ``ru_maxrss`` of the command
  and of its largest descendant;
* the book again after one project gains a page (its contents grow), and a no-change rebuild.

A benchmark, not a test: it prints numbers and gates nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "2024" / "지역균형발전_추진.yaml"
OFFICES = [
    "기획조정실",
    "재무국",
    "균형발전본부",
    "기후환경본부",
    "복지정책실",
    "도시교통실",
    "문화본부",
    "경제정책실",
    "행정국",
    "주택정책실",
    "안전총괄실",
    "시민건강국",
]
SUBJECTS = ["지역", "청년", "어르신", "소상공인", "보행", "녹지", "공공도서관", "마을공동체", "자전거", "전통시장"]
ACTIONS = ["활성화", "지원", "기반 조성", "추진", "운영", "환경 개선", "역량 강화", "네트워크 구축"]
SENTENCE = "관계 부서와 자치구가 함께 참여하는 협력 체계를 구축하고 분야별 추진실적을 점검하여 성과 지표를 관리"


def _short(project: dict[str, Any]) -> None:
    """Only the 사무관리비 과목, fewer bullets: two pages. Totals are left for the tool to compute."""
    items = [i for i in project["budget"]["items"] if i["name"] == "사무관리비"]
    project["budget"] = {"items": items}
    project["overview"].pop("total", None)
    project["overview"]["funding"]["city"] = items[0]["current"]
    project["schedule"].pop("total", None)
    project["schedule"]["rows"][0]["amount"] = items[0]["current"]
    project["description"]["history"] = project["description"]["history"][:2]
    project["effects"]["achievements"] = {y: v[:1] for y, v in project["effects"]["achievements"].items()}


def write_projects(n: int, data: Path, seed: int = 6) -> list[Path]:
    """Half short (2 pages), a third as the reference (3), the rest longer (4–6): about 2.8 pages each."""
    rng = random.Random(seed)
    reference = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    files = []
    for i in range(n):
        project: dict[str, Any] = yaml.safe_load(yaml.safe_dump(reference, allow_unicode=True))
        office = OFFICES[i * len(OFFICES) // n]
        project["title"] = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {i + 1:04d}"
        project["contacts"]["office"] = office
        project["contacts"]["department"] = f"{office} 제{rng.randint(1, 4)}과"
        kind = rng.random()
        if kind < 0.5:
            _short(project)
        elif kind > 0.83:
            extra = rng.choice([10, 20, 30, 40])
            project["description"]["content"] += [f"{SENTENCE} ({k + 1})" for k in range(extra)]
        path = data / f"{i // 100:02d}" / f"{i:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(project, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
        files.append(path)
    return files


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss * 1024, pss * 1024


def run(args: list[str]) -> dict[str, Any]:
    """Run the command line; sample the memory of its process tree while it runs."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0, 0]
    cpu: dict[int, float] = {}

    def sample() -> None:
        while proc.poll() is None:
            pids = _tree(proc.pid)
            rss, pss = _memory(pids)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            for pid in pids:
                try:
                    cpu[pid] = _cpu(pid)
                except (OSError, IndexError):
                    pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} → {proc.returncode}\n{err}")
    return {"seconds": seconds, "rss": peak[0], "pss": peak[1], "cpu": sum(cpu.values()), "stderr": err.strip()}


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB, Python {platform.python_version()}, load {load:.2f} at start"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of projects (default 1000)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: cores)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    parser.add_argument("--pdf-variant", default=None, help="make the book as pdf/a-2b, pdf/a-3b or pdf/ua-1")
    opts = parser.parse_args()
    work = opts.keep or Path(tempfile.mkdtemp(prefix="bench-book-"))
    shutil.rmtree(work / "data", ignore_errors=True)
    shutil.rmtree(work / "out", ignore_errors=True)
    files = write_projects(opts.n, work / "data")
    book = work / "out" / "book.pdf"
    cli = [
        sys.executable,
        str(ROOT / "generate.py"),
        "book",
        str(work / "data"),
        "-o",
        str(book),
        "--jobs",
        str(opts.jobs),
        "--org",
        "서울특별시",
    ]
    if opts.pdf_variant:
        cli += ["--pdf-variant", opts.pdf_variant]
    print(f"machine: {machine()}")
    print(f"PDF: {opts.pdf_variant or 'plain'}")
    print(f"projects: {opts.n} in {work / 'data'}")

    cold = run(cli)
    n_pages = pages(book)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(
        f"cold book: {cold['seconds']:.1f} s, {n_pages} pages ({n_pages / cold['seconds']:.1f} pages/s), "
        f"{book.stat().st_size / 2**20:.1f} MiB; CPU {cold['cpu']:.0f} s "
        f"({cold['cpu'] / cold['seconds']:.2f} of {os.cpu_count()} cores busy with it on average)"
    )
    print(
        f"peak memory (process tree, sampled): RSS {cold['rss'] / 2**20:.0f} MiB, PSS {cold['pss'] / 2**20:.0f} MiB; "
        f"ru_maxrss of the largest finished descendant {children / 2**20:.0f} MiB"
    )

    same = run(cli)
    print(f"no change: {same['seconds']:.1f} s")

    changed = files[len(files) // 2]
    project = yaml.safe_load(changed.read_text(encoding="utf-8"))
    project["description"]["content"] += [f"{SENTENCE} (추가 {k + 1})" for k in range(45)]
    changed.write_text(yaml.safe_dump(project, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    one = run(cli)
    print(
        f"one project changed (gains pages): {one['seconds']:.1f} s, {pages(book)} pages "
        f"(was {n_pages}); peak PSS {one['pss'] / 2**20:.0f} MiB"
    )
    print(f"last message: {one['stderr'].splitlines()[-1]}")
    if not opts.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
