"""The arithmetic rules: each one broken by a single edit of the reference, at the edited cell."""

from __future__ import annotations

import re

import pytest
from conftest import REFERENCE_YAML, edit

from budgetdoc.check.rules import RULES, check
from budgetdoc.formats.load import load_text

BASE = REFERENCE_YAML.read_text(encoding="utf-8")


def where(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the value in ``needle`` marked by ``»``."""
    before, after = needle.split("»")
    starts = [m.start() for m in re.finditer(re.escape(before + after), text)]
    index = starts[occurrence] + len(before)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def problems(text: str) -> list[tuple[str, int, int, object, object, str]]:
    doc = load_text(text, "x.yaml")
    return [(p.rule, p.line, p.column, p.expected, p.actual, p.message) for p in check(doc)]


def test_reference_is_clean() -> None:
    assert problems(BASE) == []


# (edit, position marker, rule, expected, actual, message)
SINGLE_WRONG_NUMBERS = [
    (
        ("amount: 5100", "amount: 5200"),
        "amount: »5200",
        "basis-formula",
        5100,
        5200,
        "150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다",
    ),
    (
        ("balance: 9728", "balance: 9729"),
        "balance: »9729",
        "settlement-balance",
        9728,
        9729,
        "2021년 집행잔액은 13,500 − 3,772 − 0 = 9,728천원인데 9,729천원으로 적혀 있습니다",
    ),
    (
        ("available: 15000", "available: 15001"),
        "available: »15001",
        "settlement-available",
        15000,
        15001,
        "2022년 예산현액은 13,500 + 0 + 1,500 = 15,000천원인데 15,001천원으로 적혀 있습니다",
    ),
    (
        ("total: {previous: 13500,", "total: {previous: 13600,"),
        "previous: »13600",
        "budget-total",
        13500,
        13600,
        "예산 총괄 계 (A)는 과목 합계 13,500천원인데 13,600천원으로 적혀 있습니다",
    ),
    (
        ("change: 250198", "change: 250199"),
        "change: »250199",
        "budget-diff",
        250198,
        250199,
        "'계' 증감 (B−A)는 263,698 − 13,500 = 250,198천원인데 250,199천원으로 적혀 있습니다",
    ),
    (
        ("change: -3877", "change: -3878"),
        "change: »-3878",
        "budget-diff",
        -3877,
        -3878,
        "'사무관리비' 증감 (B−A)는 6,623 − 10,500 = △3,877천원인데 △3,878천원으로 적혀 있습니다",
    ),
    (
        ("rate: -37", "rate: -36"),
        "rate: »-36",
        "budget-rate",
        -37,
        -36,
        "'사무관리비' 증감률은 △37인데 △36(으)로 적혀 있습니다",
    ),
    (
        ("rate: 1853", "rate: 1852"),
        "rate: »1852",
        "budget-rate",
        1853,
        1852,
        "'계' 증감률은 1,853인데 1,852(으)로 적혀 있습니다",
    ),
    (
        ("change: 54000\n      rate: 1800", "change: 54000\n      rate: 100"),
        "change: 54000\n      rate: »100",
        "budget-rate",
        1800,
        100,
        "'시책추진업무추진비' 증감률은 1,800인데 100(으)로 적혀 있습니다",
    ),
    (
        ("amount: 1523", "amount: 1524"),
        "amount: »1524",
        "basis-formula",
        1523,
        1524,
        "761,500원×2회 = 1,523천원인데 1,524천원으로 적혀 있습니다",
    ),
    (
        ("  total: 263698\n  funding", "  total: 263699\n  funding"),
        "total: »263699",
        "funding-total",
        263698,
        263699,
        "사업비 (당해년도)는 국비 0 + 시비 263,698 =  263,698천원인데 263,699천원으로 적혀 있습니다",
    ),
    (
        ("schedule:\n  total: 263698", "schedule:\n  total: 263600"),
        "total: »263600",
        "schedule-total",
        263698,
        263600,
        "추진일정 계는 행 합계 263,698천원인데 263,600천원으로 적혀 있습니다",
    ),
]


@pytest.mark.parametrize(
    "pair,marker,rule,expected,actual,message",
    SINGLE_WRONG_NUMBERS,
    ids=[case[2] + ":" + case[0][1] for case in SINGLE_WRONG_NUMBERS],
)
def test_single_wrong_number_is_reported_at_its_own_cell(pair, marker, rule, expected, actual, message) -> None:
    text = edit(BASE, pair)
    line, col = where(text, marker)
    found = problems(text)
    assert (rule, line, col, expected, actual, message.replace("=  ", "= ")) in found
    # Nothing else is reported anywhere but at the wrong cell.
    assert {(p[1], p[2]) for p in found} == {(line, col)}


def test_budget_item_amount_against_its_basis() -> None:
    text = edit(BASE, ("current: 6623", "current: 6624"))
    found = problems(text)
    line, col = where(text, "current: »6624")
    assert (
        "basis-item",
        line,
        col,
        6623,
        6624,
        "'사무관리비' 예산액 (B)는 산출근거 합계 6,623천원인데 6,624천원으로 적혀 있습니다",
    ) in found
    # (B) is the odd one out: its 산출근거, its 증감 and 계 (B) all agree on 6,623, so (B) alone is blamed.
    assert {p[0] for p in found} == {"basis-item"}


def test_parts_must_add_up_to_their_line() -> None:
    text = edit(
        BASE,
        (
            "        - label: 서울시 균형발전위원회 운영\n          amount: 6623",
            "        - label: 서울시 균형발전위원회 운영\n          amount: 6624",
        ),
    )
    line, col = where(text, "amount: »6624")
    found = problems(text)
    assert (
        "basis-parts",
        line,
        col,
        6623,
        6624,
        "○ '서울시 균형발전위원회 운영'은(는) 아래 - 항목 합계 6,623천원인데 6,624천원으로 적혀 있습니다",
    ) in found


def test_wrong_line_amount_is_reported_once() -> None:
    text = edit(
        BASE,
        (
            "        - label: 서울시 균형발전위원회 운영\n          amount: 6623",
            "        - label: 서울시 균형발전위원회 운영\n          amount: 6625",
        ),
    )
    assert [p[0] for p in problems(text)] == ["basis-parts"]


def test_funding_must_equal_the_budget_total() -> None:
    text = edit(
        BASE,
        (
            "  total: 263698\n  funding:\n    national: null\n    city: 263698",
            "  total: 263700\n  funding:\n    national: null\n    city: 263700",
        ),
    )
    line, col = where(text, "  total: »263700")
    assert (
        "funding-budget",
        line,
        col,
        263698,
        263700,
        "사업비 (당해년도)는 예산 총괄 계 (B) 263,698천원인데 263,700천원으로 적혀 있습니다",
    ) in problems(text)


def test_national_and_city_add_up_outside_budget_not_counted() -> None:
    text = edit(
        BASE,
        ("national: null", "national: 100000"),
        ("city: 263698", "city: 163698"),
        ("district: null", "district: 5000"),
        ("other: null", "other: 7"),
    )
    assert problems(text) == []


def test_schedule_rows_must_equal_the_budget() -> None:
    text = edit(
        BASE,
        ("schedule:\n  total: 263698", "schedule:\n  total: 263000"),
        ("      amount: 263698\n      detail", "      amount: 263000\n      detail"),
    )
    line, col = where(text, "schedule:\n  total: »263000")
    found = problems(text)
    assert (
        "schedule-budget",
        line,
        col,
        263698,
        263000,
        "추진일정 예산집행금액 합계는 예산 총괄 계 (B) 263,698천원인데 263,000천원입니다",
    ) in found


def test_formula_that_cannot_be_parsed_is_an_error_at_its_line() -> None:
    text = edit(BASE, ("formula: 761,500원*2회", "formula: 761,500원**2회"))
    line, col = where(text, "formula: »761,500원**2회")
    found = problems(text)
    assert found[0][:3] == ("basis-formula-syntax", line, col)
    assert found[0][5] == "산식 '761,500원**2회'을(를) 읽을 수 없습니다: '*' 앞에 수가 있어야 합니다"


def test_formula_not_a_whole_thousand_needs_a_declared_rounding() -> None:
    text = edit(BASE, ("formula: 761,500원*2회", "formula: 761,700원*2회"))
    line, col = where(text, "formula: »761,700원*2회")
    assert (
        "basis-formula",
        line,
        col,
        None,
        None,
        "761,700원×2회 = 1,523,400원은 천원 단위로 나누어떨어지지 않습니다: 적힌 1,523천원은 내림(floor) 또는 "
        "반올림(half-up)으로 맞습니다 (conventions: {formula_rounding: floor})",
    ) in problems(text)
    assert (
        problems(
            edit(
                text, ("title: 지역균형발전 추진", "title: 지역균형발전 추진\nconventions:\n  formula_rounding: floor")
            )
        )
        == []
    )
    ceil = problems(
        edit(text, ("title: 지역균형발전 추진", "title: 지역균형발전 추진\nconventions:\n  formula_rounding: ceil"))
    )
    assert [p[0] for p in ceil][:1] == ["basis-formula"] and ceil[0][3:5] == (1524, 1523)


def test_settlement_balance_convention() -> None:
    text = edit(BASE, ("carried_out: 0, balance: 1042", "carried_out: 42, balance: 1000"))
    assert problems(text) == []
    spent_only = edit(
        text,
        ("title: 지역균형발전 추진", "title: 지역균형발전 추진\nconventions:\n  settlement_balance: available-spent"),
    )
    line, col = where(spent_only, "balance: »1000}")
    assert problems(spent_only) == [
        (
            "settlement-balance",
            line,
            col,
            1042,
            1000,
            "2022년 집행잔액은 15,000 − 13,958 = 1,042천원인데 1,000천원으로 적혀 있습니다",
        )
    ]


def test_rate_decimals_convention() -> None:
    text = edit(BASE, ("title: 지역균형발전 추진", "title: 지역균형발전 추진\nconventions:\n  rate_decimals: 1"))
    found = problems(text)
    assert (
        "budget-rate",
        *where(text, "rate: »-37"),
        "-36.9",
        -37,
        "'사무관리비' 증감률은 △36.9인데 △37.0(으)로 적혀 있습니다 — 소수 자릿수만 다릅니다: "
        "증감률을 소수 0자리로 적으려면 conventions: {rate_decimals: 0}를 적으세요 (지금은 1자리)",
    ) in found
    fixed = edit(text, ("rate: -37", "rate: -36.9"), ("rate: 1853", "rate: 1853.3"))
    assert problems(fixed) == []


def test_negative_amounts_only_where_they_mean_something() -> None:
    text = edit(BASE, ("spent: 3772, carried_out: 0, balance: 9728", "spent: 3772, carried_out: -1, balance: 9729"))
    line, col = where(text, "carried_out: »-1")
    assert (
        "negative-amount",
        line,
        col,
        None,
        -1,
        "'settlement[1].carried_out'에 음수 △1은(는) 쓸 수 없습니다",
    ) in problems(text)
    # 예산변경 may be negative.
    ok = edit(
        BASE,
        (
            "change: 1500, available: 15000, spent: 13958, carried_out: 0, balance: 1042",
            "change: -1500, available: 12000, spent: 11958, carried_out: 0, balance: 42",
        ),
    )
    assert problems(ok) == []


def test_years_of_achievements_and_settlement() -> None:
    text = edit(BASE, ("    2021:\n", "    2020:\n"), ("{year: 2021,", "{year: 2019,"))
    found = problems(text)
    line, col = where(text, "    »2020:\n")
    assert ("years", line, col, None, 2020, "추진실적 연도는 2021~2023년이어야 하는데 2020년이 있습니다") in found
    line, col = where(text, "{year: »2019,")
    assert (
        "years",
        line,
        col,
        2021,
        2019,
        "결산 2번째 행은 2021년이어야 하는데 2019년으로 적혀 있습니다 (결산은 2020~2022년)",
    ) in found


def test_period_years_in_order() -> None:
    text = edit(BASE, ("    kind: 연례반복", "    kind: 계속\n    start: 2026\n    end: 2022"))
    line, col = where(text, "    end: »2022")
    assert problems(text) == [("years", line, col, 2026, 2022, "사업기간 종료 2022년이 시작 2026년보다 앞섭니다")]


def test_missing_basis_is_a_warning() -> None:
    text = edit(
        BASE, ("      basis:\n        - label: 여비\n          formula: 50,000,000원\n          amount: 50000\n", "")
    )
    doc = load_text(text, "x.yaml")
    found = check(doc)
    assert [(p.rule, p.severity, p.message) for p in found] == [
        ("basis-missing", "warning", "'국외업무여비'의 산출근거가 없습니다")
    ]


def test_totals_differences_and_rates_may_be_left_out() -> None:
    from budgetdoc.model.figures import compute

    text = re.sub(r"\n      (change|rate): .*", "", BASE)
    text = text.replace("  total: {previous: 13500, current: 263698, change: 250198, rate: 1853}\n", "")
    text = re.sub(r", available: \d+", "", text)
    text = re.sub(r", balance: \d+", "", text)
    doc = load_text(text, "x.yaml")
    assert check(doc) == []
    reference = compute(load_text(BASE, "y.yaml").project)
    assert compute(doc.project) == reference


def test_every_rule_is_documented() -> None:
    assert set(RULES) >= {
        "budget-total",
        "budget-diff",
        "budget-rate",
        "basis-formula",
        "basis-parts",
        "basis-item",
        "funding-total",
        "schedule-total",
        "settlement-available",
        "settlement-balance",
        "years",
        "negative-amount",
    }
