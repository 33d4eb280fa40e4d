"""The printed structure of one 사업설명서, built once from the Project and its Figures.

:func:`build` returns a :class:`Layout`: sections → blocks (headings, paragraphs, bullet
lists, tables) → rows → cells, each cell with its text, its kind, its spans, the YAML
field it shows and whether a check marked that field wrong. Every writer walks this one
structure: the Jinja2 templates for the HTML (and so the PDF), :mod:`budgetdoc.write.hwpx` for
the HWPX. The section titles, table columns, the contacts note and the period text are
written here and nowhere else; no writer does arithmetic, it prints :class:`Figures`.

Longer than most modules: it is the whole printed form, section by section, in one place on
purpose.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from budgetdoc.model import numbers
from budgetdoc.model.document import Period, Person, Project
from budgetdoc.model.figures import Figures

PERIOD_KINDS = ("계속", "한시", "연례반복")
CONTACT_NOTE = "※실국 및 부서명은 예산서 기준으로 작성되어 현재부서와 다를 수 있습니다."
NOT_APPLICABLE = "해당 없음"
CONTINUED = "(계속)"
SETTLEMENT_COLUMNS = (
    ("final_budget", "최종예산"),
    ("carried_in", "전년이월"),
    ("change", "예산변경"),
    ("available", "예산현액"),
    ("spent", "집행액"),
    ("carried_out", "차년이월"),
    ("balance", "집행잔액"),
)

Kind = Literal["head", "label", "text", "num", "center", "total"]


# --------------------------------------------------------------------------- the structure


@dataclass(frozen=True)
class Run:
    """A piece of one line of text; ``cls`` names its look (``mark``, ``tag``, ``formula`` …)."""

    text: str
    cls: str = ""
    box: str = ""  # ☑ or ☐ in front of a 사업기간 choice
    keep: bool = True  # Korean keep-all applies (False for one-character marks)

    @property
    def full(self) -> str:
        """The run as printed (with its box)."""
        return f"{self.box} {self.text}" if self.box else self.text


@dataclass(frozen=True)
class Line:
    """One line (one paragraph) of a cell or a block; ``cls`` is ``o`` for a ○ line."""

    runs: tuple[Run, ...]
    cls: str = ""
    indent: bool = False
    sep: str = " "  # between runs in plain text (two spaces between the 사업기간 choices)

    @property
    def text(self) -> str:
        """The line as plain text."""
        return self.sep.join(r.full for r in self.runs if r.full)


@dataclass(frozen=True)
class Cell:
    """One table cell: its lines, its kind, its spans and the YAML field it shows."""

    lines: tuple[Line, ...] = ()
    kind: Kind = "text"
    scope: str = ""  # col | row | rowgroup | colgroup: a header cell (th)
    colspan: int = 1
    rowspan: int = 1
    field: str = ""  # the YAML field the cell shows, e.g. budget.items[0].current
    wrong: bool = False
    cls: str = ""

    @property
    def text(self) -> str:
        """The cell as plain text, one line per line."""
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Row:
    """One table row; ``cls`` is ``sum`` for a 계 row, ``lv1``/``lv2`` in 산출근거."""

    cells: tuple[Cell, ...]
    cls: str = ""


@dataclass(frozen=True)
class Group:
    """A run of body rows kept as one ``tbody``; ``name`` is the 과목 of a 산출근거 group."""

    rows: tuple[Row, ...]
    name: str = ""


@dataclass(frozen=True)
class Column:
    """One column: its width, shared by the HTML and the HWPX."""

    width: float  # percent of the text width
    cls: str = ""


@dataclass(frozen=True)
class Table:
    """A table: its caption, columns, header rows and body groups."""

    name: str  # overview | contacts | budget | basis | schedule | achievements | settlement
    caption: str
    unit: bool  # the caption is a printed (단위 : …) line; else it is for screen readers only
    columns: tuple[Column, ...]
    head: tuple[Row, ...]
    body: tuple[Group, ...]
    font_pt: float | None = None  # smaller than the stylesheet's 9 pt when the amounts need it (see fit)

    @property
    def rows(self) -> tuple[Row, ...]:
        """Header and body rows in order."""
        return self.head + tuple(r for g in self.body for r in g.rows)


@dataclass(frozen=True)
class Heading:
    """A heading under a section's title."""

    text: str
    level: int = 3  # 3: a □ heading or a plain label (산출근거, 사업목적 …)
    plain: bool = False


