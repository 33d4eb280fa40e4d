"""Parsing and printing of 천원 amounts, △ negatives, rates and 산출근거 formulas.

Money is exact: amounts are ``int``, rates ``Decimal``, formulas are evaluated in
integer 원. The one rounding helper is :func:`round_half_up` (사사오입).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
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

    ``exact`` returns None when the amount is not a whole 천원; ``floor``, ``ceil`` and
    ``half-up`` (사사오입, away from zero on a half) decide the 천원 amount otherwise.
    """
    thousands = Fraction(won_amount) / 1000
    if rounding == "exact":
        return int(thousands) if thousands.denominator == 1 else None
    if rounding == "floor":
        return math.floor(thousands)
    if rounding == "ceil":
        return math.ceil(thousands)
    if rounding == "half-up":
        sign = -1 if thousands < 0 else 1
        return sign * math.floor(abs(thousands) + Fraction(1, 2))
    raise ValueError(f"unknown rounding: {rounding}")


def exact_text(value: int | Fraction) -> str:
    """An exact amount as printed in a message: ``28,448,244``, ``1,501.5``, ``1,000.333…``."""
    value = Fraction(value)
    whole = f"{abs(int(value)):,}"
    sign = "-" if value < 0 else ""
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


# --------------------------------------------------------------------------- formulas


class FormulaError(ValueError):
    """A 산출근거 formula that the grammar does not accept; ``pos`` is 0-based."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Formula:
    """An evaluated 산출근거 formula: its text, its exact value and whether that is money."""

    text: str
    value: Fraction  # in 원 when ``has_won``, else a bare count; exact, never a float
    has_won: bool


_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?(?P<unit>[^\s0-9*×xX+()\-,.]*)"
    r"|(?P<op>[*×xX+()])"
    r")"
)
_UNIT_WON = {"원"}
_UNIT_SCALE = {"천원": 1000, "만원": 10000, "백만원": 1_000_000, "억원": 100_000_000}
MAX_FORMULA = 300


def evaluate_formula(text: str) -> Formula:
    """Evaluate ``150,000원*17명*2회`` exactly, by a small grammar (never ``eval``).

    Grammar::

        sum     := product ('+' product)*
        product := factor (('*' | '×' | 'x') factor)*
        factor  := NUMBER UNIT? | NUMBER '%' | '(' sum ')'

    Numbers may carry thousands separators, decimals (``×1.045``, ``×0.02``) and a unit
    word (원, 명, 회, 개월 …); amounts in 천원/만원/억원 are scaled to 원, and ``2%``
    is the factor 2/100. Every value is an exact fraction: ``2,268,600원×12월×1.045``
    is 28,448,244원 and ``1,001원×1.5`` is 1,501.5원 (the document's
    ``conventions.formula_rounding`` then decides the 천원 amount). The result is in
    원 when any factor is money.
    """
    if len(text) > MAX_FORMULA:
        raise FormulaError(f"산식이 너무 깁니다 ({len(text)}자)", 0)
    tokens: list[tuple[str, object, int]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if not m or m.end() == pos:
            raise FormulaError(f"산식을 읽을 수 없습니다: '{stripped[pos:].strip()[:20]}'", pos)
        start = m.start(m.lastgroup or 0) if m.lastgroup else pos
        if m.group("num") is not None:
            unit = m.group("unit") or ""
            frac = m.group("frac") or ""
            number = Fraction(int(m.group("num").replace(",", "") + frac), 10 ** len(frac))
            if unit in _UNIT_SCALE:
                tokens.append(("num", (number * _UNIT_SCALE[unit], True), start))
            elif unit.startswith("%"):
                if unit != "%":
                    raise FormulaError(f"'{m.group(0).strip()}': '%' 뒤에는 단위를 쓸 수 없습니다", start)
                tokens.append(("num", (number / 100, False), start))
            else:
                tokens.append(("num", (number, unit in _UNIT_WON), start))
        else:
            op = m.group("op")
            tokens.append(("op", "*" if op in "×xX" else op, m.start("op")))
        pos = m.end()
    if not tokens:
        raise FormulaError("산식이 비어 있습니다", 0)

    index = 0

    def peek() -> tuple[str, object, int] | None:
        return tokens[index] if index < len(tokens) else None

    def take() -> tuple[str, object, int]:
        nonlocal index
        tok = tokens[index]
        index += 1
        return tok

    def factor(depth: int) -> tuple[Fraction, bool]:
        tok = peek()
        if tok is None:
            raise FormulaError("산식이 중간에 끝났습니다", len(stripped))
        if tok[0] == "num":
            take()
            number: tuple[Fraction, bool] = tok[1]  # type: ignore[assignment]
            return number
        if tok[1] == "(":
            if depth > 20:
                raise FormulaError("괄호가 너무 깊습니다", tok[2])
            take()
            inner = total(depth + 1)
            close = peek()
            if close is None or close[1] != ")":
                raise FormulaError("닫는 괄호 ')'가 없습니다", close[2] if close else len(stripped))
            take()
            return inner
        raise FormulaError(f"'{tok[1]}' 앞에 수가 있어야 합니다", tok[2])

    def product(depth: int) -> tuple[Fraction, bool]:
        value, is_won = factor(depth)
        while (tok := peek()) is not None and tok[1] == "*":
            take()
            right, right_won = factor(depth)
            if is_won and right_won:
                raise FormulaError("금액(원)끼리 곱할 수 없습니다", tok[2])
            value, is_won = value * right, is_won or right_won
        return value, is_won

    def total(depth: int) -> tuple[Fraction, bool]:
        value, is_won = product(depth)
        while (tok := peek()) is not None and tok[1] == "+":
            take()
            right, right_won = product(depth)
            value, is_won = value + right, is_won or right_won
        return value, is_won

    result, result_won = total(0)
    if index != len(tokens):
        tok = tokens[index]
        raise FormulaError(f"산식 끝에 남은 '{tok[1] if tok[0] == 'op' else '수'}'", tok[2])
    return Formula(text=text, value=result, has_won=result_won)


def formula_display(text: str) -> str:
    """The formula as printed in messages: ``*`` becomes ``×``."""
    return re.sub(r"\s*[*]\s*", "×", text.strip())
