"""The registry of rules, walked for real: every rule is documented, raised by the checks, and
has a failing fixture (one edit of the reference) and a passing one (the reference itself)."""

from __future__ import annotations

import ast
import re

import pytest
from conftest import REFERENCE_YAML, ROOT

from budgetdoc.check.rules import RULES, check
from budgetdoc.formats.load import load_text

REFERENCE = REFERENCE_YAML.read_text(encoding="utf-8")

# One edit of the reference per rule: (old, new) replaced once; the result must raise that rule.
FAILING: dict[str, tuple[str, str]] = {
    "budget-total": ("total: {previous: 13500, current: 263698,", "total: {previous: 13500, current: 263699,"),
    "budget-diff": ("      change: -3877\n", "      change: -3876\n"),
    "budget-rate": ("      rate: -37\n", "      rate: -38\n"),
    "basis-formula": (
        "formula: 150,000원*17명*2회\n              amount: 5100",
        "formula: 150,000원*17명*2회\n              amount: 5200",
    ),
    "basis-formula-syntax": ("formula: 761,500원*2회", "formula: 761,500원*두회"),
    "basis-parts": (
        "        - label: 서울시 균형발전위원회 운영\n          amount: 6623\n",
        "        - label: 서울시 균형발전위원회 운영\n          amount: 6624\n",
    ),
    "basis-item": (
        "          formula: 54,000,000원\n          amount: 54000",
        "          formula: 53,000,000원\n          amount: 53000",
    ),
    "basis-missing": (
        "      basis:\n        - label: 여비\n          formula: 50,000,000원\n          amount: 50000\n",
        "      basis: []\n",
    ),
    "funding-total": ("    city: 263698\n", "    city: 263697\n"),
    "funding-budget": (
        "  total: 263698\n  funding:\n    national: null\n    city: 263698\n",
        "  total: 263699\n  funding:\n    national: null\n    city: 263699\n",
    ),
    "schedule-total": ("schedule:\n  total: 263698\n", "schedule:\n  total: 263699\n"),
    "schedule-budget": (
        "schedule:\n  total: 263698\n  rows:\n    - step: 서울시 균형발전위원회 운영\n      period: 2024.01~2024.12\n      amount: 263698\n",
        "schedule:\n  total: 263697\n  rows:\n    - step: 서울시 균형발전위원회 운영\n      period: 2024.01~2024.12\n      amount: 263697\n",
    ),
    "settlement-available": ("available: 13500, spent: 3772", "available: 13501, spent: 3772"),
    "settlement-balance": ("carried_out: 0, balance: 9728}", "carried_out: 0, balance: 9729}"),
    "years": ("  - {year: 2022, final_budget: 13500,", "  - {year: 2023, final_budget: 13500,"),
    "negative-amount": ("spent: 3772,", "spent: -3772,"),
    "draft": (
        "fiscal_year: 2024\n",
        "fiscal_year: 2024\ndraft: {source: data/2023/지역균형발전_추진.yaml, todo: [추진실적 2023년]}\n",
    ),
    "text-too-long": (
        "detail: 지역균형발전 추진 관련 심의자문위원회 운영\n",
        "detail: " + "지역균형발전 추진 관련 심의자문위원회 운영 " * 20 + "\n",
    ),
    "word-too-long": ("period: 2024.01~2024.12", "period: " + "2024.01~2024.12" * 14),
}


def test_every_rule_is_documented_in_plain_korean() -> None:
    assert RULES, "the registry is empty"
    for rule, text in RULES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule), rule
        assert re.search(r"[가-힣]", text), rule


def test_the_checks_raise_only_registered_rules() -> None:
    """Every rule id the checks module passes to a problem is in the registry, and the other way round."""
    tree = ast.parse((ROOT / "budgetdoc" / "check" / "rules.py").read_text(encoding="utf-8"))
    used = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in RULES
    }
    literals = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"(budget|basis|funding|schedule|settlement)-[a-z-]+", node.value)
    }
    assert literals <= set(RULES)
    assert used == set(RULES)


def test_every_rule_has_a_failing_fixture() -> None:
    assert set(FAILING) == set(RULES)


def test_the_reference_passes_every_rule() -> None:
    assert check(load_text(REFERENCE, "ref.yaml")) == []


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_fails_on_its_fixture(rule: str) -> None:
    old, new = FAILING[rule]
    assert REFERENCE.count(old) == 1, f"the edit for {rule} must match the reference once"
    problems = check(load_text(REFERENCE.replace(old, new), "ref.yaml"))
    assert rule in {p.rule for p in problems}, [str(p) for p in problems]
    hit = next(p for p in problems if p.rule == rule)
    assert hit.line > 1 and hit.message
