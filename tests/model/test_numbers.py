"""Numbers: 천원 and △ printing, 사사오입 rates and 원 → 천원 rounding, against plain reference code."""

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


@given(st.integers(-(10**12), 10**12), st.sampled_from(["exact", "floor", "ceil", "half-up"]))
def test_won_to_thousand(won: int, rounding: str) -> None:
    """Integer arithmetic by hand: floor toward −∞, ceil toward +∞, a half toward +∞."""
    got = numbers.won_to_thousand(won, rounding)
    if rounding == "exact":
        assert got == (won // 1000 if won % 1000 == 0 else None)
    elif rounding == "floor":
        assert got == won // 1000
    elif rounding == "ceil":
        assert got == -(-won // 1000)
    else:
        assert got == (won + 500) // 1000


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.sampled_from(["floor", "ceil", "half-up"]))
def test_a_reduction_rounds_like_its_first_term(kept: int, thousands: int, rounding: str) -> None:
    """A − B with B in whole 천원 gives round(A) − B: rounding per formula equals per term."""
    a = Fraction(kept, 7)
    assert numbers.won_to_thousand(a - thousands * 1000, rounding) == (
        numbers.won_to_thousand(a, rounding) - thousands  # type: ignore[operator]
    )


def test_rounding_of_reductions() -> None:
    assert numbers.won_to_thousand(-360_064, "ceil") == -360
    assert numbers.won_to_thousand(-360_064, "floor") == -361
    assert numbers.won_to_thousand(-360_500, "half-up") == -360
    assert numbers.won_to_thousand(-360_501, "half-up") == -361
    assert numbers.exact_text(Fraction(-360_064)) == "△360,064"


@pytest.mark.parametrize("text", ["1.5", "12a", "1,23", "0x10", "1_000", "010", "", "--1"])
def test_amount_fields_accept_only_integers(text: str) -> None:
    with pytest.raises(ValueError):
        numbers.parse_amount(text)
