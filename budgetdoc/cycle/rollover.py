"""Next year's drafts from this year's documents (``rollover``).

Each project of fiscal year Y becomes a draft for Y+1: the {Y-1} column of 예산 총괄
takes this year's (B), (B) is copied as a starting point, 추진실적 gains year Y (empty,
to be written) and drops the oldest, 결산 moves on a year with the new row to be filled.
The draft carries a ``draft`` block listing what a person must still do; ``check``
warns about it until someone removes it. A 계속/한시 project whose 사업기간 has ended
is not rolled.

:func:`plan` only reads and reports; :func:`write` writes the drafts, never over an
existing file. The invariant Σ (A) of the drafts = Σ (B) of this year holds per
실·국 and 회계, because every 과목's (A) is its old (B).

Longer than most modules: one document's roll (budget columns, 추진실적, 결산, the draft's to-do
list) and the report of what is not rolled and why belong together.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from budgetdoc.batch.files import clean_folder, refuse_outside, write_new
from budgetdoc.check import rules as checks
from budgetdoc.errors import NoData, OutputError, UsageError, code_for
from budgetdoc.formats.load import LoadError, load_text
from budgetdoc.formats.sources import Source, discover
from budgetdoc.formats.yamlout import Flow, dump, leading_comments
from budgetdoc.model.document import (
    BasisLine,
    BudgetItem,
    Conventions,
    Document,
    Person,
    Project,
    SettlementRow,
)
from budgetdoc.model.figures import compute
from budgetdoc.names import shown_path

#: What the {Y-1} column of a draft is taken from; this year's budget (B) is the one source so far.
BASES = ("current",)

ROLLED, EXISTS, ENDED, OTHER_YEAR, PROBLEM = "rolled", "exists", "ended", "other-year", "problem"
#: How to get past a destination that is not a regular file (a link, a FIFO, a folder in the way).
HINT = "지우거나 -o로 다른 폴더를 주세요"


@dataclass(frozen=True)
class Place:
    """Where a draft goes: the folder it must stay in (resolved once) and its path below it."""

    given: Path  # that folder as the paths were given (the report names drafts under it)
    root: Path  # that folder resolved: the data folder, the one holding the year's folder, or -o
    rel: PurePath  # the draft below it

    @property
    def shown(self) -> Path:
        """The draft as the report names it."""
        return self.given / self.rel

    @property
    def path(self) -> Path:
        """The file that is written."""
        return self.root / self.rel

    def check(self) -> Path:
        """The file, if it can be written without leaving :attr:`root`; raises :class:`OutputError`."""
        return refuse_outside(self.root, self.rel, HINT, self.given)


@dataclass
class Entry:
    """One data file of a rollover: where its draft goes, or why it is not rolled."""

    source: str  # the data file, as shown
    status: str  # ROLLED, EXISTS, ENDED, OTHER_YEAR or PROBLEM
    reason: str = ""
    target: Path | None = None  # the draft, as shown
    place: Place | None = None
    text: str = ""  # the draft's YAML
    office: str = ""
    account: str = ""
    unreadable: bool = False  # the data file could not be read at all (exit code 2)
    amount: int = 0  # Σ (B) of this year
    previous: int = 0  # Σ (A) of the draft, as loaded back: equal to ``amount``
    written: bool = False


@dataclass
class Plan:
    """Everything a rollover does, before it writes anything."""

    year: int
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rolled(self) -> list[Entry]:
        """The documents that are (or would be) rolled."""
        return [e for e in self.entries if e.status == ROLLED]

    @property
    def unreadable(self) -> bool:
        """A data file could not be read at all (exit code 2, as ``check`` has it)."""
        return any(e.unreadable for e in self.entries)

    @property
    def failed(self) -> bool:
        """A document could not be rolled because of a problem in it (exit code 1)."""
        return any(e.status == PROBLEM for e in self.entries)

    @property
    def exit_code(self) -> int:
        """2 when a data file could not be read, 1 when a document could not be rolled, else 0."""
        return code_for(self.failed, self.unreadable)


# --------------------------------------------------------------------------- one document


def _person(p: Person) -> Flow:
    return Flow(name=p.name, phone=p.phone)


def _stated(pairs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs.items() if v is not None}


def _basis(line: BasisLine) -> dict[str, Any]:
    out = _stated({"label": line.label, "formula": line.formula, "amount": line.amount})
    if line.parts:
        out["parts"] = [_stated({"label": p.label, "formula": p.formula, "amount": p.amount}) for p in line.parts]
    return out


def _item(item: BudgetItem) -> dict[str, Any]:
    """A 과목 of the draft: (A) and (B) are this year's (B), so 증감 and 증감률 are 0."""
    out: dict[str, Any] = {"name": item.name, "previous": item.current, "current": item.current}
    if item.change is not None:
        out["change"] = 0
    if item.rate is not None:
        out["rate"] = 0
    out["basis"] = [_basis(line) for line in item.basis]
    return out


