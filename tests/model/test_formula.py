"""The 산출근거 formula grammar: every form staff write, its errors, and generated trees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from budgetdoc.model import formula, numbers
from budgetdoc.model.formula import FormulaError, evaluate_formula

# --------------------------------------------------------------------------- each form


@pytest.mark.parametrize(
    ("text", "value", "has_won"),
    [
        # products, as before
        ("150,000원*17명*2회", 5_100_000, True),
        ("761,500원*2회", 1_523_000, True),
        ("55,275,000원", 55_275_000, True),
        ("158명*50,000원*12", 94_800_000, True),
        ("10,000원×3명", 30_000, True),
        ("10,000원 x 3명", 30_000, True),
        ("10,000원 X 3명", 30_000, True),
        ("(10,000원+5,000원)*2회", 30_000, True),
        ("1,000원*2+3,000원", 5_000, True),
        ("3천원*2회", 6_000, True),
        ("1.5만원*2명", 30_000, True),
        ("2백만원×3", 6_000_000, True),
        ("1억원×2%", 2_000_000, True),
        ("350,000×3기", 1_050_000, False),
        # subtraction with '-' and '−', and reductions
        ("(86,666원×8명×12월)- 8,680,000원", -360_064, True),
        ("3,000,000원 − 1,000,000원", 2_000_000, True),
        ("3,000,000원 – 1,000,000원", 2_000_000, True),
        ("△1,920,000원", -1_920_000, True),
        ("1,000원×(3명-1명)", 2_000, True),
        # division and fractions
        ("19,000원 ÷ 2,500매", Fraction(38, 5), True),
        ("19,000원/2,500매", Fraction(38, 5), True),
        ("15,300,000 X 30/100 X 2회", 9_180_000, False),
        ("264,663,000원 X 4/12월 X 50%", 44_110_500, True),
        ("556,604,000원 × 99.37/100", Fraction(5_530_973_948, 10), True),
        ("1,200,000원 ÷ 3/4", 1_600_000, True),  # a fraction binds before ÷
        ("1,000,000원 / 1,000,000원 × 5,000원", 5_000, True),  # 원 ÷ 원 is a ratio
        # words that name a figure, kept as labels
        ("경정  3,128,300     X     3인    X    12월", 112_618_800, False),
        ("경정 3,000,000원 − 기정 2,000,000원", 1_000_000, True),
        ("당초 1,000원×3명 - 변경 1,000원×2명", 1_000, True),
        ("추경 5,000원 + 본예산 3,000원", 8_000, True),
        ("(기정) 4,000원 × 2", 8_000, True),
        ("4,000원 × 2 (경정)", 8_000, True),
        ("월 150,000원 × 12월", 1_800_000, True),
        # bullets and spaced units
        ("·9,471원 X 1인 X 30시간", 284_130, True),
        ("ㆍ9,471원 X 1인", 9_471, True),
        ("○ 1,000원 × 3명", 3_000, True),
        ("- 1,000원 × 3명", 3_000, True),
        ("-(1,000원 × 3명)", 3_000, True),  # a leading '-(' is a bullet
        ("-1,000원 × 3명", -3_000, True),  # a '-' against the digit is a sign
        ("(12,763원×12명×12 월)", 1_837_872, True),
        ("150,000 원 × 2회", 300_000, True),
        ("12 % × 1,000원", 120, True),
        ("◾ 660,000원×3대×2일", 3_960_000, True),
        # a count against its parenthesized price, and "per one"
        ("1식(7,000원)×7식", 49_000, True),
        ("어린이(500원)×29명+교사1인(1,500원)+주차비(3,000)", 19_000, True),
        ("학생 1인당 105,000원 × 29명", 3_045_000, True),
        # decimals stay exact
        ("2,268,600원x1명x12월x1.045", 28_448_244, True),
        ("1,001원×1.5", Fraction(3003, 2), True),
    ],
)
def test_each_form_reads_exactly(text: str, value: Fraction | int, has_won: bool) -> None:
    result = evaluate_formula(text)
    assert (result.value, result.has_won) == (Fraction(value), has_won)
    assert isinstance(result.value, Fraction)


def test_a_leading_minus_is_recorded_as_a_bullet_or_a_sign() -> None:
    assert evaluate_formula("-(1,000원 × 3명)").bullet == "-"
    assert evaluate_formula("− 1,000원").bullet == "−"
    assert evaluate_formula("-1,000원").bullet == ""
    assert evaluate_formula("·1,000원").bullet == "·"


@pytest.mark.parametrize(
    ("text", "message", "pos"),
    [
        ("150,000원**2회", "'*' 앞에 수가 있어야 합니다", 9),
        ("150,000원 × ÷ 2회", "'÷' 앞에 수가 있어야 합니다", 11),
        ("150,000원*", "산식이 중간에 끝났습니다", 9),
        ("(1,000원*2", "닫는 괄호 ')'가 없습니다", 9),
        ("1,000원*2)", "산식 끝에 남은 ')'", 8),
        ("1,000원*2회 + abc", "'abc'은(는) 수가 아닙니다: 항마다 수가 있어야 합니다", 12),
        ("1,000원 x 명", "'명'은(는) 수가 아닙니다: 항마다 수가 있어야 합니다", 9),
        ("기정액", "산식에 수가 없습니다: '기정액'", 0),
        ("경정 기정", "산식에 수가 없습니다: '경정 기정'", 0),
        ("2%명*1,000원", "'2%명': '%' 뒤에는 단위를 쓸 수 없습니다", 0),
        ("1,000원*2,000원", "금액(원)끼리 곱할 수 없습니다", 6),
        ("12개월 ÷ 1,000원", "금액이 아닌 수를 금액(원)으로 나눌 수 없습니다", 5),
        ("1,000원 ÷ 0", "0으로 나눌 수 없습니다 ('÷' 뒤의 수가 0)", 7),
        ("1,000원 / (2명-2명)", "0으로 나눌 수 없습니다 ('/' 뒤의 수가 0)", 7),
        ("1,000원 × 4/0월", "분모가 0입니다: '4/0'", 9),
        ("1,000원 ^ 2", "알 수 없는 연산자 '^'", 7),
        ("1,000원 & 2", "알 수 없는 연산자 '&'", 7),
        (
            "1,000원 × 2명 = 2천원",
            "산식에 '='가 있습니다: 산식에는 '=' 앞부분만 쓰고, 결과 금액은 금액 칸에 적으세요",
            12,
        ),
        ("1,000원 2명", "'2명' 앞에 연산자(×, ÷, +, −)가 없습니다", 7),
        ("1,000원 (2명)", "'(' 앞에 연산자(×, ÷, +, −)가 없습니다", 7),
        ("(5급이하 158명) 158명*50,000원*12", "'158명' 앞에 연산자(×, ÷, +, −)가 없습니다", 6),
        ("1,23원", "천 단위 쉼표가 맞지 않습니다: '1,23'", 0),
        ("150,O00원*2", "수를 읽을 수 없습니다: '150,O00원'", 0),
        ("", "산식이 비어 있습니다", 0),
        ("x" * 301, "산식이 너무 깁니다 (301자)", 0),
        ("(" * 25 + "1" + ")" * 25, "괄호가 너무 깊습니다", 20),
    ],
)
def test_errors_name_the_character_or_word_at_fault(text: str, message: str, pos: int) -> None:
    with pytest.raises(FormulaError) as info:
        evaluate_formula(text)
    assert (info.value.message, info.value.pos) == (message, pos)


def test_never_eval() -> None:
    with pytest.raises(FormulaError) as info:
        evaluate_formula("__import__('os').system('true')")
    assert info.value.message.startswith("산식에 수가 없습니다") or "연산자" in info.value.message


# --------------------------------------------------------------------------- generated trees


@dataclass(frozen=True)
class Leaf:
    value: Fraction
    text: str


@dataclass(frozen=True)
class Node:
    op: str  # + - * /
    left: Leaf | Node
    right: Leaf | Node


def plain(tree: Leaf | Node) -> Fraction:
    """The tree's value by plain Fraction arithmetic (the independent evaluation)."""
    if isinstance(tree, Leaf):
        return tree.value
    a, b = plain(tree.left), plain(tree.right)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else Fraction(10**30)}[tree.op]


