"""Real 산출기초 lines, as Korean local governments and schools published them.

The lines, their stated amounts, each document's rounding and its source are in
``tests/fixtures/formulas/`` (see its README). Every line must read, give its stated
amount under its document's rounding, and pass ``check``; the same line with its amount
one 천원 off must be an error; and each line the document itself got wrong must be
reported, never accepted.
"""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REFERENCE_YAML
from docgen import text

from budgetdoc.check.rules import check
from budgetdoc.formats.load import load_text
from budgetdoc.model import numbers
from budgetdoc.model.formula import evaluate_formula

FIXTURES = Path(__file__).parents[1] / "fixtures" / "formulas"
FILES = ("published.yaml", "heldout.yaml")


def documents(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))["documents"]
    return loaded


def lines(key: str = "lines") -> list[Any]:
    found = []
    for name in FILES:
        for d in documents(name):
            for line in d.get(key, []):
                found.append(
                    pytest.param(
                        line["formula"], line["stated"], d["rounding"], d.get("stated_unit", "천원"), id=line["formula"]
                    )
                )
    return found


def stated_amount(stated: str, unit: str) -> tuple[int, str]:
    """``"28,449천원"`` → (28449, "천원"); ``"-360,000"`` in a 원 document → (-360000, "원")."""
    stated = stated.strip()
    for suffix in ("천원", "원"):
        if stated.endswith(suffix):
            return numbers.parse_amount(stated.removesuffix(suffix).strip()), suffix
    return numbers.parse_amount(stated), unit


def as_printed(value: Fraction, rounding: str, unit: str) -> int | None:
    """The formula's value as its document prints it: in 천원, or in 원 (rounded to 천원 unless exact)."""
    if unit == "천원":
        return numbers.won_to_thousand(value, rounding)
    if rounding == "exact":
        return int(value) if value.denominator == 1 else None
    thousand = numbers.won_to_thousand(value, rounding)
    return None if thousand is None else thousand * 1000


REFERENCE = yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8"))


def formula_problems(formula: str, amount: int, rounding: str) -> list[str]:
    """``check``'s formula problems for the reference with one 산출근거 line replaced."""
    data = copy.deepcopy(REFERENCE)
    data["conventions"] = {"formula_rounding": rounding}
    data["budget"]["items"][2]["basis"] = [{"label": "여비", "formula": formula, "amount": amount}]
    doc = load_text(text(data), "x.yaml")
    return [p.message for p in check(doc) if p.rule.startswith("basis-formula")]


def test_the_corpus_is_large_and_cites_its_sources() -> None:
    published = documents("published.yaml")
    assert sum(len(d["lines"]) for d in published) >= 150
    assert len({d["source"] for d in published}) >= 15
    for d in published + documents("heldout.yaml"):
        assert d["source"].startswith("http") and d["title"] and d["rounding"] in ("exact", "floor", "ceil", "half-up")


@pytest.mark.parametrize(("formula", "stated", "rounding", "unit"), lines())
def test_each_published_line_reads_and_gives_its_stated_amount(
    formula: str, stated: str, rounding: str, unit: str
) -> None:
    amount, unit = stated_amount(stated, unit)
    value = evaluate_formula(formula).value
    assert as_printed(value, rounding, unit) == amount


@pytest.mark.parametrize(("formula", "stated", "rounding", "unit"), lines())
def test_each_published_line_checks_and_one_thousand_off_is_an_error(
    formula: str, stated: str, rounding: str, unit: str
) -> None:
    value = evaluate_formula(formula).value
    # A 사업설명서 states 천원: the line's amount as its document rounds it (exact 원 results that
    # are not whole 천원, from school notices, need a rounding the document does not declare).
    thousand = numbers.won_to_thousand(value, rounding)
    if thousand is None:
        assert formula_problems(formula, int(value) // 1000, rounding) != []
        return
    assert formula_problems(formula, thousand, rounding) == []
    for off in (thousand - 1, thousand + 1):
        found = formula_problems(formula, off, rounding)
        assert len(found) == 1 and f"{numbers.won(off)}천원으로 적혀 있습니다" in found[0], found


@pytest.mark.parametrize(("formula", "stated", "rounding", "unit"), lines("wrong"))
def test_a_line_its_document_got_wrong_is_reported(formula: str, stated: str, rounding: str, unit: str) -> None:
    amount, unit = stated_amount(stated, unit)
    value = evaluate_formula(formula).value
    assert as_printed(value, rounding, unit) != amount
    thousand = amount // 1000 if unit == "원" else amount
    assert formula_problems(formula, thousand, rounding) != []
