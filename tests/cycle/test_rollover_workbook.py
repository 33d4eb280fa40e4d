"""Rollover of projects held in workbooks: the drafts are YAML files, never text in an .xlsx."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import REFERENCE_YAML

from budgetdoc.formats.load import load
from budgetdoc.formats.workbook.write import export_workbook
from generate import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_workbook_rolls_over_to_yaml_drafts_named_after_it(tmp_path: Path) -> None:
    first = load(str(REFERENCE_YAML))
    second = type(first)(first.project.model_copy(update={"title": "균형발전 둘째 사업"}), first.source)
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "one.xlsx").write_bytes(export_workbook([(first, "a.yaml", "")]))
    (tmp_path / "2024" / "two.xlsx").write_bytes(export_workbook([(first, "a.yaml", ""), (second, "b.yaml", "")]))
    code, out, err = run("rollover", str(tmp_path), "--to", "2025", "--write")
    assert code == 0, out + err
    written = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "2025").rglob("*") if p.is_file())
    assert written == ["2025/one.yaml", "2025/two/균형발전 둘째 사업.yaml", "2025/two/지역균형발전 추진.yaml"]
    code, out, _ = run("check", str(tmp_path / "2025"))
    assert code == 0, out
