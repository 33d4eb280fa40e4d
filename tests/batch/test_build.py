"""Batch builds: incremental, reproducible and safe, with real WeasyPrint and real files.

The documents are the reference project under different titles. One small batch is
built once per module (``batch``); tests that change it work on a copy (``copy``),
which keeps the outputs' modification times and so stays fresh for the manifest.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REFERENCE_YAML, ROOT

from budgetdoc.batch import build as B
from budgetdoc.batch import files as F
from budgetdoc.batch import job as J
from budgetdoc.batch import manifest as M
from budgetdoc.batch import pool as P
from budgetdoc.errors import UsageError
from budgetdoc.formats.sources import Source

TITLES = {
    "2023/가": "가로수 정비",
    "2023/나": "나눔 장터 운영",
    "2024/다": "다함께 돌봄",
    "2024/라": "라디오 홍보",
    "2024/마": "마을 정원 조성",
    "2024/바": "바람길 숲 조성",
}
REFERENCE = REFERENCE_YAML.read_text(encoding="utf-8")


def project(title: str, extra: str = "") -> str:
    text = REFERENCE.replace("title: 지역균형발전 추진", f"title: {title}")
    return text.replace("  expected:\n", f"  expected:\n    - {extra}\n" if extra else "  expected:\n")


def write_data(root: Path, names: dict[str, str] = TITLES) -> Path:
    for rel, title in names.items():
        path = root / f"{rel}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(project(title), encoding="utf-8")
    return root


def files(out: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``out`` → (inode, size, mtime_ns): a rewrite changes at least one."""
    found = {}
    for path in out.rglob("*"):
        if path.is_file():
            st = path.stat()
            found[path.relative_to(out).as_posix()] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.suffix in (".html", ".pdf") and not p.name.startswith(".")
    }


def run_build(data: Path, out: Path, jobs: int = 2, **kwargs: object) -> B.Summary:
    return B.build([str(data)], out, J.Options(), jobs=jobs, **kwargs)  # type: ignore[arg-type]


def whole_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    summary = run_build(write_data(root / "data"), root / "out")
    assert (summary.built, summary.failed) == (len(TITLES), 0)
    return root


@pytest.fixture
def copy(batch: Path, tmp_path: Path) -> Path:
    shutil.copytree(batch, tmp_path / "b", symlinks=True)
    return tmp_path / "b"


# --------------------------------------------------------------------------- incremental


