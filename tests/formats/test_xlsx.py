"""Workbooks in and out: the round trip, errors at the cell, bad workbooks, LibreOffice."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import typing
import zipfile
from pathlib import Path

import openpyxl
import pypdf
import pytest
from click.testing import CliRunner
from conftest import REFERENCE_YAML, soffice
from docgen import workbook as corpus
from docgen import workbook_project as corpus_project
from pydantic import BaseModel

from budgetdoc.formats.load import load, load_text
from budgetdoc.formats.workbook.form import to_yaml
from budgetdoc.formats.workbook.read import load_workbook_document, read_workbook
from budgetdoc.formats.workbook.write import export_workbook
from budgetdoc.model.document import Document, Project, SourceMap
from budgetdoc.model.figures import compute
from generate import cli

SHEET = "지역균형발전 추진"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The reference project exported to a workbook."""
    out = tmp_path / "ref.xlsx"
    code, _, err = run("export", str(REFERENCE_YAML), "-o", str(out))
    assert (code, err) == (0, f"통합 문서 1개를 썼습니다: {out}\n")
    return out


def edit(path: Path, change: dict[str, object], sheet: str = SHEET) -> None:
    wb = openpyxl.load_workbook(path)
    for cell, value in change.items():
        wb[sheet][cell] = value
    wb.save(path)


# --------------------------------------------------------------------------- round trip


