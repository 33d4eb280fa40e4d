"""Reduction lines (추경의 감액): a negative 산출근거 line is allowed, a negative (B) is not."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import REFERENCE_YAML
from docgen import form, text

from budgetdoc.check.rules import check
from budgetdoc.formats.load import LoadError, load_text

REFERENCE = yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8"))


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        doc = load_text(text(data), "x.yaml")
    except LoadError as exc:
        return [(p.rule, p.message) for p in exc.problems]
    return [(p.rule, p.message) for p in check(doc) if p.severity == "error"]


def with_reduction(data: dict[str, Any], item: int, amount: int, *, stated: int | None = None) -> dict[str, Any]:
    """``data`` with an increase and an equal reduction added to one 과목: its (B) is unchanged."""
    basis = data["budget"]["items"][item]["basis"]
    basis.append({"label": "단가 인상분", "formula": f"{amount:,}원×1식", "amount": amount // 1000})
    basis.append(
        {
            "label": "추경 감액",
            "formula": f"경정 ({amount // 2:,}원×2회) - 기정 {amount * 2:,}원",
            "amount": -(amount // 1000) if stated is None else stated,
        }
    )
    return data


def test_a_reduction_line_is_allowed_and_printed_with_a_triangle(renderer) -> None:
    data = with_reduction(yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8")), 1, 1_000_000)
    assert problems(data) == []
    html = renderer.html(load_text(text(data), "x.yaml").project)
    assert "경정 (500,000원×2회) - 기정 2,000,000원" in html
    assert '<td class="num">△1,000천원</td>' in html


@pytest.mark.parametrize("seed", range(8))
def test_reductions_in_generated_documents(seed: int) -> None:
    data = form(seed)
    items = [i for i, item in enumerate(data["budget"]["items"]) if item.get("basis")]
    assert items
    data = with_reduction(data, items[seed % len(items)], 3_000_000 * (seed + 1))
    assert problems(data) == []


def test_a_reduction_with_the_wrong_amount_is_an_error_showing_the_triangle() -> None:
    data = with_reduction(yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8")), 1, 1_000_000, stated=-999)
    found = problems(data)
    assert (
        "basis-formula",
        "경정 (500,000원×2회) - 기정 2,000,000원 = △1,000천원인데 △999천원으로 적혀 있습니다",
    ) in found


def test_a_negative_budget_stays_an_error() -> None:
    data = yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8"))
    item = data["budget"]["items"][1]
    item["basis"] = [{"label": "감액", "formula": "(1,000,000원×1식) - 기정 2,000,000원", "amount": -1000}]
    item["current"] = -1000
    rules = {rule for rule, _ in problems(data)}
    assert "negative-amount" in rules


def test_a_leading_minus_read_as_a_bullet_says_so_when_only_the_sign_differs() -> None:
    data = yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8"))
    basis = data["budget"]["items"][1]["basis"]
    basis.append({"label": "증액", "formula": "1,000,000원×1식", "amount": 1000})
    basis.append({"label": "감액", "formula": "-(500,000원×2회)", "amount": -1000})
    assert (
        "basis-formula",
        "-(500,000원×2회) = 1,000천원인데 △1,000천원으로 적혀 있습니다 — 맨 앞의 '-'는 글머리표로 읽었습니다: "
        "빼는 금액이면 '△'를 쓰세요 (예: △(500,000원×2회))",
    ) in problems(data)
    basis[-1]["formula"] = "△(500,000원×2회)"
    assert problems(data) == []
