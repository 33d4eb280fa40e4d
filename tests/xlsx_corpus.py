"""Varied, complete project documents for the workbook round trip.

Every document has every section, explicitly empty where it does not apply; the
arithmetic adds up (so the checks pass) unless ``broken`` asks otherwise. Documents
vary in what the form allows: 2–8 과목, long 산출근거 with parts, 일반회계, 특별회계 and
기금, 연례반복, 계속 and 한시 periods, 국비+시비+구비+기타, zero and new budgets, rates
with decimals, every 산출근거 rounding, totals stated or left to be computed, a project
id or none, a rollover draft block or none, and texts that a spreadsheet could mistake
for numbers or formulas.
"""

from __future__ import annotations

import random
from typing import Any

from budgetdoc import numbers
from budgetdoc.model import Project
from budgetdoc.xlsx import to_yaml

ITEMS = [
    "사무관리비",
    "기간제근로자등보수",
    "국외업무여비",
    "시책추진업무추진비",
    "특정업무경비",
    "행사운영비",
    "민간경상사업보조",
    "시설비",
    "연구개발비",
    "자산취득비",
]
TRICKY = [
    "=SUM(A1:A3) 처럼 보이는 글",
    "'작은따옴표로 시작",
    '"큰따옴표" 안의 말',
    "2024",
    "010-1234-5678",
    "1,000",
    "참석수당: 회의 #1 & 2 <협의>",
    "TRUE",
    "- 줄표로 시작",
    "○ 동그라미로 시작",
    "아주 긴 설명 " + "가나다라마바사 " * 30,
]
ACCOUNTS = ["일반회계", "지역균형발전특별회계", "도시개발특별회계", "서울시 기후대응기금", "재난관리기금"]


def _text(rng: random.Random, base: str) -> str:
    return rng.choice(TRICKY) if rng.random() < 0.15 else base


def _won(n: int) -> str:
    return f"{n:,}원"


def _basis(rng: random.Random, current: int) -> list[dict[str, Any]]:
    """○ lines summing to ``current`` (천원), some split into - parts with formulas in 원."""
    if current == 0:
        return []
    count = rng.randint(1, 4) if current >= 4 else 1
    cuts = sorted(rng.sample(range(1, current), count - 1)) if count > 1 else []
    amounts = [b - a for a, b in zip([0, *cuts], [*cuts, current], strict=True)]
    lines = []
    for k, amount in enumerate(amounts):
        line: dict[str, Any] = {"label": _text(rng, f"세부사업 {k + 1}")}
        if amount >= 2 and rng.random() < 0.5:
            first = rng.randint(1, amount - 1)
            parts = []
            for m, part_amount in enumerate((first, amount - first)):
                part: dict[str, Any] = {"label": _text(rng, f"구성 {m + 1}")}
                if part_amount % 2 == 0 and rng.random() < 0.5:
                    part["formula"] = f"{_won(part_amount * 500)}*2회"
                else:
                    part["formula"] = _won(part_amount * 1000)
                if rng.random() < 0.8:
                    part["amount"] = part_amount
                parts.append(part)
            if rng.random() < 0.8:
                line["amount"] = amount
            line["parts"] = parts
        else:
            if amount <= 300 and rng.random() < 0.5:
                line["formula"] = f"500원*{amount}명*2회"
            else:
                line["formula"] = _won(amount * 1000)
            if rng.random() < 0.9:
                line["amount"] = amount
        lines.append(line)
    return lines


