"""`import` of published text keeps the positions of the text: what is wrong points into the .txt."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetdoc.check.rules import check
from budgetdoc.formats.legacy import LegacyError, convert, import_text
from budgetdoc.formats.load import load_text
from budgetdoc.model import numbers
from generate import cli

REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "reference.txt"
TEXT = REFERENCE.read_text(encoding="utf-8")
LINES = TEXT.split("\n")

# An amount standing alone in a table cell: after a tab, the '(x-) ' artefact or '=' and a tab.
_AMOUNT = re.compile(r"(?:(?<=\t)|(?<=\(x-\) ))(△?[0-9]{1,3}(?:,[0-9]{3})+|△?[0-9]+)(?=천원|\t|$)")


def _cells() -> list[tuple[int, int, str]]:
    """(line, column of the cell, amount as written) of every amount in a table cell of the reference."""
    out = []
    for number, line in enumerate(LINES, 1):
        for m in _AMOUNT.finditer(line):
            cell = line.rfind("\t", 0, m.start()) + 2
            out.append((number, cell, m[1]))
    return out


def _bumped(written: str) -> str:
    value = numbers.parse_amount(written) + 1
    return numbers.won(value)


def _cell_starts(text: str, number: int) -> set[int]:
    """The 1-based columns where the cells of line ``number`` begin."""
    line = text.split("\n")[number - 1]
    starts, col = set(), 1
    for raw in line.split("\t"):
        starts.add(col + len(raw) - len(raw.lstrip()))
        col += len(raw) + 1
    return starts


CELLS = _cells()


def test_the_reference_has_the_amounts_these_tests_change():
    assert len(CELLS) == 56
    assert (29, 15, "263,698") in CELLS  # 예산 총괄 계 (B)
    assert (41, 30, "5,100") in CELLS  # 산출근거 회의 참석수당


@pytest.mark.parametrize(("line", "col", "written"), CELLS, ids=[f"{ln}:{c}" for ln, c, _ in CELLS])
def test_a_wrong_amount_is_reported_on_its_line_of_the_text(line, col, written):
    lines = LINES[:]
    text = lines[line - 1]
    start = text.index(written, col - 1)
    lines[line - 1] = text[:start] + _bumped(written) + text[start + len(written) :]
    mutated = "\n".join(lines)
    problems = [p for p in check(convert(mutated, "bad.txt").document) if p.severity == "error"]
    assert problems, f"changing {written} at {line}:{col} went unnoticed"
    assert {p.file for p in problems} == {"bad.txt"}
    assert line in {p.line for p in problems}
    for p in problems:  # every problem stands at the start of a cell of the text, never at 1:1
        assert p.column in _cell_starts(mutated, p.line), (p, mutated.split("\n")[p.line - 1])


def test_the_blamed_cell_itself_is_named():
    wrong_total = TEXT.replace("(x-) 13,500\t(x-) 263,698", "(x-) 13,500\t(x-) 263,699")
    found = [str(p) for p in check(convert(wrong_total, "reference.txt").document)]
    assert (
        "reference.txt:29:15: budget-total: 예산 총괄 계 (B)는 과목 합계 263,698천원인데 263,699천원으로 적혀 있습니다"
        in found
    )
    wrong_basis = TEXT.replace("150,000원*17명*2회\t=\t5,100천원", "150,000원*17명*2회\t=\t5,200천원")
    found = [str(p) for p in check(convert(wrong_basis, "reference.txt").document)]
    assert found == [
        "reference.txt:41:30: basis-formula: 150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다"
    ]


def test_every_placed_value_is_what_the_text_shows_there():
    imported = convert(TEXT, "reference.txt")
    data = imported.document.project.model_dump()
    shown = 0
    for path, (line, col) in imported.document.source.values.items():
        value: object = data
        for key in path:
            value = value[key]  # type: ignore[index]
        there = LINES[line - 1][col - 1 :].removeprefix("(x-) ")
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            continue
        if isinstance(value, int):
            assert there.startswith((numbers.won(value), str(value))), (path, there)
        elif isinstance(value, Decimal):
            assert there.startswith(numbers.rate_text(value, numbers.decimals_of(value))), (path, there)
        else:
            assert there.startswith(str(value)), (path, there)
        shown += 1
    assert shown >= 60


def test_the_yaml_is_what_it_was():
    out, _ = import_text(TEXT, "reference.txt")
    assert load_text(out, "x.yaml").project == convert(TEXT, "reference.txt").document.project


def test_a_value_the_model_refuses_after_import_points_at_its_cell():
    huge = TEXT.replace("(x-) 0\t(x-) 94,800", "(x-) 0\t(x-) 9,999,999,999,999,999")
    with pytest.raises(LegacyError) as info:
        convert(huge, "reference.txt")
    assert [str(p) for p in info.value.problems] == [
        "reference.txt:34:15: legacy-invalid: 가져온 결과가 올바르지 않습니다: "
        "'budget.items[4].current (예산액(B))': 수가 너무 큽니다: '9999999999999999' (최대 15자리)"
    ]
    fine = TEXT.replace("(x-) 250,198\t(x-) 1,853", "(x-) 250,198\t(x-) 1,853.12345")
    with pytest.raises(LegacyError) as info:
        convert(fine, "reference.txt")
    assert [str(p) for p in info.value.problems] == [
        "reference.txt:29:41: legacy-invalid: 가져온 결과가 올바르지 않습니다: "
        "'conventions.rate_decimals (증감률 소수 자릿수)' 값 5은(는) 4 이하여야 합니다"
    ]


def test_import_command_reports_at_the_text_files_line(tmp_path):
    bad = tmp_path / "reference.txt"
    bad.write_text(TEXT.replace("(x-) 13,500\t(x-) 263,698", "(x-) 13,500\t(x-) 263,699"), encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = CliRunner().invoke(cli, ["import", str(bad), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{bad}:12:27: legacy-typo: 경고: '[사비]'는 '[시비]'의 오타로 보고 시비로 읽었습니다",
        f"{bad}:12:12: funding-budget: 사업비 (당해년도)는 예산 총괄 계 (B) 263,699천원인데 263,698천원으로 "
        "적혀 있습니다 (가져온 값 그대로 썼습니다)",
        f"{bad}:29:15: budget-total: 예산 총괄 계 (B)는 과목 합계 263,698천원인데 263,699천원으로 적혀 있습니다 "
        "(가져온 값 그대로 썼습니다)",
        f"{bad}:79:4: schedule-budget: 추진일정 예산집행금액 합계는 예산 총괄 계 (B) 263,699천원인데 263,698천원입니다 "
        "(가져온 값 그대로 썼습니다)",
    ]
    written = out.read_text(encoding="utf-8")
    assert "current: 263699" in written  # the published value is kept, for the checker to audit
    again = CliRunner().invoke(cli, ["check", str(out)])
    assert again.exit_code == 1
    assert [line.split(": ")[1] for line in again.output.splitlines() if line.startswith(str(out))] == [
        "funding-budget",
        "budget-total",
        "schedule-budget",
    ]


def test_import_of_the_reference_reports_no_check_problem(tmp_path):
    result = CliRunner().invoke(cli, ["import", str(REFERENCE), "-o", str(tmp_path / "ref.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{REFERENCE}:12:27: legacy-typo: 경고: '[사비]'는 '[시비]'의 오타로 보고 시비로 읽었습니다"
    ]