def test_first_build_mirrors_the_data_tree(batch: Path) -> None:
    assert sorted(outputs(batch / "out")) == sorted(f"{rel}.{fmt}" for rel in TITLES for fmt in ("html", "pdf"))
    manifest = json.loads((batch / "out" / M.MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["documents"]) == sorted(TITLES)
    assert manifest["documents"]["2023/가"]["source"] == "../data/2023/가.yaml"
    assert all(whole_pdf(data) for name, data in outputs(batch / "out").items() if name.endswith(".pdf"))


def test_noop_rebuild_rewrites_no_file(copy: Path) -> None:
    before = files(copy / "out")
    summary = run_build(copy / "data", copy / "out")
    assert (summary.built, summary.skipped, summary.failed, summary.removed) == (0, len(TITLES), 0, 0)
    assert files(copy / "out") == before


def test_a_noop_build_imports_neither_the_model_nor_any_renderer(batch: Path) -> None:
    code = (
        "import json, sys; from pathlib import Path; from budgetdoc.batch import build as B, job as J\n"
        f"s = B.build([{str(batch / 'data')!r}], Path({str(batch / 'out')!r}), J.Options(), jobs=2)\n"
        "assert (s.built, s.skipped) == (0, %d), s\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    ) % len(TITLES)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    heavy = {"weasyprint", "yaml", "pydantic", "jinja2", "markupsafe", "pikepdf"}
    ours = {
        "budgetdoc.formats.load",
        "budgetdoc.check.rules",
        "budgetdoc.model.document",
        "budgetdoc.model.figures",
        "budgetdoc.write.render",
        "budgetdoc.write.hwpx",
    }
    assert not (heavy | ours) & loaded
    assert {"budgetdoc.batch.build", "budgetdoc.batch.manifest", "budgetdoc.write.assets"} <= loaded


def test_changing_one_yaml_rewrites_exactly_its_outputs(copy: Path) -> None:
    before = files(copy / "out")
    (copy / "data" / "2024" / "라.yaml").write_text(project("라디오 홍보", "청취자 의견 반영"), encoding="utf-8")
    summary = run_build(copy / "data", copy / "out")
    assert (summary.built, summary.skipped) == (1, len(TITLES) - 1)
    after = files(copy / "out")
    assert sorted(k for k in after if after[k] != before.get(k)) == [M.MANIFEST, "2024/라.html", "2024/라.pdf"]
    assert "청취자" in (copy / "out" / "2024" / "라.html").read_text(encoding="utf-8")


def test_output_deleted_by_hand_is_rebuilt(copy: Path) -> None:
    (copy / "out" / "2023" / "나.pdf").unlink()
    (copy / "out" / "2024" / "다.html").write_text("고친 파일", encoding="utf-8")
    summary = run_build(copy / "data", copy / "out")
    assert (summary.built, summary.skipped) == (2, len(TITLES) - 2)
    assert sorted(r.source.rel for r in summary.results) == ["2023/나", "2024/다"]


def test_outputs_restored_with_other_times_are_still_fresh(copy: Path) -> None:
    """A CI cache or a copy may keep the bytes and lose the times: the content decides then."""
    for path in (copy / "out").rglob("*.*"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    pdf = copy / "out" / "2024" / "바.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOX"))  # same size, other bytes
    summary = run_build(copy / "data", copy / "out")
    assert (summary.built, summary.skipped) == (1, len(TITLES) - 1)
    assert [r.source.rel for r in summary.results] == ["2024/바"]
    before = files(copy / "out")
    assert run_build(copy / "data", copy / "out").skipped == len(TITLES)
    assert files(copy / "out") == before


def test_verify_rehashes_every_output_and_rebuilds_what_does_not_match(copy: Path) -> None:
    """A PDF damaged in place with its size and time kept is found by ``verify`` only."""
    pdf = copy / "out" / "2024" / "라.pdf"
    st = pdf.stat()
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOX"))
    os.utime(pdf, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert run_build(copy / "data", copy / "out").skipped == len(TITLES)
    summary = run_build(copy / "data", copy / "out", verify=True)
    assert (summary.built, summary.skipped) == (1, len(TITLES) - 1)
    assert [r.source.rel for r in summary.results] == ["2024/라"]
    assert whole_pdf(pdf.read_bytes())
    before = files(copy / "out")
    assert run_build(copy / "data", copy / "out", verify=True).skipped == len(TITLES)
    assert files(copy / "out") == before


def test_an_edit_during_the_build_then_reverted_leaves_no_stale_output(tmp_path: Path) -> None:
    """The document is rendered from the bytes its key was made of, not from a later read."""
    data = tmp_path / "data"
    data.mkdir()
    yaml_file = data / "x.yaml"
    yaml_file.write_text(project("처음 제목"), encoding="utf-8")
    html = tmp_path / "out" / "x.html"
    options = J.Options(formats=("html",))

    def edit(todo: int, skipped: int) -> None:  # the bytes are read by now; the document is not rendered yet
        yaml_file.write_text(project("고친 제목"), encoding="utf-8")

    assert B.build([str(data)], tmp_path / "out", options, on_plan=edit).built == 1
    assert "처음 제목" in html.read_text(encoding="utf-8")
    assert "고친 제목" not in html.read_text(encoding="utf-8")
    yaml_file.write_text(project("처음 제목"), encoding="utf-8")  # reverted: what is built is right
    assert B.build([str(data)], tmp_path / "out", options).skipped == 1
    yaml_file.write_text(project("고친 제목"), encoding="utf-8")  # kept: rebuilt
    assert B.build([str(data)], tmp_path / "out", options).built == 1
    assert "고친 제목" in html.read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", ["missing", "not json"])
def test_damaged_manifest_means_rebuilding_not_crashing(copy: Path, batch: Path, damage: str) -> None:
    manifest = copy / "out" / M.MANIFEST
    if damage == "missing":
        manifest.unlink()
    else:
        manifest.write_bytes(manifest.read_bytes()[:100])
    summary = run_build(copy / "data", copy / "out")
    assert (summary.built, summary.skipped, summary.failed) == (len(TITLES), 0, 0)
    assert summary.notes == (
        []
        if damage == "missing"
        else [f"{manifest}: 매니페스트를 읽을 수 없어(JSON이 아닙니다) 모든 출력을 다시 확인합니다"]
    )
    assert outputs(copy / "out") == outputs(batch / "out")
    assert run_build(copy / "data", copy / "out").skipped == len(TITLES)


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"documents": []}',
        '{"version": 1, "documents": {"a": {}}}',
        '{"version": 2}',
        "\x00\xff",
    ],
)
def test_a_manifest_of_another_shape_or_version_counts_as_empty(tmp_path: Path, text: str) -> None:
    (tmp_path / M.MANIFEST).write_text(text, encoding="utf-8")
    assert M.read_manifest(tmp_path)["documents"] == {}


