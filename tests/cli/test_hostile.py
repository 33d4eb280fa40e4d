"""Hostile and broken input: clear errors, nothing lost, nothing leaked.

* the corpus in ``tests/hostile/``: each ``NN-name.yaml`` goes through ``generate.py check``
  and must print exactly its ``NN-name.out`` (one ``file:line:col: rule: message`` per
  problem), within a second, without a traceback (``pytest --update-golden`` rewrites
  the ``.out`` files after a deliberate change; read the diff);
* inputs too big to keep in the repository (30 MB, 100,000 brackets, a FIFO …);
* text from data stays text in HTML and PDF, and the renderer reads nothing outside
  ``templates/`` and opens no connection;
* exit codes of every command.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import LINE, MINIMAL, REFERENCE_TEXT, REFERENCE_YAML, ROOT, pdftotext

from budgetdoc.batch.files import output_path
from budgetdoc.errors import UsageError
from budgetdoc.formats import load as loader
from budgetdoc.formats.load import UNREADABLE, load_text
from budgetdoc.model.document import Problem
from budgetdoc.write.render import TEMPLATES, make_url_fetcher
from generate import BUG_REPORT, cli, main

HOSTILE = Path(__file__).resolve().parent.parent / "hostile"
CASES = sorted(HOSTILE.glob("*.yaml"))
REFERENCE = REFERENCE_YAML.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def assert_no_weasyprint_logs() -> Iterator[None]:
    """Replaces the shared guard: here WeasyPrint must log the URLs it refuses (see ``weasy_logs``)."""
    yield


@pytest.fixture
def weasy_logs() -> Iterator[list[str]]:
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The real entry point (``main``), which maps every outcome to an exit code."""
    monkeypatch.setattr(sys, "argv", ["generate.py", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_problem_lines(out: str, file: str) -> None:
    lines = out.splitlines()
    assert lines, "at least one problem"
    for line in lines:
        m = LINE.match(line)
        assert m, line
        assert m["file"] == file, line


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert [c.name[:2] for c in CASES] == sorted({c.name[:2] for c in CASES}), "one number per case"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_corpus_case(case: Path, monkeypatch: pytest.MonkeyPatch, update_golden: bool) -> None:
    monkeypatch.chdir(HOSTILE)
    result = CliRunner().invoke(cli, ["check", case.name])
    expected_file = case.with_suffix(".out")
    if update_golden:
        expected_file.write_text(result.stdout, encoding="utf-8")
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.output
    assert result.stdout == expected_file.read_text(encoding="utf-8")
    assert_problem_lines(result.stdout, case.name)
    rules = {LINE.match(line)["rule"] for line in result.stdout.splitlines()}  # type: ignore[index]
    assert result.exit_code == (2 if rules & UNREADABLE else 1)


def test_whole_corpus_in_one_process() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "check", "."],
        cwd=HOSTILE,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.stdout == "".join(c.with_suffix(".out").read_text(encoding="utf-8") for c in CASES)
    assert "Traceback" not in run.stderr
    others = sorted(p.name for p in HOSTILE.iterdir() if p.suffix != ".yaml")
    note = (
        f".: 읽지 않은 것 {len(others)}개: {', '.join(others[:5])} 외 {len(others) - 5}개 "
        "(숨긴 것, _로 시작하는 폴더, .yaml·.yml·.xlsx가 아닌 파일은 읽지 않습니다)\n"
    )
    assert re.fullmatch(
        rf"{re.escape(note)}파일 {len(CASES)}개 검사: 오류 \d+개, 경고 3개\n", run.stderr
    )  # 56: its empty sections
    assert run.returncode == 2  # two of the files cannot be read as UTF-8 at all


def test_corpus_keeps_its_bytes() -> None:
    """CRLF, BOM, NUL and Latin-1 cases must reach the loader exactly as written."""
    assert (HOSTILE / ".gitattributes").read_text() == "* -text\n"
    assert b"\r\n" in (HOSTILE / "19-crlf.yaml").read_bytes()
    assert (HOSTILE / "18-bom-and-typo.yaml").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\x00" in (HOSTILE / "14-nul-byte.yaml").read_bytes()


# --------------------------------------------------------------------------- too big to keep


def check_file(path: Path) -> tuple[int, str]:
    """``check`` in its own process; the time limit only guards against a hang (speed is bench/'s)."""
    ran = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in ran.stderr
    return ran.returncode, ran.stdout


def test_thirty_megabytes_are_refused_at_once(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.write(MINIMAL.encode())
        fh.write(b"# " + b"x" * (30 * 1024 * 1024) + b"\n")
    code, out = check_file(big)
    assert (code, out) == (2, f"{big}:1:1: file-size: 파일이 너무 큽니다 (최대 2,097,152바이트)\n")


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, "[" * 100_000 + "]" * 100_000, "title: " + "{a: " * 100_000],
    ids=["open", "closed", "mappings"],
)
def test_hundred_thousand_brackets_are_refused_at_once(tmp_path: Path, text: str) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(text, encoding="utf-8")
    code, out = check_file(deep)
    assert code == 1
    assert re.fullmatch(rf"{re.escape(str(deep))}:1:\d+: yaml-depth: 중첩이 너무 깊습니다 \(최대 40단계\)\n", out)


