"""The workbook as a clerk handles it: tabs renamed, numbers typed as text, sheets left in.

The form is filled and re-saved the way department staff do it (openpyxl stands for the
typing, LibreOffice for the saving), and must still import as the project it holds.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path

import docgen
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import REFERENCE_YAML, libreoffice_rows, soffice

from budgetdoc.formats.load import load
from budgetdoc.formats.workbook import read as workbook_read
from budgetdoc.formats.workbook.form import (
    SEC_BASIS,
    SEC_BUDGET,
    SEC_CONTACTS,
    SEC_DESCRIPTION,
    SEC_DRAFT,
    SEC_EFFECTS,
    SEC_EXPECTED,
    SEC_OVERVIEW,
    SEC_SCHEDULE,
    SEC_SETTLEMENT,
    SECTIONS,
)
from budgetdoc.formats.workbook.write import _Sheet, _workbook
from generate import cli

SHEET = "지역균형발전 추진"
HEAD = "# yaml-language-server: $schema=../../schema/project.schema.json\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def reference_with_a_blank_form(path: Path) -> None:
    """The reference exported with one more, unused form sheet, as an office sends it out."""
    project = load(REFERENCE_YAML).project
    sheets = [_Sheet(SHEET, project, 2024, str(REFERENCE_YAML), HEAD), _Sheet("사업2", None, 2024)]
    path.write_bytes(_workbook(sheets, 5))


def as_clerk(path: Path) -> None:
    """Rename the tab, turn every amount into text with commas, leave an empty Sheet2 in."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws.title = "균형발전"
    period = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "사업기간")
    years = {ws.cell(r, 1).value for r in range(1, ws.max_row + 1)} & {"연도"}
    assert years
    for row in ws.iter_rows(min_row=4, min_col=2, max_col=8):
        for cell in row:
            if isinstance(cell.value, int) and not isinstance(cell.value, bool) and cell.row != period:
                cell.value = f"{cell.value:,}"
                cell.data_type = "s"
    wb.create_sheet("Sheet2")
    wb.save(path)


@pytest.mark.slow
def test_a_workbook_handled_as_a_clerk_does_imports_as_the_reference(tmp_path: Path) -> None:
    book = tmp_path / "사업설명서.xlsx"
    reference_with_a_blank_form(book)
    as_clerk(book)
    saved = soffice(tmp_path, book, "xlsx:Calc MS Excel 2007 XML")
    assert openpyxl.load_workbook(saved).sheetnames == ["작성요령", "균형발전", "사업2", "_budgetdoc", "Sheet2"]

    code, out, err = run("check", str(saved))
    assert code == 0, out
    # The numbers typed as text are read; one warning says the sheet's own totals could not add them.
    [warning] = out.splitlines()
    assert warning.startswith(f"{saved}!균형발전!D15: xlsx-text-number: 경고: 숫자가 글로 들어 있는 칸 34개(D15, ")
    assert f"{saved}!사업2: 입력한 값이 없어 건너뜁니다" in err
    assert f"{saved}!Sheet2: 비어 있어 건너뜁니다" in err

    code, out, err = run("import", str(saved), "-o", f"{tmp_path / 'back'}/")
    assert code == 0, err
    assert (tmp_path / "back" / REFERENCE_YAML.name).read_bytes() == REFERENCE_YAML.read_bytes()

    # One wrong amount, typed as text: reported at its own sheet and cell, by the form's label.
    wb = openpyxl.load_workbook(saved)
    ws = wb["균형발전"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "국외업무여비")
    ws.cell(row, 3).value = "50,001"
    wb.save(saved)
    code, out, _ = run("check", str(saved))
    assert code == 1
    errors = [line for line in out.splitlines() if ": 경고: " not in line]
    assert errors == [
        f"{saved}!균형발전!C{row}: basis-item: 2024예산액(B): '국외업무여비' 예산액 (B)는 산출근거 합계 50,000천원인데 "
        "50,001천원으로 적혀 있습니다"
    ]


