"""What changed in the money between two versions of the data (``diff``).

A version (:mod:`budgetdoc.cycle.versions`) is a folder on disk or a git revision of the data
repository. Projects are matched by a stable identity: the ``id`` a document may carry;
otherwise the path; a file moved is recognised by its title and department, and a project
renamed without an ``id`` by its 실·국 and its 과목 with their (B) (each within
:data:`NEAR_PERCENT` per cent), so it is not a removal plus an addition.

:func:`compare` is pure: two :class:`~budgetdoc.cycle.versions.Side` s in, one :class:`Diff`
out. :mod:`budgetdoc.cycle.report` writes it as text, markdown or JSON,
:mod:`budgetdoc.cycle.table` as a 신구대비표.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from budgetdoc.cycle.versions import Doc, Loader, Side, read_version
from budgetdoc.errors import code_for
from budgetdoc.formats.reading import UNREADABLE
from budgetdoc.model import numbers
from budgetdoc.model.document import Project
from budgetdoc.model.figures import compute

FUNDING = (("national", "국비"), ("city", "시비"), ("district", "구비"), ("other", "기타"))
UNSPLIT = "재원 미기재"  # a project that states neither 국비 nor 시비: its (B) in one row of its own
#: A removed and an added project without ids, in one 실·국 and with the same 과목, are one project renamed
#: when every 과목's (B) moved by at most this many per cent of its old (B) (0 stays 0): 10,000 → 10,100 is one.
NEAR_PERCENT = 1


# --------------------------------------------------------------------------- the money of a project


@dataclass(frozen=True)
class Money:
    """The amounts of one project the report compares, in 천원."""

    budget: int  # 예산 총괄 계 (B)
    total: int  # 사업비 (당해년도)
    funding: tuple[int, int, int, int]  # 국비, 시비, 구비, 기타 (an empty cell is 0)
    unsplit: bool  # neither 국비 nor 시비 stated
    items: tuple[tuple[str, int], ...]  # (과목, B)

    @classmethod
    def of(cls, project: Project) -> Money:
        """The amounts of ``project`` as its document prints them."""
        fig = compute(project)
        f = project.overview.funding
        funding = (f.national or 0, f.city or 0, f.district or 0, f.other or 0)
        items = tuple((row.name, row.current) for row in fig.items)
        return cls(fig.total.current, fig.project_total, funding, f.national is None and f.city is None, items)

    def by_item(self) -> dict[str, int]:
        """(B) by 과목, in the document's order; a 과목 named twice is added up."""
        out: dict[str, int] = {}
        for name, amount in self.items:
            out[name] = out.get(name, 0) + amount
        return out


@dataclass(frozen=True)
class Place:
    """Where a project stands in the budget: its 실·국, 부서 and 회계."""

    office: str
    department: str
    account: str

    @classmethod
    def of(cls, project: Project) -> Place:
        """The place of ``project``."""
        return cls(project.contacts.office, project.contacts.department, project.overview.account)


# --------------------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Total:
    """One row of a totals table: a 실·국, 부서, 회계 or 재원 in both versions."""

    name: str
    base: int
    head: int
    base_count: int
    head_count: int

    @property
    def change(self) -> int:
        """HEAD − BASE."""
        return self.head - self.base

    @property
    def rate(self) -> Decimal:
        """The change in per cent, rounded half up (BASE 0 → 100)."""
        return numbers.change_rate(self.base, self.head)


@dataclass(frozen=True)
class ItemMove:
    """A 과목 whose (B) moved; ``None`` on the side where it does not exist."""

    name: str
    base: int | None
    head: int | None


@dataclass(frozen=True)
class Listed:
    """A new or removed project with its amount."""

    title: str
    path: str
    office: str
    department: str
    account: str
    budget: int


