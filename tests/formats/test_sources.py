"""Data sources: every data file read once, through one reader, by one rule of what a data file is."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REFERENCE_YAML, ROOT

from budgetdoc.batch import build as B
from budgetdoc.batch import job as J
from budgetdoc.cycle import versions
from budgetdoc.formats import reading, sources
from budgetdoc.formats.load import load
from budgetdoc.formats.sources import Refusal, Source, discover, is_data_file, read_sources
from budgetdoc.formats.workbook import read as workbook_read
from budgetdoc.formats.workbook import xlsx
from budgetdoc.formats.workbook.write import export_workbook
from budgetdoc.pipeline import check_paths

TWO = REFERENCE_YAML.read_text(encoding="utf-8").replace("title: 지역균형발전 추진", "title: 균형발전 둘째 사업")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two YAML files, a workbook of two projects, a FIFO named like a workbook and a note."""
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.yaml").write_text(REFERENCE_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    (data / "sub" / "b.yml").write_text(TWO, encoding="utf-8")
    docs = [(load(str(data / "a.yaml")), "a.yaml", ""), (load(str(data / "sub" / "b.yml")), "b.yml", "")]
    (data / "two.xlsx").write_bytes(export_workbook(docs))
    os.mkfifo(data / "pipe.xlsx")
    (data / "notes.txt").write_text("메모", encoding="utf-8")
    return data


def counting(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """Count every file the sources read, by its name."""
    reads: collections.Counter[str] = collections.Counter()
    real = sources.read_file

    def read_file(path: str, within: str | None = None, workbook: bool = False) -> bytes:
        reads[os.path.basename(path)] += 1
        return real(path, within=within, workbook=workbook)

    monkeypatch.setattr(sources, "read_file", read_file)
    return reads


def test_check_reads_every_data_file_once_and_a_workbook_once_for_all_its_sheets(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = counting(monkeypatch)
    parsed = collections.Counter[str]()
    real_sheets = xlsx.read_sheets

    def read_sheets(archive: zipfile.ZipFile, max_rows: int) -> list[xlsx.Sheet]:
        parsed[os.path.basename(str(archive.filename or "bytes"))] += 1
        return real_sheets(archive, max_rows)

    monkeypatch.setattr(xlsx, "read_sheets", read_sheets)
    workbook_read._open.cache_clear()
    workbook_read._read_all.cache_clear()
    report = check_paths([str(folder)])
    assert report.files == 5  # a.yaml, b.yml, the workbook's two sheets, the FIFO
    assert reads == {"a.yaml": 1, "b.yml": 1, "two.xlsx": 1, "pipe.xlsx": 1}
    # The workbook is parsed once, for listing its sheets and loading both projects.
    assert sum(parsed.values()) == 1
    assert [p.message for p in report.problems if p.severity == "error"] == ["일반 파일이 아닙니다"]
    assert report.exit_code == 2


@pytest.mark.slow
def test_a_refused_file_is_not_read_again_to_say_why(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = counting(monkeypatch)
    summary = B.build([str(folder)], folder.parent / "out", J.Options(formats=("html",)), jobs=1)
    assert reads["pipe.xlsx"] == 1 and reads["a.yaml"] == 1
    (failed,) = [r for r in summary.results if r.status == "failed"]
    assert failed.source.shown == str(folder / "pipe.xlsx")
    assert [(p.rule, p.message) for p in failed.problems] == [("unreadable", "일반 파일이 아닙니다")]
    assert (summary.built, summary.exit_code) == (4, 2)


def test_read_gives_the_bytes_or_the_reason(tmp_path: Path) -> None:
    good = tmp_path / "x.yaml"
    good.write_bytes(b"title: x\n")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (reading.MAX_DATA + 1))
    huge = tmp_path / "huge.xlsx"
    huge.write_bytes(b"PK" + b"\0" * reading.MAX_WORKBOOK)
    os.symlink("/etc/hostname", tmp_path / "out.yaml")
    assert Source("x", str(good)).read() == b"title: x\n"
    assert Source("big", str(big)).read() == Refusal("file-size", "파일이 너무 큽니다 (최대 2,097,152바이트)")
    assert Source("huge", str(huge)).read() == Refusal("unreadable", "통합 문서가 너무 큽니다 (최대 20,971,520바이트)")
    outside = Source("out", str(tmp_path / "out.yaml"), root=str(tmp_path)).read()
    assert isinstance(outside, Refusal) and outside.message.startswith("데이터 폴더 밖을 가리키는 링크라 읽지 않습니다")
    clash = Source("x", str(good), clash="y.yml").read()
    assert isinstance(clash, Refusal) and clash.rule == "same-output"
    (held,) = read_sources([Source("x", str(good))])
    good.write_bytes(b"changed")
    assert held.read() == b"title: x\n"  # the bytes read once are the bytes loaded and hashed


def test_one_rule_says_what_a_data_file_is(folder: Path) -> None:
    (folder / ".hidden.yaml").write_text("x", encoding="utf-8")
    (folder / "_drafts").mkdir()
    (folder / "_drafts" / "x.yaml").write_text("x", encoding="utf-8")
    (folder / "UPPER.YAML").write_text("x", encoding="utf-8")
    found = {os.path.relpath(s.path, folder) for s in discover([str(folder)])}
    everything = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir() or p.is_fifo()}
    assert {p for p in everything if is_data_file(p)} == found
    assert found == {"a.yaml", "sub/b.yml", "two.xlsx", "pipe.xlsx", "UPPER.YAML"}


def test_a_fifo_named_like_a_workbook_is_refused_by_every_command_at_once(folder: Path) -> None:
    for args in (["check", str(folder / "pipe.xlsx")], ["import", str(folder / "pipe.xlsx"), "-o", str(folder / "x")]):
        done = subprocess.run(
            [sys.executable, str(ROOT / "generate.py"), *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, done.stderr
        said = done.stdout + done.stderr
        assert "pipe.xlsx" in said and "일반 파일이 아닙니다" in said and "Traceback" not in said


def test_diff_reads_a_workbook_at_a_revision_as_check_reads_it(folder: Path) -> None:
    os.unlink(folder / "pipe.xlsx")
    repo = folder.parent
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "data"], check=True)
    subprocess.run([*git, "commit", "-qm", "data"], check=True)
    at_revision = versions.read_version("HEAD", str(repo), "data")
    in_folder = versions.read_version(str(folder), str(repo), "data")
    keys = sorted(d.key for d in at_revision.docs)
    assert keys == sorted(d.key for d in in_folder.docs)
    assert len([k for k in keys if k.startswith("two/")]) == 2  # one per project sheet
    titles = {d.key: d.project.title for d in at_revision.docs if d.project is not None}
    assert titles == {d.key: d.project.title for d in in_folder.docs if d.project is not None}
    assert len(titles) == 4
