"""The command line, through click's CliRunner: exit codes and exact output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import REFERENCE_TEXT, REFERENCE_YAML, ROOT, pdftotext

from generate import cli

BAD = REFERENCE_YAML.read_text(encoding="utf-8").replace("amount: 5100", "amount: 5200")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "2024"
    folder.mkdir(parents=True)
    shutil.copy(REFERENCE_YAML, folder / "good.yaml")
    return tmp_path / "data"


def test_check_reference_is_clean() -> None:
    code, out, err = run("check", str(REFERENCE_YAML))
    assert (code, out, err) == (0, "", "파일 1개 검사: 오류 0개, 경고 0개\n")


def test_check_reports_the_wrong_cell(data: Path) -> None:
    bad = data / "2024" / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    code, out, err = run("check", str(data))
    assert code == 1
    assert out == f"{bad}:46:23: basis-formula: 150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다\n"
    assert err == "파일 2개 검사: 오류 1개, 경고 0개\n"


def test_check_json(data: Path) -> None:
    bad = data / "2024" / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    code, out, _ = run("check", "--format", "json", str(bad))
    assert code == 1
    assert json.loads(out) == [
        {
            "file": str(bad),
            "line": 46,
            "column": 23,
            "field": "budget.items[1].basis[0].parts[0].amount",
            "rule": "basis-formula",
            "severity": "error",
            "message": "150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다",
            "expected": 5100,
            "actual": 5200,
        }
    ]


def test_check_json_clean_is_an_empty_list() -> None:
    code, out, _ = run("check", "--format", "json", str(REFERENCE_YAML))
    assert (code, json.loads(out)) == (0, [])


def test_check_github_annotations(data: Path) -> None:
    bad = data / "2024" / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    code, out, _ = run("check", "--format", "github", str(bad))
    assert code == 1
    assert out == (
        f"::error file={bad},line=46,col=23,title=basis-formula::"
        "150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다\n"
    )


def test_check_exit_codes_for_unreadable_input(tmp_path: Path) -> None:
    assert run("check", str(tmp_path / "missing"))[0] == 2
    broken = tmp_path / "latin1.yaml"
    broken.write_bytes("title: caf\xe9\n".encode("latin-1"))
    code, out, _ = run("check", str(broken))
    assert code == 2
    assert out == f"{broken}:1:11: encoding: UTF-8이 아닌 바이트 0xE9가 있습니다\n"


def test_check_reports_every_file_and_problem_at_once(data: Path) -> None:
    (data / "2024" / "a.yaml").write_text(BAD.replace("balance: 9728", "balance: 9729"), encoding="utf-8")
    (data / "2024" / "b.yaml").write_text("titel: x\n", encoding="utf-8")
    code, out, _ = run("check", str(data))
    lines = out.splitlines()
    assert code == 1
    assert [line.split(": ")[1] for line in lines if "a.yaml" in line] == ["basis-formula", "settlement-balance"]
    assert f"{data / '2024' / 'b.yaml'}:1:1: unknown-key: 알 수 없는 키 'titel' — 'title'을(를) 뜻했나요?" in lines
    assert sum("missing-field" in line for line in lines) == 2  # fiscal_year, title
    assert sum("missing-section" in line for line in lines) == 7  # every section of the form


def test_build_renders_html_and_pdf(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, err = run("build", str(data), "-o", str(out), "--no-progress")
    assert code == 0, err
    assert sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")
    ) == ["2024/good.html", "2024/good.pdf"]
    assert "263,698" in pdftotext(out / "2024" / "good.pdf")
    assert err.endswith("만듦 1, 건너뜀 0, 실패 0 (" + err.rsplit("(", 1)[1])
    # Nothing changed: nothing is rebuilt.
    code, _, err = run("build", str(data), "-o", str(out), "--no-progress")
    assert code == 0 and err.startswith("만듦 0, 건너뜀 1, 실패 0")


def test_failing_document_keeps_its_previous_output_and_others_build(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copy(data / "2024" / "good.yaml", data / "2024" / "other.yaml")
    assert run("build", str(data), "-o", str(out), "--no-progress")[0] == 0
    before = (out / "2024" / "good.pdf").read_bytes()
    (data / "2024" / "good.yaml").write_text(BAD, encoding="utf-8")
    (data / "2024" / "other.yaml").write_text(
        REFERENCE_YAML.read_text(encoding="utf-8").replace("title: 지역균형발전 추진", "title: 다른 사업"),
        encoding="utf-8",
    )
    code, out_text, err = run("build", str(data), "-o", str(out), "--no-progress")
    assert code == 1
    assert out_text == (
        f"{data / '2024' / 'good.yaml'}:46:23: basis-formula: "
        "150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다\n"
    )
    assert (out / "2024" / "good.pdf").read_bytes() == before
    assert "다른 사업" in pdftotext(out / "2024" / "other.pdf")
    assert "만듦 1, 건너뜀 0, 실패 1" in err


def test_draft_marks_the_wrong_cells_in_a_separate_folder(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (data / "2024" / "good.yaml").write_text(BAD, encoding="utf-8")
    code, _, err = run("build", str(data), "-o", str(out), "--draft", "--no-progress")
    assert code == 1
    assert not (out / "2024" / "good.pdf").exists()
    html = (out / "_drafts" / "2024" / "good.html").read_text(encoding="utf-8")
    assert '<td class="num wrong" data-field="budget.items[1].basis[0].parts[0].amount">5,200천원</td>' in html
    pages = pdftotext(out / "_drafts" / "2024" / "good.pdf").split("\f")[:-1]
    assert len(pages) == 3
    assert all("검증 오류 · 초안" in page for page in pages)  # the banner on every page
    assert all("검" in page.replace("검증 오류 · 초안", "") for page in pages)  # and the watermark
    assert "초안 1" in err


def test_build_rejects_unknown_format(data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(data), "-o", str(tmp_path / "o"), "--format", "pdf,docx"])
    assert result.exit_code == 2
    assert "알 수 없는 형식 docx; 가능: html, pdf, hwpx" in result.stderr


def test_schema_is_current() -> None:
    code, out, _ = run("schema")
    assert code == 0
    assert out == (ROOT / "schema" / "project.schema.json").read_text(encoding="utf-8")
    assert json.loads(out)["properties"]["fiscal_year"] == {"$ref": "#/$defs/Year"}


def test_help_explains_every_command() -> None:
    import generate

    code, out, _ = run("--help")
    assert code == 0
    assert {"build", "book", "check", "import", "schema", "init"} <= set(generate.cli.commands)
    for name, command in generate.cli.commands.items():
        assert command.get_short_help_str(), name
        assert f"  {name} " in out
        code, page, _ = run(name, "--help")
        assert code == 0, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts[0]} has no help"
                assert param.opts[0] in page


def test_hwpx_builds_behind_the_same_gate(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (data / "2024" / "bad.yaml").write_text(BAD, encoding="utf-8")
    code, _, err = run("build", str(data), "-o", str(out), "--format", "hwpx", "--no-progress")
    assert code == 1
    assert sorted(p.name for p in (out / "2024").iterdir()) == ["good.hwpx"]
    first = (out / "2024" / "good.hwpx").read_bytes()
    assert (
        run(
            "build",
            str(data / "2024" / "good.yaml"),
            "-o",
            str(tmp_path / "again"),
            "--format",
            "hwpx",
            "--no-progress",
        )[0]
        == 0
    )
    assert (tmp_path / "again" / "good.hwpx").read_bytes() == first


def test_check_never_imports_weasyprint(data: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom generate import cli\ntry:\n"
        f"    cli.main(['check', {str(data)!r}], standalone_mode=False)\n"
        "except SystemExit as exit:\n    assert exit.code == 0\n"
        "assert 'pydantic' in sys.modules and 'weasyprint' not in sys.modules, 'weasyprint imported'\n"
        "print('checked')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "checked\n"), result.stderr
    assert result.stderr == "파일 1개 검사: 오류 0개, 경고 0개\n"


def test_import_to_stdout_checks_clean_and_matches_the_shipped_data(tmp_path: Path) -> None:
    code, out, err = run("import", str(REFERENCE_TEXT))
    assert code == 0
    assert err == f"{REFERENCE_TEXT}:12:27: legacy-typo: 경고: '[사비]'는 '[시비]'의 오타로 보고 시비로 읽었습니다\n"
    shipped = REFERENCE_YAML.read_text(encoding="utf-8").split("\n", 1)[1]
    assert out == shipped
    target = tmp_path / "x.yaml"
    assert run("import", str(REFERENCE_TEXT), "-o", str(target))[0] == 0
    assert target.read_text(encoding="utf-8") == shipped
    assert run("check", str(target))[0] == 0


def test_import_folder(tmp_path: Path) -> None:
    src = tmp_path / "txt" / "본부"
    src.mkdir(parents=True)
    shutil.copy(REFERENCE_TEXT, src / "a.txt")
    (src / "b.txt").write_text(
        REFERENCE_TEXT.read_text(encoding="utf-8").replace("지역균형발전 추진\n", "다른 사업\n", 1), encoding="utf-8"
    )
    code, _, err = run("import", str(tmp_path / "txt"), "-o", str(tmp_path / "yaml"))
    assert code == 0, err
    assert sorted(p.relative_to(tmp_path / "yaml").as_posix() for p in (tmp_path / "yaml").rglob("*.yaml")) == [
        "본부/a.yaml",
        "본부/b.yaml",
    ]
    assert "title: 다른 사업\n" in (tmp_path / "yaml" / "본부" / "b.yaml").read_text(encoding="utf-8")
    assert run("import", str(tmp_path / "txt"))[0] == 2  # a folder needs -o


def test_malformed_import_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(REFERENCE_TEXT.read_text(encoding="utf-8").replace("(x-) 6,623", "(x-) 6,62E"), encoding="utf-8")
    target = tmp_path / "out.yaml"
    code, out, err = run("import", str(bad), "-o", str(target))
    assert code == 1 and out == ""
    assert f"{bad}:31: 예산 총괄 '사무관리비' 2024예산액 (B): '6,62E'은(는) 금액이 아닙니다\n" in err
    assert err.endswith("변환 실패: 1개 파일, 아무것도 쓰지 않았습니다.\n")
    assert not target.exists()