def test_more_values_than_any_document_has_are_refused_at_once(tmp_path: Path) -> None:
    many = tmp_path / "many.yaml"
    many.write_text("[" + "0," * 1_000_000 + "0]\n", encoding="utf-8")
    assert many.stat().st_size < loader.MAX_BYTES
    code, out = check_file(many)
    assert (code, out) == (2, f"{many}:1:100000: file-size: 값이 너무 많습니다 (최대 50,000개)\n")


def test_a_fifo_named_like_data_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")
    code, out = check_file(tmp_path)
    assert (code, out) == (2, f"{tmp_path / 'pipe.yaml'}:1:1: unreadable: 일반 파일이 아닙니다\n")


def test_a_link_out_of_the_data_folder_is_not_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "secret.yaml").write_text("password: hunter2 [\n", encoding="utf-8")
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    (data / "alias.yaml").symlink_to("good.yaml")  # inside: read
    (data / "secret.yaml").symlink_to(tmp_path / "secret.yaml")
    (data / "zero.yaml").symlink_to("/dev/zero")
    code, out = check_file(data)
    assert (code, out) == (
        2,
        (
            f"{data / 'secret.yaml'}:1:1: unreadable: 데이터 폴더 밖을 가리키는 링크라 읽지 않습니다 (→ {tmp_path / 'secret.yaml'})\n"
            f"{data / 'zero.yaml'}:1:1: unreadable: 데이터 폴더 밖을 가리키는 링크라 읽지 않습니다 (→ /dev/zero)\n"
        ),
    )
    assert "hunter2" not in out


def test_a_link_to_itself_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    code, out = check_file(tmp_path)
    assert (code, out) == (2, f"{tmp_path / 'loop.yaml'}:1:1: unreadable: 심볼릭 링크가 순환합니다\n")


def non_utf8_file(folder: Path) -> None:
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.yaml"), "wb") as fh:
        fh.write(MINIMAL.encode())


def test_a_file_name_that_is_not_utf8_is_refused_the_same_in_check_and_build(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    non_utf8_file(data)
    line = f"{data}/caf\\xe9.yaml:1:1: unreadable: 파일 이름이 UTF-8이 아닙니다 — 이름을 바꾸세요\n"
    assert run_main(monkeypatch, capsys, "check", str(data)) == (2, line, "파일 2개 검사: 오류 1개, 경고 0개\n")
    out = tmp_path / "out"
    code, stdout, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(out), str(data))
    assert (code, stdout) == (2, line)
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["good.html"]