def divides_by_zero(tree: Leaf | Node) -> bool:
    if isinstance(tree, Leaf):
        return False
    if tree.op == "/" and plain(tree.right) == 0:
        return True
    return divides_by_zero(tree.left) or divides_by_zero(tree.right)


UNITS = ["", "명", "회", "개월", "월", "식", "인", "매"]
LABEL_WORDS = ["", "경정 ", "기정 ", "당초 ", "(기정) ", "변경 "]


@st.composite
def leaves(draw: st.DrawFn) -> Leaf:
    kind = draw(st.sampled_from(["int", "grouped", "decimal", "fraction", "percent"]))
    unit = draw(st.sampled_from(UNITS))
    space = draw(st.sampled_from(["", " "])) if unit else ""
    label = draw(st.sampled_from(LABEL_WORDS))
    if kind == "int":
        n = draw(st.integers(0, 999))
        return Leaf(Fraction(n), f"{label}{n}{space}{unit}")
    if kind == "grouped":
        n = draw(st.integers(1000, 10**9))
        return Leaf(Fraction(n), f"{label}{n:,}{space}{unit}")
    if kind == "decimal":
        whole, frac = draw(st.integers(0, 99)), draw(st.integers(0, 999))
        return Leaf(Fraction(f"{whole}.{frac:03d}"), f"{label}{whole}.{frac:03d}{space}{unit}")
    if kind == "fraction":
        a, b = draw(st.integers(0, 999)), draw(st.integers(1, 999))
        return Leaf(Fraction(a, b), f"{label}{a}/{b}{space}{unit}")
    n = draw(st.integers(0, 200))
    return Leaf(Fraction(n, 100), f"{label}{n}%")


