"""Every writer keeps to the folder it was given and leaves nothing behind when it cannot write.

``write_file`` (the ``-o`` of export, import, template and schema), the book and ``export``
to a folder: a failed write takes back the folders made for it, a cause the table does not
know is still told in Korean, a link inside an output folder is not followed, and a device,
FIFO or link where the book goes is not replaced.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MINIMAL, REFERENCE_YAML, ROOT
from processes import capped, generate

from budgetdoc.batch import files
from budgetdoc.errors import OutputError


def test_a_failed_write_takes_back_the_folders_made_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "a/b/c/x.xlsx"))

    monkeypatch.setattr(files, "write_atomic", full)
    (tmp_path / "a").mkdir()
    with pytest.raises(OutputError) as caught:
        files.write_file(tmp_path / "a/b/c/x.xlsx", b"data")
    assert str(caught.value) == f"{tmp_path / 'a/b/c/x.xlsx'}에 쓸 수 없습니다: 디스크에 남은 공간이 없습니다"
    assert [p.name for p in tmp_path.rglob("*")] == ["a"]  # b/ and c/ went again; a/ was there before


def test_a_cause_outside_the_table_is_still_told_in_korean() -> None:
    said = str(files.unwritable(OSError(errno.ENOLINK, os.strerror(errno.ENOLINK)), "x.pdf"))
    assert said == f"x.pdf에 쓸 수 없습니다: 운영 체제 오류 ENOLINK ({os.strerror(errno.ENOLINK)})"
    assert str(files.unwritable(OSError(errno.EIO, "Input/output error"), "x.pdf")) == (
        "x.pdf에 쓸 수 없습니다: 디스크 입출력 오류가 났습니다"
    )


def test_export_to_a_folder_does_not_follow_a_link_inside_it(tmp_path: Path) -> None:
    data = tmp_path / "data" / "2024"
    data.mkdir(parents=True)
    shutil.copy(REFERENCE_YAML, data / "a.yaml")
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "2024").symlink_to(elsewhere)
    run = generate("export", tmp_path / "data", "-o", f"{out}/")
    assert (run.returncode, run.stdout) == (2, "")
    assert (
        run.stderr == f"오류: {out / '2024'}은(는) 링크라 그 안에 쓰지 않습니다 — 출력 폴더 안의 실제 폴더에 씁니다\n"
    )
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("kind", ["fifo", "link"])
def test_the_book_does_not_replace_a_fifo_or_a_link(kind: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    book = tmp_path / "book.pdf"
    if kind == "fifo":
        os.mkfifo(book)
    else:
        (tmp_path / "real.pdf").write_bytes(b"%PDF-1.7 old")
        book.symlink_to(tmp_path / "real.pdf")
    run = generate("book", data, "-o", book, "--no-progress")
    what = "장치나 FIFO 같은 특수 파일이라" if kind == "fifo" else "링크라"
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == f"오류: {book}은(는) {what} 그 자리에 파일을 쓰지 않습니다 — 일반 파일 이름을 주세요\n"
    assert book.is_fifo() if kind == "fifo" else book.is_symlink()
    assert not (tmp_path / ".budgetdoc-book").exists()


# --------------------------------------------------------------------------- a FIFO named like a workbook


@pytest.fixture
def fifo_folder(tmp_path: Path) -> Path:
    data = tmp_path / "data" / "2024"
    data.mkdir(parents=True)
    shutil.copy(REFERENCE_YAML, data / "a.yaml")
    os.mkfifo(data / "pipe.xlsx")
    return tmp_path / "data"


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (["check", "DATA"], 2, "DATA/2024/pipe.xlsx:1:1: unreadable: 일반 파일이 아닙니다"),
        (
            ["build", "DATA", "-o", "OUT", "--format", "html", "--no-progress"],
            2,
            "DATA/2024/pipe.xlsx:1:1: unreadable: ",
        ),
        (["book", "DATA", "-o", "OUT/b.pdf", "--no-progress"], 2, "DATA/2024/pipe.xlsx:1:1: unreadable: "),
        (
            ["export", "DATA", "-o", "OUT/x.xlsx"],
            0,
            "통합 문서는 다시 내보내지 않습니다 (YAML만 내보냄): DATA/2024/pipe.xlsx",
        ),
        (["rollover", "DATA", "--to", "2025"], 2, "옮기지 않음: DATA/2024/pipe.xlsx: 일반 파일이 아닙니다 (1행 1열)"),
        (["import", "DATA", "-o", "OUT/"], 2, "DATA/2024/pipe.xlsx: 일반 파일이 아닙니다"),
        (["diff", "DATA", "DATA"], 2, "2024/pipe.xlsx:1:1: 일반 파일이 아닙니다 (오류 1개)"),
    ],
)
def test_a_fifo_named_like_a_workbook_hangs_no_command(
    args: list[str], code: int, line: str, fifo_folder: Path, tmp_path: Path
) -> None:
    given = [a.replace("DATA", str(fifo_folder)).replace("OUT", str(tmp_path / "out")) for a in args]
    run = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), *given],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        preexec_fn=capped,
    )
    assert run.returncode == code, run.stderr
    said = (run.stdout + run.stderr).splitlines()
    assert any(s.startswith(line.replace("DATA", str(fifo_folder))) for s in said), said
    assert "Traceback" not in run.stderr
    assert (fifo_folder / "2024" / "pipe.xlsx").is_fifo()


def test_serve_lists_a_fifo_named_like_a_workbook_without_hanging(fifo_folder: Path) -> None:
    import httpx

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "generate.py"), "serve", str(fifo_folder), "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=capped,
    )
    try:
        assert proc.stderr is not None
        url = ""
        for said in proc.stderr:  # the server names its address once it listens
            if "미리보기: " in said:
                url = said.split("미리보기: ", 1)[1].split()[0]
                break
        assert url, "the server did not start"
        index = httpx.get(url, timeout=30)
        assert index.status_code == 200
        assert '<td class="state"><span class="status unreadable">읽을 수 없음 (오류 1개)</span></td>' in index.text
        page = httpx.get(url + "p/" + str(fifo_folder / "2024" / "pipe.xlsx"), timeout=30)
        assert page.status_code == 200 and "일반 파일이 아닙니다" in page.text
    finally:
        proc.send_signal(2)
        proc.wait(30)
        if proc.stderr is not None:
            proc.stderr.close()
