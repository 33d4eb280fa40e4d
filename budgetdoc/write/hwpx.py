"""HWPX (Hancom Office OWPML) writer: the same 사업설명서 as the PDF, as an editable ``.hwpx``.

:func:`render_hwpx` builds the document with python-hwpx (``import hwpx``): a blank
:class:`hwpx.HwpxDocument`, its paragraph, table, merge, border-fill, character- and
paragraph-shape, font, page-setup and metadata APIs. It prints the numbers of
:class:`~budgetdoc.model.figures.Figures` (the 산출근거 line amounts among them, in
``Figures.basis``), as the layout holds them, through :func:`budgetdoc.model.numbers.won` / :func:`~budgetdoc.model.numbers.rate_text`; it does no arithmetic
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
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hwpx import HwpxDocument

from budgetdoc.model.document import Project
from budgetdoc.model.figures import Figures
from budgetdoc.write import layout
from budgetdoc.write.layout import period_text

__all__ = ["FONT", "document_timestamp", "period_text", "render_hwpx"]

FONT = "NanumGothic"
HEADER_FILL = "#D9D9D9"
BORDER_COLOR = "#000000"
WRONG_COLOR = "#C00000"  # a draft's blamed cell, as the PDF prints it
WRONG_FILL = "#FFE1E1"
DRAFT_MARK = "검증 오류 · 초안"  # the PDF's page mark and watermark say the same
DRAFT_NOTE = "검증 오류가 있는 초안입니다. 붉게 표시된 칸을 고치세요."  # the PDF's banner

_TEMPLATE_FONTS = ("함초롬바탕", "함초롬돋움")
_HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
_RENUMBERED = frozenset({f"{_HP}p", f"{_HP}tbl"})  # the elements python-hwpx gives random ids
_ZIP_MIN = datetime(1980, 1, 1, tzinfo=UTC)
_ZIP_MAX = datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC)


# --------------------------------------------------------------------------- public


def document_timestamp(project: Project, environ: dict[str, str] | None = None) -> datetime:
    """The one moment written into the package: ``SOURCE_DATE_EPOCH``, else the PDF's date (:func:`layout.document_date`)."""
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        try:
            return datetime.fromtimestamp(int(raw), tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass  # beyond what a date can hold: fall back
    return datetime.fromisoformat(layout.document_date(project))


def render_hwpx(
    project: Project, figures: Figures, document: layout.Layout | None = None, pdf: bytes | None = None
) -> bytes:
    """The 사업설명서 of ``project`` as an HWPX package (bytes); writes nothing.

    ``document`` is the layout the HTML was made from; without it, it is built here. ``pdf``
    is the document's PDF: its first page, as a picture, is the package's preview image
    (``Preview/PrvImage.png``, what a file dialog shows); without it the template's blank one stays.
    """
    stamp = document_timestamp(project)
    document = document or layout.build(project, figures)
    doc = HwpxDocument.new()
    try:
        writer = _Writer(doc)
        writer.setup(project, stamp, document.draft)
        # A draft says so on every page, in the running header (HWPX's nearest to the PDF's watermark).
        doc.page.set_header(text=f"{DRAFT_MARK} — {document.running}" if document.draft else document.running)
        doc.page.set_page_number()
        _write(writer, document)
        writer.finish()
        payload = doc.to_bytes()
        section = _renumber(_furniture(doc_section_xml(payload)))
    finally:
        doc.close()
    preview = "\r\n".join(document.text_lines()) + "\r\n"
    replace = {
        "Preview/PrvText.txt": preview.encode("utf-8"),
        "Contents/section0.xml": section.encode("utf-8"),
    }
    if pdf is not None:
        replace["Preview/PrvImage.png"] = first_page_png(pdf)
    return _normalize_zip(payload, stamp, replace)


_SEC_PR = re.compile(r"<hp:secPr\b.*?</hp:secPr>", re.S)
_IN_SEC_PR = re.compile(r"<hp:(header|footer)\b[^>]*>.*?</hp:\1>", re.S)
_PAGE_NUM_RUN = re.compile(r'<hp:run charPrIDRef="[0-9]+"><hp:ctrl><hp:pageNum\b[^>]*/></hp:ctrl></hp:run>')


def _furniture(xml: str) -> str:
    """The page furniture as Hancom writes it.

    The header and footer are defined once (as controls, not again inside the section
    settings), and there is one page number (the footer's, not also a ``pageNum`` control,
    which would print a second).
    """
    xml = _SEC_PR.sub(lambda m: _IN_SEC_PR.sub("", m[0]), xml, count=1)
    return _PAGE_NUM_RUN.sub("", xml)


def first_page_png(pdf: bytes, width: int = 300) -> bytes:
    """The PDF's first page as a PNG ``width`` pixels wide (PDFium, through pypdfium2); same PDF, same bytes."""
    import pypdfium2  # deferred: only for an HWPX preview

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=width / page.get_width())
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=9)
    return out.getvalue()


