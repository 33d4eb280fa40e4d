"""Every error that belongs to a printed cell marks that cell in a draft, for every rule."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import REFERENCE_YAML

from budgetdoc.check.rules import RULES, check
from budgetdoc.formats.load import load_text
from budgetdoc.model.figures import compute
from budgetdoc.write import layout

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


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rules_error_marks_a_printed_cell(rule: str) -> None:
    old, new = FAILING[rule]
    errors, marked = marked_cells(REFERENCE.replace(old, new))
    if not errors:
        pytest.skip(f"{rule} is a warning here: a draft marks errors")
    assert marked, (rule, errors)


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