def test_control_characters_in_file_names_are_shown_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a\x1b[31mb.yaml").write_text("titel: x\n", encoding="utf-8")
    (tmp_path / "c\nd.yaml").write_text("titel: x\n", encoding="utf-8")
    code, out, _ = run_main(monkeypatch, capsys, "check", str(tmp_path))
    assert code == 1
    assert all(LINE.match(line) for line in out.splitlines())  # a newline in a name does not split a message
    assert sorted({line.split(":1:1: ")[0] for line in out.splitlines() if ":1:1: " in line}) == [
        f"{tmp_path}/a\\x1b[31mb.yaml",
        f"{tmp_path}/c\\x0ad.yaml",
    ]
    assert "\x1b" not in out


# --------------------------------------------------------------------------- the data folder: nothing skipped in silence

BUILD = ("build", "--format", "html", "--jobs", "1", "--no-progress")
CLASH = "와(과) 출력 이름({rel})이 같아 둘 다 만들지 않습니다"


def clash_lines(a: Path, b: Path, rel: str) -> str:
    return f"{a}:1:1: same-output: {b}{CLASH.format(rel=rel)}\n{b}:1:1: same-output: {a}{CLASH.format(rel=rel)}\n"


def test_two_files_with_one_output_name_are_an_error_naming_both(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.yaml").write_text(MINIMAL, encoding="utf-8")
    (data / "x.yml").write_text("broken: [\n", encoding="utf-8")
    expected = clash_lines(data / "x.yaml", data / "x.yml", "x")
    assert run_main(monkeypatch, capsys, "check", str(data)) == (1, expected, "파일 2개 검사: 오류 2개, 경고 0개\n")
    out = tmp_path / "out"
    code, stdout, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(out), str(data))
    assert (code, stdout) == (1, expected)
    assert err.endswith("만듦 0, 건너뜀 0, 실패 2 (0.0초)\n") or "실패 2" in err
    assert not (out / "x.html").exists()


def test_the_same_name_in_two_folders_given_as_arguments_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.yaml").write_text(MINIMAL, encoding="utf-8")
    a, b = tmp_path / "a" / "x.yaml", tmp_path / "b" / "x.yaml"
    expected = clash_lines(a, b, "x")
    assert run_main(monkeypatch, capsys, "check", str(a), str(b)) == (
        1,
        expected,
        "파일 2개 검사: 오류 2개, 경고 0개\n",
    )
    code, stdout, _ = run_main(monkeypatch, capsys, *BUILD, "-o", str(tmp_path / "out"), str(a), str(b))
    assert (code, stdout) == (1, expected)
    assert not (tmp_path / "out" / "x.html").exists()
    # The same file twice is one file, not two.
    assert run_main(monkeypatch, capsys, "check", str(a), str(a)) == (0, "", "파일 1개 검사: 오류 0개, 경고 0개\n")


def test_upper_case_suffixes_are_data_and_names_differing_in_case_clash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "X.YAML").write_text(MINIMAL, encoding="utf-8")
    out = tmp_path / "out"
    assert run_main(monkeypatch, capsys, *BUILD, "-o", str(out), str(data))[0] == 0
    assert (out / "X.html").is_file()
    (data / "x.yaml").write_text(MINIMAL, encoding="utf-8")
    code, stdout, _ = run_main(monkeypatch, capsys, "check", str(data))
    assert (code, stdout) == (
        1,
        f"{data / 'X.YAML'}:1:1: same-output: {data / 'x.yaml'}{CLASH.format(rel='X')}\n"
        f"{data / 'x.yaml'}:1:1: same-output: {data / 'X.YAML'}{CLASH.format(rel='x')}\n",
    )


def test_what_a_data_folder_holds_besides_data_is_told_once_per_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    (data / "2024").mkdir(parents=True)
    (data / "_old").mkdir()
    (data / ".git").mkdir()
    (data / "_old" / "x.yaml").write_text(MINIMAL, encoding="utf-8")
    (data / "2024" / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    (data / "2024" / ".draft.yaml").write_text(MINIMAL, encoding="utf-8")
    (data / "2024" / "memo.txt").write_text("메모\n", encoding="utf-8")
    (data / "README.md").write_text("# data\n", encoding="utf-8")
    why = "(숨긴 것, _로 시작하는 폴더, .yaml·.yml·.xlsx가 아닌 파일은 읽지 않습니다)"
    notes = f"{data}: 읽지 않은 것 3개: .git/, _old/, README.md {why}\n{data}/2024: 읽지 않은 것 2개: .draft.yaml, memo.txt {why}\n"
    assert run_main(monkeypatch, capsys, "check", str(data)) == (0, "", notes + "파일 1개 검사: 오류 0개, 경고 0개\n")
    code, _, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(tmp_path / "out"), str(data))
    assert code == 0
    assert notes in err


