"""Varied, complete 사업설명서 documents for the tests and the benchmarks, from the form's rules.

One generator. A :class:`Spec` says what one project is: its 과목 with (A) and (B), its
funding, period and account, which sections are empty, and how its 산출근거, texts and
optional fields look. :func:`document` turns it into the data of a YAML file whose numbers
all add up: 산출근거 lines with formulas in 원 and - parts, funding that sums to (B), 추진일정
rows that sum to (B), 결산 rows that balance. Every section is written, explicitly empty
where it does not apply.

The test files ask for the shape they need; each shape draws Specs from a seeded random
generator, so the same arguments give the same documents:

- :func:`pages`: documents of 2 to 6 pages for the page rules and the writers (2–8 과목,
  up to 20 산출근거 lines per 과목, some with - parts, a 과목 may have none; long texts, 특별회계 and 기금, 계속 / 한시, 국비 + 시비
  + 구비, zero and new budgets);
- :func:`workbook` and :func:`workbook_project`: every field of the model somewhere, texts a
  spreadsheet could misread, rate decimals and roundings, ids and drafts, totals left to
  be computed;
- :func:`form`: compact documents, some with every optional section empty;
- :func:`specs`: projects for diff and rollover, whose Specs the tests edit
  (:meth:`Spec.with_item`, :func:`dataclasses.replace`) and :func:`write` to a folder.

Longer than most modules: the one document() and every shape's draw belong together, so that
a knob added for one shape is there for all.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budgetdoc.formats.load import keep_sections
from budgetdoc.formats.yamlout import dump
from budgetdoc.model.document import Project
from budgetdoc.model.numbers import change_rate

OFFICES = {
    "균형발전본부": ["균형발전정책과", "동남권사업과"],
    "복지정책실": ["복지정책과", "노인복지과", "장애인복지정책과"],
    "도시교통실": ["교통정책과", "보행정책과"],
    "기후환경본부": ["기후환경정책과", "기후변화정책과"],
    "재정기획관": ["예산과"],
}
ACCOUNTS = [
    "일반회계",
    "일반회계",
    "일반회계",
    "교통사업특별회계",
    "도시개발특별회계",
    "균형발전특별회계",
    "재난관리기금",
    "양성평등기금",
    "지역상생발전기금",
]
ITEMS = [
    "사무관리비",
    "공공운영비",
    "국내여비",
    "국외업무여비",
    "시책추진업무추진비",
    "기간제근로자등보수",
    "특정업무경비",
    "연구용역비",
    "행사운영비",
    "민간경상사업보조",
    "자치단체경상보조금",
    "시설비",
    "자산취득비",
    "자산및물품취득비",
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
WORDS = (
    "지역균형발전 생활기반시설 확충계획 자치구별 주민참여 활성화 위원회 운영 심의 자문 "
    "조사연구 용역 추진 점검 평가 홍보물 제작 교육 프로그램 운영지원 시설물 유지관리 "
    "정책토론회 개최 시민 의견수렴 전문가 간담회 현장 모니터링 성과관리 체계 구축"
).split()
NAMES = ["김기봉", "이수진", "박민호", "최은영", "정다은", "한지훈", "홍길동", "김영희"]
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
LONG = "관련 위원회 및 자문단 운영, 현장 점검과 주민 설명회 개최, 결과 보고서 발간과 성과 확산을 위한 부대 경비 일체"
PEOPLE = (("김과장", "2133-0001"), ("이팀장", "2133-0002"), ("박주무관", ""))


@dataclass(frozen=True)
class Spec:
    """What one project is; the numbers of its document follow from this (and its texts from ``seed``)."""

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
    long_basis: bool = False  # three long 산출근거 lines, one with - parts, for every other 과목
    stated: bool = True  # 증감 and 증감률 written out (as an imported document has them)
    schedule_rows: int = 1  # 0: 추진일정 written explicitly empty
    achievements: bool = True  # False: 추진실적 written explicitly empty
    settlement: bool = True  # False: 결산 written explicitly empty
    purpose: str | None = "사업 목적"  # None: 사업목적, 사업근거 and 추진경위 written empty
    people: tuple[tuple[str, str], ...] = PEOPLE  # 과장, 팀장, 주무관
    # The shapes below change what a document looks like, not what it adds up to.
    seed: int = 0  # draws the texts, the 산출근거 lines and the 결산 amounts of the options below
    basis_lines: int = 0  # > 0: up to this many ○ lines per 과목 drawn from the seed, some with - parts
    prose: bool = False  # sentences drawn from the seed instead of texts made from the title
    tricky: float = 0.0  # share of texts replaced by ones a spreadsheet could misread
    written: float = 1.0  # share of 산출근거 amounts written (the others follow from their formulas)
    random_settlement: bool = False  # 결산 amounts drawn from the seed instead of made from (A)
    derived: float = 1.0  # share of 결산 rows with 예산현액 and 집행잔액 written
    totals: bool | None = None  # 예산 총괄 계 written (None: when ``stated``)
    overview_total: bool = True  # 사업비 written (False: left to be computed from the 과목)
    conventions: tuple[int, str, str] | None = None  # (rate decimals, formula rounding, settlement balance)
    draft: tuple[str, tuple[str, ...]] | None = None  # (source, to-dos) of a rollover draft

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


# --------------------------------------------------------------------------- pieces


def _split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` positive pieces (fewer when it is too small), summing exactly."""
    parts = max(1, min(parts, total)) if total else 1
    base = total // parts
    out = [base] * parts
    out[-1] += total - base * parts
    return out


