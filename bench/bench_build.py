#!/usr/bin/env python3
"""Benchmark of batch builds: prints the figures the README shows, with the machine.

    .venv/bin/python bench/bench_build.py [--n 1000] [--jobs1-n 250] [--rounds 2] [--keep DIR]

It writes N synthetic projects (varied from the reference project: titles, 1–8 과목,
산출근거 lines, bullets, schedule rows; every number consistent, so all pass ``check``)
into a temporary folder and measures, in this order:

* ``check`` over all N (CLI process);
* full build with ``--jobs 2`` (CLI process, fresh output folder) and the floor: a bare
  WeasyPrint loop over the same HTML with 2 processes; with ``--rounds 2`` in the order
  build, floor, floor, build, so that load from other processes falls on both alike;
* no-op rebuild, one-changed-file rebuild and a cold single-document build (CLI process);
* the same comparison with ``--jobs 1`` and 1 process (over every ``N/jobs1-n``-th project);
* peak memory (resident set of the build's processes, from /proc);
* the cost of keeping Korean words whole (the same HTML with and without WORD JOINERs).

Every long measurement also says how much CPU other processes took meanwhile: on a
shared machine that, not the tool, may explain a slow figure. The tool runs from a copy
taken at the start, so edits to the working tree during the run change nothing.

A benchmark, not a test: it prints numbers and gates nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLI = [PYTHON, str(ROOT / "generate.py")]
TEMPLATES = ROOT / "templates"

# --------------------------------------------------------------------------- synthetic projects

OFFICES = [
    ("균형발전본부", ["균형발전정책과", "동남권사업과", "동북권사업과"]),
    ("기후환경본부", ["기후환경정책과", "녹색에너지과", "대기정책과", "자원순환과"]),
    ("복지정책실", ["복지기획관", "노인복지과", "장애인복지정책과"]),
    ("도시교통실", ["교통정책과", "보행정책과", "버스정책과", "주차계획과"]),
    ("문화본부", ["문화정책과", "박물관과", "지역문화진흥과"]),
]
SUBJECTS = [
    "지역",
    "청년",
    "어르신",
    "소상공인",
    "보행",
    "녹지",
    "공공도서관",
    "마을공동체",
    "자전거",
    "전통시장",
    "기후위기",
    "미세먼지",
    "평생학습",
    "관광",
    "안전",
    "돌봄",
    "디지털",
    "주거",
    "일자리",
    "문화예술",
]
ACTIONS = [
    "활성화",
    "지원",
    "기반 조성",
    "추진",
    "운영",
    "환경 개선",
    "역량 강화",
    "네트워크 구축",
    "홍보",
    "시범사업",
    "종합계획 수립",
    "실태조사",
]
ITEMS = [
    "사무관리비",
    "기간제근로자등보수",
    "국외업무여비",
    "국내여비",
    "시책추진업무추진비",
    "특정업무경비",
    "행사운영비",
    "공공운영비",
    "민간경상사업보조",
    "자치단체경상보조금",
    "연구용역비",
    "시설비",
    "자산취득비",
    "민간위탁금",
]
LINE_LABELS = [
    "위원회 운영",
    "자문회의 개최",
    "홍보물 제작",
    "현장 점검",
    "교육 프로그램 운영",
    "성과 평가",
    "시민 참여단 운영",
    "안내 표지 설치",
    "조사 분석",
    "설명회 개최",
    "협의체 운영",
    "행사 운영",
]
PART_LABELS = [
    "회의 참석수당",
    "자료 인쇄비",
    "다과비",
    "장소 대관료",
    "강사료",
    "차량 임차료",
    "원고료",
    "디자인비",
    "운송비",
    "소모품 구입비",
]
UNITS = ["명", "회", "개월", "부", "식", "개소", "건", "일"]
SENTENCES = [
    "지역 간 격차를 줄이고 균형 있는 발전을 도모",
    "시민이 체감할 수 있는 생활 밀착형 정책 추진",
    "관계 부서와 자치구가 함께 참여하는 협력 체계 구축",
    "분야별 추진실적을 점검하고 성과 지표를 관리",
    "전문가 자문을 거쳐 실효성 있는 세부 과제를 발굴",
    "사업 대상지의 여건과 수요를 조사하여 우선순위를 결정",
    "민간 전문 기관과 협업하여 사업 효과를 높임",
    "시민 의견을 수렴하여 정책에 반영하고 결과를 공개",
    "기존 시설을 정비하여 이용 편의를 높이고 안전을 확보",
    "취약 계층의 접근성을 높이는 맞춤형 서비스를 제공",
]
LAWS = [
    "서울특별시 지역균형발전 지원 조례",
    "지방재정법 제33조",
    "서울특별시 시민참여 기본 조례",
    "국가균형발전 특별법",
    "서울특별시 기후위기 대응 조례",
    "지방자치법 제13조",
]
NAMES = ["김기봉", "김나연", "김승연", "이민호", "박서연", "최지훈", "정하은", "강도윤", "윤수아", "한지민"]


def _sentence(rng: random.Random, subject: str) -> str:
    text = f"{subject} {rng.choice(SENTENCES)}"
    for _ in range(rng.choice([0, 0, 1, 2])):
        text += f" 및 {rng.choice(SENTENCES)}"
    return text


def _bullets(rng: random.Random, subject: str, low: int, high: int) -> list[str]:
    return [_sentence(rng, subject) for _ in range(rng.randint(low, high))]


def _formula_line(rng: random.Random, label: str) -> dict[str, Any]:
    """A line whose formula (in 원) is exactly ``amount`` 천원."""
    unit_price = rng.choice([10, 25, 50, 75, 100, 150, 200, 500, 1000, 2500]) * 1000
    factors = [rng.randint(1, 30) for _ in range(rng.randint(1, 3))]
    amount = unit_price // 1000
    for f in factors:
        amount *= f
    formula = f"{unit_price:,}원" + "".join(f"*{f}{rng.choice(UNITS)}" for f in factors)
    return {"label": label, "formula": formula, "amount": amount}


def _item(rng: random.Random, name: str) -> tuple[dict[str, Any], int]:
    basis: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 4)):
        label = rng.choice(LINE_LABELS)
        if rng.random() < 0.35:
            parts = [_formula_line(rng, rng.choice(PART_LABELS)) for _ in range(rng.randint(2, 4))]
            basis.append({"label": label, "amount": sum(p["amount"] for p in parts), "parts": parts})
        else:
            basis.append(_formula_line(rng, label))
    current = sum(line["amount"] for line in basis)
    previous = rng.choice([0, current, current // 2, current + rng.randint(1, 5000), rng.randint(1, 300000)])
    return {"name": name, "previous": previous, "current": current, "basis": basis}, current


def synthesize(i: int, rng: random.Random) -> dict[str, Any]:
    """One consistent project; totals, differences and rates are left for the tool to compute."""
    year = 2024
    office, departments = rng.choice(OFFICES)
    subject = rng.choice(SUBJECTS)
    title = f"{subject} {rng.choice(ACTIONS)}"
    if rng.random() < 0.3:
        title = f"{rng.choice(SUBJECTS)} {title}"
    items, total = [], 0
    for name in rng.sample(ITEMS, rng.randint(1, 8)):
        item, current = _item(rng, name)
        items.append(item)
        total += current
    national = rng.choice([0, 0, total // 2, total // 3])
    rows, left = [], total
    n_rows = rng.randint(1, 5)
    for k in range(n_rows):
        amount = left if k == n_rows - 1 else rng.randint(0, left)
        left -= amount
        rows.append(
            {
                "step": f"{rng.choice(LINE_LABELS)} {k + 1}단계",
                "period": f"{year}.{1 + k * 2:02d}~{year}.12",
                "amount": amount,
                "detail": _sentence(rng, subject),
            }
        )
    settlement = []
    for k in range(3):
        final, carried_in, change = rng.randint(1000, 300000), rng.choice([0, 0, rng.randint(0, 5000)]), 0
        spent = rng.randint(0, final + carried_in)
        carried_out = rng.choice([0, 0, (final + carried_in - spent) // 2])
        settlement.append(
            {
                "year": year - 4 + k,
                "final_budget": final,
                "carried_in": carried_in,
                "change": change,
                "spent": spent,
                "carried_out": carried_out,
            }
        )
    period: dict[str, Any] = {"kind": "연례반복"}
    if rng.random() < 0.4:
        start = rng.randint(2019, 2024)
        period = {"kind": rng.choice(["계속", "한시"]), "start": start, "end": start + rng.randint(1, 5)}
    return {
        "fiscal_year": year,
        "title": title,
        "overview": {
            "account": rng.choice(["일반회계", "일반회계", "도시개발특별회계", "기후대응기금"]),
            "period": period,
            "summary": _bullets(rng, subject, 1, 3),
            "funding": {"national": national or None, "city": total - national, "district": None, "other": None},
        },
        "contacts": {
            "office": office,
            "department": rng.choice(departments),
            "director": {"name": rng.choice(NAMES), "phone": f"2133-{rng.randint(1000, 9999)}"},
            "team_leader": {"name": rng.choice(NAMES), "phone": f"2133-{rng.randint(1000, 9999)}"},
            "officer": {"name": rng.choice(NAMES), "phone": f"2133-{rng.randint(1000, 9999)}"},
        },
        "budget": {"items": items},
        "description": {
            "purpose": _bullets(rng, subject, 1, 3),
            "legal_basis": rng.sample(LAWS, rng.randint(1, 3)),
            "content": _bullets(rng, subject, 1, 6),
            "history": _bullets(rng, subject, 0, 8),
        },
        "schedule": {"rows": rows},
        "effects": {
            "achievements": {year - 3 + k: _bullets(rng, subject, 1, 4) for k in range(3)},
            "expected": _bullets(rng, subject, 1, 3),
        },
        "settlement": settlement,
    }


def write_projects(n: int, data: Path, seed: int = 5) -> list[Path]:
    """``n`` projects under ``data/<실·국>/``; the reference project is the first."""
    rng = random.Random(seed)
    files = []
    reference = ROOT / "data" / "2024" / "지역균형발전_추진.yaml"
    for i in range(n):
        if i == 0:
            path = data / "균형발전본부" / "0000_지역균형발전_추진.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(reference, path)
        else:
            project = synthesize(i, rng)
            path = data / project["contacts"]["office"] / f"{i:04d}_{project['title'].replace(' ', '_')}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(project, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
        files.append(path)
    return files


# --------------------------------------------------------------------------- measuring


def machine() -> list[tuple[str, str]]:
    from importlib.metadata import version

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores"),
        ("RAM", f"{mem_kb / 1024 / 1024:.1f} GB"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("WeasyPrint", version("weasyprint")),
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def _tree(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _rss_kb(pid: int) -> tuple[int, int]:
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def _cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def _system_ticks() -> tuple[int, int]:
    """CPU ticks spent by everything on the machine (busy, and stolen by the hypervisor)."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return user + nice + system + irq + softirq, steal