def test_a_renamed_reordered_and_copied_sheet_is_still_the_project(tmp_path: Path) -> None:
    book = tmp_path / "ref.xlsx"
    assert run("export", str(REFERENCE_YAML), "-o", str(book))[0] == 0
    wb = openpyxl.load_workbook(book)
    ws = wb[SHEET]
    ws.title = "균형발전"
    copy = wb.copy_worksheet(ws)
    copy.title = "균형발전 (2)"
    copy["B1"] = "지역균형발전 추진 사본"
    wb.move_sheet(copy, offset=-wb.sheetnames.index(copy.title))  # the copy first
    wb.save(book)
    workbook_read._read_all.cache_clear()
    found = workbook_read.read_workbook(book.read_bytes(), str(book))
    # The original keeps its record (its YAML source, so its output name); the copy is a new project.
    assert [(s.sheet, s.source) for s in found] == [("균형발전 (2)", ""), ("균형발전", str(REFERENCE_YAML))]
    assert [s.document.project.title for s in found if s.document] == ["지역균형발전 추진 사본", SHEET]


def test_every_problem_at_once_a_blank_name_hides_no_wrong_sum(tmp_path: Path) -> None:
    book = tmp_path / "ref.xlsx"
    assert run("export", str(REFERENCE_YAML), "-o", str(book))[0] == 0
    wb = openpyxl.load_workbook(book)
    ws = wb[SHEET]
    office = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == "부서명")
    ws.cell(office, 6).value = None
    ws["C20"] = "6,624"  # typed as text, and one 천원 off
    step = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "사업추진절차") + 2
    ws.cell(step, 3).value = ws.cell(step, 3).value + 1
    wb.save(book)
    code, out, _ = run("check", str(book))
    assert code == 1
    found = [line.split(": ", 2)[:2] for line in out.splitlines()]
    assert found == [
        [f"{book}!{SHEET}!F{office}", "missing-field"],
        [f"{book}!{SHEET}!C20", "basis-item"],
        [f"{book}!{SHEET}!C20", "xlsx-text-number"],
        [f"{book}!{SHEET}!C{step}", "schedule-total"],
    ], out


def test_a_blank_name_in_yaml_hides_no_wrong_sum(tmp_path: Path) -> None:
    text = REFERENCE_YAML.read_text(encoding="utf-8")
    text = text.replace("department: 균형발전정책과", 'department: ""').replace("current: 6623", "current: 6624", 1)
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run("check", str(path))
    assert code == 1
    assert [line.split(": ", 2)[1] for line in out.splitlines()] == ["missing-field", "basis-item"]
    assert "'contacts.department (부서명)'이(가) 비어 있습니다" in out


# --------------------------------------------------------------------------- every rule at its cell

_FAILING_SPEC = importlib.util.spec_from_file_location(
    "rule_fixtures", Path(__file__).parents[1] / "check" / "test_rules.py"
)
assert _FAILING_SPEC and _FAILING_SPEC.loader
_RULES = importlib.util.module_from_spec(_FAILING_SPEC)
_FAILING_SPEC.loader.exec_module(_RULES)
FAILING: dict[str, tuple[str, str]] = _RULES.FAILING

SECTION_OF = {
    "overview": SEC_OVERVIEW,
    "contacts": SEC_CONTACTS,
    "description": SEC_DESCRIPTION,
    "schedule": SEC_SCHEDULE,
    "settlement": SEC_SETTLEMENT,
    "draft": SEC_DRAFT,
}


def section(field: str) -> str | None:
    """The form's section a field belongs to; None for the rows above the first section."""
    head = field.split(".")[0].split("[")[0]
    if head == "budget":
        return SEC_BASIS if ".basis" in field else SEC_BUDGET
    if head == "effects":
        return SEC_EXPECTED if field.startswith("effects.expected") else SEC_EFFECTS
    return SECTION_OF.get(head)


