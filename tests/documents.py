"""Varied, complete and consistent project documents for the tests, generated from a seed.

Each document has every section of the form; its numbers add up (예산 총괄, 산출근거 in 원,
사업비 split, 추진일정, 결산). Varied: 2–8 과목, 일반회계 / 특별회계 / 기금, 연례반복 / 계속 /
한시 periods, 국비 + 시비 (+ 구비 and 기타 outside the budget), 과목 new this year (A = 0)
or cut to zero (B = 0), long 산출근거 with - parts, and sections explicitly empty
(``settlement: []`` for a project that started this year, an empty 추진일정).
"""

from __future__ import annotations

import random
from typing import Any

from budgetdoc import numbers
from budgetdoc.load import keep_sections
from budgetdoc.yamlout import dump

ACCOUNTS = ("일반회계", "도시개발특별회계", "지역균형발전기금", "교통사업특별회계")
SUBJECTS = (
    "사무관리비",
    "국외업무여비",
    "시책추진업무추진비",
    "기간제근로자등보수",
    "특정업무경비",
    "행사운영비",
    "연구용역비",
    "시설비",
    "민간경상사업보조",
)
COUNTS = ("명", "회", "개월", "기", "개소", "식")


def _formula(rng: random.Random) -> tuple[str, int]:
    """A formula in 원 whose product is a whole 천원, and that 천원 amount."""
    unit = rng.choice((1000, 5000, 10000, 50000, 150000, 2268000))
    factors = [rng.randint(1, 30) for _ in range(rng.randint(1, 3))]
    text = f"{unit:,}원" + "".join(f"*{f}{rng.choice(COUNTS)}" for f in factors)
    won = unit
    for f in factors:
        won *= f
    return text, won // 1000


def _basis(rng: random.Random, long: bool) -> tuple[list[dict[str, Any]], int]:
    lines = []
    for n in range(rng.randint(1, 4 if long else 2)):
        if long and rng.random() < 0.5:
            parts = []
            for k in range(rng.randint(2, 5)):
                text, amount = _formula(rng)
                parts.append(
                    {
                        "label": f"세부 항목 {n + 1}-{k + 1} " + "운영 지원 " * rng.randint(1, 6),
                        "formula": text,
                        "amount": amount,
                    }
                )
            lines.append({"label": f"사업 항목 {n + 1}", "amount": sum(p["amount"] for p in parts), "parts": parts})
        else:
            text, amount = _formula(rng)
            lines.append({"label": f"사업 항목 {n + 1}", "formula": text, "amount": amount})
    return lines, sum(line["amount"] for line in lines)


def document(seed: int, empty: bool | None = None) -> dict[str, Any]:
    """One complete project as plain data (what a YAML file holds)."""
    rng = random.Random(seed)
    year = rng.choice((2023, 2024, 2025))
    items = []
    for name in rng.sample(SUBJECTS, rng.randint(2, 8)):
        kind = rng.random()
        basis, current = _basis(rng, long=rng.random() < 0.5)
        if kind < 0.15:  # cut to zero this year
            basis, current = [], 0
        previous = 0 if kind > 0.8 else rng.randint(0, 3) * rng.choice((0, 1000, 2500)) + rng.randint(1, 90_000)
        item: dict[str, Any] = {"name": name, "previous": previous, "current": current}
        if rng.random() < 0.6:  # stated, as an imported document has them
            item["change"] = current - previous
            item["rate"] = numbers.change_rate(previous, current)
        item["basis"] = basis
        items.append(item)
    total_a = sum(i["previous"] for i in items)
    total_b = sum(i["current"] for i in items)
    national = rng.choice((0, total_b // 2, total_b // 3))
    funding: dict[str, Any] = {"national": national, "city": total_b - national}
    funding["district"] = rng.choice((None, 0, rng.randint(1, 5000)))
    funding["other"] = rng.choice((None, 0, rng.randint(1, 5000)))
    kind = rng.choice(("연례반복", "계속", "한시"))
    period: dict[str, Any] = {"kind": kind}
    if kind != "연례반복":
        period.update(start=year - rng.randint(0, 4), end=year + rng.randint(0, 4))
    if empty is None:
        empty = rng.random() < 0.3
    started_now = empty or (kind != "연례반복" and period["start"] == year)
    rows = []
    if not empty:
        left = total_b
        steps = rng.randint(1, 3)
        for n in range(steps):
            amount = left if n == steps - 1 else rng.randint(0, left)
            left -= amount
            rows.append(
                {
                    "step": f"추진 단계 {n + 1}",
                    "period": f"{year}.0{n + 1}~{year}.12",
                    "amount": amount,
                    "detail": "세부 내용",
                }
            )
    settlement = []
    if not started_now:
        for y in range(year - 4, year - 1):
            final = rng.randint(0, 50_000)
            carried_in = rng.choice((0, rng.randint(0, 9000)))
            change = rng.choice((0, -rng.randint(0, final // 2 + 1), rng.randint(0, 4000)))
            available = final + carried_in + change
            spent = rng.randint(0, max(available, 0))
            carried_out = rng.randint(0, max(available - spent, 0))
            settlement.append(
                {
                    "year": y,
                    "final_budget": final,
                    "carried_in": carried_in,
                    "change": change,
                    "available": available,
                    "spent": spent,
                    "carried_out": carried_out,
                    "balance": available - spent - carried_out,
                }
            )
    data: dict[str, Any] = {
        "fiscal_year": year,
        "title": f"시험 사업 {seed}",
        "overview": {
            "account": rng.choice(ACCOUNTS),
            "period": period,
            "summary": [f"사업 내용 {n}" for n in range(rng.randint(0, 3))],
            "total": total_b,
            "funding": funding,
        },
        "contacts": {
            "office": "균형발전본부",
            "department": "균형발전정책과",
            "director": {"name": "김기봉", "phone": "2133-8608"},
            "team_leader": {"name": "김나연", "phone": "2133-8624"},
            "officer": {"name": "김승연", "phone": "2133-8625"},
        },
        "budget": {
            "total": {
                "previous": total_a,
                "current": total_b,
                "change": total_b - total_a,
                "rate": numbers.change_rate(total_a, total_b),
            },
            "items": items,
        },
        "description": {
            "purpose": [] if empty else ["사업 목적"],
            "legal_basis": [] if empty else ["관련 조례"],
            "content": ["사업 내용"],
            "history": [] if empty else [f"추진 경위({year - 1}년)"],
        },
        "schedule": {"rows": rows},
        "effects": {
            "achievements": {} if started_now else {y: [f"{y}년 실적"] for y in range(year - 3, year)},
            "expected": ["기대 효과"],
        },
        "settlement": settlement,
    }
    return keep_sections(data)


def text(data: dict[str, Any]) -> str:
    """A document as YAML text, every section kept."""
    return dump(keep_sections(data))