def test_manifest_entries_of_the_wrong_shape_are_rebuilt(copy: Path) -> None:
    manifest = copy / "out" / M.MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["documents"]["2023/가"] = "x"
    data["documents"]["2023/나"]["outputs"]["pdf"] = [1, 2]
    data["documents"]["2024/다"]["outputs"] = None
    manifest.write_text(json.dumps(data), encoding="utf-8")
    summary = run_build(copy / "data", copy / "out")
    assert sorted(r.source.rel for r in summary.results) == ["2023/가", "2023/나", "2024/다"]


def test_force_rebuilds_everything(copy: Path) -> None:
    summary = run_build(copy / "data", copy / "out", force=True)
    assert (summary.built, summary.skipped) == (len(TITLES), 0)


def test_outputs_of_deleted_data_files_are_removed_only_for_folders_being_built(tmp_path: Path) -> None:
    first = write_data(tmp_path / "first", {"a": "가로수 정비", "b": "나눔 장터 운영"})
    second = write_data(tmp_path / "second", {"c": "다함께 돌봄"})
    out = tmp_path / "out"
    assert B.build([str(first), str(second)], out, J.Options(), jobs=2).built == 3
    (first / "b.yaml").unlink()
    (second / "c.yaml").unlink()
    summary = B.build([str(first)], out, J.Options(), jobs=2)
    assert (summary.built, summary.skipped, summary.removed) == (0, 1, 2)
    assert sorted(outputs(out)) == ["a.html", "a.pdf", "c.html", "c.pdf"]
    assert sorted(json.loads((out / M.MANIFEST).read_text(encoding="utf-8"))["documents"]) == ["a", "c"]


def test_failing_document_keeps_its_outputs_until_its_data_file_goes(copy: Path) -> None:
    yaml = copy / "data" / "2024" / "마.yaml"
    yaml.write_text(project("마을 정원 조성").replace("amount: 5100", "amount: 5200"), encoding="utf-8")
    before = (copy / "out" / "2024" / "마.pdf").read_bytes()
    summary = run_build(copy / "data", copy / "out")
    assert (summary.built, summary.failed) == (0, 1)
    assert (copy / "out" / "2024" / "마.pdf").read_bytes() == before
    assert run_build(copy / "data", copy / "out").failed == 1  # never reported fresh
    yaml.unlink()
    assert run_build(copy / "data", copy / "out").removed == 2
    assert not (copy / "out" / "2024" / "마.pdf").exists()