@pytest.mark.parametrize("rule", sorted(FAILING))
def test_each_rule_is_told_at_a_cell_of_its_own_section(rule: str, tmp_path: Path) -> None:
    """Each rule's error, planted in the reference and exported: its cell lies in the section of the field it blames."""
    old, new = FAILING[rule]
    source = tmp_path / "x.yaml"
    source.write_text(REFERENCE_YAML.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    book = tmp_path / "x.xlsx"
    code, _, err = run("export", str(source), "-o", str(book))
    assert code == 0, err
    code, out, _ = run("check", "--format", "json", str(book))
    found = [p for p in json.loads(out) if p["rule"] == rule]
    assert found, out
    ws = openpyxl.load_workbook(book).worksheets[1]  # after 작성요령
    titles = {str(ws.cell(r, 1).value).strip(): r for r in range(1, ws.max_row + 1)}
    starts = sorted(r for t, r in titles.items() if t in SECTIONS)
    for p in found:
        row = p["line"]
        wanted = section(p["field"])
        if wanted is None:
            assert row < starts[0], p
            continue
        top = titles[wanted]
        bottom = next((r for r in starts if r > top), ws.max_row + 1)
        assert top <= row < bottom, (p, wanted, top, bottom)


def test_a_form_filled_from_the_template_tells_each_sum_at_its_own_cell(tmp_path: Path) -> None:
    """Totals left to the form's formulas (never computed by a spreadsheet): the sums are told at their 계 cells."""
    book = tmp_path / "form.xlsx"
    assert run("template", "-o", str(book), "--year", "2025")[0] == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["사업1"]

    def rows(label: str, column: int = 1) -> list[int]:
        return [r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value == label]

    for cell, value in {
        "B1": "새 사업",
        "B5": "기금",
        "D5": "재난관리기금",
        "B6": "계속",
        "D6": 2024,
        "F6": 2026,
    }.items():
        ws[cell] = value
    ws.cell(rows("사업내용")[0], 2).value = "재난 대비"
    funding = rows("국비")[0]
    ws.cell(funding, 2).value, ws.cell(funding, 4).value = 100, 1200  # 국비 + 시비 = 1,300 ≠ 계 (B) 1,200
    office = rows("실·국")[0]
    ws.cell(office, 2).value, ws.cell(office, 6).value = "안전총괄실", "재난안전과"
    for k, name in enumerate(("박과장", "최팀장", "정주무관")):
        ws.cell(office + 1 + k, 2).value = name
    item = rows("계")[0] + 1
    ws.cell(item, 1).value, ws.cell(item, 2).value, ws.cell(item, 3).value = "사무관리비", 1000, 1200
    basis = rows("과목")[0] + 1
    for c, value in enumerate(("사무관리비", "○", "운영", "1,200,000원", 1200), 1):
        ws.cell(basis, c).value = value
    schedule_total = rows("계")[1]
    ws.cell(schedule_total + 1, 1).value, ws.cell(schedule_total + 1, 3).value = "집행", 1300
    wb.save(book)
    code, out, _ = run("check", str(book))
    assert code == 1
    errors = [line.split(": ")[:2] for line in out.splitlines() if ": 경고: " not in line]
    assert errors == [
        [f"{book}!사업1!D{funding}", "funding-budget"],  # at 시비, the budget's own share
        [f"{book}!사업1!C{schedule_total}", "schedule-budget"],  # at the schedule's 계
    ], out


# --------------------------------------------------------------------------- the form itself


def test_the_form_a_clerk_fills_without_a_manual(tmp_path: Path) -> None:
    book = tmp_path / "form.xlsx"
    assert run("template", "-o", str(book), "--year", "2025", "--count", "2")[0] == 0
    wb = openpyxl.load_workbook(book)
    guide = wb["작성요령"]
    assert wb.sheetnames[0] == "작성요령" and wb.active.title == "사업1"
    assert "노란 칸은 꼭 채웁니다" in "\n".join(str(c.value) for c in guide["A"])
    ws = wb["사업1"]
    # Conventions in Korean, chosen from lists that say what to do when the cell is selected.
    assert (ws["D3"].value, ws["F3"].value) == ("나누어떨어짐 (exact)", "예산현액-집행액-차년이월")
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    rounding = next(dv for dv in lists if "D3" in str(dv.sqref).split())
    assert rounding.formula1 == '"나누어떨어짐 (exact),내림 (floor),올림 (ceil),반올림 (half-up)"'
    assert rounding.showInputMessage and rounding.prompt.startswith("칸 오른쪽의 ▼를 눌러 고릅니다")
    amounts = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert amounts and all(dv.showInputMessage and "천원" in dv.prompt for dv in amounts)
    # Required cells are marked; one font everywhere, the formula cells too.
    assert ws["B1"].fill.fgColor.rgb.endswith("FFF2CC") and ws["B5"].fill.fgColor.rgb.endswith("FFF2CC")
    total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "계")
    assert ws.cell(total, 2).value.startswith("=SUM(") and ws.cell(total, 2).font.name == "맑은 고딕"
    assert {ws.cell(r, 2).font.name for r in range(1, ws.max_row + 1) if ws.cell(r, 2).has_style} == {"맑은 고딕"}
    # Printed one A4 landscape page wide (LibreOffice checks it below), the hidden mark column left out.
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.scale == 72
    assert ws.print_area == f"'사업1'!$A$1:$H${ws.max_row}"
    # The guide is not a project and not a sheet to tell about.
    code, out, err = run("check", str(book))
    assert "작성요령" not in out + err


