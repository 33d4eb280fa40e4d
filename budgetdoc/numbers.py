"""Parsing and printing of 천원 amounts, △ negatives, rates and 산출근거 formulas.

Money is exact: amounts are ``int``, rates ``Decimal``, formulas are evaluated in
integer 원. The one rounding helper is :func:`round_half_up` (사사오입).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pydantic_core import PydanticCustomError

# --------------------------------------------------------------------------- parsing

_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+$")
_PLAIN = re.compile(r"^(0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)\.[0-9]+$")
_NEG = ("-", "△", "−", "▲")


def _split_sign(text: str) -> tuple[int, str]:
    text = text.strip()
    if text[:1] in _NEG:
        return -1, text[1:].strip()
    return 1, text


def parse_amount(text: str) -> int:
    """``"263,698"`` → 263698, ``"△3,877"`` → -3877; anything else raises ValueError."""
    sign, body = _split_sign(text)
    if _PLAIN.match(body):
        return sign * int(body)
    if _GROUPED.match(body):
        return sign * int(body.replace(",", ""))
    raise ValueError(text)


def parse_rate(text: str) -> Decimal:
    """``"1,853"`` → 1853, ``"△36.9"`` → -36.9 (exact Decimal)."""
    sign, body = _split_sign(text)
    whole, dot, frac = body.partition(".")
    if not (_PLAIN.match(whole) or _GROUPED.match(whole)) or (dot and not frac.isdigit()):
        raise ValueError(text)
    return sign * Decimal(whole.replace(",", "") + (("." + frac) if dot else ""))


MAX_DIGITS = 15  # amounts and the whole part of rates: up to 999조 천원, far beyond any budget
MAX_DECIMALS = 10


def _shown(text: str) -> str:
    """``text`` on one line and cut short, for a message."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= 40 else text[:40] + "…"


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "매핑"
    if isinstance(value, list):
        return "목록"
    return repr(_shown(value) if isinstance(value, str) else value)


def _too_long(kind: str, value: object) -> PydanticCustomError:
    return PydanticCustomError(kind, "수가 너무 큽니다: {v} (최대 {n}자리)", {"v": _describe(value), "n": MAX_DIGITS})


def parse_amount_field(value: object) -> object:
    """Pydantic hook: amount fields take integers only (천원), never floats or text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("amount", "금액은 정수(천원)여야 합니다: {v}", {"v": repr(value)})
    if isinstance(value, int):
        if abs(value) >= 10**MAX_DIGITS:
            raise _too_long("amount", value)
        return value
    if isinstance(value, str):
        if sum(c.isdigit() for c in value) > MAX_DIGITS:
            raise _too_long("amount", value)
        try:
            return parse_amount(value)
        except ValueError:
            pass
        hint = ""
        if _DECIMAL.match(value.strip().lstrip("-△")):
            hint = " (소수는 쓸 수 없습니다)"
        elif re.match(r"^0[0-9]+$", value.strip()):
            hint = " (0으로 시작하는 수는 쓸 수 없습니다)"
        raise PydanticCustomError(
            "amount", "금액은 정수(천원)여야 하는데 '{v}'이(가) 적혀 있습니다{hint}", {"v": _shown(value), "hint": hint}
        )
    raise PydanticCustomError("amount", "금액은 정수(천원)여야 하는데 {v}이(가) 있습니다", {"v": _describe(value)})


def parse_rate_field(value: object) -> object:
    """Validation hook: a rate as written (``12.5``, ``'△3.2'``) to a Decimal."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            rate = parse_rate(value)
        except ValueError:
            pass
        else:
            sign, digits, exponent = rate.as_tuple()
            if len(digits) + min(int(exponent), 0) > MAX_DIGITS or -int(exponent) > MAX_DECIMALS:
                raise PydanticCustomError("rate", "증감률의 자릿수가 너무 많습니다: {v}", {"v": _describe(value)})
            return rate
    raise PydanticCustomError("rate", "증감률은 수여야 하는데 {v}이(가) 적혀 있습니다", {"v": _describe(value)})


def parse_year_field(value: object) -> object:
    """Validation hook: a year as a number or a numeric string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _PLAIN.match(value.strip()):
        if len(value.strip()) > MAX_DIGITS:
            raise _too_long("integer", value)
        return int(value)
    raise PydanticCustomError("integer", "정수여야 하는데 {v}이(가) 적혀 있습니다", {"v": _describe(value)})


def parse_text_field(value: object) -> object:
    """Validation hook: text, with numbers written as text kept as written."""
    if value is None:
        raise PydanticCustomError("text", "값이 비어 있습니다", {})
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    raise PydanticCustomError("text", "글이어야 하는데 {v}이(가) 있습니다", {"v": _describe(value)})


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


def won_to_thousand(won_amount: int, rounding: str = "exact") -> int | None:
    """원 → 천원. ``exact`` returns None when the amount is not a whole 천원."""
    if rounding == "exact":
        return won_amount // 1000 if won_amount % 1000 == 0 else None
    if rounding == "floor":
        return won_amount // 1000
    if rounding == "ceil":
        return -(-won_amount // 1000)
    if rounding == "half-up":
        sign = -1 if won_amount < 0 else 1
        return sign * ((abs(won_amount) + 500) // 1000)
    raise ValueError(f"unknown rounding: {rounding}")


# --------------------------------------------------------------------------- formulas


class FormulaError(ValueError):
    """A 산출근거 formula that the grammar does not accept; ``pos`` is 0-based."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Formula:
    """A parsed 산출근거 formula: its text, factors and unit."""

    text: str
    value: int  # in 원 when ``has_won``, else a bare count
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
        factor  := NUMBER UNIT? | '(' sum ')'

    Numbers may carry thousands separators and a unit word (원, 명, 회, 개월 …);
    amounts in 천원/만원/억원 are scaled to 원. The result is in 원 when any factor
    is money.
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
            whole = int(m.group("num").replace(",", ""))
            frac = m.group("frac")
            if unit in _UNIT_SCALE:
                scale = _UNIT_SCALE[unit]
                scaled = (Decimal(whole) + (Decimal("0." + frac) if frac else 0)) * scale
                if scaled != scaled.to_integral_value():
                    raise FormulaError(f"'{m.group(0).strip()}'은(는) 원 단위 정수가 아닙니다", start)
                tokens.append(("num", (int(scaled), True), start))
            else:
                if frac:
                    raise FormulaError(f"소수 '{m.group(0).strip()}'은(는) 산식에 쓸 수 없습니다", start)
                tokens.append(("num", (whole, unit in _UNIT_WON), start))
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

    def factor(depth: int) -> tuple[int, bool]:
        tok = peek()
        if tok is None:
            raise FormulaError("산식이 중간에 끝났습니다", len(stripped))
        if tok[0] == "num":
            take()
            number: tuple[int, bool] = tok[1]  # type: ignore[assignment]
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

    def product(depth: int) -> tuple[int, bool]:
        value, is_won = factor(depth)
        while (tok := peek()) is not None and tok[1] == "*":
            take()
            right, right_won = factor(depth)
            if is_won and right_won:
                raise FormulaError("금액(원)끼리 곱할 수 없습니다", tok[2])
            value, is_won = value * right, is_won or right_won
        return value, is_won

    def total(depth: int) -> tuple[int, bool]:
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