def doc_section_xml(payload: bytes) -> str:
    """The section XML of a package."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return archive.read("Contents/section0.xml").decode("utf-8")


_ID = re.compile(r'(<hp:(?:p|tbl)\b[^>]*?\sid=")(\d+)(")')
_HEADER_ID = re.compile(r'(<hp:(?:header|footer) id="|<hp:(?:header|footer)Apply applyPageType="\w+" idRef=")(\d+)(")')


def _renumber(xml: str) -> str:
    """Number paragraphs and tables 1, 2, 3 … in document order, and headers and footers 1, 2 ….

    python-hwpx draws these ids at random. The section's first paragraph keeps its id
    (``0``; ``settings.xml`` points at it).
    """
    count = iter(range(10**9))

    def paragraph(m: re.Match[str]) -> str:
        n = next(count)
        return m[0] if n == 0 else f"{m[1]}{n}{m[3]}"

    xml = _ID.sub(paragraph, xml)
    seen: dict[str, int] = {}
    return _HEADER_ID.sub(lambda m: f"{m[1]}{seen.setdefault(m[2], len(seen) + 1)}{m[3]}", xml)


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Cell:
    """One table cell: its lines (one paragraph each) and how they look."""

    lines: tuple[str, ...] = ("",)
    kind: str = "text"  # head | label | text | num | center | total
    indent: tuple[bool, ...] = ()  # per line: indented (a ``-`` line of 산출근거)
    wrong: bool = False  # a draft's cell that a check blamed: red on pink


EMPTY = Cell()


@dataclass
class TableSpec:
    rows: list[list[Cell]]
    widths: Sequence[int]
    header_rows: int = 1
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (inclusive)


def table_spec(table: layout.Table) -> TableSpec:
    """A layout table as a full grid: every covered position EMPTY, each span one merge."""
    n_cols = len(table.columns)
    rows = table.rows
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in rows]
    merges = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row.cells:
            while grid[r][c] is not None:
                c += 1
            lines = tuple(line.text for line in cell.lines) or ("",)
            grid[r][c] = Cell(lines, cell.kind, tuple(line.indent for line in cell.lines), cell.wrong)
            for rr in range(r, r + cell.rowspan):
                for cc in range(c, c + cell.colspan):
                    if (rr, cc) != (r, c):
                        grid[rr][cc] = EMPTY
            if cell.rowspan > 1 or cell.colspan > 1:
                merges.append((r, c, r + cell.rowspan - 1, c + cell.colspan - 1))
            c += cell.colspan
    full = [[cell if cell is not None else EMPTY for cell in row] for row in grid]
    widths = [col.width for col in table.columns]
    tenths = any(w != int(w) for w in widths)  # a fitted table's widths have a decimal: all in tenths then
    return TableSpec(full, [round(w * 10) if tenths else int(w) for w in widths], len(table.head), merges)


# --------------------------------------------------------------------------- writer


class _Writer:
    """Thin layer over python-hwpx: shapes asked for once, paragraph formats applied in batches."""

    def __init__(self, doc: HwpxDocument) -> None:
        self.doc = doc
        self._formats: dict[tuple[str, bool, float], list[Any]] = {}
        # The template's first paragraph holds the section settings, the header and the footer;
        # the title is a paragraph of its own after it (readers glue text in that run to the header).
        self._first = False

    def setup(self, project: Project, stamp: datetime, draft: bool = False) -> None:
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
        if draft:  # asked for only in a draft: a clean document's package stays as it was
            self.wrong_char = styles.ensure_run(font=FONT, size=10, bold=True, color=WRONG_COLOR)
            self.wrong_fill = styles.ensure_border_fill(
                border_color=WRONG_COLOR, border_width="0.25 mm", fill_color=WRONG_FILL
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
        # Before the merges the grid is plain: row r's c-th cell. Looked up once here (python-hwpx's
        # table.cell() rebuilds the whole grid on every call, which made a long table quadratic).
        grid = [row.cells for row in table.rows]
        for r, row in enumerate(spec.rows):
            if len(row) != n_cols:
                raise ValueError(f"table row {r} has {len(row)} cells, expected {n_cols}")
            for c, cell in enumerate(row):
                if (r, c) in covered:
                    if cell != EMPTY:
                        raise ValueError(f"cell ({r}, {c}) is covered by a merge but holds {cell.lines!r}")
                    continue
                self._fill(grid[r][c], cell)
        table.mark_dirty()
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

    def _fill(self, target: Any, cell: Cell) -> None:
        if cell.kind in ("head", "label"):
            target.element.set("borderFillIDRef", str(self.shaded))
            char, align = self.bold, "CENTER"
        elif cell.kind == "num":
            char, align = self.normal, "RIGHT"
        elif cell.kind == "center":
            char, align = self.normal, "CENTER"
        elif cell.kind == "total":
            char, align = self.bold, "CENTER"
        else:
            char, align = self.normal, "LEFT"
        if cell.wrong:
            target.element.set("borderFillIDRef", str(self.wrong_fill))
            char = self.wrong_char
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


def _write(w: _Writer, document: layout.Layout) -> None:
    """Walk the layout: the same sections, headings, paragraphs and tables as the HTML."""
    w.title(document.title)
    if document.draft:
        w.paragraph(DRAFT_NOTE, w.wrong_char, "CENTER")
    for section in document.sections:
        w.section(section.heading)
        for block in section.blocks():
            if isinstance(block, layout.Heading):
                w.sub(block.text)
            elif isinstance(block, layout.Paragraph):
                w.note(block.text) if block.cls == "footnote" else w.paragraph(block.text, w.normal)
            elif isinstance(block, layout.Bullets):
                w.bullets(block.items, block.mark)
            else:
                if block.unit:
                    w.unit(block.caption)
                w.table(table_spec(block))


# --------------------------------------------------------------------------- zip


def _normalize_zip(payload: bytes, stamp: datetime, replace: dict[str, bytes]) -> bytes:
    """Write the package again: same entries, same order, one fixed date, fixed attributes.

    Entries named in ``replace`` get the bytes given there (the preview text).
    """
    moment = min(max(stamp, _ZIP_MIN), _ZIP_MAX)
    date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(payload)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = replace.get(info.filename) or src.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o100644 << 16
            dst.writestr(entry, data, compresslevel=9 if entry.compress_type == zipfile.ZIP_DEFLATED else None)
    return out.getvalue()