def test_conventions_chosen_in_korean_or_as_codes_read_the_same(tmp_path: Path) -> None:
    book = tmp_path / "ref.xlsx"
    assert run("export", str(REFERENCE_YAML), "-o", str(book))[0] == 0
    for rounding, balance in (("올림 (ceil)", "예산현액-집행액"), ("ceil", "available-spent")):
        wb = openpyxl.load_workbook(book)
        wb[SHEET]["D3"], wb[SHEET]["F3"] = rounding, balance
        wb.save(book)
        code, text, _ = run("import", str(book))
        assert (
            "conventions:\n  rate_decimals: 0\n  formula_rounding: ceil\n  settlement_balance: available-spent\n"
            in text
        )


@pytest.mark.slow
def test_libreoffice_prints_each_sheet_one_page_wide_and_no_heading_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name, text in docgen.pages(10):  # documents long enough to need several pages
        (data / f"{name}.yaml").write_text(text, encoding="utf-8")
    book = tmp_path / "all.xlsx"
    assert run("export", str(data), "-o", str(book))[0] == 0
    pdf = soffice(tmp_path, book, "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    # Every sheet's columns, H too, on one page's width: each 결산 header line is whole, and there
    # are not more pages than rows would need (a sheet shrunk onto one page would also pass this).
    headers = [line.split() for page in pages for line in page.splitlines() if line.strip().startswith("연도  ")]
    assert len(headers) >= 10 and all(h[-1] == "집행잔액" for h in headers if "최종예산" in h), headers
    assert len(pages) > 11  # the guide and ten sheets, several of them longer than a page
    # No section heading is left at the foot of a page, apart from its table.
    headings = {title.split(" (")[0] for title in SECTIONS}
    for number, page in enumerate(pages[1:], 2):
        body = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in body if not re.fullmatch(r"[0-9]+ / [0-9]+", line)]
        assert not any(body[-1].startswith(h) for h in headings), (number, body[-3:])


@pytest.mark.slow
@pytest.mark.parametrize("count", [1, -1], ids=["row inserted", "row deleted"])
def test_each_rule_is_told_at_its_cell_after_the_clerk_inserts_or_deletes_a_row(count: int, tmp_path: Path) -> None:
    """Each rule's error planted, the workbook saved by LibreOffice, then a row inserted or deleted in
    LibreOffice above the tables (in 사업내용): every problem is told at the same cell as before, moved by
    that row. (Saved by LibreOffice first, so that its formulas are computed alike before and after; an
    error planted in a formula cell, such as a wrong total, is gone once LibreOffice computed it.)"""
    books: dict[str, Path] = {}
    for rule, (old, new) in sorted(FAILING.items()):
        source = tmp_path / f"{rule}.yaml"
        source.write_text(REFERENCE_YAML.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        books[rule] = tmp_path / f"{rule}.xlsx"
        assert run("export", str(source), "-o", str(books[rule]))[0] == 0
    libreoffice_rows(tmp_path, list(books.values()), sheet=1, row=0, count=0)

    def told(book: Path) -> list[tuple[str, int, int]]:
        found = json.loads(run("check", "--format", "json", str(book))[1])
        return sorted((p["rule"], p["line"], p["column"]) for p in found)

    before = {rule: told(book) for rule, book in books.items()}
    covered = {rule for rule, problems in before.items() if rule in {p[0] for p in problems}}
    assert len(covered) >= 8, covered
    edited: dict[str, int] = {}  # the second 사업내용 line: inserted before it, or deleted
    for rule, book in books.items():
        ws = openpyxl.load_workbook(book).worksheets[1]
        edited[rule] = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "사업내용") + 1
    for row in set(edited.values()):
        group = [books[rule] for rule in books if edited[rule] == row]
        libreoffice_rows(tmp_path, group, sheet=1, row=row - 1, count=count)
    for rule, book in books.items():
        moved = sorted((name, r + count if r >= edited[rule] else r, c) for name, r, c in before[rule])
        assert told(book) == moved, (rule, before[rule])