def test_a_draft_goes_away_once_the_document_is_fixed(tmp_path: Path) -> None:
    data = write_data(tmp_path / "data", {"a": "가로수 정비"})
    good = (data / "a.yaml").read_text(encoding="utf-8")
    (data / "a.yaml").write_text(good.replace("amount: 5100", "amount: 5200"), encoding="utf-8")
    out = tmp_path / "out"
    assert B.build([str(data)], out, J.Options(draft=True)).drafted == 1
    assert sorted(outputs(out)) == ["_drafts/a.html", "_drafts/a.pdf"]
    (data / "a.yaml").write_text(good, encoding="utf-8")
    assert B.build([str(data)], out, J.Options(draft=True)).built == 1
    assert sorted(outputs(out)) == ["a.html", "a.pdf"]


def test_leftover_temporary_files_are_cleaned(copy: Path) -> None:
    folder = copy / "out" / "2024"
    killed = folder / f"{F.TMP_PREFIX}4194999-x1.pdf"  # a writer killed before this build began (no such process)
    killed.write_bytes(b"%PDF-1.7 half")
    hour_ago = time.time() - 3600
    os.utime(killed, (hour_ago, hour_ago))
    live = folder / f"{F.TMP_PREFIX}1-x2.xlsx"  # another command writing there now (pid 1 runs)
    live.write_bytes(b"PK half")
    run_build(copy / "data", copy / "out")
    assert sorted(p.name for p in (copy / "out").rglob(f"{F.TMP_PREFIX}*")) == [live.name]


def test_output_paths_cannot_leave_the_output_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        F.output_path(tmp_path, "../escape", "pdf")


# --------------------------------------------------------------------------- reproducible


def test_job_count_and_input_order_do_not_change_a_byte(batch: Path, tmp_path: Path) -> None:
    data = batch / "data"
    singles = sorted(str(p) for p in data.rglob("*.yaml"))[:3]
    one = B.build(list(reversed(singles)), tmp_path / "one", J.Options(), jobs=1)  # one worker, one after another
    two = B.build(singles, tmp_path / "two", J.Options(), jobs=2)
    alone = B.build(singles[1:2], tmp_path / "alone", J.Options(), jobs=2)  # in the build process itself
    assert (one.built, two.built, alone.built) == (3, 3, 1)
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")
    assert outputs(tmp_path / "alone").items() <= outputs(tmp_path / "one").items()
    by_name = {Path(k).name: v for k, v in outputs(batch / "out").items()}
    assert outputs(tmp_path / "two") == {name: by_name[name] for name in outputs(tmp_path / "two")}


# --------------------------------------------------------------------------- workers


def flaky(source: Source, out: Path, options: J.Options) -> J.Result:
    """A task function for :func:`~budgetdoc.batch.pool.run_pool` that hangs or dies on request."""
    name = source.rel.rsplit("/", 1)[-1]
    if name == "hang":
        time.sleep(600)
    if name == "exit":
        os._exit(3)
    if name == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if name == "pid":
        return J.Result(source, "built", message=str(os.getpid()))
    return J.build_one(source, out, options)


def test_a_hanging_or_crashing_document_fails_alone(batch: Path, tmp_path: Path) -> None:
    names = ["hang", "exit", "segfault", "2023/가", "2024/다"]
    tasks = [Source(n, str(batch / "data" / f"{n}.yaml")) for n in names]
    results: dict[str, J.Result] = {}
    P.run_pool(
        tasks,
        functools.partial(flaky, out=tmp_path, options=J.Options(timeout=8)),
        jobs=2,
        timeout=8,
        on_result=lambda r: results.setdefault(r.source.rel, r),
        failure=J.error_result,
    )
    assert {n: r.status for n, r in results.items()} == {
        "hang": "error",
        "exit": "error",
        "segfault": "error",
        "2023/가": "built",
        "2024/다": "built",
    }
    assert results["hang"].message == "8초 안에 끝나지 않아 중단했습니다"
    assert results["exit"].message == "작업 프로세스가 비정상 종료했습니다 (종료 코드 3)"
    assert results["segfault"].message == "작업 프로세스가 신호 SIGSEGV로 비정상 종료했습니다"
    assert whole_pdf((tmp_path / "2024" / "다.pdf").read_bytes())


