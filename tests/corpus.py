"""A varied corpus of complete 사업설명서 documents, built from the form's rules (not copies of the reference).

:func:`corpus` gives ``(name, yaml_text)`` for ``n`` documents drawn from one seeded
random generator: 2–8 과목, 산출근거 of 0 to 40 lines (a 과목 may have none: B = 0),
일반회계 / 특별회계 / 기금, 연례반복 / 계속 / 한시 periods, 국비 + 시비 (+ 구비, 기타 outside
the budget), zero and new budgets, long texts. Every section is written, explicitly empty
where it does not apply (``schedule: {rows: []}``, ``settlement: []``, empty achievements).
Every document's arithmetic holds, so it builds clean.
"""

from __future__ import annotations

import json
import random

ITEMS = [
    "사무관리비",
    "기간제근로자등보수",
    "국외업무여비",
    "시책추진업무추진비",
    "특정업무경비",
    "행사운영비",
    "공공운영비",
    "연구용역비",
    "민간경상사업보조",
    "자치단체경상보조금",
    "시설비",
    "자산및물품취득비",
]
WORDS = (
    "지역균형발전 생활기반시설 확충계획 자치구별 주민참여 활성화 위원회 운영 심의 자문 "
    "조사연구 용역 추진 점검 평가 홍보물 제작 교육 프로그램 운영지원 시설물 유지관리 "
    "정책토론회 개최 시민 의견수렴 전문가 간담회 현장 모니터링 성과관리 체계 구축"
).split()
ACCOUNTS = ["일반회계", "균형발전특별회계", "지역상생발전기금", "도시개발특별회계", "재난관리기금"]
OFFICES = [("균형발전본부", "균형발전정책과"), ("기후환경본부", "기후변화정책과"), ("재정기획관", "예산과")]
NAMES = ["김기봉", "이수진", "박민호", "최은영", "정다은", "한지훈"]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _basis(rng: random.Random, current: int) -> list[dict[str, object]]:
    """○ lines (some with - parts) whose amounts add up to ``current`` 천원; formulas exact in 원."""
    if current == 0:
        return []
    n = rng.choice([1, 1, 2, 3, 5, 8, 12, 20])
    n = min(n, current)
    cuts = sorted(rng.sample(range(1, current), n - 1)) if n > 1 else []
    amounts = [b - a for a, b in zip([0, *cuts], [*cuts, current], strict=True)]
    lines: list[dict[str, object]] = []
    for amount in amounts:
        label = _sentence(rng, 1, 4)
        if amount >= 4 and rng.random() < 0.3:
            first = rng.randint(1, amount - 1)
            parts = [
                {"label": _sentence(rng, 1, 3), "formula": f"{first * 1000:,}원*1회", "amount": first},
                {"label": _sentence(rng, 1, 3), "formula": f"{(amount - first) * 1000:,}원", "amount": amount - first},
            ]
            lines.append({"label": label, "amount": amount, "parts": parts})
        elif amount % 12 == 0 and amount:
            lines.append({"label": label, "formula": f"{amount * 1000 // 12:,}원*12월", "amount": amount})
        else:
            lines.append({"label": label, "formula": f"{amount * 1000:,}원", "amount": amount})
    return lines


