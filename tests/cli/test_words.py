"""One language at the terminal, and no silent surprises: help, usage errors and output names.

click's own words (``Usage:``, ``Missing option``, ``Path … does not exist``) are Korean in
every command; the program is named as it was invoked; a run without a command is a request
for help; an output name whose suffix does not match what would be written is refused
before anything is read or written; ``check`` with no data file and a ``.txt`` given where
data is read are exit 2 with one line.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import REFERENCE_TEXT, REFERENCE_YAML, ROOT

from budgetdoc.cliwords import UNTRANSLATED, WORDS
from generate import cli

COMMANDS = sorted(cli.commands)
ENGLISH = re.compile(r"\b(Usage|Options|Commands|Error|Missing|Invalid|Show this|default:|required|Try)\b")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def click_messages() -> set[str]:
    """Every string the installed click passes through gettext (``_("…")``, ``ngettext("…", "…")``)."""
    found: set[str] = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


def test_every_message_of_click_is_in_the_table() -> None:
    messages = click_messages()
    assert len(messages) > 60  # the scan did find click's messages
    assert sorted(messages - WORDS.keys() - UNTRANSLATED) == []


def test_every_translation_keeps_the_fields_of_its_message() -> None:
    field = re.compile(r"\{[^}]*\}|%\(\w+\)s")
    for english, korean in WORDS.items():
        assert sorted(field.findall(korean)) == sorted(field.findall(english)), english


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_is_korean(command: str | None) -> None:
    code, out, _ = run(*([command] if command else []), "--help")
    assert code == 0
    assert out.startswith("사용법: ")
    assert "옵션:" in out and "-h, --help  " in out.replace("  ", "  ")
    assert "이 도움말을 보여 주고 끝냅니다." in out
    assert not ENGLISH.search(out), ENGLISH.search(out)
    assert "[OPTIONS]" not in out and "TEXT" not in out and "INTEGER" not in out and "FLOAT" not in out


def test_no_command_prints_the_help_and_exit_0() -> None:
    code, out, err = run()
    assert (code, err) == (0, "")
    assert out == run("--help")[1]
    assert out.startswith("사용법: ") and "명령:" in out


def test_usage_errors_are_korean() -> None:
    assert run("nocmd")[2].splitlines()[-1] == "오류: 'nocmd' 명령은 없습니다."
    assert run("template")[2].splitlines()[-1] == "오류: 빠진 옵션: '-o' / '--out'."
    assert run("diff")[2].splitlines()[-1] == "오류: 빠진 인수: 'BASE'."
    assert run("check", "--format", "x")[2].splitlines()[-1] == (
        "오류: '--format'의 값이 잘못되었습니다: 'x'은(는) 쓸 수 없습니다: 'text', 'json', 'github' 가운데 하나여야 합니다."
    )
    assert run("check", "--nope")[2].splitlines()[-1] == "오류: '--nope' 옵션은 없습니다."
    code, _, err = run("template", "-o", "x.xlsx", "--count", "0")
    assert code == 2
    assert err.splitlines()[-1] == "오류: '--count'의 값이 잘못되었습니다: 0은(는) 범위 1<=x<=500 밖입니다."
    assert run("build", "-j", "many")[2].splitlines()[-1] == (
        "오류: '-j' / '--jobs'의 값이 잘못되었습니다: 'many'은(는) 올바른 수(integer range)가 아닙니다."
    )
    for err in (run("template")[2], run("check", "--nope")[2]):
        assert not ENGLISH.search(err), err


@pytest.mark.parametrize("command", ["check", "build", "book", "export", "rollover", "serve", "import"])
def test_a_missing_path_is_korean_in_every_command(command: str, tmp_path: Path) -> None:
    missing = str(tmp_path / "없는곳")
    extra = {"export": ["-o", str(tmp_path / "x.xlsx")], "rollover": ["--to", "2025"]}.get(command, [])
    code, _, err = run(command, missing, *extra)
    assert code == 2
    last = err.splitlines()[-1]
    assert last.startswith("오류: ") and missing in last, err
    assert not ENGLISH.search(last), last


def test_the_program_is_named_as_it_was_invoked(tmp_path: Path) -> None:
    budgetdoc = Path(sys.executable).parent / "budgetdoc"
    if not budgetdoc.exists():
        pytest.skip("the console script is not installed (pip install -e .)")
    as_installed = subprocess.run([str(budgetdoc), "template"], capture_output=True, text=True, timeout=60)
    assert as_installed.stderr.splitlines()[:2] == [
        "사용법: budgetdoc template [옵션]",
        "'budgetdoc template --help'로 도움말을 보세요.",
    ]
    as_script = subprocess.run([sys.executable, str(ROOT / "generate.py")], capture_output=True, text=True, timeout=60)
    assert as_script.returncode == 0
    assert as_script.stdout.startswith("사용법: generate.py [옵션] 명령 [인수]...")


# --------------------------------------------------------------------------- output names


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["export", "DATA", "-o", "x.pdf"],
            "x.pdf: 통합 문서의 이름은 .xlsx로 끝나야 합니다 (.pdf로 끝남; 예: x.xlsx); "
            "폴더에 사업마다 하나씩 쓰려면 이름 끝에 /를 붙이세요",
        ),
        (
            ["export", "DATA", "-o", "out"],
            "out: 통합 문서의 이름은 .xlsx로 끝나야 합니다 (확장자 없음; 예: out.xlsx); "
            "폴더에 사업마다 하나씩 쓰려면 이름 끝에 /를 붙이세요",
        ),
        (["template", "-o", "f.xls"], "f.xls: 빈 양식의 이름은 .xlsx로 끝나야 합니다 (.xls로 끝남; 예: f.xlsx)"),
        (["book", "DATA", "-o", "b.html"], "b.html: 합본의 이름은 .pdf로 끝나야 합니다 (.html로 끝남; 예: b.pdf)"),
        (["schema", "-o", "s.yaml"], "s.yaml: JSON Schema의 이름은 .json로 끝나야 합니다 (.yaml로 끝남; 예: s.json)"),
        (
            ["import", "TEXT", "-o", "x.txt"],
            "x.txt: YAML 파일의 이름은 .yaml·.yml로 끝나야 합니다 (.txt로 끝남; 예: x.yaml); "
            "폴더에 쓰려면 이름 끝에 /를 붙이세요",
        ),
        (
            ["build", "DATA", "-o", "one.pdf"],
            "one.pdf: -o는 문서를 담을 폴더입니다 — .pdf로 끝나는 이름은 파일 이름이라 "
            "쓰지 않습니다 (그런 이름의 폴더가 정말 필요하면 끝에 /를 붙이세요)",
        ),
        (
            ["rollover", "DATA", "--to", "2025", "-o", "next.yaml"],
            "next.yaml: -o는 초안을 담을 폴더입니다 — .yaml로 "
            "끝나는 이름은 파일 이름이라 쓰지 않습니다 (그런 이름의 폴더가 정말 필요하면 끝에 /를 붙이세요)",
        ),
    ],
)
def test_an_output_name_of_the_wrong_kind_is_refused(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REFERENCE_YAML, data / "a.yaml")
    monkeypatch.chdir(tmp_path)
    given = [str(data) if a == "DATA" else str(REFERENCE_TEXT) if a == "TEXT" else a for a in args]
    assert run(*given) == (2, "", f"오류: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written, no folder made


def test_a_folder_name_with_a_slash_is_a_folder(tmp_path: Path) -> None:
    code, _, err = run("export", str(REFERENCE_YAML), "-o", f"{tmp_path / 'out'}/")
    assert code == 0, err
    assert [p.name for p in (tmp_path / "out").iterdir()] == [REFERENCE_YAML.with_suffix(".xlsx").name]


# --------------------------------------------------------------------------- nothing to read


def test_check_with_no_data_file_is_exit_2_naming_where_it_looked(tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    (empty / "메모.txt").write_text("x", encoding="utf-8")
    code, out, err = run("check", str(empty))
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == f"검사할 데이터 파일(.yaml, .yml, .xlsx)이 없습니다: {empty}"


@pytest.mark.parametrize("command", ["check", "build", "book", "export"])
def test_a_text_document_given_as_data_points_to_import(command: str, tmp_path: Path) -> None:
    text = tmp_path / "게시본.txt"
    shutil.copy(REFERENCE_TEXT, text)
    extra = {"export": ["-o", str(tmp_path / "x.xlsx")], "build": ["-o", str(tmp_path / "out")]}.get(command, [])
    if command == "book":
        extra = ["-o", str(tmp_path / "b.pdf")]
    code, out, err = run(command, str(text), *extra)
    assert (code, out) == (2, "")
    assert (
        err
        == f"오류: {text}: 게시된 텍스트 문서는 데이터 파일이 아닙니다 — 먼저 YAML로 바꾸세요: import {text} -o data/\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["게시본.txt"]


def test_an_old_excel_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    old = tmp_path / "양식.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert run("check", str(old)) == (
        2,
        "",
        f"오류: {old}: 예전 엑셀 형식(.xls)은 읽지 않습니다 — 엑셀이나 LibreOffice에서 .xlsx로 저장해 주세요\n",
    )


# --------------------------------------------------------------------------- progress without a terminal


def test_progress_off_a_terminal_counts_and_the_summary_names_the_output(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    text = REFERENCE_YAML.read_text(encoding="utf-8")
    for n in range(3):
        (data / f"p{n}.yaml").write_text(text.replace("title: 지역균형발전 추진", f"title: 사업 {n}"), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run("build", str(data), "-o", str(out), "--format", "html", "-j", "1", "--no-progress")
    assert code == 0, err
    lines = re.sub(r"\(\d+[.]\d+초\)", "(…초)", err).splitlines()
    assert lines[0] == "문서 3개를 만듭니다 (바뀌지 않은 0개는 건너뜀)."
    assert [line.split(" ", 1)[0] for line in lines[1:4]] == ["[1/3]", "[2/3]", "[3/3]"]
    assert sorted(line.split(" ", 1)[1] for line in lines[1:4]) == [
        f"완료 {data / f'p{n}.yaml'} (…초)" for n in range(3)
    ]
    assert lines[4] == f"만듦 3, 건너뜀 0, 실패 0 (…초) → {out}"


def test_rollover_with_no_data_file_is_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    code, out, err = run("rollover", str(empty), "--to", "2026")
    assert (code, out) == (2, "")
    assert err == f"오류: 옮길 데이터 파일(.yaml, .yml, .xlsx)이 없습니다: {empty}\n"
