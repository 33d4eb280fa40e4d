"""Every error that belongs to a printed cell marks that cell in a draft, for every rule."""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import REFERENCE_YAML

from budgetdoc.check.rules import RULES, check
from budgetdoc.formats.load import load_text
from budgetdoc.model.figures import compute
from budgetdoc.write import layout
from budgetdoc.write.hwpx import render_hwpx

_SPEC = importlib.util.spec_from_file_location("rule_fixtures", Path(__file__).parents[1] / "check" / "test_rules.py")
assert _SPEC and _SPEC.loader
_RULES = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_RULES)
FAILING: dict[str, tuple[str, str]] = _RULES.FAILING
REFERENCE = REFERENCE_YAML.read_text(encoding="utf-8")


def marked_cells(text: str) -> tuple[list[str], list[str]]:
    """The draft's errors' fields, and the fields of the cells it marks."""
    doc = load_text(text, "x.yaml")
    figures = compute(doc.project)
    errors = [p for p in check(doc, figures) if p.severity == "error"]
    document = layout.build(doc.project, figures, frozenset(p.field for p in errors), True)
    cells = [cell for table in document.tables() for row in table.rows for cell in row.cells]
    return [p.field for p in errors], [c.field for c in cells if c.wrong]


def _errors(rule: str) -> bool:
    doc = load_text(REFERENCE.replace(*FAILING[rule]), "x.yaml")
    return any(p.severity == "error" for p in check(doc))


ERROR_RULES = sorted(rule for rule in RULES if _errors(rule))
"""The rules whose planted error is an error (basis-missing and draft warn): a draft marks errors."""


def test_the_walk_covers_every_rule_but_the_warnings() -> None:
    assert set(RULES) - set(ERROR_RULES) == {"basis-missing", "draft"}


@pytest.mark.parametrize("rule", ERROR_RULES)
def test_each_rules_error_marks_a_printed_cell(rule: str) -> None:
    errors, marked = marked_cells(REFERENCE.replace(*FAILING[rule]))
    assert errors and marked, (rule, errors)


def test_funding_that_put_the_district_share_outside_the_budget_is_blamed_at_the_city_share() -> None:
    """국비 + 시비 + 구비 = 사업비: 구비 was taken off 시비; the 시비 cell is marked and the message says why."""
    text = REFERENCE.replace("    city: 263698\n", "    city: 200000\n").replace(
        "    district: null\n", "    district: 63698\n"
    )
    doc = load_text(text, "x.yaml")
    [problem] = [p for p in check(doc) if p.severity == "error"]
    assert (problem.rule, problem.field) == ("funding-total", "overview.funding.city")
    assert problem.message == (
        "시비는 사업비 263,698 − 국비 0 = 263,698천원인데 200,000천원으로 적혀 있습니다 "
        "(사업비 (당해년도)는 예산 총괄 계 (B)와 맞습니다) — 국비 + 시비 + 구비가 사업비와 같습니다: "
        "구비는 예산 외라 사업비에 들지 않으니, 예산 안의 몫이면 시비에 넣으세요"
    )
    _, marked = marked_cells(text)
    assert marked == ["overview.funding.city"]


def hwpx_draft(text: str, tmp_path: Path) -> tuple[str, str, set[str], str]:
    """A draft's HWPX: its section XML, its header XML, the red character shapes' ids, and its text
    as an independent reader (hwp-hwpx-parser) reads it."""
    from hwp_hwpx_parser import Reader

    doc = load_text(text, "x.yaml")
    figures = compute(doc.project)
    errors = [p for p in check(doc, figures) if p.severity == "error"]
    document = layout.build(doc.project, figures, frozenset(p.field for p in errors), bool(errors))
    package = render_hwpx(doc.project, figures, document)
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        section = z.read("Contents/section0.xml").decode("utf-8")
        header = z.read("Contents/header.xml").decode("utf-8")
    red = {
        m
        for tag in re.findall(r"<hh:charPr [^>]*>", header)
        if 'textColor="#C00000"' in tag
        for m in re.findall(r' id="([0-9]+)"', tag)
    }
    path = tmp_path / "draft.hwpx"
    path.write_bytes(package)
    reader = Reader(str(path))
    try:
        read = reader.text
    finally:
        reader.close()
    return section, header, red, read


def red_cells(section: str, red: set[str]) -> int:
    return sum(
        1 for tc in re.findall(r"<hp:tc\b.*?</hp:tc>", section, re.S) if any(f'charPrIDRef="{i}"' in tc for i in red)
    )


@pytest.mark.parametrize("rule", ERROR_RULES)
def test_each_rules_error_marks_a_cell_in_the_hwpx_draft_and_the_draft_says_so(rule: str, tmp_path: Path) -> None:
    text = REFERENCE.replace(*FAILING[rule])
    section, _, red, read = hwpx_draft(text, tmp_path)
    assert red and red_cells(section, red) >= 1, rule
    assert "검증 오류가 있는 초안입니다. 붉게 표시된 칸을 고치세요." in read
    assert "검증 오류 · 초안" in section  # the running header, on every page


def test_a_clean_hwpx_has_no_draft_marks(tmp_path: Path) -> None:
    section, header, red, read = hwpx_draft(REFERENCE, tmp_path)
    assert not red and "초안" not in read and "검증 오류" not in section


def test_a_draft_hwpx_is_a_valid_package() -> None:
    from hwpx import HwpxDocument, validate_editor_open_safety, validate_package

    text = REFERENCE.replace(*FAILING["funding-total"])
    doc = load_text(text, "x.yaml")
    figures = compute(doc.project)
    errors = [p for p in check(doc, figures) if p.severity == "error"]
    package = render_hwpx(
        doc.project, figures, layout.build(doc.project, figures, frozenset(p.field for p in errors), True)
    )
    report = validate_package(package)
    assert report.ok, report.errors
    assert validate_editor_open_safety(package).ok
    opened = HwpxDocument.open(io.BytesIO(package))
    try:
        assert opened.validate().ok
    finally:
        opened.close()
