"""HWPX (Hancom Office OWPML) writer: the same 사업설명서 as the PDF, as an editable ``.hwpx``.

:func:`render_hwpx` builds the document with python-hwpx (``import hwpx``): a blank
:class:`hwpx.HwpxDocument`, its paragraph, table, merge, border-fill, character- and
paragraph-shape, font, page-setup and metadata APIs. It prints the numbers of
:class:`~budgetdoc.figures.Figures` (and the 산출근거 line amounts of
:func:`budgetdoc.figures.line_amount` / :func:`~budgetdoc.figures.part_amount`) through
:func:`budgetdoc.numbers.won` / :func:`~budgetdoc.numbers.rate_text`; it does no arithmetic
of its own. It is pure: it reads the project (and ``SOURCE_DATE_EPOCH``) and returns bytes.

Where python-hwpx has no API, the library's own low-level element API is used (the
``.element`` of a table or section, then ``mark_dirty()``), for two things only:

* ``repeatHeader`` on a table and ``header`` on its heading cells, so that the header row
  repeats when a table breaks across pages;
* the ``id`` of every paragraph (``hp:p``) and table (``hp:tbl``): python-hwpx draws them
  from :func:`uuid.uuid4`; they are renumbered 1, 2, 3 … in document order (the section's
  first paragraph keeps ``0``, which ``settings.xml`` points at).

All text goes in through the library's text setters, so ``<``, ``&`` and ``{{`` are
written as text, never as markup.

Reproducible output — identical input gives identical bytes (with the same python-hwpx
and zlib):

* one timestamp, ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) when that variable is set
  to an integer, else 1 January of the fiscal year, 00:00:00 UTC. It is the package's
  ``CreatedDate`` and ``ModifiedDate`` metadata and the date of every zip entry (a zip
  date lies between 1980-01-01 and 2107-12-31, so a moment outside is written as the
  nearer end, and it counts in steps of 2 seconds; an unusable ``SOURCE_DATE_EPOCH``
  counts as unset);
* the document metadata is cleared (author, ``lastsaveby``, the free-form ``date`` of the
  template) and set to the title, creator ``budgetdoc`` and that timestamp;
* the zip is written again with the entry order python-hwpx chose (``mimetype`` first,
  stored), each entry dated with that timestamp, ``create_system`` Unix, mode 0644;
* the random ids are renumbered (above), and every shape the document uses is asked for
  in a fixed order, so the header's ids come out the same each time.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hwpx import HwpxDocument

from .figures import Figures, line_amount, part_amount
from .model import Period, Person, Project
from .numbers import rate_text, won

__all__ = ["FONT", "render_hwpx", "document_timestamp"]

FONT = "NanumGothic"
HEADER_FILL = "#D9D9D9"
BORDER_COLOR = "#000000"
PERIOD_KINDS = ("계속", "한시", "연례반복")
CONTACT_NOTE = "※실국 및 부서명은 예산서 기준으로 작성되어 현재부서와 다를 수 있습니다."

_TEMPLATE_FONTS = ("함초롬바탕", "함초롬돋움")
_HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
_RENUMBERED = frozenset({f"{_HP}p", f"{_HP}tbl"})  # the elements python-hwpx gives random ids
_ZIP_MIN = datetime(1980, 1, 1, tzinfo=UTC)
_ZIP_MAX = datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC)


# --------------------------------------------------------------------------- public


def document_timestamp(project: Project, environ: dict[str, str] | None = None) -> datetime:
    """The one moment written into the package: ``SOURCE_DATE_EPOCH`` or 1 January of the fiscal year (UTC)."""
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        try:
            return datetime.fromtimestamp(int(raw), tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass  # beyond what a date can hold: fall back
    return datetime(project.fiscal_year, 1, 1, tzinfo=UTC)


def render_hwpx(project: Project, figures: Figures) -> bytes:
    """The 사업설명서 of ``project`` as an HWPX package (bytes); writes nothing."""
    stamp = document_timestamp(project)
    doc = HwpxDocument.new()
    try:
        writer = _Writer(doc)
        writer.setup(project, stamp)
        _Layout(writer, project, figures).write()
        writer.finish()
        payload = doc.to_bytes()
    finally:
        doc.close()
    return _normalize_zip(payload, stamp)


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Cell:
    """One table cell: its lines (one paragraph each) and how they look."""

    lines: tuple[str, ...] = ("",)
    kind: str = "text"  # head | label | text | num | center | total
    indent: tuple[bool, ...] = ()  # per line: indented (a ``-`` line of 산출근거)


def _cell(*lines: str, kind: str = "text", indent: Sequence[bool] = ()) -> Cell:
    return Cell(tuple(lines) if lines else ("",), kind, tuple(indent))


def head(text: str) -> Cell:
    return _cell(text, kind="head")


def label(text: str) -> Cell:
    return _cell(text, kind="label")


def num(text: str) -> Cell:
    return _cell(text, kind="num")


def text(*lines: str) -> Cell:
    return _cell(*lines)


def center(text: str) -> Cell:
    return _cell(text, kind="center")


EMPTY = Cell()


@dataclass
class TableSpec:
    rows: list[list[Cell]]
    widths: Sequence[int]
    header_rows: int = 1
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (inclusive)


# --------------------------------------------------------------------------- writer


class _Writer:
    """Thin layer over python-hwpx: shapes asked for once, paragraph formats applied in batches."""

    def __init__(self, doc: HwpxDocument) -> None:
        self.doc = doc
        self._formats: dict[tuple[str, bool, float], list[Any]] = {}
        self._first = True

    def setup(self, project: Project, stamp: datetime) -> None:
        doc = self.doc
        for face in _TEMPLATE_FONTS:
            doc.styles.replace_font(face, FONT)
        doc.page.setup(
            paper_size="A4",
            orientation="portrait",
            margin_left_mm=20,
            margin_right_mm=20,
            margin_top_mm=15,
            margin_bottom_mm=15,
            header_margin_mm=10,
            footer_margin_mm=10,
            gutter_mm=0,
        )
        iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        doc.parts.clear_document_metadata(keep=("language",), timestamp=iso)
        doc.parts.set_document_metadata(
            title=project.title, creator="budgetdoc", subject="사업설명서", created_date=iso, modified_date=iso
        )
        # character shapes, asked for in a fixed order so their ids never change
        styles = doc.styles
        self.normal = styles.ensure_run(font=FONT, size=10)
        self.bold = styles.ensure_run(font=FONT, size=10, bold=True)
        self.small = styles.ensure_run(font=FONT, size=9)
        self.title_char = styles.ensure_run(font=FONT, size=18, bold=True)
        self.section_char = styles.ensure_run(font=FONT, size=14, bold=True)
        self.sub_char = styles.ensure_run(font=FONT, size=11, bold=True)
        self.border = styles.ensure_border_fill(border_color=BORDER_COLOR, border_width="0.12 mm")
        self.shaded = styles.ensure_border_fill(
            border_color=BORDER_COLOR, border_width="0.12 mm", fill_color=HEADER_FILL
        )

    # -- paragraphs

    def paragraph(self, value: str, char: str, align: str = "JUSTIFY", indent: bool = False, before: float = 0) -> Any:
        if self._first:  # the template's first paragraph (it holds the section settings)
            para = self.doc.paragraphs[0]
            para.text = value
            para.char_pr_id_ref = char
            self._first = False
        else:
            para = self.doc.add_paragraph(value, char_pr_id_ref=char, inherit_style=False)
        self._format(para, align, indent, before)
        return para

    def _format(self, para: Any, align: str, indent: bool = False, before: float = 0) -> None:
        self._formats.setdefault((align, indent, float(before)), []).append(para)

    def title(self, value: str) -> None:
        self.paragraph(value, self.title_char, "CENTER")

    def section(self, value: str) -> None:
        self.paragraph(value, self.section_char, before=14)

    def sub(self, value: str) -> None:
        self.paragraph(value, self.sub_char, before=6)

    def unit(self, value: str) -> None:
        self.paragraph(value, self.small, "RIGHT")

    def bullets(self, items: Iterable[str], mark: str = "-") -> None:
        for item in items:
            self.paragraph(f"{mark} {item}", self.normal, indent=True)

    def note(self, value: str) -> None:
        self.paragraph(value, self.small)

    # -- tables

    def table(self, spec: TableSpec) -> Any:
        n_rows = len(spec.rows)
        n_cols = len(spec.widths)
        table = self.doc.add_table(n_rows, n_cols, border_fill_id_ref=self.border, char_pr_id_ref=self.normal)
        table.set_column_widths(list(spec.widths))
        covered = {
            (r, c)
            for r1, c1, r2, c2 in spec.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1)
        }
        for r, row in enumerate(spec.rows):
            if len(row) != n_cols:
                raise ValueError(f"table row {r} has {len(row)} cells, expected {n_cols}")
            for c, cell in enumerate(row):
                if (r, c) in covered:
                    if cell != EMPTY:
                        raise ValueError(f"cell ({r}, {c}) is covered by a merge but holds {cell.lines!r}")
                    continue
                self._fill(table, r, c, cell)
        for r1, c1, r2, c2 in spec.merges:
            table.merge_cells(r1, c1, r2, c2)
        if spec.header_rows:
            # no python-hwpx API: repeat the header rows on each page (low-level element API)
            table.element.set("repeatHeader", "1")
            for tr in table.element.findall(f"{_HP}tr")[: spec.header_rows]:
                for tc in tr.findall(f"{_HP}tc"):
                    tc.set("header", "1")
            table.mark_dirty()
        table.set_treat_as_char(False)  # a table may break across pages
        return table

    def _fill(self, table: Any, r: int, c: int, cell: Cell) -> None:
        if cell.kind in ("head", "label"):
            table.set_cell_border_fill(r, c, self.shaded)
            char, align = self.bold, "CENTER"
        elif cell.kind == "num":
            char, align = self.normal, "RIGHT"
        elif cell.kind == "center":
            char, align = self.normal, "CENTER"
        elif cell.kind == "total":
            char, align = self.bold, "CENTER"
        else:
            char, align = self.normal, "LEFT"
        target = table.cell(r, c)
        for i, line in enumerate(cell.lines):
            indent = i < len(cell.indent) and cell.indent[i]
            if i == 0:
                para = target.paragraphs[0]
                para.text = line
                para.char_pr_id_ref = char
            else:
                para = target.add_paragraph(line, char_pr_id_ref=char)
            self._format(para, align, indent)

    # -- finishing

    def finish(self) -> None:
        styles = self.doc.styles
        for (align, indent, before), paras in sorted(self._formats.items()):
            styles.apply_paragraph_format(
                paragraphs=paras,
                alignment=align,
                indent_left_mm=4.0 if indent else 0.0,
                spacing_before_pt=before,
            )
        self._renumber_ids()

    def _renumber_ids(self) -> None:
        """Replace python-hwpx's random paragraph and table ids by 1, 2, 3 … in document order."""
        counter = 0
        for section in self.doc.sections:
            first = True
            for element in section.element.iter():
                if element.tag not in _RENUMBERED:
                    continue
                if first and element.tag == f"{_HP}p":
                    first = False  # keeps its id (0 in the template; settings.xml refers to it)
                    continue
                counter += 1
                element.set("id", str(counter))
            section.mark_dirty()


