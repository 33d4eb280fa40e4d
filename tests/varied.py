"""Varied, complete documents for the tests: every section written, the arithmetic right.

A :class:`Spec` says what a project is (its 과목 with (A) and (B), funding, period, which
sections are empty); :func:`document` turns it into the data of a YAML file whose
numbers all add up: 산출근거 lines with formulas in 원 and - parts, funding that sums to
(B), 추진일정 rows that sum to (B), 결산 rows that balance. :func:`corpus` draws many
specs at random (seeded): 2–8 과목, long 산출근거, 일반회계 / 특별회계 / 기금, 계속 and
한시 periods (some ended), 국비 + 시비 + 구비 + 기타, zero budgets and new ones.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budgetdoc.numbers import change_rate
from budgetdoc.yamlout import dump

OFFICES = {
    "균형발전본부": ["균형발전정책과", "동남권사업과"],
    "복지정책실": ["복지정책과", "노인복지과", "장애인복지정책과"],
    "도시교통실": ["교통정책과", "보행정책과"],
    "기후환경본부": ["기후환경정책과"],
}
ACCOUNTS = ["일반회계", "일반회계", "일반회계", "교통사업특별회계", "도시개발특별회계", "재난관리기금", "양성평등기금"]
ITEMS = [
    "사무관리비",
    "공공운영비",
    "국내여비",
    "국외업무여비",
    "시책추진업무추진비",
    "기간제근로자등보수",
    "연구용역비",
    "행사운영비",
    "민간경상사업보조",
    "자치단체경상보조금",
    "시설비",
    "자산취득비",
]
TOPICS = [
    "지역균형발전",
    "돌봄 지원",
    "보행환경 개선",
    "대중교통 운영",
    "탄소중립 실천",
    "청년 일자리",
    "공공시설 정비",
]
LONG = "관련 위원회 및 자문단 운영, 현장 점검과 주민 설명회 개최, 결과 보고서 발간과 성과 확산을 위한 부대 경비 일체"


@dataclass(frozen=True)
class Spec:
    """What one project is; the numbers of its document follow from this."""

    title: str
    office: str
    department: str
    items: tuple[tuple[str, int, int], ...]  # (과목, (A), (B)) in 천원
    year: int = 2024
    account: str = "일반회계"
    period: tuple[str, int | None, int | None] = ("연례반복", None, None)
    national_percent: int = 0  # share of (B) that is 국비; the rest is 시비
    district: int | None = None  # 구비, outside the budget
    other: int | None = None  # 기타, outside the budget
    id: str | None = None
    long_basis: bool = False
    stated: bool = True  # the 계 row, 증감 and 증감률 written out (as an imported document has them)
    schedule_rows: int = 1  # 0: 추진일정 written explicitly empty
    achievements: bool = True  # False: 추진실적 written explicitly empty
    settlement: bool = True  # False: 결산 written explicitly empty
    purpose: str = "사업 목적"

    @property
    def budget(self) -> int:
        """Σ (B)."""
        return sum(b for _, _, b in self.items)

    def with_item(self, name: str, current: int) -> Spec:
        """The same project with the (B) of one 과목 changed (added when it is new)."""
        items = [(n, a, current if n == name else b) for n, a, b in self.items]
        if all(n != name for n, _, _ in self.items):
            items.append((name, 0, current))
        return dataclasses.replace(self, items=tuple(items))


def _split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` positive pieces (fewer when it is too small), summing exactly."""
    parts = max(1, min(parts, total)) if total else 1
    base = total // parts
    out = [base] * parts
    out[-1] += total - base * parts
    return out


def _formula(amount: int, times: int) -> str:
    """A formula in 원 for ``amount`` 천원: ``12,500원*8회`` (exact, because 1,000 is divisible by ``times``)."""
    won = amount * 1000
    return f"{won // times:,}원*{times}회" if times > 1 else f"{won:,}원"


def _basis(name: str, amount: int, long: bool, index: int) -> list[dict[str, Any]]:
    if amount == 0:
        return []
    if not long:
        return [{"label": name, "formula": _formula(amount, (1, 2, 4, 5, 8)[index % 5]), "amount": amount}]
    lines = []
    for j, piece in enumerate(_split(amount, 3)):
        label = f"{name} {j + 1}: {LONG}"
        if j == 1 and piece >= 2:
            parts = [
                {"label": f"{label} - 세부 {k + 1}", "formula": _formula(p, (2, 4, 5)[k % 3]), "amount": p}
                for k, p in enumerate(_split(piece, 2))
            ]
            lines.append({"label": label, "amount": piece, "parts": parts})
        else:
            lines.append({"label": label, "formula": _formula(piece, 10), "amount": piece})
    return lines