@dataclass(frozen=True)
class Paragraph:
    """A paragraph: the contacts note, or 해당 없음 where a section has no data."""

    text: str
    cls: str = ""  # footnote | none (해당 없음)


@dataclass(frozen=True)
class Bullets:
    """A bullet list (``-`` lines)."""

    items: tuple[str, ...]
    mark: str = "-"


Block = Heading | Paragraph | Bullets | Table


@dataclass(frozen=True)
class Keep:
    """Blocks printed together on one page (a heading with the text under it)."""

    blocks: tuple[Block, ...]
    whole: bool = False  # never split where it fits on a page; else the heading only stays with what follows


@dataclass(frozen=True)
class Section:
    """One numbered section of the form."""

    id: str
    number: int
    title: str
    parts: tuple[Block | Keep, ...]

    @property
    def heading(self) -> str:
        """The section's title with its number, as the HWPX and the PDF's text show it."""
        return f"{self.number} {self.title}"

    def blocks(self) -> Iterable[Block]:
        """The section's blocks in order, out of their keep-together groups."""
        for part in self.parts:
            if isinstance(part, Keep):
                yield from part.blocks
            else:
                yield part


@dataclass(frozen=True)
class Layout:
    """The whole printed document."""

    title: str
    fiscal_year: int
    office: str
    department: str
    running: str  # the running header of every page
    created: str  # the document's date (ISO 8601), the same in the PDF and the HWPX
    draft: bool
    sections: tuple[Section, ...]
    keywords: str = ""

    def tables(self) -> list[Table]:
        """Every table in document order."""
        return [b for s in self.sections for b in s.blocks() if isinstance(b, Table)]

    def text_lines(self) -> list[str]:
        """The document's text, one line per paragraph or cell line (HWPX's preview text)."""
        out = [self.title]
        for s in self.sections:
            out.append(s.heading)
            for b in s.blocks():
                if isinstance(b, Heading):
                    out.append(b.text)
                elif isinstance(b, Paragraph):
                    out.append(b.text)
                elif isinstance(b, Bullets):
                    out.extend(f"{b.mark} {item}" for item in b.items)
                else:
                    if b.unit:
                        out.append(b.caption)
                    for row in b.rows:
                        out.append("\t".join(c.text.replace("\n", " ") for c in row.cells))
        return out


# --------------------------------------------------------------------------- helpers


def _line(*runs: Run | str, cls: str = "", indent: bool = False) -> Line:
    return Line(tuple(Run(r) if isinstance(r, str) else r for r in runs), cls, indent)


def _mark(text: str) -> Run:
    return Run(text, "mark", keep=False)


def _o(text: str) -> Line:
    return _line(_mark("○"), text, cls="o")


def period_text(period: Period) -> str:
    """``☐ 계속  ☐ 한시  ☑ 연례반복``; years in parentheses after the chosen kind."""
    return period_line(period).text


def period_line(period: Period) -> Line:
    kinds = list(PERIOD_KINDS)
    if period.kind not in kinds:
        kinds.append(period.kind)
    runs = []
    for kind in kinds:
        if kind == period.kind:
            text = kind
            if period.start is not None or period.end is not None:
                start = "" if period.start is None else str(period.start)
                end = "" if period.end is None else str(period.end)
                text = f"{kind} ({start}~{end})"
            runs.append(Run(text, "choice on", box="☑", keep=False))
        else:
            runs.append(Run(kind, "choice", box="☐", keep=False))
    return Line(tuple(runs), sep="  ")


def document_date(project: Project) -> str:
    """1 January of the year before the fiscal year: when the budget is written."""
    return f"{project.fiscal_year - 1}-01-01T00:00:00Z"