def _cut(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` in at most ``parts`` positive pieces at random places, summing exactly."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _formula(amount: int, times: int) -> str:
    """A formula in 원 for ``amount`` 천원: ``12,500원*8회`` (exact, because 1,000 is divisible by ``times``)."""
    won = amount * 1000
    return f"{won // times:,}원*{times}회" if times > 1 else f"{won:,}원"


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


class _Texts:
    """The texts of one document: made from the title, or drawn from the seed; some tricky."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.rng = random.Random(f"{spec.seed}/texts")

    def one(self, plain: str, low: int = 1, high: int = 4) -> str:
        text = _sentence(self.rng, low, high) if self.spec.prose else plain
        if self.spec.tricky and self.rng.random() < self.spec.tricky:
            return self.rng.choice(TRICKY)
        return text

    def some(self, plain: list[str], low: int, high: int) -> list[str]:
        """``plain``, or ``low`` to ``high`` sentences of 3 to 18 words."""
        if not self.spec.prose:
            return [self.one(t) for t in plain]
        return [self.one("", 3, 18) for _ in range(self.rng.randint(low, high))]


def _basis(spec: Spec, name: str, amount: int, index: int, texts: _Texts) -> list[dict[str, Any]]:
    if amount == 0:
        return []
    if spec.basis_lines:
        return _drawn_basis(spec, name, amount, texts)
    if not (spec.long_basis and index % 2 == 0):
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


def _drawn_basis(spec: Spec, name: str, amount: int, texts: _Texts) -> list[dict[str, Any]]:
    """Up to ``spec.basis_lines`` ○ lines (some with two - parts) that add up to ``amount``."""
    rng = random.Random(f"{spec.seed}/basis/{name}/{amount}")
    count = min(rng.choice([1, 1, 2, 3, 5, 8, 12, 20]), spec.basis_lines)

    def amounts(entry: dict[str, Any], value: int) -> dict[str, Any]:
        if rng.random() < spec.written:
            entry["amount"] = value
        return entry

    lines: list[dict[str, Any]] = []
    for k, piece in enumerate(_cut(rng, amount, count)):
        label = texts.one(f"세부사업 {k + 1}")
        if piece >= 4 and rng.random() < 0.35:
            first = rng.randint(1, piece - 1)
            parts = [
                amounts({"label": texts.one("구성 1", 1, 3), "formula": f"{first * 1000:,}원*1회"}, first),
                amounts(
                    {"label": texts.one("구성 2", 1, 3), "formula": f"{(piece - first) * 1000:,}원"}, piece - first
                ),
            ]
            lines.append({**amounts({"label": label}, piece), "parts": parts})
        elif piece % 12 == 0:
            lines.append(amounts({"label": label, "formula": f"{piece * 1000 // 12:,}원*12월"}, piece))
        elif piece <= 300 and rng.random() < 0.3:
            lines.append(amounts({"label": label, "formula": f"500원*{piece}명*2회"}, piece))
        else:
            lines.append(amounts({"label": label, "formula": f"{piece * 1000:,}원"}, piece))
    return lines


def _settlement(spec: Spec, previous: int) -> list[dict[str, Any]]:
    rng = random.Random(f"{spec.seed}/settlement")
    balance_less_carried = not spec.conventions or spec.conventions[2] != "available-spent"
    rows = []
    for k, year in enumerate(range(spec.year - 4, spec.year - 1)):
        if spec.random_settlement:
            final = rng.randint(0, 300_000)
            carried_in = rng.choice([0, rng.randint(0, 50_000)])
            change = rng.choice([0, rng.randint(-final, 20_000) if final else 0, rng.randint(0, 4_000)])
            available = final + carried_in + change
            spent = rng.randint(0, max(0, available))
            carried_out = rng.randint(0, available - spent)
        else:
            final = 10_000 * (k + 1) + previous // 3
            carried_in, change = (500 * k, -200 * k)
            available = final + carried_in + change
            spent = available * 9 // 10
            carried_out = (available - spent) // 2
        row: dict[str, Any] = {"year": year, "final_budget": final, "carried_in": carried_in, "change": change}
        derived = spec.derived >= 1 or rng.random() < spec.derived
        if derived:
            row["available"] = available
        row.update(spent=spent, carried_out=carried_out)
        if derived:
            row["balance"] = available - spent - (carried_out if balance_less_carried else 0)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- the document


def document(spec: Spec) -> dict[str, Any]:
    """The data of one complete YAML document for ``spec`` (every section present)."""
    y = spec.year
    total = spec.budget
    previous = sum(a for _, a, _ in spec.items)
    national = total * spec.national_percent // 100
    decimals = spec.conventions[0] if spec.conventions else 0
    texts = _Texts(spec)
    data: dict[str, Any] = {"fiscal_year": y, "title": spec.title}
    if spec.id is not None:
        data["id"] = spec.id
    if spec.draft is not None:
        data["draft"] = {"source": spec.draft[0], "todo": list(spec.draft[1])}
    if spec.conventions is not None:
        data["conventions"] = dict(
            zip(("rate_decimals", "formula_rounding", "settlement_balance"), spec.conventions, strict=True)
        )
    kind, start, end = spec.period
    period: dict[str, Any] = {"kind": kind}
    if start is not None:
        period["start"] = start
    if end is not None:
        period["end"] = end
    data["overview"] = {
        "account": spec.account,
        "period": period,
        "summary": texts.some([f"{spec.title} 추진", f"{spec.department} 소관 사업"], 1, 3),
        **({"total": total} if spec.overview_total else {}),
        "funding": {
            "national": national if spec.national_percent else None,
            "city": total - national,
            "district": spec.district,
            "other": spec.other,
        },
    }
    director, leader, officer = spec.people
    data["contacts"] = {
        "office": spec.office,
        "department": spec.department,
        "director": {"name": director[0], "phone": director[1]},
        "team_leader": {"name": leader[0], "phone": leader[1]},
        "officer": {"name": officer[0], "phone": officer[1]},
    }
    items = []
    for i, (name, a, b) in enumerate(spec.items):
        item: dict[str, Any] = {"name": name, "previous": a, "current": b}
        if spec.stated:
            item["change"] = b - a
            item["rate"] = change_rate(a, b, decimals)
        item["basis"] = _basis(spec, name, b, i, texts)
        items.append(item)
    budget: dict[str, Any] = {}
    if spec.stated if spec.totals is None else spec.totals:
        budget["total"] = {
            "previous": previous,
            "current": total,
            "change": total - previous,
            "rate": change_rate(previous, total, decimals),
        }
    budget["items"] = items
    data["budget"] = budget
    data["description"] = {
        "purpose": texts.some([spec.purpose], 1, 2) if spec.purpose is not None else [],
        "legal_basis": texts.some([f"{spec.title} 지원 조례"] if spec.long_basis else [], 0, 2)
        if spec.purpose is not None
        else [],
        "content": texts.some([f"({spec.title}) 세부 사업 추진"], 1, 4),
        "history": texts.some([], 0, 6) if spec.purpose is not None else [],
    }
    rows = []
    if spec.schedule_rows and total:
        rng = random.Random(f"{spec.seed}/schedule")
        pieces = _cut(rng, total, spec.schedule_rows) if spec.prose else _split(total, spec.schedule_rows)
        for k, piece in enumerate(pieces):
            rows.append(
                {
                    "step": texts.one(f"{k + 1}단계", 1, 3),
                    "period": f"{y}.{k + 1:02d}~{y}.12",
                    "amount": piece,
                    "detail": texts.one("집행", 2, 10),
                }
            )
    data["schedule"] = {"total": total, "rows": rows} if rows else {"rows": []}
    achievements: dict[int, list[str]] = {}
    if spec.achievements:
        if spec.prose:
            achievements = {year: texts.some([], 0, 5) for year in range(y - 3, y)}
        else:
            achievements = {
                y - 3: [texts.one(f"{y - 3}년 추진")],
                y - 2: [texts.one(f"{y - 2}년 추진")],
                y - 1: [texts.one(f"{y - 1}년 추진"), texts.one("성과 점검")],
            }
    data["effects"] = {"achievements": achievements, "expected": texts.some([f"{spec.title}의 기대효과"], 0, 3)}
    data["settlement"] = _settlement(spec, previous) if spec.settlement else []
    return data


def text(source: Spec | dict[str, Any]) -> str:
    """The YAML text of a Spec's document, or of a document's data; every section kept."""
    return dump(keep_sections(document(source) if isinstance(source, Spec) else source))


def write(folder: Path, specs: list[Spec]) -> list[Path]:
    """Write each spec to ``folder/{year}/{office}/{n}.yaml``; returns the paths."""
    paths = []
    for i, spec in enumerate(specs):
        path = folder / str(spec.year) / spec.office / f"{i:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(spec), encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- the shapes


def _items(rng: random.Random, zero: float, new: float, high: int, step: int = 1) -> tuple[tuple[str, int, int], ...]:
    """2–8 과목, some new this year (A = 0), some cut to zero (B = 0)."""
    items = []
    for name in rng.sample(ITEMS, rng.randint(2, 8)):
        kind = rng.random()
        a = 0 if kind < new else rng.randrange(step, high, step)
        b = 0 if kind > 1 - zero else rng.randrange(step, high, step)
        items.append((name, a, b))
    return tuple(items)


def _period(rng: random.Random, year: int, annual: float, longest: int = 4) -> tuple[str, int | None, int | None]:
    """연례반복 with the share ``annual``, else 계속 or 한시 (a little more often 계속)."""
    shape = rng.random()
    if shape < annual:
        return ("연례반복", None, None)
    kind = "계속" if shape < annual + (1 - annual) * 0.6 else "한시"
    start = year - rng.randint(0, 4)
    return (kind, start, year + rng.randint(0, longest))  # end == year: ended by next year


def seed_of(rng: random.Random) -> int:
    """A seed for a Spec's texts, drawn from the shape's generator."""
    return rng.randrange(1 << 30)


def _people(rng: random.Random) -> tuple[tuple[str, str], ...]:
    return tuple((name, f"2133-{rng.randint(1000, 9999)}") for name in rng.sample(NAMES, 3))


def draw(rng: random.Random, index: int, year: int = 2024) -> Spec:
    """One varied project for diff and rollover; ``index`` makes the title unique."""
    office = rng.choice(sorted(OFFICES))
    items = list(_items(rng, zero=0.1, new=0.15, high=500_000, step=100))
    if rng.random() < 0.05:
        items = [(n, a, 0) for n, a, _ in items]  # a project with no budget this year
    return Spec(
        title=f"{rng.choice(TOPICS)} {index}",
        office=office,
        department=rng.choice(OFFICES[office]),
        items=tuple(items),
        year=year,
        account=rng.choice(ACCOUNTS),
        period=_period(rng, year, annual=0.6, longest=3),
        national_percent=rng.choice([0, 0, 30, 50, 70]),
        district=rng.choice([None, None, 0, 12_000]),
        other=rng.choice([None, None, 5_000]),
        id=f"p{index:04d}" if rng.random() < 0.3 else None,
        long_basis=rng.random() < 0.3,
        stated=rng.random() < 0.6,
        schedule_rows=rng.choice([0, 1, 2, 3]),
        achievements=rng.random() < 0.85,
        settlement=rng.random() < 0.8,
        seed=index,
    )


def specs(n: int, seed: int = 1, year: int = 2024) -> list[Spec]:
    """``n`` varied projects for diff and rollover, the same for the same seed."""
    rng = random.Random(seed)
    return [draw(rng, i, year) for i in range(n)]


def draw_pages(rng: random.Random, index: int) -> Spec:
    """A document of 2 to 6 pages: long 산출근거 and long texts."""
    year = rng.choice([2024, 2025, 2026])
    office = rng.choice(sorted(OFFICES))
    items = _items(rng, zero=0.15, new=0.25, high=400_000)
    if sum(b for _, _, b in items) == 0:
        items = ((items[0][0], items[0][1], 1000), *items[1:])
    return Spec(
        title=f"{_sentence(rng, 1, 3)} 사업 {index}",
        office=office,
        department=rng.choice(OFFICES[office]),
        items=items,
        year=year,
        account=rng.choice(ACCOUNTS[3:] + ["일반회계"]),
        period=_period(rng, year, annual=1 / 3),
        national_percent=rng.choice([0, 0, 33, 50]),
        district=rng.choice([None, 0, rng.randint(1, 50_000)]),
        other=rng.choice([None, 0, rng.randint(1, 9_000)]),
        stated=rng.random() < 0.5,
        schedule_rows=rng.choice([0, 1, 2, 4, 6]),
        achievements=rng.random() > 0.2,
        settlement=rng.random() > 0.2,
        people=_people(rng),
        seed=seed_of(rng),
        basis_lines=20,
        prose=True,
        random_settlement=True,
    )


def pages(n: int = 32, seed: int = 12) -> list[tuple[str, str]]:
    """``n`` documents of 2 to 6 pages as ``(name, YAML text)``."""
    rng = random.Random(seed)
    return [(f"doc{i:02d}", text(draw_pages(rng, i))) for i in range(n)]


def form(seed: int, empty: bool | None = None) -> dict[str, Any]:
    """One compact document as plain data; ``empty``: every optional section written empty."""
    rng = random.Random(seed)
    year = rng.choice((2023, 2024, 2025))
    if empty is None:
        empty = rng.random() < 0.3
    period = _period(rng, year, annual=1 / 3)
    started_now = empty or (period[0] != "연례반복" and period[1] == year)
    spec = Spec(
        title=f"시험 사업 {seed}",
        office="균형발전본부",
        department="균형발전정책과",
        items=_items(rng, zero=0.15, new=0.2, high=90_000),
        year=year,
        account=rng.choice(("일반회계", "도시개발특별회계", "지역상생발전기금", "교통사업특별회계")),
        period=period,
        national_percent=rng.choice((0, 50, 33)),
        district=rng.choice((None, 0, rng.randint(1, 5000))),
        other=rng.choice((None, 0, rng.randint(1, 5000))),
        stated=rng.random() < 0.6,
        totals=True,
        long_basis=rng.random() < 0.5,
        schedule_rows=0 if empty else rng.randint(1, 3),
        achievements=not started_now,
        settlement=not started_now,
        purpose=None if empty else "사업 목적",
        people=(("김기봉", "2133-8608"), ("김나연", "2133-8624"), ("김승연", "2133-8625")),
        seed=seed,
        random_settlement=True,
    )
    return keep_sections(document(spec))


def workbook_project(seed: int, broken: bool = False) -> Project:
    """One document with the options a workbook must carry; ``broken``: its first (B) is off by one."""
    rng = random.Random(seed)
    year = rng.randint(2022, 2030)
    conventions = None
    if rng.random() < 0.4:
        conventions = (
            rng.choice([0, 1, 2]),
            # every formula is a whole number of 천원, so the rounding never changes a sum
            rng.choice(["exact", "exact", "floor", "ceil", "half-up"]),
            rng.choice(["available-spent-carried", "available-spent"]),
        )
    draft = None
    if rng.random() < 0.4:
        draft = (
            rng.choice(["", f"data/{year - 1}/p{seed}.yaml", "원본"]),
            tuple(f"할 일 {k}" for k in range(rng.randint(0, 3))),
        )
    items = list(_items(rng, zero=0.25, new=0.4, high=900_000))
    if rng.random() < 0.2:
        items[0] = (items[0][0], items[0][1], items[0][1])  # unchanged: 증감 0
    spec = Spec(
        title=f"시험 사업 {seed}",
        office="기획조정실",
        department="예산담당관",
        items=tuple(items),
        year=year,
        account=rng.choice(
            ["일반회계", "지역균형발전특별회계", "도시개발특별회계", "서울시 기후대응기금", "재난관리기금"]
        ),
        period=_period(rng, year, annual=1 / 3),
        national_percent=rng.choice([0, 0, 10, 50, 100]),
        district=rng.choice([None, 0, rng.randint(1, 5000)]),
        other=rng.choice([None, rng.randint(1, 900)]),
        id=rng.choice([None, f"corpus-{seed}", f"{seed:04}", f"사업-{seed} (균형발전)"]),
        stated=rng.random() < 0.7,
        totals=rng.random() < 0.7,
        overview_total=rng.random() < 0.7,
        schedule_rows=rng.choice([0, 1, 2, 4]),
        achievements=rng.random() < 0.8,
        settlement=rng.random() < 0.8,
        people=(("홍길동", "2133-6500"), ("김영희", rng.choice(["", "2133-6510"])), ("이철수", "02-2133-6511")),
        seed=seed,
        basis_lines=4,
        prose=rng.random() < 0.3,
        tricky=0.15,
        written=0.85,
        random_settlement=True,
        derived=0.8,
        conventions=conventions,
        draft=draft,
    )
    data = document(spec)
    if broken:
        data["budget"]["items"][0]["current"] += 1
    return Project.model_validate(data)


def workbook(count: int = 30, start: int = 1) -> list[str]:
    """``count`` documents for the workbook round trip, as canonical YAML."""
    from budgetdoc.formats.workbook.form import to_yaml

    return [to_yaml(workbook_project(seed)) for seed in range(start, start + count)]
