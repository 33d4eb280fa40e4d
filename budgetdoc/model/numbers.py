"""Parsing and printing of 천원 amounts, △ negatives and rates; exact 원 → 천원 rounding.

Money is exact: amounts are ``int``, rates ``Decimal``, formulas are evaluated in
exact fractions of 원 (the grammar is :mod:`budgetdoc.model.formula`). Rates are rounded by
:func:`round_half_up` (사사오입), 원 amounts to 천원 by :func:`won_to_thousand`.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# --------------------------------------------------------------------------- parsing

_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+$")
INTEGER = re.compile(r"^(0|[1-9][0-9]*)$")  # a whole number without sign or separators
_NEG = ("-", "△", "−", "▲")


def _split_sign(text: str) -> tuple[int, str]:
    text = text.strip()
    if text[:1] in _NEG:
        return -1, text[1:].strip()
    return 1, text


def parse_amount(text: str) -> int:
    """``"263,698"`` → 263698, ``"△3,877"`` → -3877; anything else raises ValueError."""
    sign, body = _split_sign(text)
    if INTEGER.match(body):
        return sign * int(body)
    if _GROUPED.match(body):
        return sign * int(body.replace(",", ""))
    raise ValueError(text)


def parse_rate(text: str) -> Decimal:
    """``"1,853"`` → 1853, ``"△36.9"`` → -36.9 (exact Decimal)."""
    sign, body = _split_sign(text)
    whole, dot, frac = body.partition(".")
    if not (INTEGER.match(whole) or _GROUPED.match(whole)) or (dot and not frac.isdigit()):
        raise ValueError(text)
    return sign * Decimal(whole.replace(",", "") + (("." + frac) if dot else ""))


MAX_DIGITS = 15  # amounts and the whole part of rates: up to 999조 천원, far beyond any budget
MAX_DECIMALS = 10


# --------------------------------------------------------------------------- printing


def won(value: int | None) -> str:
    """천원 amount as printed: ``263,698``, ``△3,877``; ``None`` prints empty."""
    if value is None:
        return ""
    text = f"{abs(value):,}"
    return "△" + text if value < 0 else text


def rate_text(value: Decimal | None, decimals: int = 0) -> str:
    """Rate as printed: ``1,853``, ``△37``, ``△36.9``."""
    if value is None:
        return ""
    q = value.quantize(Decimal(1).scaleb(-decimals)) if decimals else value.to_integral_value()
    text = f"{abs(q):,.{decimals}f}"
    return "△" + text if q < 0 else text


# --------------------------------------------------------------------------- arithmetic


def decimals_of(value: Decimal) -> int:
    """How many decimals ``value`` was written with: ``Decimal("36.90")`` → 2."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def round_half_up(value: Decimal, decimals: int = 0) -> Decimal:
    """사사오입: -36.9 → -37, 2.5 → 3, -2.5 → -3 (away from zero on a half)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def change_rate(previous: int, current: int, decimals: int = 0) -> Decimal:
    """(B − A) × 100 / A, 사사오입; 100 when A = 0 < B; 0 when A = B = 0."""
    if previous == 0:
        return round_half_up(Decimal(100 if current > 0 else (-100 if current < 0 else 0)), decimals)
    return round_half_up(Decimal((current - previous) * 100) / Decimal(previous), decimals)


def won_to_thousand(won_amount: int | Fraction, rounding: str = "exact") -> int | None:
    """원 → 천원, exactly (``won_amount`` may have a fraction of a 원, from ``×1.045``).

    ``exact`` returns None when the amount is not a whole 천원; ``floor`` (내림, toward
    −∞), ``ceil`` (올림, toward +∞) and ``half-up`` (반올림, a half toward +∞) decide the
    천원 amount otherwise. Rounding toward +∞ also for a reduction means that
    ``A − B`` with ``B`` in whole 천원 rounds to exactly ``round(A) − B``.
    """
    thousands = Fraction(won_amount) / 1000
    if rounding == "exact":
        return int(thousands) if thousands.denominator == 1 else None
    if rounding == "floor":
        return math.floor(thousands)
    if rounding == "ceil":
        return math.ceil(thousands)
    if rounding == "half-up":
        return math.floor(thousands + Fraction(1, 2))
    raise ValueError(f"unknown rounding: {rounding}")


def exact_text(value: int | Fraction) -> str:
    """An exact amount as printed in a message: ``28,448,244``, ``1,501.5``, ``△360,064``, ``1,000.333…``."""
    value = Fraction(value)
    whole = f"{abs(int(value)):,}"
    sign = "△" if value < 0 else ""
    rest = abs(value) - abs(int(value))
    if not rest:
        return sign + whole
    digits = ""
    for _ in range(6):
        rest *= 10
        digits += str(int(rest))
        rest -= int(rest)
        if not rest:
            return f"{sign}{whole}.{digits}"
    return f"{sign}{whole}.{digits}…"