class _Builder:
    def __init__(self, project: Project, figures: Figures, marked: frozenset[str]) -> None:
        self.p = project
        self.f = figures
        self.marked = marked

    def cell(
        self,
        text: str | Line | tuple[Line, ...],
        kind: Kind = "text",
        *,
        scope: str = "",
        colspan: int = 1,
        rowspan: int = 1,
        path: str = "",
        cls: str = "",
    ) -> Cell:
        if isinstance(text, str):
            keep = kind not in ("num", "total") and len(text) > 1
            lines: tuple[Line, ...] = (Line((Run(text, keep=keep),)),) if text else ()
        elif isinstance(text, Line):
            lines = (text,)
        else:
            lines = text
        return Cell(lines, kind, scope, colspan, rowspan, path, self.wrong(path), cls)

    def wrong(self, path: str) -> bool:
        """Whether a check blamed the field this cell shows, or a field that holds it.

        A blame of ``overview.funding`` marks 국비 and 시비 both.
        """
        return bool(path) and any(path == m or path.startswith((m + ".", m + "[")) for m in self.marked)

    def head(self, *lines: str, colspan: int = 1, rowspan: int = 1, scope: str = "col") -> Cell:
        runs = tuple(Line((Run(t, keep=False),)) for t in lines)
        return self.cell(runs, "head", scope=scope, colspan=colspan, rowspan=rowspan)

    def amount(self, value: int | None, path: str, cls: str = "num") -> Cell:
        return self.cell(numbers.won(value), "num", path=path, cls=cls)

    # ------------------------------------------------------------------ 1 기본 현황

    def basic(self) -> Section:
        ov, c = self.p.overview, self.p.contacts
        fund = ov.funding

        def funding(label: str, value: int | None, path: str, before: tuple[Run, ...] = ()) -> Cell:
            runs = (*before, Run(f"[{label}]", "tag", keep=False))
            if value is not None:
                runs += (Run(f"{numbers.won(value)}천원"),)
            return self.cell(Line(runs), path=path, cls="fund")

        summary = tuple(_o(s) for s in ov.summary)
        overview = Table(
            "overview",
            "사업개요",
            False,
            (Column(14, "c-head"), Column(20, "c-total"), Column(33), Column(33)),
            (),
            (
                Group(
                    (
                        Row(
                            (
                                self.head("회 계", scope="row"),
                                self.cell(ov.account, colspan=3, path="overview.account"),
                            )
                        ),
                        Row(
                            (
                                self.head("사업기간", scope="row"),
                                self.cell(period_line(ov.period), colspan=3, path="overview.period", cls="period"),
                            )
                        ),
                        Row(
                            (
                                self.head("사업내용", scope="row"),
                                self.cell(summary, colspan=3, path="overview.summary"),
                            )
                        ),
                        Row(
                            (
                                self.head("사업비", "(당해년도)", scope="row", rowspan=2),
                                self.cell(
                                    f"{numbers.won(self.f.project_total)}천원",
                                    "total",
                                    rowspan=2,
                                    path="overview.total",
                                    cls="num total",
                                ),
                                funding("국비", fund.national, "overview.funding.national"),
                                funding("시비", fund.city, "overview.funding.city"),
                            )
                        ),
                        Row(
                            (
                                funding(
                                    "구비",
                                    fund.district,
                                    "overview.funding.district",
                                    (Run("기타 (예산 외)", "outside", keep=False),),
                                ),
                                funding("기타", fund.other, "overview.funding.other"),
                            )
                        ),
                    )
                ),
            ),
        )
        overview = fit(overview)

        def person(p: Person, path: str) -> Cell:
            runs: tuple[Run, ...] = (Run(p.name, "name", keep=False), Run(p.phone, "phone", keep=False))
            if not p.phone:
                runs = runs[:1]
            return self.cell(Line(runs), "center", path=path, cls="c person")

        contacts = Table(
            "contacts",
            "사업 담당자",
            False,
            (Column(22), Column(22), Column(19), Column(19), Column(18)),
            (Row(tuple(self.head(h) for h in ("실·국", "부서명", "과 장", "팀장", "주무관"))),),
            (
                Group(
                    (
                        Row(
                            (
                                self.cell(c.office, "center", path="contacts.office", cls="c"),
                                self.cell(c.department, "center", path="contacts.department", cls="c"),
                                person(c.director, "contacts.director"),
                                person(c.team_leader, "contacts.team_leader"),
                                person(c.officer, "contacts.officer"),
                            )
                        ),
                    )
                ),
            ),
        )
        return Section(
            "s1",
            1,
            "기본 현황",
            (
                Keep((Heading("□ 사업개요"), overview), whole=True),
                Keep((Heading("□ 사업 담당자"), contacts, Paragraph(CONTACT_NOTE, "footnote")), whole=True),
            ),
        )

    # ------------------------------------------------------------------ 2 예산 설명

    def budget(self) -> Section:
        y, f = self.p.fiscal_year, self.f

        def rate(value: Decimal) -> str:
            return numbers.rate_text(value, f.rate_decimals)

        rows = []
        for i, r in enumerate((f.total, *f.items)):
            base = "budget.total" if i == 0 else f"budget.items[{i - 1}]"
            rows.append(
                Row(
                    (
                        self.cell(r.name, "center" if i == 0 else "text", scope="row", cls="c" if i == 0 else "l"),
                        self.amount(r.previous, f"{base}.previous"),
                        self.amount(r.current, f"{base}.current"),
                        self.amount(r.change, f"{base}.change"),
                        self.cell(rate(r.rate), "num", path=f"{base}.rate", cls="num"),
                    ),
                    "sum" if i == 0 else "",
                )
            )
        summary = Table(
            "budget",
            "(단위 : 천원, %)",
            True,
            (Column(24), Column(19), Column(19), Column(19), Column(19)),
            (
                Row(
                    (
                        self.head("구 분"),
                        self.head(f"{y - 1}예산액", "(A)"),
                        self.head(f"{y}예산액", "(B)"),
                        self.head("증감", "(B-A)"),
                        self.head("(B-A)*100/A"),
                    )
                ),
            ),
            (Group((rows[0],)), Group(tuple(rows[1:]))),
        )
        summary = fit(summary)
        groups = []
        for i, item in enumerate(self.p.budget.items):
            lines: list[tuple[int, str, str | None, int, str]] = []
            for j, (line, amounts) in enumerate(zip(item.basis, f.basis[i], strict=True)):
                base = f"budget.items[{i}].basis[{j}]"
                lines.append((1, line.label, line.formula, amounts.amount, f"{base}.amount"))
                for k, (part, amount) in enumerate(zip(line.parts, amounts.parts, strict=True)):
                    lines.append((2, part.label, part.formula, amount, f"{base}.parts[{k}].amount"))
            name = self.cell(item.name, "center", scope="rowgroup", rowspan=max(1, len(lines)), cls="item")
            if not lines and not item.current:
                continue  # as published: a 과목 whose (B) is 0 has no 산출근거 (it stays in 예산 총괄)
            if not lines:
                none = self.cell(NOT_APPLICABLE, colspan=3, path=f"budget.items[{i}].basis", cls="text none")
                groups.append(Group((Row((name, none), "lv1 first"),), item.name))
                continue
            rows = []
            for n, (level, label, formula, amount, path) in enumerate(lines):
                runs = [_mark("○" if level == 1 else "-"), Run(label)]
                if formula:
                    runs.append(Run(formula, "formula"))
                shown = path.rsplit(".", 1)[0] + (".formula" if formula else ".label")  # what the text cell shows
                text = self.cell(Line(tuple(runs), indent=level == 2), path=shown, cls="text")
                cells = (
                    text,
                    self.cell("=", "center", cls="eq"),
                    self.cell(f"{numbers.won(amount)}천원", "num", path=path, cls="num"),
                )
                rows.append(Row(((name,) if n == 0 else ()) + cells, f"lv{level}" + (" first" if n == 0 else "")))
            groups.append(Group(tuple(rows), item.name))
        basis = Table(
            "basis",
            "산출근거",
            False,
            (Column(18, "c-item"), Column(65, "c-text"), Column(3, "c-eq"), Column(14, "c-amt")),
            (Row((self.head("과목구분"), self.head(f"{y}년 예산내역", colspan=3, scope="colgroup"))),),
            tuple(groups),
        )
        basis = fit(basis)
        explained: Block = basis if groups else Paragraph(NOT_APPLICABLE, "none")
        return Section(
            "s2",
            2,
            "예산 설명",
            (Keep((Heading("□ 예산 총괄"), summary), whole=True), Keep((Heading("산출근거", plain=True), explained))),
        )

    # ------------------------------------------------------------------ 3 사업설명

    def _bullets(self, items: list[str], mark: str = "-") -> Block:
        return Bullets(tuple(items), mark) if items else Paragraph(NOT_APPLICABLE, "none")

    def description(self) -> Section:
        d, f, y = self.p.description, self.f, self.p.fiscal_year
        parts: list[Block | Keep] = [
            Keep((Heading(label, plain=True), self._bullets(items)), whole=True)
            for label, items in (
                ("사업목적", d.purpose),
                ("사업근거", d.legal_basis),
                ("사업내용", d.content),
                ("추진경위", d.history),
            )
        ]
        heading = Heading(f"□ {y}년도 추진일정")
        rows = self.p.schedule.rows
        if not rows:
            parts.append(Keep((heading, Paragraph(NOT_APPLICABLE, "none")), whole=True))
        else:
            body = [
                Row(
                    (
                        self.cell(r.step, path=f"schedule.rows[{i}].step", cls="l"),
                        self.cell(r.period, "center", path=f"schedule.rows[{i}].period", cls="c"),
                        self.amount(r.amount, f"schedule.rows[{i}].amount"),
                        self.cell(r.detail, path=f"schedule.rows[{i}].detail", cls="l"),
                    )
                )
                for i, r in enumerate(rows)
            ]
            total = Row(
                (
                    self.cell("계", "center", scope="row", cls="c"),
                    self.cell(""),
                    self.amount(f.schedule_total, "schedule.total"),
                    self.cell(""),
                ),
                "sum",
            )
            table = Table(
                "schedule",
                "(단위 : 천원)",
                True,
                (Column(30), Column(20), Column(16), Column(34)),
                (Row(tuple(self.head(h) for h in ("사업추진절차", "추진기간", "예산집행금액", "추진세부내용"))),),
                (Group((total,)), Group(tuple(body))),
            )
            table = fit(table)
            parts.append(Keep((heading, table), whole=True))
        return Section("s3", 3, "사업설명", tuple(parts))

    # ------------------------------------------------------------------ 4 사업효과

    def effects(self) -> Section:
        e = self.p.effects
        title = "최근 3년 추진실적"
        heading = Heading(f"□ {title}")
        parts: list[Block | Keep] = []
        if not e.achievements:
            parts.append(Keep((heading, Paragraph(NOT_APPLICABLE, "none")), whole=True))
        else:
            rows = tuple(
                Row(
                    (
                        self.head(f"{year}년도", scope="row"),
                        self.cell(
                            tuple(_o(item) for item in items) or (_line(NOT_APPLICABLE),),
                            path=f"effects.achievements.{year}",
                        ),
                    )
                )
                for year, items in sorted(e.achievements.items())
            )
            table = Table("achievements", title, False, (Column(13, "c-year"), Column(87)), (), (Group(rows),))
            parts.append(Keep((heading, table), whole=True))
        parts.append(Keep((Heading("□ 향후 기대효과"), self._bullets(e.expected)), whole=True))
        return Section("s4", 4, "사업효과", tuple(parts))

    # ------------------------------------------------------------------ 5 결산

    def settlement(self) -> Section:
        title = "최근 3년 결산 현황"
        if not self.f.settlement:
            return Section("s5", 5, title, (Paragraph(NOT_APPLICABLE, "none"),))
        rows = tuple(
            Row(
                (
                    self.cell(str(s.year), "center", scope="row", path=f"settlement[{i}].year", cls="c"),
                    *(self.amount(getattr(s, key), f"settlement[{i}].{key}") for key, _ in SETTLEMENT_COLUMNS),
                )
            )
            for i, s in enumerate(self.f.settlement)
        )
        table = Table(
            "settlement",
            "(단위 : 천원)",
            True,
            (Column(9), *(Column(13) for _ in SETTLEMENT_COLUMNS)),
            (Row((self.head("연도"), *(self.head(label) for _, label in SETTLEMENT_COLUMNS))),),
            (Group(rows),),
        )
        table = fit(table)
        return Section("s5", 5, title, (Keep((table,), whole=True),))