def _settlement_row(row: SettlementRow) -> Flow:
    return Flow(
        _stated(
            {
                "year": row.year,
                "final_budget": row.final_budget,
                "carried_in": row.carried_in,
                "change": row.change,
                "available": row.available,
                "spent": row.spent,
                "carried_out": row.carried_out,
                "balance": row.balance,
            }
        )
    )


def _empty_settlement(year: int) -> Flow:
    return Flow(year=year, final_budget=0, carried_in=0, change=0, available=0, spent=0, carried_out=0, balance=0)


def _shift_years(text: str, year: int) -> str:
    """``2024.01~2024.12`` → ``2025.01~2025.12`` (only the year ``year`` itself)."""
    return re.sub(rf"(?<!\d){year}(?!\d)", str(year + 1), text)


def ended(project: Project, to: int) -> str:
    """Why a 계속/한시 project is not rolled into ``to`` (its 사업기간 has ended), or ``""``."""
    period = project.overview.period
    if period.kind in ("계속", "한시") and period.end is not None and period.end < to:
        span = f"{period.start}~{period.end}" if period.start is not None else f"~{period.end}"
        return f"사업기간({period.kind} {span})이 {period.end}년에 끝나 {to}년으로 옮기지 않습니다"
    return ""


def roll(project: Project, source: str, to: int) -> dict[str, Any]:
    """The data of the draft for fiscal year ``to`` (= the project's year + 1), every section written."""
    year = project.fiscal_year
    fig = compute(project)
    todo = [f"예산액 (B)·산출근거·사업비·재원은 {year}년 것을 그대로 옮겼습니다 — {to}년 예산으로 고치세요"]
    data: dict[str, Any] = {"fiscal_year": to, "title": project.title}
    if project.id is not None:
        data["id"] = project.id
    data["draft"] = {"source": source, "todo": todo}
    if project.conventions != Conventions():
        data["conventions"] = project.conventions.model_dump(mode="json")
    ov = project.overview
    f = ov.funding
    overview: dict[str, Any] = {
        "account": ov.account,
        "period": _stated({"kind": ov.period.kind, "start": ov.period.start, "end": ov.period.end}),
        "summary": list(ov.summary),
    }
    if ov.total is not None:
        overview["total"] = ov.total
    overview["funding"] = {"national": f.national, "city": f.city, "district": f.district, "other": f.other}
    data["overview"] = overview
    c = project.contacts
    data["contacts"] = {
        "office": c.office,
        "department": c.department,
        "director": _person(c.director),
        "team_leader": _person(c.team_leader),
        "officer": _person(c.officer),
    }
    budget: dict[str, Any] = {}
    stated = project.budget.total
    if stated is not None:
        total = fig.total.current
        row = {"previous": total, "current": total, "change": 0, "rate": 0}
        budget["total"] = Flow({k: v for k, v in row.items() if getattr(stated, k) is not None})
    budget["items"] = [_item(item) for item in project.budget.items]
    data["budget"] = budget
    d = project.description
    data["description"] = {
        "purpose": list(d.purpose),
        "legal_basis": list(d.legal_basis),
        "content": list(d.content),
        "history": list(d.history),
    }
    sched = project.schedule
    schedule: dict[str, Any] = {}
    if sched.total is not None:
        schedule["total"] = sched.total
    schedule["rows"] = [
        {"step": r.step, "period": _shift_years(r.period, year), "amount": r.amount, "detail": r.detail}
        for r in sched.rows
    ]
    if sched.rows:
        todo.append(f"추진일정은 {year}년 것의 연도만 바꿨습니다 — {to}년 계획으로 고치세요")
    data["schedule"] = schedule
    achievements = {y: list(lines) for y, lines in project.effects.achievements.items() if y >= to - 3}
    achievements[year] = []
    todo.append(f"추진실적 {year}년을 쓰세요")
    data["effects"] = {"achievements": dict(sorted(achievements.items())), "expected": list(project.effects.expected)}
    settlement: list[Flow] = []
    if project.settlement:  # an explicitly empty 결산 stays empty: it does not apply
        old = {row.year: row for row in project.settlement}
        for y in range(to - 4, to - 1):
            if y in old:
                settlement.append(_settlement_row(old[y]))
            else:
                settlement.append(_empty_settlement(y))
                todo.append(f"결산 {y}년 행을 결산서대로 채우세요 (지금은 모두 0)")
    data["settlement"] = settlement
    return data