# --------------------------------------------------------------------------- layout


def _funding(label_text: str, value: int | None) -> str:
    return f"[{label_text}] {won(value)}천원" if value is not None else f"[{label_text}]"


def period_text(period: Period) -> str:
    """``☐ 계속  ☐ 한시  ☑ 연례반복``; years in parentheses after the chosen kind."""
    kinds = list(PERIOD_KINDS)
    if period.kind not in kinds:
        kinds.append(period.kind)
    parts = []
    for kind in kinds:
        if kind == period.kind:
            years = ""
            if period.start is not None or period.end is not None:
                start = "" if period.start is None else str(period.start)
                end = "" if period.end is None else str(period.end)
                years = f" ({start}~{end})"
            parts.append(f"☑ {kind}{years}")
        else:
            parts.append(f"☐ {kind}")
    return "  ".join(parts)


def _person(person: Person) -> Cell:
    return _cell(person.name, person.phone, kind="center") if person.phone else center(person.name)


class _Layout:
    """The five numbered sections of the official layout, in order."""

    def __init__(self, writer: _Writer, project: Project, figures: Figures) -> None:
        self.w = writer
        self.p = project
        self.f = figures

    def write(self) -> None:
        self.w.title(self.p.title)
        self.basic()
        self.budget()
        self.description()
        self.effects()
        self.settlement()

    # 1
    def basic(self) -> None:
        w, p, f = self.w, self.p, self.f
        ov = p.overview
        w.section("1 기본 현황")
        w.sub("□ 사업개요")
        summary = [f"○ {item}" for item in ov.summary] or [""]
        w.table(
            TableSpec(
                rows=[
                    [label("회 계"), text(ov.account), EMPTY, EMPTY],
                    [label("사업기간"), text(period_text(ov.period)), EMPTY, EMPTY],
                    [label("사업내용"), text(*summary), EMPTY, EMPTY],
                    # as the PDF: label and total over both rows, 예산 외 funding on the second
                    [
                        label("사업비 (당해년도)"),
                        _cell(f"{won(f.project_total)}천원", kind="total"),
                        text(_funding("국비", ov.funding.national)),
                        text(_funding("시비", ov.funding.city)),
                    ],
                    [
                        EMPTY,
                        EMPTY,
                        text(f"기타 (예산 외) {_funding('구비', ov.funding.district)}"),
                        text(_funding("기타", ov.funding.other)),
                    ],
                ],
                widths=[20, 24, 28, 28],
                header_rows=0,
                merges=[(0, 1, 0, 3), (1, 1, 1, 3), (2, 1, 2, 3), (3, 0, 4, 0), (3, 1, 4, 1)],
            )
        )
        w.sub("□ 사업 담당자")
        c = p.contacts
        w.table(
            TableSpec(
                rows=[
                    [head("실·국"), head("부서명"), head("과 장"), head("팀장"), head("주무관")],
                    [
                        center(c.office),
                        center(c.department),
                        _person(c.director),
                        _person(c.team_leader),
                        _person(c.officer),
                    ],
                ],
                widths=[22, 22, 19, 19, 18],
            )
        )
        w.note(CONTACT_NOTE)

    # 2
    def budget(self) -> None:
        w, p, f = self.w, self.p, self.f
        y = p.fiscal_year
        w.section("2 예산 설명")
        w.sub("□ 예산 총괄")
        w.unit("(단위 : 천원, %)")
        rows = [
            [head("구 분"), head(f"{y - 1}예산액 (A)"), head(f"{y}예산액 (B)"), head("증감 (B-A)"), head("(B-A)*100/A")]
        ]
        for row in (f.total, *f.items):
            rows.append(
                [
                    center(row.name) if row is f.total else text(row.name),
                    num(won(row.previous)),
                    num(won(row.current)),
                    num(won(row.change)),
                    num(rate_text(row.rate, f.rate_decimals)),
                ]
            )
        w.table(TableSpec(rows=rows, widths=[28, 18, 18, 18, 18]))

        w.sub("산출근거")
        rounding = p.conventions.formula_rounding
        rows = [[head("과목구분"), head(f"{y}년 예산내역"), EMPTY, EMPTY]]
        merges = [(0, 1, 0, 3)]
        for item in p.budget.items:
            lines: list[tuple[str, int, bool]] = []
            for line in item.basis:
                lines.append((_basis_text("○", line.label, line.formula), line_amount(line, rounding), False))
                for part in line.parts:
                    lines.append((_basis_text("-", part.label, part.formula), part_amount(part, rounding), True))
            if not lines:
                continue
            first = len(rows)
            for i, (content, amount, indented) in enumerate(lines):
                rows.append(
                    [
                        center(item.name) if i == 0 else EMPTY,
                        _cell(content, indent=(indented,)),
                        center("="),
                        num(f"{won(amount)}천원"),
                    ]
                )
            if len(lines) > 1:
                merges.append((first, 0, len(rows) - 1, 0))
        w.table(TableSpec(rows=rows, widths=[24, 56, 4, 16], merges=merges))

    # 3
    def description(self) -> None:
        w, p, f = self.w, self.p, self.f
        d = p.description
        w.section("3 사업설명")
        for heading, items in (
            ("사업목적", d.purpose),
            ("사업근거", d.legal_basis),
            ("사업내용", d.content),
            ("추진경위", d.history),
        ):
            w.sub(heading)
            w.bullets(items)
        w.sub(f"□ {p.fiscal_year}년도 추진일정")
        w.unit("(단위 : 천원)")
        rows = [
            [head("사업추진절차"), head("추진기간"), head("예산집행금액"), head("추진세부내용")],
            [center("계"), EMPTY, num(won(f.schedule_total)), EMPTY],
        ]
        for r in p.schedule.rows:
            rows.append([text(r.step), center(r.period), num(won(r.amount)), text(r.detail)])
        w.table(TableSpec(rows=rows, widths=[28, 18, 16, 38]))

    # 4
    def effects(self) -> None:
        w, p = self.w, self.p
        e = p.effects
        w.section("4 사업효과")
        w.sub("□ 최근 3년 추진실적")
        years = sorted(e.achievements) or [p.fiscal_year - 3, p.fiscal_year - 2, p.fiscal_year - 1]
        rows = []
        for year in years:
            items = [f"○ {item}" for item in e.achievements.get(year, [])] or [""]
            rows.append([label(f"{year}년도"), text(*items)])
        w.table(TableSpec(rows=rows, widths=[16, 84], header_rows=0))
        w.sub("□ 향후 기대효과")
        w.bullets(e.expected)

    # 5
    def settlement(self) -> None:
        w, f = self.w, self.f
        w.section("5 최근 3년 결산 현황")
        w.unit("(단위 : 천원)")
        names = ("연도", "최종예산", "전년이월", "예산변경", "예산현액", "집행액", "차년이월", "집행잔액")
        rows = [[head(n) for n in names]]
        for s in f.settlement:
            rows.append(
                [
                    center(str(s.year)),
                    *(
                        num(won(v))
                        for v in (
                            s.final_budget,
                            s.carried_in,
                            s.change,
                            s.available,
                            s.spent,
                            s.carried_out,
                            s.balance,
                        )
                    ),
                ]
            )
        w.table(TableSpec(rows=rows, widths=[9, 13, 13, 13, 13, 13, 13, 13]))


def _basis_text(mark: str, label_text: str, formula: str | None) -> str:
    return f"{mark} {label_text} {formula}" if formula else f"{mark} {label_text}"


# --------------------------------------------------------------------------- zip


def _normalize_zip(payload: bytes, stamp: datetime) -> bytes:
    """Write the package again: same entries, same order, one fixed date, fixed attributes."""
    moment = min(max(stamp, _ZIP_MIN), _ZIP_MAX)
    date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(payload)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o100644 << 16
            dst.writestr(entry, data, compresslevel=9 if entry.compress_type == zipfile.ZIP_DEFLATED else None)
    return out.getvalue()