def project(seed: int, broken: bool = False) -> Project:
    """One document; the same seed gives the same document."""
    rng = random.Random(seed)
    extra = random.Random(seed * 7919 + 1)  # the later fields, without changing the documents above
    year = rng.randint(2022, 2030)
    decimals = rng.choice([0, 0, 0, 1, 2])
    conventions: dict[str, Any] = {}
    if decimals or rng.random() < 0.2:
        conventions = {
            "rate_decimals": decimals,
            # every formula is a whole number of 천원, so the rounding never changes a sum
            "formula_rounding": extra.choice(["exact", "exact", "floor", "ceil", "half-up"]),
            "settlement_balance": rng.choice(["available-spent-carried", "available-spent"]),
        }
    items = []
    for name in rng.sample(ITEMS, rng.randint(2, 8)):
        previous = rng.choice([0, 0, rng.randint(1, 500), rng.randint(1000, 900_000)])
        current = rng.choice([0, previous, rng.randint(1, 500), rng.randint(1000, 900_000)])
        item: dict[str, Any] = {"name": name, "previous": previous, "current": current}
        if rng.random() < 0.7:
            item["change"] = current - previous
            item["rate"] = numbers.change_rate(previous, current, decimals)
        item["basis"] = _basis(rng, current)
        items.append(item)
    prev_total = sum(i["previous"] for i in items)
    cur_total = sum(i["current"] for i in items)
    budget: dict[str, Any] = {"items": items}
    if rng.random() < 0.7:
        budget = {
            "total": {
                "previous": prev_total,
                "current": cur_total,
                "change": cur_total - prev_total,
                "rate": numbers.change_rate(prev_total, cur_total, decimals),
            },
            "items": items,
        }
    national = rng.randint(0, cur_total)
    funding = {
        "national": national if national or rng.random() < 0.5 else None,
        "city": cur_total - national,
        "district": rng.choice([None, 0, rng.randint(1, 5000)]),
        "other": rng.choice([None, rng.randint(1, 900)]),
    }
    kind = rng.choice(["연례반복", "계속", "한시"])
    period: dict[str, Any] = {"kind": kind}
    if kind != "연례반복":
        start = rng.randint(year - 5, year)
        period = {"kind": kind, "start": start, "end": rng.randint(start, year + 5)}
    overview: dict[str, Any] = {
        "account": rng.choice(ACCOUNTS),
        "period": period,
        "summary": [_text(rng, f"사업내용 {k}") for k in range(rng.randint(0, 3))],
    }
    if rng.random() < 0.7:
        overview["total"] = cur_total
    overview["funding"] = funding
    schedule: dict[str, Any] = {"rows": []}
    if rng.random() < 0.8 and cur_total:
        n = rng.randint(1, min(4, cur_total))
        cuts = sorted(rng.sample(range(1, cur_total), n - 1)) if n > 1 else []
        amounts = [b - a for a, b in zip([0, *cuts], [*cuts, cur_total], strict=True)]
        schedule["rows"] = [
            {
                "step": _text(rng, f"단계 {k + 1}"),
                "period": rng.choice(["", f"{year}.01~{year}.12", f"{year}.03."]),
                "amount": a,
                "detail": rng.choice(["", _text(rng, "세부 내용")]),
            }
            for k, a in enumerate(amounts)
        ]
        if rng.random() < 0.7:
            schedule = {"total": cur_total, "rows": schedule["rows"]}
    achievements = {}
    if rng.random() < 0.8:
        for y in range(year - 3, year):
            achievements[y] = [_text(rng, f"{y}년 실적 {k}") for k in range(rng.randint(0, 3))]
    settlement = []
    if rng.random() < 0.8:
        for y in range(year - 4, year - 1):
            final_budget, carried_in = rng.randint(0, 90_000), rng.choice([0, rng.randint(0, 9000)])
            change = rng.choice([0, rng.randint(-500, 500)])
            available = final_budget + carried_in + change
            if available < 0:
                change, available = 0, final_budget + carried_in
            spent = rng.randint(0, available)
            carried_out = rng.randint(0, available - spent)
            subtract = carried_out if conventions.get("settlement_balance") != "available-spent" else 0
            row: dict[str, Any] = {
                "year": y,
                "final_budget": final_budget,
                "carried_in": carried_in,
                "change": change,
                "available": available,
                "spent": spent,
                "carried_out": carried_out,
                "balance": available - spent - subtract,
            }
            if rng.random() < 0.2:
                del row["available"], row["balance"]
            settlement.append(row)
    identity: dict[str, Any] = {}
    if extra.random() < 0.5:
        identity["id"] = extra.choice([f"corpus-{seed}", f"{seed:04}", f"사업-{seed} (균형발전)"])
    if extra.random() < 0.4:
        identity["draft"] = {
            "source": extra.choice(["", f"data/{year - 1}/p{seed}.yaml", _text(extra, "원본")]),
            "todo": [_text(extra, f"할 일 {k}") for k in range(extra.randint(0, 3))],
        }
    data: dict[str, Any] = {
        "fiscal_year": year,
        "title": _text(rng, f"시험 사업 {seed}"),
        **identity,
        **({"conventions": conventions} if conventions else {}),
        "overview": overview,
        "contacts": {
            "office": "기획조정실",
            "department": _text(rng, "예산담당관"),
            "director": {"name": "홍길동", "phone": "2133-6500"},
            "team_leader": {"name": "김영희", "phone": rng.choice(["", "2133-6510"])},
            "officer": {"name": "이철수", "phone": "02-2133-6511"},
        },
        "budget": budget,
        "description": {
            "purpose": [_text(rng, "목적")],
            "legal_basis": [_text(rng, f"근거 {k}") for k in range(rng.randint(0, 2))],
            "content": [_text(rng, f"내용 {k}") for k in range(rng.randint(0, 3))],
            "history": [_text(rng, f"경위 {k}") for k in range(rng.randint(0, 6))],
        },
        "schedule": schedule,
        "effects": {
            "achievements": achievements,
            "expected": [_text(rng, f"기대효과 {k}") for k in range(rng.randint(0, 2))],
        },
        "settlement": settlement,
    }
    if broken:
        items[0]["current"] += 1
    return Project.model_validate(data)


def corpus(count: int = 30, start: int = 1) -> list[str]:
    """``count`` documents as canonical YAML."""
    return [to_yaml(project(seed)) for seed in range(start, start + count)]