# --------------------------------------------------------------------------- where drafts go


def target_path(source: Source, year: int, to: int, out: Path | None) -> Place | None:
    """Where the draft goes: the folder named after ``year`` becomes ``to`` (under ``out`` when given).

    The year's folder is looked for only inside the data folder: below the folder given
    (the nearest to the file first), or the folder given itself (``data/2024`` →
    ``data/2025``); for a file given by name, its own folder. Never above: how the path
    is spelled (relative, or absolute through a ``/x/2024/repo``) changes nothing.

    A project from a workbook becomes a YAML file named after the workbook (``2024/wb.xlsx`` →
    ``2025/wb.yaml``; with several project sheets ``2025/wb/시트.yaml``).

    ``None`` when there is no year's folder there and no ``out`` is given.
    """
    suffix = ".yaml" if source.workbook else PurePath(source.path).suffix  # a draft is YAML, never .xlsx
    rel = PurePath(source.rel + suffix)
    folder = out if out is not None else Path(source.root or os.path.dirname(source.path) or ".")
    parts = list(rel.parts)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == str(year):
            parts[i] = str(to)
            return Place(folder, folder.resolve(), PurePath(*parts))
    if out is None:
        return _beside_the_year(folder, rel, year, to)
    return Place(out, out.resolve(), rel)


def _beside_the_year(folder: Path, rel: PurePath, year: int, to: int) -> Place | None:
    """``folder/rel`` moved to the folder ``to`` beside ``folder`` when ``folder`` is the year's; else ``None``."""
    if folder.name != str(year):
        folder = folder.resolve()  # `.`, `..`: the folder they name
        if folder.name != str(year):
            return None
    return Place(folder.parent, folder.parent.resolve(), PurePath(str(to)) / rel)


# --------------------------------------------------------------------------- the plan


def _read(source: Source) -> tuple[Document, str]:
    """The document and its text (read once); raises :class:`LoadError`."""
    source = source.with_read()
    doc = source.load()  # without the bytes, the source says why they cannot be read
    return doc, (source.data or b"").decode("utf-8-sig", "replace")


def plan(paths: list[str], to: int, out: Path | None = None, base: str = "current") -> Plan:
    """What ``rollover`` would do for the data files under ``paths``; reads only.

    Raises :class:`~budgetdoc.errors.UsageError` for a path that does not exist.
    """
    if base not in BASES:
        raise UsageError(f"알 수 없는 기준 {base}; 가능: {', '.join(BASES)}")
    result = Plan(to)
    sources = discover(paths, result.notes)
    if not sources:  # as check says it: nothing to roll over is a usage error, not a quiet success
        raise NoData(f"옮길 데이터 파일(.yaml, .yml, .xlsx)이 없습니다: {', '.join(shown_path(p) for p in paths)}")
    year = to - 1
    targets: dict[Path, list[Entry]] = {}
    for source in sources:
        shown = shown_path(source.path)
        entry = Entry(shown, PROBLEM)
        result.entries.append(entry)
        try:
            doc, text = _read(source)
        except LoadError as exc:
            first = exc.problems[0]
            more = f" 외 {len(exc.problems) - 1}개" if len(exc.problems) > 1 else ""
            entry.reason = f"{first.message} ({first.line}행 {first.column}열{more})"
            entry.unreadable = exc.unreadable
            continue
        project = doc.project
        if project.fiscal_year != year:
            entry.status = OTHER_YEAR
            entry.reason = (
                f"이미 {to}년 문서입니다"
                if project.fiscal_year == to
                else f"{project.fiscal_year}년 문서라 {to}년으로 옮기지 않습니다 ({year}년 문서만 옮깁니다)"
            )
            continue
        errors = checks.errors(checks.check(doc))
        if errors:
            entry.reason = f"검증 오류 {len(errors)}개가 있어 옮기지 않습니다 (check로 확인하세요)"
            continue
        if project.draft is not None:
            entry.reason = "확인하지 않은 초안이라 옮기지 않습니다 (확인한 뒤 draft 항목을 지우세요)"
            continue
        why = ended(project, to)
        if why:
            entry.status, entry.reason = ENDED, why
            continue
        place = target_path(source, year, to, out)
        if place is None:
            entry.reason = f"경로에 {year} 폴더가 없어 초안을 둘 곳을 모릅니다 — -o로 출력 폴더를 주세요"
            continue
        target = place.shown
        draft = leading_comments(text) + dump(roll(project, shown, to))
        rolled, problems = _reload(draft, str(target))
        if rolled is None:
            entry.reason = f"초안이 검증을 통과하지 못했습니다: {problems}"
            continue
        entry.target, entry.place, entry.text = target, place, draft
        entry.office, entry.account = project.contacts.office, project.overview.account
        entry.amount, entry.previous = compute(project).total.current, compute(rolled).total.previous
        if _exists(place):
            entry.status, entry.reason = EXISTS, f"{shown_path(str(target))}이(가) 이미 있어 쓰지 않습니다"
            continue
        entry.status = ROLLED
        targets.setdefault(place.path, []).append(entry)
    for same in targets.values():
        if len(same) > 1:
            for entry in same:
                others = ", ".join(e.source for e in same if e is not entry)
                entry.status, entry.reason = PROBLEM, f"{others}와(과) 초안 파일이 같아 둘 다 옮기지 않습니다"
    return result