def project(rng: random.Random, index: int) -> dict[str, object]:
    year = rng.choice([2024, 2025, 2026])
    n_items = rng.randint(2, 8)
    names = rng.sample(ITEMS, n_items)
    items = []
    for name in names:
        kind = rng.random()
        previous = 0 if kind < 0.25 else rng.randint(1, 300_000)
        current = 0 if kind > 0.85 else rng.randint(1, 400_000)
        if kind > 0.95:
            previous = 0
        items.append({"name": name, "previous": previous, "current": current, "basis": _basis(rng, current)})
    total = sum(i["current"] for i in items)  # type: ignore[misc]
    if total == 0:
        items[0]["current"] = 1000
        items[0]["basis"] = _basis(rng, 1000)
        total = 1000
    national = rng.choice([None, 0, total // 2, total // 3])
    city = total - (national or 0)
    funding = {
        "national": national,
        "city": city,
        "district": rng.choice([None, 0, rng.randint(1, 50_000)]),
        "other": rng.choice([None, 0, rng.randint(1, 9_000)]),
    }
    kind = rng.choice(["연례반복", "계속", "한시"])
    period: dict[str, object] = {"kind": kind}
    if kind != "연례반복":
        period.update(start=year - rng.randint(0, 3), end=year + rng.randint(0, 4))
    office, department = rng.choice(OFFICES)
    people = rng.sample(NAMES, 3)

    def bullets(low: int, high: int) -> list[str]:
        return [_sentence(rng, 3, 18) for _ in range(rng.randint(low, high))]

    n_rows = rng.choice([0, 1, 2, 4, 6])
    schedule: dict[str, object] = {"rows": []}
    if n_rows:
        cuts = sorted(rng.sample(range(1, total), min(n_rows, total) - 1)) if total > n_rows else []
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        schedule["rows"] = [
            {
                "step": _sentence(rng, 1, 3),
                "period": f"{year}.{m + 1:02d}~{year}.12",
                "amount": amount,
                "detail": _sentence(rng, 2, 10),
            }
            for m, amount in enumerate(parts)
        ]
    else:
        schedule = {"rows": []}
        if total:  # the 추진일정 must add up to the budget; with no rows it does not apply
            schedule = {"rows": [{"step": "사업 추진", "period": f"{year}.01~{year}.12", "amount": total}]}
            if rng.random() < 0.5:
                schedule = {"rows": []}
    achievements = (
        {}
        if rng.random() < 0.2
        else {str(y): bullets(0 if rng.random() < 0.2 else 1, 5) for y in range(year - 3, year)}
    )
    settlement = []
    if rng.random() > 0.2:
        for y in range(year - 4, year - 1):
            final = rng.randint(0, 300_000)
            carried_in = rng.choice([0, rng.randint(0, 50_000)])
            change = rng.choice([0, rng.randint(-final, 20_000) if final else 0])
            available = final + carried_in + change
            spent = rng.randint(0, max(0, available))
            carried_out = rng.randint(0, available - spent)
            settlement.append(
                {
                    "year": y,
                    "final_budget": final,
                    "carried_in": carried_in,
                    "change": change,
                    "spent": spent,
                    "carried_out": carried_out,
                }
            )
    return {
        "fiscal_year": year,
        "title": f"{_sentence(rng, 1, 3)} 사업 {index}",
        "overview": {
            "account": rng.choice(ACCOUNTS),
            "period": period,
            "summary": bullets(1, 3),
            "funding": funding,
        },
        "contacts": {
            "office": office,
            "department": department,
            "director": {"name": people[0], "phone": f"2133-{rng.randint(1000, 9999)}"},
            "team_leader": {"name": people[1], "phone": f"2133-{rng.randint(1000, 9999)}"},
            "officer": {"name": people[2], "phone": f"2133-{rng.randint(1000, 9999)}"},
        },
        "budget": {"items": items},
        "description": {
            "purpose": bullets(1, 2),
            "legal_basis": bullets(0, 2),
            "content": bullets(1, 4),
            "history": bullets(0, 6),
        },
        "schedule": schedule,
        "effects": {"achievements": achievements, "expected": bullets(0, 3)},
        "settlement": settlement,
    }


def corpus(n: int = 32, seed: int = 12) -> list[tuple[str, str]]:
    """``n`` documents as ``(name, YAML text)``; JSON is YAML, and keeps every empty section."""
    rng = random.Random(seed)
    return [(f"doc{i:02d}", json.dumps(project(rng, i), ensure_ascii=False, indent=1)) for i in range(n)]