def test_a_project_titled_like_the_hidden_sheet_gets_a_sheet_name_of_its_own(tmp_path: Path) -> None:
    source = tmp_path / "x.yaml"
    source.write_text(
        REFERENCE_YAML.read_text(encoding="utf-8").replace("title: 지역균형발전 추진", "title: _BUDGETDOC"),
        encoding="utf-8",
    )
    book = tmp_path / "x.xlsx"
    assert run("export", str(source), "-o", str(book))[0] == 0
    names = openpyxl.load_workbook(book).sheetnames
    assert [n.casefold() for n in names].count("_budgetdoc") == 1  # sheet names compare as Excel compares them
    assert run("check", str(book))[0] == 0


def test_text_typed_into_the_hidden_sheet_never_becomes_data(tmp_path: Path) -> None:
    book = tmp_path / "x.xlsx"
    assert run("export", str(REFERENCE_YAML), "-o", str(book))[0] == 0
    wb = openpyxl.load_workbook(book)
    meta = wb["_budgetdoc"]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "sheet")
    meta.cell(row, 4).value = "# 머리 주석\ntitle: 숨은 시트에서 온 제목\n"
    wb.save(book)
    code, text, err = run("import", str(book))
    assert code == 0, err
    assert "숨은 시트에서 온 제목" not in text and text.count("title:") == 1
    out = tmp_path / "back.yaml"
    out.write_text(text, encoding="utf-8")
    assert run("check", str(out))[0] == 0


@pytest.mark.parametrize("kind", ["huge strings part", "too many strings", "too many parts"])
def test_a_workbook_bomb_is_refused_before_it_costs(kind: str, tmp_path: Path) -> None:
    """Limits on each part, on the shared strings and on the parts, before anything is kept in memory."""
    import time
    import zipfile

    book = tmp_path / "ref.xlsx"
    assert run("export", str(REFERENCE_YAML), "-o", str(book))[0] == 0
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        if kind == "huge strings part":
            dst.writestr("xl/sharedStrings.xml", f"<sst {ns}><si><t>" + "가" * 8_000_000 + "</t></si></sst>")
        elif kind == "too many strings":
            dst.writestr("xl/sharedStrings.xml", f"<sst {ns}>" + "<si><t>a</t></si>" * 600_000 + "</sst>")
        else:
            for n in range(2_100):
                dst.writestr(f"xl/media/x{n}.bin", b"")
    start = time.perf_counter()
    code, out, _ = run("check", str(bomb))
    assert time.perf_counter() - start < 30
    assert code == 2
    assert out.startswith(f"{bomb}:1:1: unreadable: "), out


@pytest.mark.parametrize("node", ["fifo", "link"])  # (an existing folder is a folder output)
@pytest.mark.parametrize("command", ["export", "template", "import"])
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(
    command: str, node: str, tmp_path: Path
) -> None:
    import os
    import stat

    suffix = ".yaml" if command == "import" else ".xlsx"
    target = tmp_path / f"out{suffix}"
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep", encoding="utf-8")
    if node == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(elsewhere)
    if command == "import":
        book = tmp_path / "ref.xlsx"
        assert run("export", str(REFERENCE_YAML), "-o", str(book))[0] == 0
        args = ["import", str(book), "-o", str(target), "--force"]
    elif command == "export":
        args = ["export", str(REFERENCE_YAML), "-o", str(target)]
    else:
        args = ["template", "-o", str(target), "--year", "2025"]
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and str(target) in err
    mode = os.lstat(target).st_mode
    assert (stat.S_ISFIFO if node == "fifo" else stat.S_ISLNK)(mode)
    assert elsewhere.read_text(encoding="utf-8") == "keep"