def document(spec: Spec) -> dict[str, Any]:
    """The data of one complete YAML document for ``spec`` (every section present)."""
    y = spec.year
    total = spec.budget
    previous = sum(a for _, a, _ in spec.items)
    national = total * spec.national_percent // 100
    data: dict[str, Any] = {"fiscal_year": y, "title": spec.title}
    if spec.id is not None:
        data["id"] = spec.id
    kind, start, end = spec.period
    period: dict[str, Any] = {"kind": kind}
    if start is not None:
        period["start"] = start
    if end is not None:
        period["end"] = end
    data["overview"] = {
        "account": spec.account,
        "period": period,
        "summary": [f"{spec.title} 추진", f"{spec.department} 소관 사업"],
        "total": total,
        "funding": {
            "national": national if spec.national_percent else None,
            "city": total - national,
            "district": spec.district,
            "other": spec.other,
        },
    }
    data["contacts"] = {
        "office": spec.office,
        "department": spec.department,
        "director": {"name": "김과장", "phone": "2133-0001"},
        "team_leader": {"name": "이팀장", "phone": "2133-0002"},
        "officer": {"name": "박주무관", "phone": ""},
    }
    items = []
    for i, (name, a, b) in enumerate(spec.items):
        item: dict[str, Any] = {"name": name, "previous": a, "current": b}
        if spec.stated:
            item["change"] = b - a
            item["rate"] = change_rate(a, b)
        item["basis"] = _basis(name, b, spec.long_basis and i % 2 == 0, i)
        items.append(item)
    budget: dict[str, Any] = {}
    if spec.stated:
        budget["total"] = {
            "previous": previous,
            "current": total,
            "change": total - previous,
            "rate": change_rate(previous, total),
        }
    budget["items"] = items
    data["budget"] = budget
    data["description"] = {
        "purpose": [spec.purpose],
        "legal_basis": [f"{spec.title} 지원 조례"] if spec.long_basis else [],
        "content": [f"({spec.title}) 세부 사업 추진"],
        "history": [],
    }
    rows = []
    if spec.schedule_rows and total:
        for k, piece in enumerate(_split(total, spec.schedule_rows)):
            rows.append(
                {"step": f"{k + 1}단계", "period": f"{y}.{k + 1:02d}~{y}.12", "amount": piece, "detail": "집행"}
            )
    data["schedule"] = {"total": total, "rows": rows} if rows else {"rows": []}
    achievements: dict[int, list[str]] = {}
    if spec.achievements:
        achievements = {y - 3: [f"{y - 3}년 추진"], y - 2: [f"{y - 2}년 추진"], y - 1: [f"{y - 1}년 추진", "성과 점검"]}
    data["effects"] = {"achievements": achievements, "expected": [f"{spec.title}의 기대효과"]}
    settlement = []
    if spec.settlement:
        for k, year in enumerate(range(y - 4, y - 1)):
            final = 10_000 * (k + 1) + previous // 3
            carried_in, change = (500 * k, -200 * k)
            available = final + carried_in + change
            spent = available * 9 // 10
            carried_out = (available - spent) // 2
            settlement.append(
                {
                    "year": year,
                    "final_budget": final,
                    "carried_in": carried_in,
                    "change": change,
                    "available": available,
                    "spent": spent,
                    "carried_out": carried_out,
                    "balance": available - spent - carried_out,
                }
            )
    data["settlement"] = settlement
    return data


def text(spec: Spec) -> str:
    """The YAML text of ``spec``'s document."""
    return dump(document(spec))


def random_spec(rng: random.Random, index: int, year: int = 2024) -> Spec:
    """One varied project; ``index`` makes the title unique."""
    office = rng.choice(sorted(OFFICES))
    department = rng.choice(OFFICES[office])
    names = rng.sample(ITEMS, rng.randint(2, 8))
    items = []
    for name in names:
        kind = rng.random()
        a = 0 if kind < 0.15 else rng.randrange(0, 400_000, 100)  # new 과목 (A = 0)
        b = 0 if kind > 0.9 else rng.randrange(100, 500_000, 100)  # zero budget (B = 0)
        items.append((name, a, b))
    if rng.random() < 0.05:
        items = [(n, a, 0) for n, a, _ in items]  # a project with no budget this year
    shape = rng.random()
    if shape < 0.6:
        period: tuple[str, int | None, int | None] = ("연례반복", None, None)
    else:
        kind = "계속" if shape < 0.85 else "한시"
        start = year - rng.randint(0, 4)
        period = (kind, start, year + rng.randint(0, 3))  # end == year: ended by next year
    return Spec(
        title=f"{rng.choice(TOPICS)} {index}",
        office=office,
        department=department,
        items=tuple(items),
        year=year,
        account=rng.choice(ACCOUNTS),
        period=period,
        national_percent=rng.choice([0, 0, 30, 50, 70]),
        district=rng.choice([None, None, 0, 12_000]),
        other=rng.choice([None, None, 5_000]),
        id=f"p{index:04d}" if rng.random() < 0.3 else None,
        long_basis=rng.random() < 0.3,
        stated=rng.random() < 0.6,
        schedule_rows=rng.choice([0, 1, 2, 3]),
        achievements=rng.random() < 0.85,
        settlement=rng.random() < 0.8,
    )


def corpus(n: int, seed: int = 1, year: int = 2024) -> list[Spec]:
    """``n`` varied projects, the same for the same seed."""
    rng = random.Random(seed)
    return [random_spec(rng, i, year) for i in range(n)]


def write(folder: Path, specs: list[Spec]) -> list[Path]:
    """Write each spec to ``folder/{year}/{office}/{n}.yaml``; returns the paths."""
    paths = []
    for i, spec in enumerate(specs):
        path = folder / str(spec.year) / spec.office / f"{i:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(spec), encoding="utf-8")
        paths.append(path)
    return paths