def test_an_empty_data_folder_is_told(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    note = f"{empty}: 데이터 파일(.yaml, .yml, .xlsx)이 없습니다\n"
    assert run_main(monkeypatch, capsys, "check", str(empty)) == (
        2,
        "",
        note + f"검사할 데이터 파일(.yaml, .yml, .xlsx)이 없습니다: {empty}\n",
    )
    code, _, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(tmp_path / "out"), str(empty))
    assert code == 0
    assert err.startswith(note)


# --------------------------------------------------------------------------- only regular files are read


def generate(
    *args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, with a hard limit against hangs."""
    return subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_a_fifo_in_the_data_folder_does_not_hang_build_or_book(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    os.mkfifo(data / "pipe.yaml")
    line = f"{data / 'pipe.yaml'}:1:1: unreadable: 일반 파일이 아닙니다\n"
    run = generate(*BUILD, "-o", tmp_path / "out", data)
    assert (run.returncode, run.stdout) == (2, line)
    assert "Traceback" not in run.stderr
    assert (tmp_path / "out" / "good.html").is_file()
    # The book refuses before it takes its cache's lock: a held lock does not make it wait.
    cache = tmp_path / "book" / ".budgetdoc-book"
    cache.mkdir(parents=True)
    with open(cache / ".budgetdoc.lock", "a+") as held:
        import fcntl

        fcntl.flock(held, fcntl.LOCK_EX)
        run = generate("book", "--no-progress", "-o", tmp_path / "book" / "book.pdf", data)
    assert (run.returncode, run.stdout) == (2, line)
    assert run.stderr == "책을 만들지 않았습니다: 오류 1개, 렌더링 실패 0개\n"


def test_devices_and_fifos_named_on_the_command_line_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    for name in ("pipe.yaml", "zero.yaml"):
        line = f"{tmp_path / name}:1:1: unreadable: 일반 파일이 아닙니다\n"
        assert run_main(monkeypatch, capsys, "check", str(tmp_path / name)) == (
            2,
            line,
            "파일 1개 검사: 오류 1개, 경고 0개\n",
        )
        code, stdout, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(tmp_path / "out"), str(tmp_path / name))
        assert (code, stdout) == (2, line)
        assert "Traceback" not in err


def test_import_of_a_fifo_or_a_device_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    for name in ("pipe.txt", "zero.txt"):
        assert run_main(monkeypatch, capsys, "import", str(tmp_path / name)) == (
            2,
            "",
            f"{tmp_path / name}: 읽을 수 없습니다: 일반 파일이 아닙니다\n",
        )


def test_import_of_a_file_too_big_is_unreadable_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert run_main(monkeypatch, capsys, "import", str(big)) == (
        2,
        "",
        f"{big}: 파일이 너무 큽니다 (최대 2,097,152바이트)\n",
    )


# --------------------------------------------------------------------------- the user's disk


def remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".tmp-*"))


def test_a_read_only_output_folder_is_exit_2_in_one_line(mounted: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    out = mounted / "out"
    assert generate(*BUILD, "-o", out, data).returncode == 0
    before = (out / "good.html").read_bytes()
    remount(mounted, "ro")
    run = generate(*BUILD, "-o", out, data)  # nothing to do: succeeds
    assert (run.returncode, run.stdout) == (0, "")
    (data / "good.yaml").write_text(MINIMAL.replace("시험 사업", "시험 사업 2"), encoding="utf-8")
    run = generate(*BUILD, "-o", out, data)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        "문서 1개를 만듭니다 (바뀌지 않은 0개는 건너뜀).\n"
        f"오류: {out / 'good.html'}에 쓸 수 없습니다: 읽기 전용 파일 시스템입니다\n"
    )
    assert (out / "good.html").read_bytes() == before
    # The book's cache cannot be made there either.
    run = generate("book", "--no-progress", "-o", mounted / "book.pdf", data)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == f"오류: {mounted / '.budgetdoc-book'}에 쓸 수 없습니다: 읽기 전용 파일 시스템입니다\n"
    # An output folder that was never written: not even the lock can be made.
    run = generate(*BUILD, "-o", mounted / "new", data)
    assert (run.returncode, run.stderr) == (
        2,
        f"오류: {mounted / 'new'}에 쓸 수 없습니다: 읽기 전용 파일 시스템입니다\n",
    )


def test_a_full_disk_is_exit_2_in_one_line_and_leaves_nothing_behind(mounted: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    out = mounted / "out"
    assert generate(*BUILD, "-o", out, data).returncode == 0
    before = (out / "good.html").read_bytes()
    fd = os.open(mounted / "filler", os.O_WRONLY | os.O_CREAT)
    with contextlib.suppress(OSError):
        while True:
            os.write(fd, b"\0" * 4096)
    os.close(fd)
    run = generate(*BUILD, "--force", "-o", out, data)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        "문서 1개를 만듭니다 (바뀌지 않은 0개는 건너뜀).\n"
        f"오류: {out / 'good.html'}에 쓸 수 없습니다: 디스크에 남은 공간이 없습니다\n"
    )
    assert (out / "good.html").read_bytes() == before
    assert leftovers(mounted) == []


def test_no_space_while_a_worker_writes_stops_the_build(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    out = tmp_path / "out"
    real_write = os.write

    def full(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(out)):
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    code, stdout, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(out), str(data))
    assert (code, stdout) == (2, "")
    assert err.splitlines()[-1] == f"오류: {out / 'good.html'}에 쓸 수 없습니다: 디스크에 남은 공간이 없습니다"
    assert "Traceback" not in err
    assert leftovers(out) == []


def test_a_name_too_long_for_the_disk_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    stem = "가" * 83 + "xx"  # 251 bytes: the data file fits (.yml), its .html does not
    (data / f"{stem}.yml").write_text(MINIMAL, encoding="utf-8")
    out = tmp_path / "out"
    assert run_main(monkeypatch, capsys, "check", str(data))[0] == 0
    code, _, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(out), str(data))
    assert code == 2
    assert err.splitlines()[-1] == f"오류: {out / stem}.html에 쓸 수 없습니다: 파일 이름이 너무 깁니다"
    assert leftovers(out) == []


@pytest.mark.parametrize("name", [".budgetdoc-manifest.json", ".budgetdoc.lock"])
def test_a_folder_where_the_manifest_or_lock_should_be_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    out = tmp_path / "out"
    (out / name).mkdir(parents=True)
    code, stdout, err = run_main(monkeypatch, capsys, *BUILD, "-o", str(out), str(data))
    assert (code, stdout) == (2, "")
    assert err.splitlines()[-1] == f"오류: {out / name}에 쓸 수 없습니다: 같은 이름의 폴더가 있습니다"
    assert leftovers(out) == []


# --------------------------------------------------------------------------- templates


@pytest.fixture
def own_templates(tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def many(tmp_path: Path, n: int) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(n):
        (data / f"d{i}.yaml").write_text(MINIMAL.replace("시험 사업", f"시험 사업 {i}"), encoding="utf-8")
    return data


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize(
    ("markup", "resource"),
    [('<img src="missing.png">', "missing.png"), ('<img src="../outside.png">', "outside.png")],
    ids=["missing", "outside"],
)
def test_a_resource_the_templates_cannot_load_stops_the_build(
    own_templates: Path, tmp_path: Path, n: int, markup: str, resource: str
) -> None:
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n")
    page = own_templates / "project.html.j2"
    page.write_text(page.read_text(encoding="utf-8").replace("<body", markup + "<body", 1), encoding="utf-8")
    run = generate(
        "build",
        "--format",
        "pdf",
        "--jobs",
        "2",
        "--no-progress",
        "-o",
        tmp_path / "out",
        many(tmp_path, n),
        env={"BUDGETDOC_TEMPLATES": str(own_templates)},
    )
    assert run.returncode == 3
    last = run.stderr.splitlines()[-1]
    assert last.startswith(f"{own_templates}: 템플릿의 자원을 불러올 수 없습니다: Failed to load image at ")
    assert resource in last
    assert "Traceback" not in run.stderr
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("n", [1, 3])
def test_a_template_bug_is_exit_3_whatever_the_number_of_documents(own_templates: Path, tmp_path: Path, n: int) -> None:
    page = own_templates / "project.html.j2"
    page.write_text(page.read_text(encoding="utf-8") + "{{ no_such_thing.x }}\n", encoding="utf-8")
    run = generate(
        *BUILD,
        "--jobs",
        "2",
        "-o",
        tmp_path / "out",
        many(tmp_path, n),
        env={"BUDGETDOC_TEMPLATES": str(own_templates)},
    )
    assert run.returncode == 3
    assert re.fullmatch(
        rf"{re.escape(str(page))}:\d+: 템플릿 오류: UndefinedError: 'no_such_thing' is undefined",
        run.stderr.splitlines()[-1],
    ), run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    "markup, shown",
    [
        ("{{ no_such_thing.x }}", r":\d+: 템플릿 오류: UndefinedError: 'no_such_thing' is undefined"),
        ('<img src="missing.png">', r": 템플릿의 자원을 불러올 수 없습니다: Failed to load image at .*missing\.png.*"),
    ],
    ids=["bug", "resource"],
)
def test_the_book_stops_on_a_template_problem_as_the_build_does(
    own_templates: Path, tmp_path: Path, markup: str, shown: str
) -> None:
    page = own_templates / "project.html.j2"
    source = page.read_text(encoding="utf-8")
    bug = markup.startswith("{{")
    page.write_text(source + markup + "\n" if bug else source.replace("<body", markup + "<body", 1), encoding="utf-8")
    book = tmp_path / "book.pdf"
    run = generate(
        "book",
        "--no-progress",
        "-j",
        "2",
        "-o",
        book,
        many(tmp_path, 3),
        env={"BUDGETDOC_TEMPLATES": str(own_templates)},
    )
    assert run.returncode == 3
    where = page if bug else own_templates  # the template's line, or the templates folder
    assert re.fullmatch(re.escape(str(where)) + shown, run.stderr.splitlines()[-1]), run.stderr
    assert "Traceback" not in run.stderr
    assert not book.exists()


# --------------------------------------------------------------------------- text from data is text

HOSTILE_TEXT = '<b>굵게</b> {{ 7*7 }} <img src="file:///etc/passwd"> <style>*{color:red}</style>'


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local port that must receive no connection."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    try:
        yield server
    finally:
        server.close()


def assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(TimeoutError):
        conn, _ = server.accept()
        conn.close()


def hostile_document(port: int) -> str:
    extra = f' <link rel="attachment" href="file:///etc/passwd"> <img src="http://127.0.0.1:{port}/x.png">'
    quoted = "'" + (HOSTILE_TEXT + extra).replace("'", "''") + "'"
    text = REFERENCE
    for old, new in [
        ("title: 지역균형발전 추진", f"title: {quoted}"),
        ("    - 서울특별시 지역균형발전 지원 조례에 근거한 지역균형발전 추진", f"    - {quoted}"),
        ("  office: 균형발전본부", f"  office: {quoted}"),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    return text


def pdf_objects(pdf: bytes) -> tuple[set[str], int]:
    """Names found anywhere in the PDF's objects, and how many image objects it has."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    names: set[str] = set()
    images = 0
    seen: set[int] = set()

    def walk(obj: Any) -> None:
        nonlocal images
        if hasattr(obj, "idnum"):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, dict):
            if obj.get("/Subtype") == "/Image":
                images += 1
            for key, value in obj.items():
                names.add(str(key))
                if isinstance(value, str) and value.startswith("/"):
                    names.add(value)
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(reader.trailer)
    return names, images


