"""The 산출근거 formula grammar: lines as budget staff type them, evaluated exactly.

A formula is read by a small tokenizer and a recursive-descent parser (never ``eval``)
into an exact :class:`~fractions.Fraction` of 원 (or a bare count when no factor is
money). The grammar, with an example of each form, is in the README's "산식 문법".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

MAX_FORMULA = 300
MAX_DEPTH = 20

WON_UNITS = {"원": 1, "천원": 1000, "만원": 10_000, "백만원": 1_000_000, "억원": 100_000_000}
"""Units that make a number money, with their size in 원."""

LABELS = frozenset(
    "경정 기정 당초 변경 추경 본예산 경정액 기정액 당초액 변경액 추경액 본예산액 당초예산 변경예산 기정예산 "
    "경정예산 증액 감액".split()
)
"""Words that name which figure a term is; never read as a unit, even after a space."""

BULLETS = "·ㆍ•‣∙※" + "".join(chr(c) for c in range(0x25A0, 0x2600) if chr(c) not in "△▲")
"""Markers that may stand before a formula as layout: ``·``, ``ㆍ``, ``•``, the geometric shapes
(``○``, ``□``, ``◾`` …) but ``△`` and ``▲``, which negate; and ``-`` or ``−`` before a space or ``(``."""

_TIMES = "*×xX✕"
_DIVIDE = "÷/"
_MINUS = "-−–"
_NEGATE = "△▲"
_OPERATORS = _TIMES + _DIVIDE + "+" + _MINUS + _NEGATE + "()"
_NUMBER = re.compile(r"[0-9]+(?:,[0-9]+)*(?:\.[0-9]+)?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")


class FormulaError(ValueError):
    """A 산출근거 formula that the grammar does not accept; ``pos`` is 0-based."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Formula:
    """An evaluated 산출근거 formula: its text, its exact value and whether that is money.

    ``bullet`` is the leading marker read as layout (``""`` when there was none): a
    leading ``-`` or ``−`` before a space or ``(`` is a bullet, never a minus sign.
    """

    text: str
    value: Fraction  # in 원 when ``has_won``, else a bare count; exact, never a float
    has_won: bool
    bullet: str = ""


@dataclass(frozen=True)
class _Token:
    kind: str  # num, word, label, op, end
    text: str
    pos: int
    value: Fraction = Fraction(0)
    won: bool = False
    raw: str = ""  # an operator as written: '/' or '÷' for the kind '/'


def _is_word_char(ch: str) -> bool:
    if ch.isspace() or ch.isdigit() or ch in _OPERATORS or ch in ",.%":
        return False
    category = unicodedata.category(ch)
    return category[0] in "LM" or category in ("So", "No", "Sc") or ch in "~_'’"


def _number(text: str, pos: int) -> tuple[Fraction, int]:
    """The number at ``pos`` (thousands separators, decimals) and where it ends."""
    m = _NUMBER.match(text, pos)
    assert m is not None
    raw = m.group(0)
    if not _GROUPED.fullmatch(raw):
        raise FormulaError(f"천 단위 쉼표가 맞지 않습니다: '{raw}'", pos)
    whole, _, frac = raw.replace(",", "").partition(".")
    return Fraction(int(whole + frac), 10 ** len(frac)), m.end()


def _word_end(text: str, pos: int) -> int:
    end = pos
    while end < len(text) and _is_word_char(text[end]):
        end += 1
    return end


def _tokens(text: str, start: int) -> list[_Token]:
    tokens: list[_Token] = []
    pos = start
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch.isdigit():
            tokens.append(_number_token(text, pos))
            pos = tokens[-1].pos + len(tokens[-1].text)
            continue
        if ch == "(":
            close = text.find(")", pos)
            inner = text[pos + 1 : close] if close > 0 else ""
            if close > 0 and not any(c.isdigit() or c in _OPERATORS for c in inner):
                tokens.append(_Token("label", text[pos : close + 1], pos))  # (기정), (자체재원)
                pos = close + 1
                continue
            tokens.append(_Token("op", "(", pos))
            pos += 1
            continue
        if ch in _OPERATORS:
            kind = (
                "*" if ch in _TIMES else "/" if ch in _DIVIDE else "-" if ch in _MINUS else "△" if ch in _NEGATE else ch
            )
            tokens.append(_Token("op", kind, pos, raw=ch))
            pos += 1
            continue
        if _is_word_char(ch):
            end = _word_end(text, pos)
            word = text[pos:end]
            tokens.append(_Token("label" if word in LABELS else "word", word, pos))
            pos = end
            continue
        if ch == "=":
            raise FormulaError("산식에 '='가 있습니다: 산식에는 '=' 앞부분만 쓰고, 결과 금액은 금액 칸에 적으세요", pos)
        raise FormulaError(f"알 수 없는 연산자 '{ch}'", pos)
    return tokens


def _number_token(text: str, pos: int) -> _Token:
    """A number with its fraction (``30/100``, ``4/12``) and unit (``원``, ``12 월``, ``%``)."""
    value, end = _number(text, pos)
    if end < len(text) and text[end] == "/" and end + 1 < len(text) and text[end + 1].isdigit():
        denominator, end = _number(text, end + 1)
        if denominator == 0:
            raise FormulaError(f"분모가 0입니다: '{text[pos:end]}'", pos)
        value /= denominator
    if end < len(text) and text[end] in ",.":
        chunk = re.match(r"[^\s" + re.escape(_OPERATORS) + r"]+", text[pos:])
        raise FormulaError(f"수를 읽을 수 없습니다: '{chunk[0] if chunk else text[pos:end]}'", pos)
    unit_start = end
    while unit_start < len(text) and text[unit_start] == " ":
        unit_start += 1
    if unit_start < len(text) and text[unit_start] == "%":
        unit_end = unit_start + 1
        if unit_end < len(text) and _is_word_char(text[unit_end]):
            shown = text[pos : _word_end(text, unit_end)]
            raise FormulaError(f"'{shown}': '%' 뒤에는 단위를 쓸 수 없습니다", pos)
        return _Token("num", text[pos:unit_end], pos, value / 100, False)
    unit_end = _word_end(text, unit_start)
    unit = text[unit_start:unit_end]
    if not unit or (unit_start > end and unit in LABELS):
        return _Token("num", text[pos:end], pos, value, False)
    if unit in WON_UNITS:
        return _Token("num", text[pos:unit_end], pos, value * WON_UNITS[unit], True)
    return _Token("num", text[pos:unit_end], pos, value, False)


def _strip_bullet(text: str) -> tuple[str, int]:
    """The leading layout marker, if any, and where the formula proper starts."""
    pos = len(text) - len(text.lstrip())
    head = text[pos : pos + 1]
    if head and head in BULLETS:
        return head, pos + 1
    if head and head in "-−" and text[pos + 1 : pos + 2] in (" ", "\t", "(", "\u3000"):
        return head, pos + 1
    return "", pos


@functools.lru_cache(maxsize=4096)
def evaluate_formula(text: str) -> Formula:
    """Evaluate a 산출근거 formula exactly: ``(86,666원×8명×12월)- 8,680,000원`` → -360,064원.

    Raises :class:`FormulaError` with a Korean message naming the character or word at
    fault. See the README's "산식 문법" for the grammar. A formula is read once per process:
    the figures, the checks and the rounding advice all ask for it (the result is immutable).
    """
    if len(text) > MAX_FORMULA:
        raise FormulaError(f"산식이 너무 깁니다 ({len(text)}자)", 0)
    bullet, start = _strip_bullet(text)
    tokens = _tokens(text, start)
    if not tokens:
        raise FormulaError("산식이 비어 있습니다", 0)
    if not any(t.kind == "num" for t in tokens):
        words = " ".join(t.text for t in tokens if t.kind in ("word", "label"))
        raise FormulaError(f"산식에 수가 없습니다: '{words or text.strip()}'", tokens[0].pos)
    parser = _Parser(tokens, len(text.rstrip()))
    value, has_won = parser.total(0)
    if parser.index != len(tokens):
        tok = tokens[parser.index]
        _no_operator(tok)
        raise FormulaError(f"산식 끝에 남은 '{tok.text}'", tok.pos)
    return Formula(text=text, value=value, has_won=has_won, bullet=bullet)


def _no_operator(tok: _Token) -> None:
    """Raise for a number or '(' that follows a term with no operator between them."""
    if tok.kind == "num":
        raise FormulaError(f"'{tok.text}' 앞에 연산자(×, ÷, +, −)가 없습니다", tok.pos)
    if tok.kind == "op" and tok.text == "(":
        raise FormulaError("'(' 앞에 연산자(×, ÷, +, −)가 없습니다", tok.pos)


class _Parser:
    def __init__(self, tokens: list[_Token], end: int) -> None:
        self.tokens = tokens
        self.index = 0
        self.end = end

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _op(self, *ops: str) -> _Token | None:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text in ops:
            self.index += 1
            return tok
        return None

    def _labels(self) -> list[_Token]:
        taken = []
        while (tok := self.peek()) is not None and tok.kind in ("word", "label"):
            taken.append(tok)
            self.index += 1
        return taken

    def factor(self, depth: int) -> tuple[Fraction, bool]:
        before = self._labels()
        tok = self.peek()
        if tok is None or (tok.kind == "op" and tok.text in ("*", "/", "+", ")")):
            if before:
                word = before[-1]
                raise FormulaError(f"'{word.text}'은(는) 수가 아닙니다: 항마다 수가 있어야 합니다", word.pos)
            if tok is None:
                raise FormulaError("산식이 중간에 끝났습니다", self.end)
            raise FormulaError(f"'{tok.raw or tok.text}' 앞에 수가 있어야 합니다", tok.pos)
        self.index += 1
        if tok.kind == "num":
            value, won = tok.value, tok.won
        elif tok.text in ("-", "△"):
            value, won = self.factor(depth)
            value = -value
        else:  # "("
            if depth >= MAX_DEPTH:
                raise FormulaError("괄호가 너무 깊습니다", tok.pos)
            value, won = self.total(depth + 1)
            if self._op(")") is None:
                close = self.peek()
                if close is not None:
                    _no_operator(close)
                raise FormulaError("닫는 괄호 ')'가 없습니다", close.pos if close else self.end)
        self._labels()
        after = self.peek()
        if after is not None and tok.kind == "num" and not won and self._implicit(tok, after):
            # ``1식(7,000원)``, ``교사1인(1,500원)``: a count and its price; ``1인당 105,000원``: per one
            right, right_won = self.factor(depth)
            return value * right, right_won
        return value, won

    def _implicit(self, tok: _Token, after: _Token) -> bool:
        """A count written against a parenthesized price, or a ``…당`` count before a number."""
        if after.kind == "op" and after.text == "(" and after.pos == tok.pos + len(tok.text):
            return True
        return after.kind == "num" and tok.text.endswith("당")

    def product(self, depth: int) -> tuple[Fraction, bool]:
        value, won = self.factor(depth)
        while (op := self._op("*", "/")) is not None:
            right, right_won = self.factor(depth)
            if op.text == "*":
                if won and right_won:
                    raise FormulaError("금액(원)끼리 곱할 수 없습니다", op.pos)
                value, won = value * right, won or right_won
                continue
            if right == 0:
                raise FormulaError(f"0으로 나눌 수 없습니다 ('{op.raw}' 뒤의 수가 0)", op.pos)
            if right_won and not won:
                raise FormulaError("금액이 아닌 수를 금액(원)으로 나눌 수 없습니다", op.pos)
            value, won = value / right, won and not right_won
        return value, won

    def total(self, depth: int) -> tuple[Fraction, bool]:
        value, won = self.product(depth)
        while (op := self._op("+", "-")) is not None:
            right, right_won = self.product(depth)
            value = value + right if op.text == "+" else value - right
            won = won or right_won
        return value, won


def formula_display(text: str) -> str:
    """The formula as printed in messages: ``*`` becomes ``×``."""
    return re.sub(r"\s*[*]\s*", "×", text.strip())