def _exists(place: Place) -> bool:
    """Whether a regular file is at the draft's place already (what cannot be written there is told by :func:`write`)."""
    try:
        place.check()
    except OutputError:
        return False
    return os.path.lexists(place.path)


def _reload(text: str, file: str) -> tuple[Project | None, str]:
    """The draft loaded back, or ``None`` and its errors in one line (none expected of a clean document)."""
    try:
        doc = load_text(text, file)
    except LoadError as exc:
        return None, "; ".join(p.message for p in exc.problems[:3])
    errors = checks.errors(checks.check(doc))
    if errors:
        return None, "; ".join(p.message for p in errors[:3])
    return doc.project, ""


# --------------------------------------------------------------------------- writing


def write(result: Plan) -> None:
    """Write every draft of ``result`` that is to be rolled; a file that appeared meanwhile is left alone.

    Every destination is checked before any draft is written: a link on the way (the
    year's folder linked elsewhere), a file where a folder should be, or a link, FIFO or
    device at a draft's name raises :class:`~budgetdoc.errors.OutputError` with nothing
    written. The leftovers of a rollover killed while writing go first.
    """
    rolled = result.rolled
    paths = []
    for entry in rolled:
        assert entry.place is not None
        paths.append(entry.place.check())
    for folder in sorted({path.parent for path in paths}):
        clean_folder(folder)
    for entry, path in zip(rolled, paths, strict=True):
        if write_new(path, entry.text, shown=entry.target):
            entry.written = True
        else:
            entry.status, entry.reason = EXISTS, f"{shown_path(str(entry.target))}이(가) 이미 있어 쓰지 않습니다"


# --------------------------------------------------------------------------- the report


def report(result: Plan, written: bool) -> str:
    """The report of a rollover as text: one line per data file, then the sums."""
    year = result.year
    lines = [
        f"{year - 1}년 문서 → {year}년 초안"
        + ("" if written else " (미리 보기: 아무것도 쓰지 않았습니다. 쓰려면 --write)")
    ]
    verb = "씀" if written else "옮길 것"
    labels = {EXISTS: "그대로 둠", ENDED: "끝난 사업", OTHER_YEAR: "다른 연도", PROBLEM: "옮기지 않음"}
    for e in result.entries:
        if e.status == ROLLED:
            assert e.target is not None
            lines.append(f"{verb}: {e.source} → {shown_path(str(e.target))}")
        else:
            lines.append(f"{labels[e.status]}: {e.source}: {e.reason}")
    counts = {s: sum(e.status == s for e in result.entries) for s in (ROLLED, EXISTS, ENDED, OTHER_YEAR, PROBLEM)}
    done = "쓴 초안" if written else "옮길 문서"
    lines.append(
        f"{done} {counts[ROLLED]}개, 이미 있어 그대로 둔 것 {counts[EXISTS]}개, 끝난 사업 {counts[ENDED]}개, "
        f"다른 연도 {counts[OTHER_YEAR]}개, 문제 있음 {counts[PROBLEM]}개"
    )
    rolled = result.rolled
    if rolled:
        total = sum(e.amount for e in rolled)
        off = [k for k, (a, b) in sums(rolled).items() if a != b]
        same = "실·국별, 회계별로도 같음" if not off else "다름: " + ", ".join(off)
        lines.append(
            f"{year}년 초안의 {year - 1}년 예산액 (A) 합계 {sum(e.previous for e in rolled):,}천원, "
            f"{year - 1}년 예산액 (B) 합계 {total:,}천원 ({same})"
        )
    return "\n".join(lines) + "\n"


def sums(entries: list[Entry]) -> dict[str, tuple[int, int]]:
    """Per 실·국 and per 회계: (Σ (A) of the drafts, Σ (B) of this year), which must be equal."""
    out: dict[str, tuple[int, int]] = {}
    for e in entries:
        for key in (f"실·국 {e.office}", f"회계 {e.account}"):
            a, b = out.get(key, (0, 0))
            out[key] = (a + e.previous, b + e.amount)
    return out