def slow_start() -> None:
    """A worker start-up slower than the time limit of the test below."""
    time.sleep(2.5)


def quick(source: Source) -> J.Result:
    return J.Result(source, "built")


def test_the_time_limit_counts_the_document_not_the_worker_start_up(tmp_path: Path) -> None:
    tasks = [Source(f"d{i}", "") for i in range(4)]
    results: list[J.Result] = []
    P.run_pool(tasks, quick, jobs=2, timeout=1, on_result=results.append, failure=J.error_result, warm=slow_start)
    assert sorted((r.source.rel, r.status) for r in results) == [(f"d{i}", "built") for i in range(4)]


def test_workers_are_long_lived_and_recycled(tmp_path: Path) -> None:
    tasks = [Source(f"{i}/pid", "") for i in range(6)]
    for recycle, processes in ((100, 1), (2, 3)):
        results: list[J.Result] = []
        P.run_pool(
            tasks,
            functools.partial(flaky, out=tmp_path, options=J.Options()),
            jobs=1,
            timeout=120,
            on_result=results.append,
            failure=J.error_result,
            recycle=recycle,
        )
        assert len(results) == 6 and len({r.message for r in results}) == processes


def test_the_build_key_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    key = M.environment_key(J.Options())
    assert M.environment_key(J.Options()) == key
    assert M.environment_key(J.Options(formats=("pdf",))) != key
    assert M.environment_key(J.Options(variant="pdf/a-3b")) != key
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert M.environment_key(J.Options()) != key