def test_markup_and_template_syntax_stay_literal(
    renderer: Any,
    listener: socket.socket,
    weasy_logs: list[str],
) -> None:
    port = listener.getsockname()[1]
    doc = load_text(hostile_document(port), "hostile.yaml")
    assert doc.project.title.startswith(HOSTILE_TEXT)
    html = renderer.html(doc.project)
    for raw in ("<b>굵게", "<img", "<style>*{color:red}", '<link rel="attachment', 'file:///etc/passwd">'):
        assert raw not in html
    assert "&lt;b&gt;굵게&lt;/b&gt;" in html
    visible = unescape(re.sub(r"<[^>]+>", "", html))
    assert visible.count(HOSTILE_TEXT) >= 3
    pdf = renderer.pdf(html)
    text = squeeze(pdftotext(pdf))
    assert text.count(squeeze(HOSTILE_TEXT)) >= 3
    names, images = pdf_objects(pdf)
    assert not names & {"/EmbeddedFiles", "/EmbeddedFile", "/FileAttachment", "/URI", "/Launch", "/JavaScript"}
    assert images == 0
    assert weasy_logs == []
    assert_no_connection(listener)


def test_renderer_reaches_nothing_even_from_raw_markup(
    renderer: Any,
    listener: socket.socket,
    weasy_logs: list[str],
    tmp_path: Path,
) -> None:
    """Were markup ever to get through, WeasyPrint still reads no file outside templates/ and no URL."""
    port = listener.getsockname()[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("비밀", encoding="utf-8")
    url = f"http://127.0.0.1:{port}"
    html = f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="{url}/a.css"><link rel="attachment" href="{secret.as_uri()}">
<link rel="attachment" href="../tests/hostile/01-tab-indent.yaml">
<style>@import url({url}/b.css); @font-face {{ font-family: x; src: url({secret.as_uri()}) }}
body {{ background: url({url}/c.png) }}</style></head><body>
<p>본문</p><img src="{secret.as_uri()}"><img src="{url}/d.png"><img src="../data/2024/x.png">
<object data="{url}/e.pdf"></object><a rel="attachment" href="{secret.as_uri()}">첨부</a>
<iframe src="{url}/f.html"></iframe><embed src="ftp://127.0.0.1:{port}/g">
<img src="https://127.0.0.1:{port}/h.png"></body></html>"""
    pdf = renderer.pdf(html)
    assert "본문" in pdftotext(pdf)
    assert "비밀" not in pdftotext(pdf)
    names, images = pdf_objects(pdf)
    assert not names & {"/EmbeddedFiles", "/EmbeddedFile", "/FileAttachment"}
    assert images == 0
    assert weasy_logs, "WeasyPrint reports each refused URL"
    assert_no_connection(listener)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    (root / "sub").mkdir(parents=True)
    (root / "print.css").write_text("p { color: black }", encoding="utf-8")
    (root / "sub" / "x.css").write_text("p {}", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("비밀", encoding="utf-8")
    (root / "link.css").symlink_to(tmp_path / "secret.txt")
    (root / "passwd").symlink_to("/etc/passwd")
    return root


def test_fetcher_serves_templates_and_data_uris(templates: Path) -> None:
    fetch = make_url_fetcher(templates)
    assert fetch((templates / "print.css").as_uri()).read() == b"p { color: black }"
    assert fetch((templates / "sub" / "x.css").as_uri() + "?v=1").read() == b"p {}"
    assert fetch("data:text/plain;base64,7ZWc6riA").read() == "한글".encode()


def test_fetcher_refuses_everything_else(templates: Path, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    fetch = make_url_fetcher(templates)
    refused = [
        "file:///etc/passwd",
        (templates / "print.css").as_uri().replace("print.css", "../secret.txt"),
        (templates / "print.css").as_uri().replace("print.css", "sub/%2e%2e/%2e%2e/secret.txt"),
        (templates / "link.css").as_uri(),
        (templates / "passwd").as_uri(),
        (templates / "sub").as_uri(),
        (templates / "missing.css").as_uri(),
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        f"http://127.0.0.1:{port}/x.png",
        f"http://localhost:{port}/",
        f"https://127.0.0.1:{port}/x.png",
        f"ftp://127.0.0.1:{port}/x",
        "gopher://127.0.0.1/",
        "javascript:alert(1)",
        "jar:file:///etc/passwd!/x",
    ]
    for url in refused:
        with pytest.raises(ValueError, match="읽을 수 없습니다"):
            fetch(url)
    assert_no_connection(listener)


def test_default_templates_are_the_fetchers_root() -> None:
    fetch = make_url_fetcher(TEMPLATES)
    assert fetch((TEMPLATES / "print.css").as_uri()).read()
    with pytest.raises(ValueError):
        fetch((TEMPLATES / ".." / "pyproject.toml").as_uri())


@pytest.mark.parametrize("rel", ["../escape", "../../etc/cron.d/x", "/etc/x", "2024/../../x", "a/../../x"])
def test_output_names_cannot_leave_the_output_folder(tmp_path: Path, rel: str) -> None:
    with pytest.raises(UsageError):
        output_path(tmp_path / "out", rel, "pdf")


def test_output_names_inside_the_folder_are_fine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert output_path(out, "2024/지역균형발전_추진", "pdf") == (out / "2024" / "지역균형발전_추진.pdf").resolve()
    assert output_path(out, "2024/a..b", "pdf").name == "a..b.pdf"


# --------------------------------------------------------------------------- exit codes


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    return folder


def test_check_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    assert run_main(monkeypatch, capsys, "check", str(data))[0] == 0
    assert run_main(monkeypatch, capsys, "check", str(tmp_path / "missing"))[0] == 2
    assert run_main(monkeypatch, capsys, "check", "--format", "xml", str(data))[0] == 2
    assert run_main(monkeypatch, capsys, "check", "--bogus")[0] == 2
    (data / "bad.yaml").write_text(MINIMAL.replace("current: 6623", "current: 6624"), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "check", str(data))
    assert code == 1 and "basis-item" in out and "Traceback" not in err
    (data / "latin1.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    code, out, err = run_main(monkeypatch, capsys, "check", str(data))
    assert code == 2 and f"{data / 'latin1.yaml'}:1:11: encoding:" in out and "basis-item" in out


def test_build_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build = ("build", "--format", "html", "--jobs", "1", "--no-progress", "-o", str(out))
    assert run_main(monkeypatch, capsys, *build, str(data))[0] == 0
    assert (out / "good.html").is_file()
    assert run_main(monkeypatch, capsys, *build, str(tmp_path / "missing"))[0] == 2
    assert run_main(monkeypatch, capsys, "build", "--format", "doc", str(data))[0] == 2
    (data / "bad.yaml").write_text(MINIMAL.replace("current: 6623", "current: 6624"), encoding="utf-8")
    code, stdout, err = run_main(monkeypatch, capsys, *build, str(data))
    assert code == 1 and "basis-item" in stdout
    (data / "latin1.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    code, stdout, err = run_main(monkeypatch, capsys, *build, str(data))
    assert code == 2 and "encoding" in stdout + err and "Traceback" not in err


def test_import_exit_codes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run_main(monkeypatch, capsys, "import", str(REFERENCE_TEXT))[0] == 0
    assert run_main(monkeypatch, capsys, "import", str(tmp_path / "missing.txt"))[0] == 2
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9\n".encode("latin-1"))
    assert run_main(monkeypatch, capsys, "import", str(latin1))[0] == 2
    junk = tmp_path / "junk.txt"
    junk.write_text("이것은 사업설명서가 아닙니다\n", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "import", str(junk))
    assert code == 1 and "Traceback" not in err
    code, _, err = run_main(monkeypatch, capsys, "import", str(REFERENCE_TEXT), "-o", "/proc/budgetdoc/x.yaml")
    assert code == 2 and "Traceback" not in err


def test_schema_exit_codes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_main(monkeypatch, capsys, "schema")
    assert code == 0 and json.loads(out)["title"] == "사업설명서"
    code, _, err = run_main(monkeypatch, capsys, "schema", "-o", "/proc/budgetdoc.schema.json")
    assert code == 2 and "쓸 수 없습니다" in err and "Traceback" not in err
    assert run_main(monkeypatch, capsys, "schema", "-o", str(tmp_path))[0] == 2
    assert run_main(monkeypatch, capsys, "nonsense")[0] == 2


def test_a_bug_exits_3_with_a_traceback_and_a_request_to_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    def broken(doc: object, figures: object = None) -> list[Problem]:
        raise RuntimeError("고장")

    monkeypatch.setattr("budgetdoc.check.rules.check", broken)
    code, _, err = run_main(monkeypatch, capsys, "check", str(data))
    assert code == 3
    assert "Traceback (most recent call last)" in err and "RuntimeError: 고장" in err
    assert err.rstrip().endswith(BUG_REPORT)