@dataclass(frozen=True)
class Change:
    """A project whose (B), 사업비, funding or the (B) of a 과목 changed."""

    title: str
    path: str
    moved_from: str  # the BASE path when the file moved, else ""
    office: str
    department: str
    base: Money
    head: Money
    items: tuple[ItemMove, ...]
    funding: tuple[tuple[str, int, int], ...]  # (재원, BASE, HEAD) that changed

    @property
    def change(self) -> int:
        """The change of (B)."""
        return self.head.budget - self.base.budget

    @property
    def rate(self) -> Decimal:
        """The change of (B) in per cent (BASE 0 → 100)."""
        return numbers.change_rate(self.base.budget, self.head.budget)

    @property
    def size(self) -> int:
        """How much moved: |Δ(B)|, then the 사업비 and funding changes."""
        return abs(self.change)


@dataclass(frozen=True)
class Renamed:
    """A removed and an added project without ids found to be one project by their 실·국, 과목 and (B)."""

    base_title: str
    title: str
    base_path: str
    path: str
    office: str
    department: str


@dataclass(frozen=True)
class Edit:
    """A matched project whose title, place or texts changed: what changed, each in a few words."""

    title: str
    path: str
    what: tuple[str, ...]
    money: bool  # its money changed too (it is in :attr:`Diff.changed`)


@dataclass(frozen=True)
class Entry:
    """One project of either version, as the 신구대비표 lists it: its place and its money on each side."""

    title: str  # HEAD's title, else BASE's
    path: str  # HEAD's path, else BASE's
    base: Money | None  # None: not in BASE (신규)
    head: Money | None  # None: not in HEAD (폐지)
    base_place: Place | None
    head_place: Place | None
    base_title: str = ""  # the BASE title of a project renamed without an id


@dataclass(frozen=True)
class Flag:
    """A project over a threshold, with why."""

    title: str
    path: str
    change: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Failure:
    """A HEAD document that does not pass its checks (or cannot be loaded)."""

    path: str
    errors: int
    first: str  # the first error, as ``line:column: message``
    unreadable: bool = False  # not a document at all (not UTF-8, too big, not a regular file)


@dataclass
class Diff:
    """Everything the report says, in its order."""

    base: str
    head: str
    threshold_amount: int
    threshold_rate: Decimal
    counts: tuple[int, int]  # projects in BASE, HEAD (loaded)
    totals: dict[str, list[Total]]  # "office", "department", "account", "funding"
    added: list[Listed]
    removed: list[Listed]
    changed: list[Change]
    flags: list[Flag]
    text_only: int  # matched projects that changed, but not in (B), 사업비 or funding
    moved: list[tuple[str, str]]  # (BASE path, HEAD path) of every matched project whose file moved
    unreadable: int  # BASE documents that could not be loaded, or HEAD ones matched to nothing else
    head_documents: int
    failures: list[Failure]
    notes: list[str] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # every loaded project of either version
    versions: tuple[dict[str, str], dict[str, str]] = field(default_factory=lambda: ({}, {}))  # for tools (JSON)

    @property
    def passed(self) -> bool:
        """Every HEAD document loads and passes its checks."""
        return not self.failures

    @property
    def unreadable_head(self) -> bool:
        """A HEAD data file could not be read at all (exit code 2, as ``check`` has it)."""
        return any(f.unreadable for f in self.failures)

    @property
    def exit_code(self) -> int:
        """2 when a HEAD data file could not be read, 1 when a HEAD document fails its checks, else 0."""
        return code_for(not self.passed, self.unreadable_head)


def near(base: Money, head: Money) -> bool:
    """The same 과목, each (B) within :data:`NEAR_PERCENT` per cent of its BASE (B)."""
    old, new = base.by_item(), head.by_item()
    if old.keys() != new.keys():
        return False
    return all(100 * abs(new[name] - amount) <= NEAR_PERCENT * abs(amount) for name, amount in old.items())