class Watch:
    """Peak memory of a process tree, and the CPU that other processes took meanwhile (from /proc)."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int) -> None:
        self.pid, self.total_kb, self.single_kb = pid, 0, 0
        self.others = self.steal = 0.0  # cores, on average
        self._first = {p: t for p in _tree(pid) if (t := _cpu_ticks(p)) is not None}
        self._ticks = dict(self._first)
        self._busy, self._stolen = _system_ticks()
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        samples = []
        for pid in _tree(self.pid):
            samples.append(_rss_kb(pid))
            ticks = _cpu_ticks(pid)
            if ticks is not None:
                self._ticks[pid] = max(self._ticks.get(pid, 0), ticks)
        self.total_kb = max(self.total_kb, sum(rss for rss, _ in samples))
        self.single_kb = max([self.single_kb, *(hwm for _, hwm in samples)])

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def stop(self) -> Watch:
        self._stop.set()
        self._thread.join()
        wall = time.perf_counter() - self._started
        busy, stolen = _system_ticks()
        ours = sum(self._ticks.values()) - sum(self._first.values())
        self.others = max(0, busy - self._busy - ours) / self.HZ / wall
        self.steal = (stolen - self._stolen) / self.HZ / wall
        return self

    def load(self) -> str:
        text = f"other processes {self.others:.2f} cores"
        return text + (f", stolen {self.steal:.2f}" if self.steal >= 0.01 else "")


class Run:
    def __init__(self, seconds: float, stderr: str, code: int, watch: Watch | None) -> None:
        self.seconds, self.stderr, self.code, self.watch = seconds, stderr, code, watch

    @property
    def summary(self) -> str:
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""


def cli(cli_path: list[str], *args: str, env: dict[str, str], watch: bool = False) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen([*cli_path, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    watcher = Watch(proc.pid) if watch else None
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    return Run(seconds, err, proc.returncode, watcher.stop() if watcher else None)


def expect(run: Run, built: int, skipped: int) -> None:
    wanted = f"만듦 {built}, 건너뜀 {skipped}, 실패 0"
    if not run.summary.startswith(wanted):
        raise SystemExit(f"예상과 다른 빌드 결과: {run.summary!r} (예상 {wanted!r})\n{run.stderr[-2000:]}")


_BARE: dict[str, Any] = {}


def _bare_init(base_url: str) -> None:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    _BARE.update(weasyprint=weasyprint, fonts=FontConfiguration(), base_url=base_url)


def _bare_one(path: str) -> int:
    html = Path(path).read_text(encoding="utf-8")
    document = _BARE["weasyprint"].HTML(string=html, base_url=_BARE["base_url"])
    return len(document.write_pdf(font_config=_BARE["fonts"]))


def bare_loop(html_files: list[Path], processes: int, templates: Path) -> tuple[float, Watch]:
    """The floor: WeasyPrint alone over the same HTML, ``processes`` at a time, process start included."""
    ordered = [str(p) for p in sorted(html_files, key=lambda p: -p.stat().st_size)]
    watch = Watch(os.getpid())
    started = time.perf_counter()
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(processes, initializer=_bare_init, initargs=(templates.as_uri() + "/",)) as pool:
        for _ in pool.imap_unordered(_bare_one, ordered, chunksize=1):
            pass
    return time.perf_counter() - started, watch.stop()


def joiner_cost(html_files: list[Path], tool: Path) -> tuple[float, float]:
    """Seconds per document with and without the keep-all WORD JOINERs, alternating, one process."""
    sys.path.insert(0, str(tool))
    from budgetdoc.write.keepall import join_words

    _bare_init((tool / "templates").as_uri() + "/")
    weasyprint = _BARE["weasyprint"]
    joined = plain = 0.0
    _bare_one(str(html_files[0]))  # fonts loaded
    for path in html_files:
        html = path.read_text(encoding="utf-8")
        for join in (True, False):
            started = time.perf_counter()
            document = weasyprint.HTML(string=html, base_url=_BARE["base_url"])
            if join:
                join_words(document.etree_element)
            document.write_pdf(font_config=_BARE["fonts"])
            took = time.perf_counter() - started
            if join:
                joined += took
            else:
                plain += took
    return joined / len(html_files), plain / len(html_files)


def snapshot(into: Path) -> Path:
    """A copy of the tool as it is now, so that edits made while the benchmark runs change nothing."""
    for name in ("budgetdoc", "templates"):
        shutil.copytree(ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "generate.py", into / "generate.py")
    return into


def median(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def compare(
    jobs: int,
    data: Path,
    n: int,
    out: Path,
    rounds: int,
    run_cli: list[str],
    env: dict[str, str],
    tool: Path,
    report: Callable[[str, str], None],
) -> tuple[Path, float, float]:
    """Full builds with ``--jobs`` and the bare floor with as many processes; mean seconds of each."""
    builds: list[Run] = []
    floors: list[tuple[float, Watch]] = []

    def build() -> None:
        shutil.rmtree(out, ignore_errors=True)
        run = cli(
            run_cli, "build", str(data), "-o", str(out), "--jobs", str(jobs), "--no-progress", env=env, watch=True
        )
        expect(run, n, 0)
        assert run.watch is not None
        builds.append(run)
        report(
            f"full build --jobs {jobs}, {n} projects",
            f"{run.seconds:.1f} s, {n / run.seconds:.2f} docs/s ({run.watch.load()})",
        )

    def floor() -> None:
        seconds, watch = bare_loop(sorted(out.rglob("*.html")), jobs, tool / "templates")
        floors.append((seconds, watch))
        report(
            f"bare WeasyPrint, {jobs} process{'es' if jobs > 1 else ''}, {n} projects",
            f"{seconds:.1f} s, {n / seconds:.2f} docs/s ({watch.load()})",
        )

    build()
    floor()
    if rounds == 2:
        floor()
        build()
    assert builds[0].watch is not None
    report(
        f"peak memory, full build --jobs {jobs}",
        f"{builds[0].watch.total_kb / 1024:.0f} MB all processes, "
        f"{builds[0].watch.single_kb / 1024:.0f} MB largest process",
    )
    ours = statistics.mean(r.seconds for r in builds)
    bare = statistics.mean(s for s, _ in floors)
    report(f"full build / bare WeasyPrint, {jobs} process{'es' if jobs > 1 else ''}", f"{ours / bare:.3f}")
    return out, bare, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="number of projects (default 1000)")
    parser.add_argument(
        "--jobs1-n",
        type=int,
        default=None,
        help="build with --jobs 1 (and the 1-process floor) over only this many of them",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each short measurement (median shown)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        choices=(1, 2),
        help="2 (default): full builds and floors in the order build, floor, floor, build, so that "
        "load from other processes falls on both alike; 1: build, floor",
    )
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="budgetdoc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    tool = snapshot(work / "tool")
    env = {**os.environ, "BUDGETDOC_TEMPLATES": str(tool / "templates")}
    run_cli = [PYTHON, str(tool / "generate.py")]
    rows: list[tuple[str, str]] = []

    def report(what: str, value: str) -> None:
        rows.append((what, value))
        print(f"{what}: {value}", flush=True)

    for what, value in machine():
        print(f"{what}: {value}", flush=True)
    print(f"작업 폴더: {work}", flush=True)

    data = work / "data"
    files = write_projects(args.n, data)
    n = len(files)
    subset_n = min(args.jobs1_n or n, n)
    step = n / subset_n
    subset = [files[int(i * step)] for i in range(subset_n)]
    sub_data = work / "subset"
    for path in subset:
        target = sub_data / path.relative_to(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)

    run = cli(run_cli, "check", str(data), env=env)
    if run.code != 0:
        raise SystemExit(f"합성 데이터가 검사를 통과하지 못했습니다:\n{run.stderr[-2000:]}")
    report(f"check, {n} projects", f"{run.seconds:.2f} s")

    out2, floor2, full2 = compare(2, data, n, work / "out-j2", args.rounds, run_cli, env, tool, report)

    noop = [
        cli(run_cli, "build", str(data), "-o", str(out2), "--jobs", "2", "--no-progress", env=env)
        for _ in range(args.repeat)
    ]
    for r in noop:
        expect(r, 0, n)
    report(f"no-op rebuild, {n} projects", f"{median(noop):.2f} s (median of {len(noop)})")

    changed = []
    for k in range(args.repeat):
        path = files[(k * 97 + 13) % n]
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^title: (.*)$", rf"title: \1 {k + 2}차", text, count=1, flags=re.M), encoding="utf-8")
        r = cli(run_cli, "build", str(data), "-o", str(out2), "--jobs", "2", "--no-progress", env=env)
        expect(r, 1, n - 1)
        changed.append(r)
    report(f"one changed file, {n} projects", f"{median(changed):.2f} s (median of {len(changed)})")

    cold = []
    for k in range(args.repeat):
        out_cold = work / f"out-cold-{k}"
        r = cli(run_cli, "build", str(files[0]), "-o", str(out_cold), "--no-progress", env=env)
        expect(r, 1, 0)
        cold.append(r)
    report("cold single document (reference project)", f"{median(cold):.2f} s (median of {len(cold)})")

    out1, floor1, full1 = compare(1, sub_data, subset_n, work / "out-j1", args.rounds, run_cli, env, tool, report)
    speedup = (n / full2) / (subset_n / full1)
    report("--jobs 2 speed-up over --jobs 1 (docs/s)", f"{speedup:.2f}×")
    report("bare WeasyPrint 2 processes speed-up over 1 (docs/s)", f"{(n / floor2) / (subset_n / floor1):.2f}×")

    sample = sorted(out1.rglob("*.html"))[:50]
    joined, plain = joiner_cost(sample, tool)
    report(
        f"keep-all word joiners, {len(sample)} documents",
        f"{joined:.3f} s/doc with, {plain:.3f} s/doc without ({(joined / plain - 1) * 100:+.0f}%)",
    )

    report("load average at end", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("\n| 측정 | 결과 |\n|---|---|")
    for what, value in machine()[:-1] + rows:
        print(f"| {what} | {value} |")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