def test_reference_round_trip_is_byte_identical(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "back.yaml"
    code, stdout, err = run("import", str(book), "-o", str(out))
    assert (code, stdout, err) == (0, "", "")
    assert out.read_bytes() == REFERENCE_YAML.read_bytes()


@pytest.mark.slow
def test_corpus_round_trip_is_byte_identical(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    texts = corpus(12)
    for i, text in enumerate(texts):
        (data / f"p{i:02}.yaml").write_text(text, encoding="utf-8")
    code, _, _ = run("check", str(data))
    assert code == 0  # the generated documents add up
    assert run("export", str(data), "-o", str(tmp_path / "all.xlsx"))[0] == 0
    assert len(openpyxl.load_workbook(tmp_path / "all.xlsx").sheetnames) == 14  # and 작성요령 and the hidden sheet
    code, _, err = run("import", str(tmp_path / "all.xlsx"), "-o", str(tmp_path / "back"))
    skipped = ("비어 있어(해당 없음)", ": draft: 경고: ")  # the warnings a complete document may have
    err = "".join(line for line in err.splitlines(keepends=True) if not any(s in line for s in skipped))
    assert (code, err) == (0, f"12개 파일을 {tmp_path / 'back'}에 변환했습니다.\n")
    for i, text in enumerate(texts):
        assert (tmp_path / "back" / f"p{i:02}.yaml").read_text(encoding="utf-8") == text
    assert sum("\nid: " in t for t in texts) >= 2 and sum("\ndraft:\n" in t for t in texts) >= 2


# --------------------------------------------------------------------------- every field of the model


def _record_type(annotation: object) -> list[type[BaseModel]]:
    """The records an annotation holds (``Draft | None``, ``list[BasisLine]``, …)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [r for arg in typing.get_args(annotation) for r in _record_type(arg)]


def _leaves(cls: type[BaseModel], prefix: str = "") -> set[str]:
    """Every field of the model that holds a value, as a dotted path (list indices left out)."""
    out: set[str] = set()
    for name, info in cls.model_fields.items():
        records = _record_type(info.annotation)
        if records:
            for record in records:
                out |= _leaves(record, f"{prefix}{name}.")
        else:
            out.add(prefix + name)
    return out


def _stated(record: BaseModel, prefix: str = "") -> set[str]:
    """The leaves of ``record`` that hold something other than their default (and not nothing)."""
    out: set[str] = set()
    for name, info in type(record).model_fields.items():
        value = getattr(record, name)
        children = value if isinstance(value, list) else [value]
        if children and all(isinstance(v, BaseModel) for v in children):
            for child in children:
                out |= _stated(child, f"{prefix}{name}.")
        elif value not in (None, "", [], {}) and (info.is_required() or value != info.default):
            out.add(prefix + name)
    return out


@pytest.mark.slow
def test_every_field_of_the_model_survives_the_workbook() -> None:
    """A field added to the model fails here until the corpus varies it and the workbook carries it."""
    projects = [corpus_project(seed) for seed in range(1, 41)]
    stated = set().union(*(_stated(p) for p in projects))
    assert _leaves(Project) - stated == set()  # the corpus gives every field a value somewhere
    assert {"id", "draft.source", "draft.todo", "conventions.formula_rounding"} <= stated
    for i, project in enumerate(projects):
        source = SourceMap(f"p{i}.yaml")
        data = export_workbook([(Document(project, source), f"p{i}.yaml", "")])
        [sheet] = read_workbook(data, "p.xlsx")
        assert sheet.problems == []
        assert sheet.document is not None and sheet.document.project == project  # every field, through the cells
        assert load_text(to_yaml(project), f"p{i}.yaml").project == project  # and the canonical YAML


def test_a_rolled_over_reference_survives_and_keeps_its_draft_warnings(tmp_path: Path) -> None:
    code, _, err = run(
        "rollover", str(REFERENCE_YAML.parent), "--to", "2025", "-o", str(tmp_path / "drafts"), "--write"
    )
    assert code == 0, err
    [draft] = (tmp_path / "drafts").rglob("*.yaml")
    rolled = load(str(draft)).project
    assert rolled.draft is not None and len(rolled.draft.todo) == 4
    out = tmp_path / "draft.xlsx"
    assert run("export", str(draft), "-o", str(out))[0] == 0
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws["A4"].value == "다음 연도 초안 — 할 일을 마치면 이 초안 행들을 지우세요 (rollover)"
    assert (ws["A5"].value, ws["B5"].value) == ("원본 문서", rolled.draft.source)
    assert [ws[f"B{r}"].value for r in range(6, 10)] == list(rolled.draft.todo)
    assert ws["A10"].value == "1. 기본 현황 — 사업개요"
    back = tmp_path / "back.yaml"
    assert run("import", str(out), "-o", str(back))[0] == 0
    assert back.read_bytes() == draft.read_bytes()
    code, stdout, err = run("check", str(out))
    tail = "(마치면 이 줄을, 모두 마치면 draft 항목을 지우세요)"
    assert (code, err) == (0, "파일 1개 검사: 오류 0개, 경고 4개\n")
    assert stdout.splitlines() == [
        f"{out}!{SHEET}!B{6 + i}: draft: 경고: 초안 할 일: {todo} {tail}" for i, todo in enumerate(rolled.draft.todo)
    ]
    # every 할 일 cleared but the rows kept: still a draft, warned at its heading
    edit(out, {"B5": None, **{f"B{r}": None for r in range(6, 10)}})
    assert run("check", str(out)) == (
        0,
        f"{out}!{SHEET}!A4: draft: 경고: 다음 연도 초안입니다: 확인을 마치면 draft 항목을 지우세요\n",
        "파일 1개 검사: 오류 0개, 경고 1개\n",
    )


def test_the_id_is_shown_locked_and_read_back(tmp_path: Path) -> None:
    text = re.sub(r"\ntitle: .*\n", r"\g<0>id: 균형-0001\n", REFERENCE_YAML.read_text(encoding="utf-8"), count=1)
    source = tmp_path / "ref.yaml"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "id.xlsx"
    assert run("export", str(source), "-o", str(out))[0] == 0
    ws = openpyxl.load_workbook(out)[SHEET]
    assert (ws["C2"].value, ws["D2"].value, ws["D2"].protection.locked) == ("사업 ID", "균형-0001", True)
    assert "D2:H2" in {str(r) for r in ws.merged_cells.ranges}
    back = tmp_path / "back.yaml"
    assert run("import", str(out), "-o", str(back))[0] == 0
    assert back.read_text(encoding="utf-8") == text
    edit(out, {"D2": "균형-0002"})
    assert load_workbook_document(str(out), SHEET).project.id == "균형-0002"
    edit(out, {"D2": None})
    assert load_workbook_document(str(out), SHEET).project.id is None
    template = tmp_path / "t.xlsx"
    assert run("template", "-o", str(template), "--year", "2025")[0] == 0
    ws = openpyxl.load_workbook(template)["사업1"]
    assert (ws["C2"].value, ws["D2"].value, ws["D2"].protection.locked) == ("사업 ID", None, False)


def test_one_workbook_per_project_and_a_folder_of_workbooks(tmp_path: Path) -> None:
    data = tmp_path / "data" / "2025"
    data.mkdir(parents=True)
    texts = corpus(3, start=100)
    for i, text in enumerate(texts):
        (data / f"p{i}.yaml").write_text(text, encoding="utf-8")
    code, _, err = run("export", str(tmp_path / "data"), "-o", str(tmp_path / "books") + "/")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "books" / "2025").iterdir()) == ["p0.xlsx", "p1.xlsx", "p2.xlsx"]
    code, _, err = run("import", str(tmp_path / "books"), "-o", str(tmp_path / "back"))
    skipped = ("비어 있어(해당 없음)", ": draft: 경고: ")  # the warnings a complete document may have
    err = "".join(line for line in err.splitlines(keepends=True) if not any(s in line for s in skipped))
    assert (code, err) == (0, f"3개 파일을 {tmp_path / 'back'}에 변환했습니다.\n")
    for i, text in enumerate(texts):
        assert (tmp_path / "back" / "2025" / f"p{i}.yaml").read_text(encoding="utf-8") == text


def test_export_is_deterministic(tmp_path: Path) -> None:
    run("export", str(REFERENCE_YAML), "-o", str(tmp_path / "a.xlsx"))
    run("export", str(REFERENCE_YAML), "-o", str(tmp_path / "b.xlsx"))
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_edited_cells_become_edited_values(book: Path) -> None:
    edit(book, {"B49": "다른 기간", "B36": "새 근거", "F65": 287000})
    code, out, err = run("import", str(book))
    assert code == 0
    expected = (
        REFERENCE_YAML.read_text(encoding="utf-8")
        .replace("period: 2024.01~2024.12", "period: 다른 기간")
        .replace("    - 서울특별시 지역균형발전 지원 조례\n", "    - 새 근거\n")
        .replace("spent: 287958", "spent: 287000")
    )
    assert out == expected
    # The balance formula is not trusted: the stated 5,118 no longer adds up, and import says so.
    assert err == (
        f"{book}!{SHEET}!H65: settlement-balance: 2020년 집행잔액은 293,076 − 287,000 − 0 = 6,076천원인데 5,118천원으로 적혀 있습니다 (가져온 값 그대로 썼습니다)\n"
    )


# --------------------------------------------------------------------------- the workbook itself


def test_workbook_has_the_form_formulas_formats_validation_and_protection(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["작성요령", SHEET, "_budgetdoc"]
    assert wb["_budgetdoc"].sheet_state == "hidden"
    meta = [row for row in wb["_budgetdoc"].iter_rows(values_only=True)]
    assert meta[0] == ("format", "2", None, None, None)
    ws = wb[SHEET]
    key = hashlib.sha256(f"{REFERENCE_YAML}\0{SHEET}".encode()).hexdigest()[:16]
    assert meta[1] == (
        "sheet",
        key,
        str(REFERENCE_YAML),
        "# yaml-language-server: $schema=../../schema/project.schema.json\n",
        SHEET,
    )
    # The sheet carries its mark in hidden column I: the tab's name may change.
    assert ws["I1"].value == f"budgetdoc-sheet {key}" and ws.column_dimensions["I"].hidden
    assert ws["B18"].value == "=SUM(B19:B23)"
    assert ws["D20"].value == "=C20-B20"
    assert ws["E20"].value == "=IF(B20=0,IF(C20=0,0,100),ROUND((C20-B20)*100/B20,$B$3))"
    assert ws["E27"].value == "=SUM(E28:E29)"
    assert ws["C48"].value == "=SUM(C49:C49)"
    assert ws["C20"].number_format == "#,##0;△#,##0"
    assert ws.freeze_panes == "B2"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
    assert ws.protection.sheet is True
    assert ws["C20"].protection.locked is False  # an input
    assert ws["D20"].protection.locked is True  # a formula
    assert ws["A20"].protection.locked is False and ws["A19"].value == "기간제근로자등보수"
    assert ws["A17"].protection.locked is True  # a label
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"일반회계,특별회계,기금"' in lists and '"연례반복,계속,한시"' in lists
    whole = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole" and dv.formula1 == "0"]
    assert "C20" in str(whole[0].sqref) and "D65" not in str(whole[0].sqref)  # 예산변경 may be negative
    assert ws.column_dimensions["A"].width == 20


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet, label: str) -> list[int]:
    return [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label]


def test_template_is_an_empty_form(tmp_path: Path) -> None:
    out = tmp_path / "form.xlsx"
    code, _, err = run("template", "-o", str(out), "--year", "2026", "--count", "3")
    assert (code, err) == (0, f"2026년도 빈 양식 (3개 사업)을 {out}에 썼습니다.\n")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["작성요령", "사업1", "사업2", "사업3", "_budgetdoc"]
    ws = wb["사업1"]
    head = _rows(ws, "구분")[0]
    assert ws["B2"].value == 2026 and ws.cell(head, 2).value == "2025예산액(A)"
    assert [ws.cell(r, 1).value for r in range(_rows(ws, "연도")[1] + 1, ws.max_row + 1)] == [2022, 2023, 2024]
    code, stdout, err = run("check", str(out))
    assert code == 1
    skipped = ", ".join(f"사업{i}: 입력한 값이 없어 건너뜁니다" for i in (1, 2, 3))
    assert stdout == f"{out}:1:1: xlsx-layout: 통합 문서에 사업이 적힌 시트가 없습니다 ({skipped})\n"
    assert err.endswith("파일 1개 검사: 오류 1개, 경고 0개\n")


@pytest.mark.parametrize("count", [1, 2])
def test_filled_template_imports_and_checks(tmp_path: Path, count: int) -> None:
    """One sheet filled; with two, the other left as it came: it is skipped with a note, not an error."""
    out = tmp_path / "form.xlsx"
    run("template", "-o", str(out), "--year", "2025", "--count", str(count))
    skipped = [f"{out}!사업2: 입력한 값이 없어 건너뜁니다"] if count == 2 else []
    wb = openpyxl.load_workbook(out)
    ws = wb["사업1"]
    values = {"B1": "새 사업", "B5": "기금", "D5": "재난관리기금", "B6": "계속", "D6": 2024, "F6": 2026}
    for cell, value in values.items():
        ws[cell] = value
    ws.cell(_rows(ws, "사업내용")[0], 2).value = "재난 대비"
    funding = _rows(ws, "국비")[0]
    ws.cell(funding, 4).value = 1200
    office = _rows(ws, "실·국")[0]
    ws.cell(office, 2).value, ws.cell(office, 6).value = "안전총괄실", "재난안전과"
    for k, name in enumerate(("박과장", "최팀장", "정주무관")):
        ws.cell(office + 1 + k, 2).value = name
    item = _rows(ws, "계")[0] + 1
    ws.cell(item, 1).value, ws.cell(item, 2).value, ws.cell(item, 3).value = "사무관리비", 1000, 1200
    basis = _rows(ws, "과목")[0] + 1
    for c, value in enumerate(("사무관리비", "○", "운영", "1,200,000원", 1200), 1):
        ws.cell(basis, c).value = value
    schedule = _rows(ws, "계")[1] + 1
    ws.cell(schedule, 1).value, ws.cell(schedule, 3).value = "집행", 1200
    wb.save(out)
    code, stdout, err = run("check", str(out))
    # Only the sections left empty (해당 없음) warn, saying which check they skip.
    assert code == 0
    assert [line for line in err.splitlines() if "건너뜁니다" in line] == skipped
    assert stdout.splitlines() and all(
        "경고:" in line and "비어 있어(해당 없음)" in line for line in stdout.splitlines()
    )
    assert "결산 현황이 비어 있어(해당 없음) 2021~2023년 결산 연도와 금액을 확인하지 않았습니다" in stdout
    code, text, err = run("import", str(out))
    assert code == 0 and all("비어 있어(해당 없음)" in line for line in err.splitlines()[len(skipped) :])
    assert err.splitlines()[: len(skipped)] == skipped
    assert "  account: 재난관리기금\n  period:\n    kind: 계속\n    start: 2024\n    end: 2026\n" in text
    assert "  summary:\n    - 재난 대비\n  funding:\n" in text
    assert "achievements:\n    2022: []\n    2023: []\n    2024: []\n" in text
    assert text.endswith("settlement: []\n")  # the three years of the form with nothing in them
    assert "    - name: 사무관리비\n      previous: 1000\n      current: 1200\n      basis:\n" in text
    code, _, err = run("import", str(out), "-o", str(tmp_path / "back") + "/")
    assert code == 0 and all("비어 있어(해당 없음)" in line for line in err.splitlines()[len(skipped) :])
    assert (tmp_path / "back" / "form.yaml").read_text(encoding="utf-8") == text  # named after the workbook


# --------------------------------------------------------------------------- errors at the cell


def test_number_changed_with_openpyxl_is_reported_at_its_cell(book: Path) -> None:
    edit(book, {"E28": 5200})
    code, out, err = run("check", str(book))
    assert code == 1
    assert out == (
        f"{book}!{SHEET}!E28: basis-formula: 산출근거 - 금액: 150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다\n"
    )
    code, out, _ = run("check", "--format", "json", str(book))
    first = json.loads(out)[0]
    assert {k: first[k] for k in ("file", "sheet", "cell", "line", "column", "rule", "expected", "actual")} == {
        "file": str(book),
        "sheet": SHEET,
        "cell": "E28",
        "line": 28,
        "column": 5,
        "rule": "basis-formula",
        "expected": 5100,
        "actual": 5200,
    }
    code, out, _ = run("check", "--format", "github", str(book))
    assert out.splitlines()[0] == (
        f"::error file={book},line=28,col=5,title=basis-formula::{SHEET}!E28: "
        "산출근거 - 금액: 150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다"
    )


def test_a_budget_change_is_reported_against_the_recorded_totals(book: Path) -> None:
    edit(book, {"C20": 6624})
    code, out, _ = run("check", str(book))
    assert code == 1
    lines = out.splitlines()
    # The 과목's (B) is the odd one out (its 산출근거 and 계 (B) agree on 6,623): it alone is blamed.
    assert not any("budget-total" in line for line in lines)
    assert any(
        line.startswith(f"{book}!{SHEET}!C20: basis-item: ") and "6,623천원인데 6,624천원" in line for line in lines
    )


def test_text_in_an_amount_cell(book: Path) -> None:
    edit(book, {"C20": "육천"})
    code, out, err = run("check", str(book))
    assert (code, out) == (
        1,
        f"{book}!{SHEET}!C20: wrong-type: 2024예산액(B): 숫자 칸에 글 '육천'이(가) 있습니다 (예: 30,000 또는 △1,500)\n",
    )
    code, out, err = run("import", str(book))
    assert (code, out) == (1, "")
    assert err == (
        f"{book}!{SHEET}!C20: wrong-type: 2024예산액(B): 숫자 칸에 글 '육천'이(가) 있습니다 (예: 30,000 또는 △1,500)\n"
        "변환 실패: 1개 파일, 아무것도 쓰지 않았습니다.\n"
    )


def test_a_formula_referring_elsewhere(book: Path) -> None:
    edit(book, {"D20": "=C21-B20", "E19": f"='{SHEET}'!C9"})
    code, out, _ = run("check", str(book))
    assert code == 1
    assert out == (
        f"{book}!{SHEET}!E19: xlsx-external: 수식이 다른 시트나 파일을 가리킵니다: ='{SHEET}'!C9\n"
        f"{book}!{SHEET}!D20: xlsx-formula: 증감(B-A): 수식이 양식과 다릅니다: =C21-B20 (양식의 수식: =C20-B20)\n"
    )


def test_a_typed_number_in_a_formula_cell_is_a_stated_value(book: Path) -> None:
    edit(book, {"D20": -3000})
    code, out, _ = run("check", str(book))
    assert (code, out) == (
        1,
        f"{book}!{SHEET}!D20: budget-diff: 증감(B-A): '사무관리비' 증감 (B−A)는 6,623 − 10,500 = △3,877천원인데 △3,000천원으로 적혀 있습니다\n",
    )


# --------------------------------------------------------------------------- bad workbooks


def _rezip(path: Path, extra: dict[str, bytes]) -> None:
    data = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        for name, content in extra.items():
            dst.writestr(name, content)
    path.write_bytes(out.getvalue())


def test_bad_workbooks_get_one_clear_line(book: Path, tmp_path: Path) -> None:
    cases: list[tuple[str, int, str]] = []

    text = tmp_path / "text.xlsx"
    text.write_text("이름,금액\n", encoding="utf-8")
    cases.append((str(text), 2, f"{text}:1:1: unreadable: 엑셀 통합 문서(.xlsx)가 아닙니다"))

    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    cases.append(
        (
            str(locked),
            2,
            f"{locked}:1:1: unreadable: 암호가 걸린 통합 문서이거나 옛 .xls 형식입니다 — 암호를 풀고 .xlsx로 저장하세요",
        )
    )

    deleted = tmp_path / "deleted.xlsx"
    shutil.copy(book, deleted)
    wb = openpyxl.load_workbook(deleted)
    wb.create_sheet("빈 시트")
    del wb[SHEET]
    wb.save(deleted)

    merged = tmp_path / "merged.xlsx"
    shutil.copy(book, merged)
    wb = openpyxl.load_workbook(merged)
    wb[SHEET].unmerge_cells("B35:H35")
    wb[SHEET].merge_cells("B35:C35")
    wb.save(merged)
    cases.append(
        (
            str(merged),
            1,
            f"{merged}!{SHEET}!B35: xlsx-merge: 병합된 셀 B35:C35이(가) 양식과 다릅니다 — 병합을 풀거나 옮기지 마세요",
        )
    )

    macro = tmp_path / "macro.xlsx"
    shutil.copy(book, macro)
    _rezip(macro, {"xl/vbaProject.bin": b"\x00" * 64})
    cases.append(
        (
            str(macro),
            1,
            f"{macro}:1:1: xlsx-macro: 매크로가 든 통합 문서는 읽지 않습니다 — 매크로 없이 .xlsx로 저장하세요",
        )
    )

    linked = tmp_path / "linked.xlsx"
    shutil.copy(book, linked)
    _rezip(linked, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    cases.append(
        (
            str(linked),
            1,
            f"{linked}:1:1: xlsx-external: 다른 파일을 가리키는 외부 연결이 있어 읽지 않습니다 — 연결을 끊고 저장하세요",
        )
    )

    long = tmp_path / "long.xlsx"
    shutil.copy(book, long)
    wb = openpyxl.load_workbook(long)
    wb[SHEET]["B50000"] = "끝"
    wb.save(long)
    cases.append((str(long), 2, f"{long}!{SHEET}!A5001: file-size: 시트의 행이 너무 많습니다 (50,000행, 최대 5,000행)"))

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (21 * 1024 * 1024))
    limit = "최대 통합 문서 104,857,600바이트, 시트 하나 20,971,520바이트"
    cases.append((str(bomb), 2, f"{bomb}:1:1: unreadable: 통합 문서의 압축을 풀면 너무 큽니다 ({limit})"))

    for path, exit_code, line in cases:
        result = CliRunner().invoke(cli, ["check", path])
        assert result.exception is None or isinstance(result.exception, SystemExit), path
        assert (result.exit_code, result.stdout.splitlines()[0]) == (exit_code, line), path
        assert "Traceback" not in result.stdout + result.stderr
        # import says the same, with the same exit code, and writes nothing
        imported = CliRunner().invoke(cli, ["import", path, "-o", str(tmp_path / "imported.yaml")])
        assert imported.exit_code == exit_code, (path, imported.stderr)
        assert not (tmp_path / "imported.yaml").exists()

    result = CliRunner().invoke(cli, ["check", str(deleted)])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{deleted}:1:1: xlsx-layout: 통합 문서에 사업이 적힌 시트가 없습니다 (빈 시트: 비어 있어 건너뜁니다)\n"
    )


def test_import_of_a_bad_workbook_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    out = tmp_path / "out.yaml"
    out.write_text("good\n", encoding="utf-8")
    code, stdout, err = run("import", str(bad), "-o", str(out))
    assert (code, err) == (2, f"{bad}: 엑셀 통합 문서(.xlsx)가 아닙니다\n")
    assert out.read_text(encoding="utf-8") == "good\n"


# --------------------------------------------------------------------------- check and build on workbooks


def test_build_reads_a_workbook(book: Path, tmp_path: Path) -> None:
    code, _, err = run("build", str(book), "-o", str(tmp_path / "out"), "--format", "html")
    assert code == 0, err
    html = (tmp_path / "out" / "ref.html").read_text(encoding="utf-8")
    assert "지역균형발전 추진" in html and "263,698" in html


def test_a_data_folder_with_a_workbook_of_two_projects(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    from budgetdoc.check.rules import check

    def warnings(text: str) -> list[str]:
        return [p.rule for p in check(load_text(text, "x.yaml"))]

    # A draft with two 할 일 (warned at their cells) and a project without warnings.
    seeds = iter(range(200, 400))
    draft = next(t for t in (to_yaml(corpus_project(s)) for s in seeds) if warnings(t) == ["draft", "draft"])
    clean = next(t for t in (to_yaml(corpus_project(s)) for s in seeds) if warnings(t) == [])
    for i, text in enumerate([draft, clean]):
        (tmp_path / f"p{i}.yaml").write_text(text, encoding="utf-8")
    run("export", str(tmp_path / "p0.yaml"), str(tmp_path / "p1.yaml"), "-o", str(data / "book.xlsx"))
    shutil.copy(REFERENCE_YAML, data / "ref.yaml")
    code, out, err = run("check", str(data))
    assert (code, err) == (0, "파일 3개 검사: 오류 0개, 경고 2개\n")
    lines = out.splitlines()  # the first project is a draft with two 할 일, warned at their cells
    assert [line.split("!", 1)[0] for line in lines] == [str(data / "book.xlsx")] * 2
    assert [line.split("!", 2)[2].split(" (마치면")[0] for line in lines] == [
        "B6: draft: 경고: 초안 할 일: 할 일 0",
        "B7: draft: 경고: 초안 할 일: 할 일 1",
    ]


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.slow
def test_libreoffice_opens_it_and_its_formulas_agree_with_the_checks(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REFERENCE_YAML, data / "ref.yaml")
    for i, text in enumerate(corpus(5, start=300)):
        (data / f"p{i}.yaml").write_text(text, encoding="utf-8")
    book = tmp_path / "all.xlsx"
    assert run("export", str(data), "-o", str(book))[0] == 0

    pdf = soffice(tmp_path, book, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    assert "지역균형발전 추진" in text and "263,698" in text and "△37" in text

    recalculated = soffice(tmp_path, book, "xlsx")
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    docs = {p.stem: load(p).project for p in sorted(data.glob("*.yaml"))}
    names = dict(zip([p.stem for p in sorted(data.glob("*.yaml"))], wb.sheetnames[1:], strict=False))
    for stem, project in docs.items():
        ws = wb[names[stem]]
        fig = compute(project)
        rows: dict[object, int] = {}
        for r in range(ws.max_row, 0, -1):
            rows[ws.cell(r, 1).value] = r  # the first row with that label
        total = rows["계"]
        assert [ws.cell(total, c).value for c in (2, 3, 4)] == [fig.total.previous, fig.total.current, fig.total.change]
        assert ws.cell(total, 5).value == pytest.approx(float(fig.total.rate))
        for k, item in enumerate(fig.items):
            assert ws.cell(total + 1 + k, 4).value == item.change
            assert ws.cell(total + 1 + k, 5).value == pytest.approx(float(item.rate))
        assert ws.cell(rows["사업비(당해년도)"], 2).value == fig.project_total
        head = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "연도")  # 결산, the last table
        years = {ws.cell(r, 1).value: r for r in range(head + 1, ws.max_row + 1)}
        for s in fig.settlement:
            r = years[s.year]
            assert (ws.cell(r, 5).value, ws.cell(r, 8).value) == (s.available, s.balance)

    # What LibreOffice saved (cached values included) reads back to the same YAML.
    code, _, err = run("import", str(recalculated), "-o", str(tmp_path / "back"))
    assert code == 0, err
    for p in sorted(data.glob("*.yaml")):
        assert (tmp_path / "back" / p.name).read_bytes() == p.read_bytes()

    # A cached value that disagrees with the formula is reported at its cell.
    sheet_xml = f"xl/worksheets/sheet{wb.sheetnames.index(SHEET) + 1}.xml"  # as LibreOffice names them
    with zipfile.ZipFile(recalculated) as z:
        xml = z.read(sheet_xml).decode("utf-8")
    xml, n = re.subn(r'(<c r="D20"[^>]*>\s*<f[^>]*>[^<]*</f>\s*<v>)-3877(</v>)', r"\g<1>-3000\g<2>", xml)
    assert n == 1
    tampered = tmp_path / "tampered.xlsx"
    with zipfile.ZipFile(recalculated) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, xml.encode("utf-8") if info.filename == sheet_xml else src.read(info.filename))
    code, out, _ = run("check", str(tampered))
    assert code == 1
    skipped = ("비어 있어(해당 없음)", ": draft: 경고: ")  # the corpus's sections left empty and its drafts
    assert [line for line in out.splitlines() if not any(s in line for s in skipped)] == [
        f"{tampered}!{SHEET}!D20: budget-diff: 증감(B-A): '사무관리비' 증감 (B−A)는 6,623 − 10,500 = △3,877천원인데 △3,000천원으로 적혀 있습니다"
    ]


def test_export_of_a_broken_yaml_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        REFERENCE_YAML.read_text(encoding="utf-8").replace("title: 지역균형발전 추진\n", ""), encoding="utf-8"
    )
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"good")
    code, _, err = run("export", str(bad), "-o", str(out))
    assert (code, err) == (
        1,
        f"{bad}:2:1: missing-field: 필수 항목 'title'이(가) 최상위에 없습니다 — 예: title: 지역균형발전 추진\n"
        "내보내지 못했습니다: 읽을 수 없는 YAML이 있어 아무것도 쓰지 않았습니다.\n",
    )
    assert out.read_bytes() == b"good"


@pytest.mark.slow
def test_random_edits_never_end_in_a_traceback(book: Path) -> None:
    """Cells overwritten with anything, rows inserted and deleted: a problem list or a document, nothing else."""
    import datetime
    import random

    from budgetdoc.check.rules import check
    from budgetdoc.formats.load import LoadError
    from budgetdoc.formats.workbook.read import load_workbook_document

    rng = random.Random(17)
    values = [None, "", "글", "=1+1", "=SUM(A1:A2)", 3.5, -7, 10**20, True, datetime.datetime(2024, 1, 1)]
    values += ["○", "-", "계", "사업내용", "2024", "1. 기본 현황 — 사업개요", 0]
    base = book.read_bytes()
    outcomes = {"document": 0, "problems": 0}
    for _ in range(15):
        wb = openpyxl.load_workbook(io.BytesIO(base))
        ws = wb[SHEET]
        for _ in range(rng.randint(1, 6)):
            cell = ws.cell(rng.randint(1, 70), rng.randint(1, 9))
            if not isinstance(cell, openpyxl.cell.cell.MergedCell):
                cell.value = rng.choice(values)
        if rng.random() < 0.2:
            ws.insert_rows(rng.randint(1, 70))
        if rng.random() < 0.2:
            ws.delete_rows(rng.randint(1, 70))
        out = io.BytesIO()
        wb.save(out)
        try:
            check(load_workbook_document(str(book), "", data=out.getvalue()))
            outcomes["document"] += 1
        except LoadError as exc:
            assert exc.problems and all(p.sheet or p.line == 1 for p in exc.problems)
            outcomes["problems"] += 1
    assert outcomes["document"] and outcomes["problems"]  # both kinds of edit happened


# --------------------------------------------------------------------------- a book from a workbook


@pytest.mark.slow
def test_a_workbook_of_two_projects_makes_a_book_of_two(tmp_path: Path) -> None:
    text = REFERENCE_YAML.read_text(encoding="utf-8")
    second = text.replace("title: 지역균형발전 추진", "title: 균형발전 둘째 사업").replace(
        "department: 균형발전정책과", "department: 지역발전과"
    )
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(second, encoding="utf-8")
    workbook = tmp_path / "two.xlsx"
    assert run("export", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "-o", str(workbook))[0] == 0
    out = tmp_path / "book.pdf"
    code, _, err = run("book", str(workbook), "-o", str(out), "--no-progress", "-j", "1")
    assert code == 0, err
    lines = re.sub(r"\(\d+[.]\d+초\)", "(…초)", err).splitlines()
    assert lines[0] == "문서 2개를 렌더링합니다 (캐시에 있는 0개는 그대로 씀)."
    # Each line names its sheet, as the problems of a workbook do.
    sheets = [s for s in openpyxl.load_workbook(workbook).sheetnames if s.startswith(("지역", "균형"))]
    assert len(sheets) == 2
    assert sorted(line.split(" ", 1)[1] for line in lines[1:3]) == sorted(
        f"완료 {workbook}!{sheet} (…초)" for sheet in sheets
    )
    assert sorted(line.split(" ", 1)[0] for line in lines[1:3]) == ["[1/2]", "[2/2]"]
    reader = pypdf.PdfReader(out)
    titles: list[str] = []

    def walk(outline: list[object]) -> None:
        for entry in outline:
            if isinstance(entry, list):
                walk(entry)
            else:
                titles.append(str(getattr(entry, "title", "")))

    walk(reader.outline)
    # each sheet is its own part (the same workbook twice would put one project in twice)
    assert titles.count("지역균형발전 추진") == 1 and titles.count("균형발전 둘째 사업") == 1
    assert {"균형발전정책과", "지역발전과"} <= set(titles)
    text_of = "\n".join(page.extract_text() for page in reader.pages)
    assert text_of.count("균형발전 둘째 사업") >= 2  # in the contents and on its own pages
    single = tmp_path / "one.pdf"
    assert run("book", str(tmp_path / "a.yaml"), "-o", str(single), "--no-progress", "-j", "1")[0] == 0
    assert len(reader.pages) > len(pypdf.PdfReader(single).pages)