def _pair(
    base: list[Doc], head: list[Doc], money: Callable[[Doc], Money]
) -> tuple[list[tuple[Doc, Doc]], list[Doc], list[Doc], list[tuple[Doc, Doc]]]:
    """Match BASE and HEAD documents: by ``id``, then path, then (title, department) when unique.

    Then a removed and an added project in one 실·국, with the same 과목 and (B) within
    :data:`NEAR_PERCENT` per cent, each the other's only such match, are one project renamed
    (the last list).
    """
    pairs: list[tuple[Doc, Doc]] = []
    left_base, left_head = list(base), list(head)

    def ident(doc: Doc) -> str | None:
        return doc.project.id if doc.project is not None else None

    def take(key_of: Callable[[Doc], object], allow: Callable[[Doc, Doc], bool]) -> None:
        nonlocal left_base, left_head
        groups: dict[object, tuple[list[Doc], list[Doc]]] = {}
        for doc in left_base:
            k = key_of(doc)
            if k is not None:
                groups.setdefault(k, ([], []))[0].append(doc)
        for doc in left_head:
            k = key_of(doc)
            if k is not None:
                groups.setdefault(k, ([], []))[1].append(doc)
        used: set[int] = set()
        for b, h in groups.values():
            if len(b) == 1 and len(h) == 1 and allow(b[0], h[0]):
                pairs.append((b[0], h[0]))
                used.update((id(b[0]), id(h[0])))
        left_base = [d for d in left_base if id(d) not in used]
        left_head = [d for d in left_head if id(d) not in used]

    def compatible(b: Doc, h: Doc) -> bool:  # two different ids are two different projects
        return ident(b) is None or ident(h) is None or ident(b) == ident(h)

    take(ident, lambda b, h: True)
    take(lambda d: d.key, compatible)
    take(
        lambda d: (d.project.title, d.project.contacts.department) if d.project is not None else None,
        compatible,
    )
    renamed = _renames(left_base, left_head, money, compatible)
    used = {id(d) for pair in renamed for d in pair}
    left_base = [d for d in left_base if id(d) not in used]
    left_head = [d for d in left_head if id(d) not in used]
    return pairs, left_base, left_head, renamed


def _renames(
    base: list[Doc], head: list[Doc], money: Callable[[Doc], Money], compatible: Callable[[Doc, Doc], bool]
) -> list[tuple[Doc, Doc]]:
    """The pairs of :func:`near` projects in one 실·국, each the other's only match."""

    def group(doc: Doc) -> tuple[str, tuple[str, ...]] | None:  # only projects in one group can be near
        if doc.project is None:
            return None
        return doc.project.contacts.office, tuple(sorted(money(doc).by_item()))

    groups: dict[object, tuple[list[Doc], list[Doc]]] = {}
    for side, docs in ((0, base), (1, head)):
        for doc in docs:
            if (key := group(doc)) is not None:
                groups.setdefault(key, ([], []))[side].append(doc)
    found = []
    for olds, news in groups.values():
        matches: dict[int, list[Doc]] = {id(d): [] for d in olds + news}
        for b in olds:
            for h in news:
                if compatible(b, h) and near(money(b), money(h)):
                    matches[id(b)].append(h)
                    matches[id(h)].append(b)
        for b in olds:
            if len(matches[id(b)]) == 1 and len(matches[id(h := matches[id(b)][0])]) == 1:
                found.append((b, h))
    return found