TEXT_WIDTH_PT = (210 - 2 * 17) / 25.4 * 72  # the page's text width (print.css: A4, 17 mm margins)
TABLE_PT = 9.0  # table.grid's font size
CELL_PAD_PT = 2 * 2 / 25.4 * 72 + 1.5  # a cell's left and right padding (2 mm each), its rule and a little air
_EM = {**dict.fromkeys("0123456789", 0.606), ",": 0.303, ".": 0.303, " ": 0.25, "%": 1.09}


def text_em(text: str, bold: bool = False) -> float:
    """The width of ``text`` in em in NanumGothic, the tables' font (wide characters 0.94 em)."""
    width = sum(_EM.get(ch, 0.94 if unicodedata.east_asian_width(ch) in "WFA" else 0.6) for ch in text)
    return width * (1.03 if bold else 1.0)


def fit(table: Table) -> Table:
    """``table`` with each amount column as wide as its widest amount, so no amount crosses its column.

    The width comes from the columns that hold no amount (their text wraps), down to half of
    theirs; when that is not enough (15-digit amounts in every column), the table's font is
    made smaller until they fit.
    """
    need: dict[int, float] = {}
    flexible = set(range(len(table.columns)))
    below: dict[int, int] = {}  # column → rows still covered by a cell spanning down into them
    words: dict[int, float] = {}  # column → its longest word, in em
    for row in table.rows:
        c = 0
        for cell in row.cells:
            while below.get(c, 0):
                c += 1
            if cell.kind in ("num", "total") and cell.colspan == 1 and cell.lines:
                # a total (사업비) prints bold at 10 pt: as wide as 10/9 of its text at the table's 9 pt
                scale = 10 / TABLE_PT if cell.kind == "total" else 1.0
                em = max(text_em(line.text, row.cls == "sum" or cell.kind == "total") for line in cell.lines) * scale
                need[c] = max(need.get(c, 0.0), em)
                flexible.discard(c)
            elif cell.colspan == 1 and cell.lines:  # a text wraps between words only (keep-all)
                word = max((text_em(w, bool(cell.scope)) for line in cell.lines for w in line.text.split()), default=0)
                words[c] = max(words.get(c, 0.0), word)
            for k in range(c, c + cell.colspan):
                below[k] = cell.rowspan
            c += cell.colspan
        below = {k: n - 1 for k, n in below.items() if n > 1}
    widths = [float(col.width) for col in table.columns]

    def percent(em: float, pt: float) -> float:
        return (em * pt + CELL_PAD_PT) / TEXT_WIDTH_PT * 100

    font = TABLE_PT
    floor = {c: max(widths[c] / 2, percent(words.get(c, 0.0), font)) for c in flexible}  # what a column keeps
    spare = sum(max(0.0, widths[c] - floor[c]) for c in flexible)
    short = sum(max(0.0, percent(em, font) - widths[c]) for c, em in need.items())
    if short > spare:  # the amounts cannot all fit at 9 pt: the smallest font at which they do
        room = sum(widths[c] for c in need) + spare
        pad = len(need) * CELL_PAD_PT / TEXT_WIDTH_PT * 100
        font = max(5.0, min(TABLE_PT, (room - pad) / 100 * TEXT_WIDTH_PT / sum(need.values())))
    grown = {c: max(widths[c], percent(em, font)) for c, em in need.items()}
    taken = sum(grown[c] - widths[c] for c in grown)
    if not taken and font == TABLE_PT:
        return table
    for c in range(len(widths)):
        if c in grown:
            widths[c] = grown[c]
        elif c in flexible and spare:
            widths[c] -= min(taken, spare) * (widths[c] - floor[c]) / spare
    scale = 100 / sum(widths)  # rounding and a font too small to shrink further: still 100 %
    columns = tuple(
        dataclasses.replace(col, width=round(w * scale, 1)) for col, w in zip(table.columns, widths, strict=True)
    )
    return dataclasses.replace(table, columns=columns, font_pt=None if font == TABLE_PT else round(font, 2))


