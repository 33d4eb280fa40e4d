"""What changed in the money between two versions of the data (``diff``).

A version (:mod:`budgetdoc.cycle.versions`) is a folder on disk or a git revision of the data
repository. Projects are matched by a stable identity: the ``id`` a document may carry;
otherwise the path; a file moved or renamed is recognised by its title and department,
so it is not a removal plus an addition.

:func:`compare` is pure: two :class:`~budgetdoc.cycle.versions.Side` s in, one :class:`Diff`
out. ``diff_report.py`` writes it as text, markdown or JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from budgetdoc.cycle.versions import Doc, Loader, Side, read_version
from budgetdoc.errors import code_for
from budgetdoc.formats.reading import UNREADABLE
from budgetdoc.model import numbers
from budgetdoc.model.document import Project
from budgetdoc.model.figures import compute

FUNDING = (("national", "국비"), ("city", "시비"), ("district", "구비"), ("other", "기타"))
UNSPLIT = "재원 미기재"  # a project that states neither 국비 nor 시비: its (B) in one row of its own


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


def _pair(base: list[Doc], head: list[Doc]) -> tuple[list[tuple[Doc, Doc]], list[Doc], list[Doc]]:
    """Match BASE and HEAD documents: by ``id``, then path, then (title, department) when unique."""
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
    return pairs, left_base, left_head


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
    pairs, removed, added = _pair(base.docs, head.docs)
    money = {id(d): Money.of(d.project) for d in base.docs + head.docs if d.project is not None}
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
    text_only = 0
    unreadable = sum(d.project is None for d in removed) + sum(d.project is None or h.project is None for d, h in pairs)
    for b, h in pairs:
        if b.path != h.path:
            moved.append((b.path, h.path))
        if b.project is None or h.project is None:
            continue
        old, new = money[id(b)], money[id(h)]
        if (old.budget, old.total, old.funding, old.items) != (new.budget, new.total, new.funding, new.items):
            funding = tuple(
                (name, x, y) for (_, name), x, y in zip(FUNDING, old.funding, new.funding, strict=True) if x != y
            )
            if new.total - old.total != new.budget - old.budget:  # 사업비 that does not follow (B)
                funding = (("사업비", old.total, new.total), *funding)
            p = h.project
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
    )
    diff.flags = _flags(diff)
    return diff