def _totals(docs: Iterable[tuple[Project, Money]], key: Callable[[Project], str]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for project, money in docs:
        name = key(project)
        amount, count = out.get(name, (0, 0))
        out[name] = (amount + money.budget, count + 1)
    return out


def _table(base: dict[str, tuple[int, int]], head: dict[str, tuple[int, int]], total: bool = True) -> list[Total]:
    names = sorted(set(base) | set(head))
    rows = [
        Total(n, base.get(n, (0, 0))[0], head.get(n, (0, 0))[0], base.get(n, (0, 0))[1], head.get(n, (0, 0))[1])
        for n in names
    ]
    if total:
        rows.insert(
            0,
            Total(
                "계",
                sum(r.base for r in rows),
                sum(r.head for r in rows),
                sum(r.base_count for r in rows),
                sum(r.head_count for r in rows),
            ),
        )
    return rows


def _funding(docs: list[tuple[Project, Money]]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for _, money in docs:
        for (_, name), amount in zip(FUNDING, money.funding, strict=True):
            a, n = out.get(name, (0, 0))
            out[name] = (a + amount, n + (amount > 0))
        if money.unsplit:
            a, n = out.get(UNSPLIT, (0, 0))
            out[UNSPLIT] = (a + money.budget, n + 1)
    return out


def _funding_table(base: list[tuple[Project, Money]], head: list[tuple[Project, Money]]) -> list[Total]:
    b, h = _funding(base), _funding(head)
    order = [name for _, name in FUNDING] + [UNSPLIT]
    rows = []
    for name in order:
        (ba, bn), (ha, hn) = b.get(name, (0, 0)), h.get(name, (0, 0))
        if name != UNSPLIT or ba or ha:
            rows.append(Total(name, ba, ha, bn, hn))
    return rows


def _moves(base: Money, head: Money) -> tuple[ItemMove, ...]:
    """The 과목 whose (B) moved, in HEAD's order, then the removed ones in BASE's order."""
    old, new = dict(base.items), dict(head.items)
    out = [ItemMove(name, old.get(name), b) for name, b in head.items if old.get(name) != b]
    out += [ItemMove(name, b, None) for name, b in base.items if name not in new]
    return tuple(out)


def _one(doc: Doc, money: Money) -> Listed:
    assert doc.project is not None
    p = doc.project
    return Listed(p.title, doc.path, p.contacts.office, p.contacts.department, p.overview.account, money.budget)


def _flags(diff: Diff) -> list[Flag]:
    amount, rate = diff.threshold_amount, diff.threshold_rate
    found: list[Flag] = []
    for c in diff.changed:
        reasons = []
        if abs(c.change) >= amount:
            reasons.append(f"증감 {numbers.won(c.change)}천원 ({numbers.won(amount)}천원 이상)")
        if c.change and abs(c.rate) >= rate:
            reasons.append(
                f"증감률 {numbers.rate_text(c.rate)}% ({numbers.rate_text(rate, numbers.decimals_of(rate))}% 이상)"
            )
        if reasons:
            found.append(Flag(c.title, c.path, c.change, tuple(reasons)))
    for p in diff.added:
        if p.budget >= amount:
            found.append(
                Flag(p.title, p.path, p.budget, (f"신규 {numbers.won(p.budget)}천원 ({numbers.won(amount)}천원 이상)",))
            )
    for p in diff.removed:
        if p.budget >= amount:
            found.append(
                Flag(
                    p.title, p.path, -p.budget, (f"폐지 {numbers.won(p.budget)}천원 ({numbers.won(amount)}천원 이상)",)
                )
            )
    found.sort(key=lambda f: (-abs(f.change), f.path))
    return found


# --------------------------------------------------------------------------- what else changed

EDIT_TITLE = 30  # a title longer than this is cut short (with …) in an edit's words
EDIT_PARTS = 5  # at most this many changed sections named in one edit; the rest counted

#: The sections compared outside the money, each by its label on the form, given the 과목 of both versions
#: when the money moved (else None): then 산출근거 is compared by its words in those 과목 and 추진일정 by its
#: words (their amounts follow the money, and a new 과목 brings its own 산출근거).
_SECTIONS: tuple[tuple[str, Callable[[Project, frozenset[str] | None], Any]], ...] = (
    ("회계연도", lambda p, _: p.fiscal_year),
    ("사업 ID", lambda p, _: p.id),
    ("사업기간", lambda p, _: p.overview.period),
    ("사업개요", lambda p, _: p.overview.summary),
    ("담당자", lambda p, _: (p.contacts.director, p.contacts.team_leader, p.contacts.officer)),
    ("전년도 예산액 (A)", lambda p, _: _previous(p)),
    (
        "산출근거",
        lambda p, common: (
            [(i.name, i.basis) for i in p.budget.items]
            if common is None
            else [(i.name, _basis_words(i.basis)) for i in p.budget.items if i.name in common]
        ),
    ),
    ("사업목적", lambda p, _: p.description.purpose),
    ("사업근거", lambda p, _: p.description.legal_basis),
    ("사업내용", lambda p, _: p.description.content),
    ("추진경위", lambda p, _: p.description.history),
    (
        "추진일정",
        lambda p, common: p.schedule if common is None else [(r.step, r.period, r.detail) for r in p.schedule.rows],
    ),
    ("추진실적", lambda p, _: p.effects.achievements),
    ("기대효과", lambda p, _: p.effects.expected),
    ("결산", lambda p, _: p.settlement),
    ("작성 규칙", lambda p, _: p.conventions),
    ("초안 표시", lambda p, _: p.draft),
)


def _basis_words(lines: Sequence[Any]) -> list[tuple[str, list[str]]]:
    return [(line.label, [part.label for part in line.parts]) for line in lines]


def _previous(project: Project) -> dict[str, int]:
    """(A) by 과목, without the 과목 whose (A) is 0 (a new 과목 adds no (A))."""
    out: dict[str, int] = {}
    for item in project.budget.items:
        out[item.name] = out.get(item.name, 0) + item.previous
    return {name: amount for name, amount in out.items() if amount}


def short(text: str, width: int = EDIT_TITLE) -> str:
    """``text`` on one line, cut to ``width`` characters with … ."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _edit(b: Project, h: Project, money: bool, renamed: bool) -> tuple[str, ...]:
    """What changed in ``b`` → ``h`` besides the money, in a few words each (the title not when ``renamed``)."""
    what = []
    if b.title != h.title and not renamed:
        what.append(f"사업명 「{short(b.title)}」 → 「{short(h.title)}」")
    old, new = Place.of(b), Place.of(h)
    if (old.office, old.department) != (new.office, new.department):
        what.append(f"부서 {old.office} {old.department} → {new.office} {new.department}")
    if old.account != new.account:
        what.append(f"회계 {old.account} → {new.account}")
    common = frozenset(i.name for i in b.budget.items) & frozenset(i.name for i in h.budget.items) if money else None
    sections = [name for name, view in _SECTIONS if view(b, common) != view(h, common)]
    if not what and not sections and not money and b.model_copy(update={"title": h.title}) != h:
        sections = ["적어 둔 합계·증감·증감률"]  # what is left: values the document may state or leave to be computed
    if sections:
        named = "·".join(sections[:EDIT_PARTS])
        more = f" 외 {len(sections) - EDIT_PARTS}곳" if len(sections) > EDIT_PARTS else ""
        what.append(f"{named}{more} 바뀜")
    return tuple(what)


def _failure(doc: Doc) -> Failure | None:
    errs = doc.errors
    if not errs:
        return None
    first = errs[0]
    unreadable = any(p.rule in UNREADABLE for p in errs)
    return Failure(doc.path, len(errs), f"{first.line}:{first.column}: {first.message}", unreadable)


def parse_threshold(value: str) -> Decimal:
    """A rate threshold as typed (``30``, ``12.5``); raises ``ValueError`` for anything but a number ≥ 0."""
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"'{value}'은(는) 수가 아닙니다 (예: 30, 12.5)") from None
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"'{value}'은(는) 0 이상의 수여야 합니다")
    return rate


def compare_versions(
    base: str,
    head: str,
    repo: str = ".",
    folder: str = "data",
    threshold_amount: int = 100_000,
    threshold_rate: Decimal = Decimal(30),
) -> Diff:
    """Read two versions (folders or git revisions, each file's content loaded once) and compare them.

    Raises :class:`~budgetdoc.cycle.versions.DiffError` for a version that cannot be read.
    """
    loader = Loader()
    old = read_version(base, repo, folder, loader=loader)
    new = read_version(head, repo, folder, checked=True, loader=loader)
    return compare(old, new, threshold_amount, threshold_rate)


def compare(base: Side, head: Side, threshold_amount: int = 100_000, threshold_rate: Decimal = Decimal(30)) -> Diff:
    """The report of what changed from ``base`` to ``head`` (``head``'s documents checked)."""
    money = {id(d): Money.of(d.project) for d in base.docs + head.docs if d.project is not None}
    pairs, removed, added, renames = _pair(base.docs, head.docs, lambda d: money[id(d)])
    renamed_ids = {id(b) for b, _ in renames}
    pairs += renames
    loaded_base = [(d.project, money[id(d)]) for d in base.docs if d.project is not None]
    loaded_head = [(d.project, money[id(d)]) for d in head.docs if d.project is not None]

    def by(key: Callable[[Project], str]) -> list[Total]:
        return _table(_totals(loaded_base, key), _totals(loaded_head, key))

    totals = {
        "office": by(lambda p: p.contacts.office),
        "department": by(lambda p: f"{p.contacts.office} {p.contacts.department}"),
        "account": by(lambda p: p.overview.account),
        "funding": _funding_table(loaded_base, loaded_head),
    }
    changed: list[Change] = []
    moved: list[tuple[str, str]] = []
    renamed: list[Renamed] = []
    edits: list[Edit] = []
    entries = [
        Entry(d.project.title, d.path, None, money[id(d)], None, Place.of(d.project)) for d in added if d.project
    ]
    entries += [
        Entry(d.project.title, d.path, money[id(d)], None, Place.of(d.project), None) for d in removed if d.project
    ]
    text_only = 0
    unreadable = sum(d.project is None for d in removed) + sum(d.project is None or h.project is None for d, h in pairs)
    for b, h in pairs:
        is_renamed = id(b) in renamed_ids
        if b.path != h.path and not is_renamed:
            moved.append((b.path, h.path))
        if b.project is None or h.project is None:
            continue
        old, new = money[id(b)], money[id(h)]
        p = h.project
        entries.append(
            Entry(p.title, h.path, old, new, Place.of(b.project), Place.of(p), b.project.title if is_renamed else "")
        )
        if is_renamed:
            renamed.append(Renamed(b.project.title, p.title, b.path, h.path, p.contacts.office, p.contacts.department))
        money_moved = (old.budget, old.total, old.funding, old.items) != (new.budget, new.total, new.funding, new.items)
        if b.project != h.project and (what := _edit(b.project, p, money_moved, is_renamed)):
            edits.append(Edit(p.title, h.path, what, money_moved))
        if money_moved:
            funding = tuple(
                (name, x, y) for (_, name), x, y in zip(FUNDING, old.funding, new.funding, strict=True) if x != y
            )
            if new.total - old.total != new.budget - old.budget:  # 사업비 that does not follow (B)
                funding = (("사업비", old.total, new.total), *funding)
            changed.append(
                Change(
                    p.title,
                    h.path,
                    b.path if b.path != h.path else "",
                    p.contacts.office,
                    p.contacts.department,
                    old,
                    new,
                    _moves(old, new),
                    funding,
                )
            )
        elif b.project != h.project:
            text_only += 1
    changed.sort(
        key=lambda c: (
            -c.size,
            -abs(c.head.total - c.base.total)
            - sum(abs(y - x) for x, y in zip(c.base.funding, c.head.funding, strict=True)),
            c.path,
        )
    )
    diff = Diff(
        base.label,
        head.label,
        threshold_amount,
        threshold_rate,
        (len(loaded_base), len(loaded_head)),
        totals,
        sorted((_one(d, money[id(d)]) for d in added if d.project is not None), key=lambda p: (-p.budget, p.path)),
        sorted((_one(d, money[id(d)]) for d in removed if d.project is not None), key=lambda p: (-p.budget, p.path)),
        changed,
        [],
        text_only,
        sorted(moved),
        unreadable,
        len(head.docs),
        [f for f in (_failure(d) for d in head.docs) if f is not None],
        list(dict.fromkeys(base.notes + head.notes)),
        sorted(renamed, key=lambda r: (r.path, r.base_path)),
        sorted(edits, key=lambda e: e.path),
        sorted(entries, key=lambda e: (e.path, e.title)),
        (base.version, head.version),
    )
    diff.flags = _flags(diff)
    return diff
