"""The annotated field types of the model and the validation hooks behind them.

Each hook turns a value as written in YAML (a number, or text such as ``"263,698"`` and
``"△3.2"``) into the typed value, or raises a Korean :class:`PydanticCustomError`; the
number grammar itself lives in :mod:`budgetdoc.model.numbers`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from budgetdoc.model import numbers

_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)\.[0-9]+$")


def _shown(text: str) -> str:
    """``text`` on one line and cut short, for a message."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= 40 else text[:40] + "…"


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "하위 항목들"
    if isinstance(value, list):
        return "목록"
    return repr(_shown(value) if isinstance(value, str) else value)


def _too_long(kind: str, value: object) -> PydanticCustomError:
    return PydanticCustomError(
        kind, "수가 너무 큽니다: {v} (최대 {n}자리)", {"v": _describe(value), "n": numbers.MAX_DIGITS}
    )


def parse_amount_field(value: object) -> object:
    """Pydantic hook: amount fields take integers only (천원), never floats or text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("amount", "금액은 정수(천원)여야 합니다: {v}", {"v": repr(value)})
    if isinstance(value, int):
        if abs(value) >= 10**numbers.MAX_DIGITS:
            raise _too_long("amount", value)
        return value
    if isinstance(value, str):
        if sum(c.isdigit() for c in value) > numbers.MAX_DIGITS:
            raise _too_long("amount", value)
        try:
            return numbers.parse_amount(value)
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
            rate = numbers.parse_rate(value)
        except ValueError:
            pass
        else:
            sign, digits, exponent = rate.as_tuple()
            if len(digits) + min(int(exponent), 0) > numbers.MAX_DIGITS or -int(exponent) > numbers.MAX_DECIMALS:
                raise PydanticCustomError("rate", "증감률의 자릿수가 너무 많습니다: {v}", {"v": _describe(value)})
            return rate
    raise PydanticCustomError("rate", "증감률은 수여야 하는데 {v}이(가) 적혀 있습니다", {"v": _describe(value)})


def parse_year_field(value: object) -> object:
    """Validation hook: a year as a number or a numeric string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and numbers.INTEGER.match(value.strip()):
        if len(value.strip()) > numbers.MAX_DIGITS:
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
    raise PydanticCustomError("text", "값 하나를 적어야 합니다 (지금은 {v})", {"v": _describe(value)})


Amount = Annotated[
    int, BeforeValidator(parse_amount_field), Field(json_schema_extra={"description": "금액(천원), 정수"})
]
Rate = Annotated[Decimal, BeforeValidator(parse_rate_field)]
Year = Annotated[int, BeforeValidator(parse_year_field), Field(ge=1900, le=2200)]
Text = Annotated[str, BeforeValidator(parse_text_field), Field(min_length=1)]
OptText = Annotated[str, BeforeValidator(parse_text_field)]