SPELLINGS = {
    "+": ["+", " + "],
    "-": ["-", " - ", " − ", "- "],
    "*": ["*", "×", " x ", " X ", " × "],
    "/": ["÷", " ÷ ", " / "],
}


def trees() -> st.SearchStrategy[Leaf | Node]:
    return st.recursive(
        leaves(),
        lambda inner: st.builds(Node, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        max_leaves=8,
    )


def render(tree: Leaf | Node, draw: st.DrawFn) -> str:
    if isinstance(tree, Leaf):
        return tree.text
    left, right = render(tree.left, draw), render(tree.right, draw)
    # Parenthesize what the grammar would otherwise read differently: any compound child.
    if isinstance(tree.left, Node):
        left = f"({left})"
    if isinstance(tree.right, Node):
        right = f"({right})"
    return left + draw(st.sampled_from(SPELLINGS[tree.op])) + right


@given(st.data())
def test_generated_formulas_evaluate_as_the_expression_tree(data: st.DataObject) -> None:
    tree = data.draw(trees())
    assume(not divides_by_zero(tree))
    text = render(tree, data.draw)
    assume(len(text) <= formula.MAX_FORMULA)
    bullet = data.draw(st.sampled_from(["", "·", "ㆍ", "○ ", "- "]))
    assert evaluate_formula(bullet + text).value == plain(tree), text


@given(st.data())
def test_a_division_by_zero_is_an_error_never_a_value(data: st.DataObject) -> None:
    leaf = data.draw(leaves())
    tree = Node("/", data.draw(trees()), Node("-", leaf, leaf))
    text = render(tree, data.draw)
    assume(len(text) <= formula.MAX_FORMULA)
    with pytest.raises(FormulaError) as info:
        evaluate_formula(text)
    assert "0" in info.value.message


@given(
    st.integers(1, 10**6),
    st.lists(st.tuples(st.integers(1, 100), st.sampled_from(UNITS)), min_size=1, max_size=3),
    st.integers(0, 10**6),
    st.sampled_from(["floor", "ceil", "half-up"]),
)
def test_a_reduction_line_rounds_as_its_first_term_minus_the_whole_thousands(
    price: int, counts: list[tuple[int, str]], previous: int, rounding: str
) -> None:
    """(단가×수량) − 기정액: the line is the rounded 경정 amount minus the 기정 amount."""
    product = "×".join([f"{price:,}원", *(f"{n}{u}" for n, u in counts)])
    result = evaluate_formula(f"경정 ({product}) - 기정 {previous * 1000:,}원")
    alone = evaluate_formula(product)
    assert numbers.won_to_thousand(result.value, rounding) == (
        numbers.won_to_thousand(alone.value, rounding) - previous  # type: ignore[operator]
    )


@given(
    st.integers(0, 10**8), st.lists(st.tuples(st.integers(1, 10**6), st.sampled_from(UNITS)), min_size=1, max_size=4)
)
def test_products_match_plain_multiplication(won: int, counts: list[tuple[int, str]]) -> None:
    text = " × ".join([f"{won:,}원", *(f"{n:,}{unit}" for n, unit in counts)])
    expected = won
    for n, _ in counts:
        expected *= n
    result = evaluate_formula(text)
    assert result.value == expected and result.has_won


# --------------------------------------------------------------------------- the README is true


def readme_examples() -> list[tuple[str, str]]:
    """(formula, value as printed) from the README's table of forms."""
    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = text.split("| 쓰는 꼴 | 예 | 값 |", 1)[1].split("\n\n", 1)[0]
    pairs = []
    for row in table.strip().splitlines()[1:]:
        _, _, examples, values, _ = row.split("|")
        formulas = re.findall(r"`([^`]+)`", examples)
        shown = [v.strip() for v in values.split(",  ")] if len(formulas) == 1 else values.split("원,")
        shown = [v.strip().removesuffix("원") for v in shown]
        formulas = [f for f in formulas if f not in ("-", "−", "÷", "/", "%")]
        assert len(formulas) == len(shown), row
        pairs.extend(zip(formulas, shown, strict=True))
    return pairs


@pytest.mark.parametrize(("text", "shown"), readme_examples())
def test_the_readmes_examples_give_the_values_it_shows(text: str, shown: str) -> None:
    assert numbers.exact_text(evaluate_formula(text).value) == shown
