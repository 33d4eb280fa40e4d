"""Numbers: 천원 and △ printing, 사사오입 rates and the formula grammar, against plain reference code."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetdoc.model import numbers

amounts = st.integers(min_value=-(10**12), max_value=10**12)


def plain_won(n: int) -> str:
    """Thousands separators by hand, △ for negatives."""
    digits = str(abs(n))
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ("△" if n < 0 else "") + ",".join(groups)


def plain_half_up(fraction: Fraction) -> int:
    """Round half away from zero, the school way."""
    sign = -1 if fraction < 0 else 1
    magnitude = abs(fraction)
    whole = int(magnitude)
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return sign * whole


@given(amounts)
def test_won_matches_plain_formatting(n: int) -> None:
    assert numbers.won(n) == plain_won(n)


@given(amounts)
def test_won_round_trips(n: int) -> None:
    assert numbers.parse_amount(numbers.won(n)) == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_rate_matches_plain_half_up(a: int, b: int) -> None:
    expected = (100 if b > 0 else 0) if a == 0 else plain_half_up(Fraction((b - a) * 100, a))
    assert numbers.change_rate(a, b) == expected


@given(st.integers(min_value=1, max_value=10**7), st.integers(min_value=0, max_value=10**7), st.integers(0, 3))
def test_rate_with_decimals(a: int, b: int, decimals: int) -> None:
    scaled = plain_half_up(Fraction((b - a) * 100 * 10**decimals, a))
    assert numbers.change_rate(a, b, decimals) == Decimal(scaled).scaleb(-decimals)


@pytest.mark.parametrize(
    "a,b,rate,text",
    [
        (10500, 6623, -37, "△37"),
        (13500, 263698, 1853, "1,853"),
        (0, 55275, 100, "100"),
        (0, 0, 0, "0"),
        (3000, 57000, 1800, "1,800"),
        (200, 201, 1, "1"),
        (200, 199, -1, "△1"),
    ],
)
def test_rates_of_the_form(a: int, b: int, rate: int, text: str) -> None:
    value = numbers.change_rate(a, b)
    assert value == rate
    assert numbers.rate_text(value) == text


def test_half_up_not_half_even() -> None:
    assert numbers.round_half_up(Decimal("2.5")) == 3
    assert numbers.round_half_up(Decimal("-2.5")) == -3
    assert numbers.round_half_up(Decimal("-36.9")) == -37
    assert numbers.rate_text(Decimal("-36.9"), 1) == "△36.9"


@pytest.mark.parametrize(
    "formula,won",
    [
        ("150,000원*17명*2회", 5_100_000),
        ("761,500원*2회", 1_523_000),
        ("55,275,000원", 55_275_000),
        ("158명*50,000원*12", 94_800_000),
        ("1,535,000원*12명*6개월", 110_520_000),
        ("10,000원×3명", 30_000),
        ("10,000원 x 3명", 30_000),
        ("(10,000원+5,000원)*2회", 30_000),
        ("1,000원*2+3,000원", 5_000),
        ("3천원*2회", 6_000),
        ("1.5만원*2명", 30_000),
    ],
)
def test_formulas(formula: str, won: int) -> None:
    assert numbers.evaluate_formula(formula).value == won


@pytest.mark.parametrize(
    "formula,message",
    [
        ("150,000원**2회", "'*' 앞에 수가 있어야 합니다"),
        ("150,000원*", "산식이 중간에 끝났습니다"),
        ("(1,000원*2", "닫는 괄호 ')'가 없습니다"),
        ("1,000원*2)", "산식 끝에 남은 ')'"),
        ("1,000원*2회 + abc", "산식을 읽을 수 없습니다: 'abc'"),
        ("2%명*1,000원", "'2%명': '%' 뒤에는 단위를 쓸 수 없습니다"),
        ("1,000원*2,000원", "금액(원)끼리 곱할 수 없습니다"),
        ("__import__('os')", "산식을 읽을 수 없습니다: '__import__('os')'"),
    ],
)
def test_formula_errors(formula: str, message: str) -> None:
    with pytest.raises(numbers.FormulaError) as info:
        numbers.evaluate_formula(formula)
    assert info.value.message == message


factors = st.lists(
    st.tuples(st.integers(1, 10**6), st.sampled_from(["명", "회", "개월", "", "식"])), min_size=1, max_size=4
)


@given(st.integers(0, 10**8), factors, st.sampled_from(["*", "×", " x ", " * "]))
def test_formula_products_match_plain_multiplication(won: int, counts: list[tuple[int, str]], op: str) -> None:
    text = op.join([f"{won:,}원", *(f"{n:,}{unit}" for n, unit in counts)])
    expected = won
    for n, _ in counts:
        expected *= n
    result = numbers.evaluate_formula(text)
    assert result.value == expected and result.has_won


@given(st.integers(0, 10**12), st.sampled_from(["exact", "floor", "ceil", "half-up"]))
def test_won_to_thousand(won: int, rounding: str) -> None:
    got = numbers.won_to_thousand(won, rounding)
    exact = Fraction(won, 1000)
    if rounding == "exact":
        assert got == (won // 1000 if won % 1000 == 0 else None)
    elif rounding == "floor":
        assert got == won // 1000
    elif rounding == "ceil":
        assert got == -(-won // 1000)
    else:
        assert got == plain_half_up(exact)


@pytest.mark.parametrize("text", ["1.5", "12a", "1,23", "0x10", "1_000", "010", "", "--1"])
def test_amount_fields_accept_only_integers(text: str) -> None:
    with pytest.raises(ValueError):
        numbers.parse_amount(text)