@pytest.mark.parametrize("module", ["write/layout.py", "formats/workbook/form.py", "model/numbers.py", "errors.py"])
def test_a_change_in_any_module_of_the_engine_changes_the_build_key(
    module: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = tmp_path / "budgetdoc"
    shutil.copytree(M.PACKAGE, engine, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(M, "PACKAGE", engine)
    key = M.environment_key(J.Options())
    assert key == M.environment_key(J.Options())
    with (engine / module).open("a", encoding="utf-8") as fh:
        fh.write("# a change\n")
    assert M.environment_key(J.Options()) != key
    (engine / "write" / "new.py").write_text("", encoding="utf-8")  # a module added in a folder counts too
    changed = M.environment_key(J.Options())
    (engine / "write" / "new.py").unlink()
    (engine / "write" / "moved").mkdir()
    (engine / "write" / "moved" / "new.py").write_text("", encoding="utf-8")  # … and where it sits
    assert M.environment_key(J.Options()) != changed


# --------------------------------------------------------------------------- processes


def cli(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "generate.py"), "build", *map(str, args), "--no-progress"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigkill_mid_batch_leaves_no_truncated_pdf_and_the_next_build_completes(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = cli(batch / "data", "-o", out, "-j", "2")
    deadline = time.monotonic() + 60
    while not list(out.rglob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert len(list(out.rglob("*.pdf"))) < len(TITLES), "the build finished before it could be killed"
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in workers), "workers outlived the killed build"
    assert all(whole_pdf(p.read_bytes()) for p in out.rglob("*.pdf"))
    # The next build is a new process, as after a real kill: what the killed workers were writing is left over.
    second = cli(batch / "data", "-o", out)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    counts = re.match(r"만듦 (\d+), 건너뜀 (\d+), 실패 0 ", err.splitlines()[-1])
    assert counts is not None, err
    built, skipped = map(int, counts.groups())
    assert built + skipped == len(TITLES) and built >= 1
    assert not list(out.rglob(f"{F.TMP_PREFIX}*"))
    assert outputs(out) == outputs(batch / "out")


def test_a_second_build_on_the_same_folder_waits_for_the_first(copy: Path) -> None:
    import fcntl

    out = copy / "out"
    (copy / "data" / "2023" / "가.yaml").write_text(project("가로수 정비", "가을 낙엽 수거"), encoding="utf-8")
    first = cli(copy / "data", "-o", out)
    deadline = time.monotonic() + 30
    with open(out / F.LOCK, "a+") as fh:  # wait until the first build holds the lock
        while time.monotonic() < deadline and first.poll() is None:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                break
            fcntl.flock(fh, fcntl.LOCK_UN)
            time.sleep(0.005)
    second = cli(copy / "data", "-o", out)
    (_, err1), (_, err2) = first.communicate(), second.communicate()
    assert (first.returncode, second.returncode) == (0, 0)
    assert err1.splitlines()[-1].startswith(f"만듦 1, 건너뜀 {len(TITLES) - 1}, 실패 0")
    assert "기다립니다" in err2
    assert err2.splitlines()[-1].startswith(f"만듦 0, 건너뜀 {len(TITLES)}, 실패 0")
    assert not list(out.rglob(f"{F.TMP_PREFIX}*"))
    assert json.loads((out / M.MANIFEST).read_text(encoding="utf-8"))["documents"].keys() == TITLES.keys()


def test_interrupting_a_library_build_stops_its_workers(batch: Path, tmp_path: Path) -> None:
    seen: list[J.Result] = []
    workers: set[int] = set()

    def on_result(result: J.Result) -> None:
        seen.append(result)
        mine = descendants(os.getpid())
        workers.update(mine - {pid for pid in mine if parent(pid) == os.getpid()})  # not the fork server
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_build(batch / "data", tmp_path / "out", on_result=on_result)
    assert len(seen) == 1 and workers
    assert not [pid for pid in workers if running(pid)]
    manifest = json.loads((tmp_path / "out" / M.MANIFEST).read_text(encoding="utf-8"))
    assert list(manifest["documents"]) == [seen[0].source.rel]


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda path: os.mkfifo(path), "일반 파일이 아닙니다"),
        (lambda path: path.symlink_to("/dev/zero"), "일반 파일이 아닙니다"),
        (lambda path: path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8"), "JSON이 아닙니다"),
        (
            lambda path: path.write_text(
                json.dumps({"version": M.MANIFEST_VERSION, "documents": {"a\x00b": {}}}), encoding="utf-8"
            ),
            "형식이 다릅니다",
        ),
        (
            lambda path: path.write_text(
                json.dumps({"version": M.MANIFEST_VERSION, "documents": {"../../etc/x": {}}}), encoding="utf-8"
            ),
            "형식이 다릅니다",
        ),
    ],
    ids=["fifo", "link to /dev/zero", "deeply nested", "NUL in a key", "key out of the folder"],
)
def test_a_hostile_manifest_is_a_warning_never_a_hang_or_a_traceback(tmp_path: Path, make, why: str) -> None:
    import time

    path = tmp_path / M.MANIFEST
    make(path)
    notes: list[str] = []
    start = time.perf_counter()
    assert M.read_manifest(tmp_path, notes)["documents"] == {}
    assert time.perf_counter() - start < 5
    assert notes == [f"{path}: 매니페스트를 읽을 수 없어({why}) 모든 출력을 다시 확인합니다"]


def test_merge_refuses_a_part_with_a_fifo_for_its_manifest(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generate import cli

    part = tmp_path / "part"
    part.mkdir()
    os.mkfifo(part / M.MANIFEST)
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "out"), str(part)])
    assert result.exit_code == 2, result.output
    assert "일반 파일이 아닙니다" in result.stderr and "합칠 수 없습니다" in result.stderr
    assert not (tmp_path / "out").exists()