RUNNING_EM = 48.0
"""The running header's width, in em of its 7.5 pt type: 127 mm, beside the draft mark at the top left."""


def running_header(year: int, office: str, department: str) -> str:
    """``2024년도 예산 사업설명서 · 실·국 부서명``, on one line: a longer 실·국 and 부서명 are cut with ``…``.

    The header is the page's furniture; the 실·국 and the 부서명 print whole in 사업 담당자.
    """
    head = f"{year}년도 예산 사업설명서 · "
    names = f"{office} {department}"
    if text_em(head + names) <= RUNNING_EM:
        return head + names
    room = RUNNING_EM - text_em(head + "…")
    kept = 0
    for ch in names:
        room -= text_em(ch)
        if room < 0:
            break
        kept += 1
    return head + names[:kept].rstrip() + "…"


def build(project: Project, figures: Figures, marked: frozenset[str] = frozenset(), draft: bool = False) -> Layout:
    """The whole printed structure of ``project``; ``marked`` fields print as wrong (drafts)."""
    b = _Builder(project, figures, marked)
    c = project.contacts
    return Layout(
        title=project.title,
        fiscal_year=project.fiscal_year,
        office=c.office,
        department=c.department,
        running=running_header(project.fiscal_year, c.office, c.department),
        created=document_date(project),
        draft=draft,
        sections=(b.basic(), b.budget(), b.description(), b.effects(), b.settlement()),
        keywords=f"{c.office}, {c.department}",
    )


__all__ = [
    "CONTACT_NOTE",
    "NOT_APPLICABLE",
    "Bullets",
    "Cell",
    "Column",
    "Group",
    "Heading",
    "Keep",
    "Layout",
    "Line",
    "Paragraph",
    "Row",
    "Run",
    "Section",
    "Table",
    "build",
    "document_date",
    "period_text",
]
