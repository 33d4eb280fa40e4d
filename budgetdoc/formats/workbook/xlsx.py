"""A small, strict reader of the parts of an ``.xlsx`` file the form needs, in one pass.

It reads, for every worksheet: each cell's typed value, its formula text and cached value,
and the merged ranges; for the workbook: the sheets in tab order with their state. It
reads nothing else and runs nothing: no document type definitions or entities are
accepted, external links and macros are refused before (see ``read._open``).

openpyxl writes the form; reading it back with openpyxl's full loader spent nearly all its
time building the styles of merged cells, which the reader never looks at (``bench/``).
"""

from __future__ import annotations

import datetime
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree import ElementTree

from openpyxl.formula.translate import Translator

from budgetdoc.errors import BudgetdocError
from budgetdoc.model.document import cell_name

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")
_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_EPOCH = datetime.datetime(1899, 12, 30)


class XlsxError(BudgetdocError):
    """The file is not a workbook this reader can read; the message says why, in Korean (exit 2)."""


@dataclass
class Cell:
    """One cell: ``value`` is what it holds (``=SUM(B5:B9)`` for a formula), ``cached`` its value."""

    value: Any
    cached: Any
    formula: bool = False


@dataclass
class Sheet:
    """One worksheet: its tab name and state, its cells by (row, column), its merged ranges."""

    name: str
    state: str  # visible, hidden or veryHidden
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # min row, min col, max row, max col
    beyond: int = 0  # the last row past the limit that holds something (its cells are not kept)

    @property
    def max_row(self) -> int:
        """The last row that holds a value or a formula (0 for an empty sheet)."""
        return max((r for r, _ in self.cells), default=0)

    def value(self, r: int, c: int) -> Any:
        """What cell (r, c) holds, or None."""
        cell = self.cells.get((r, c))
        return None if cell is None else cell.value

    def rows(self) -> Iterator[list[Any]]:
        """The values row by row (as openpyxl's ``iter_rows(values_only=True)``)."""
        width = max((c for _, c in self.cells), default=0)
        for r in range(1, self.max_row + 1):
            yield [self.value(r, c) for c in range(1, width + 1)]


def column_number(letters: str) -> int:
    """``"A"`` → 1, ``"AB"`` → 28."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell_ref(text: str) -> tuple[int, int]:
    """``"B12"`` → (12, 2); raises :class:`XlsxError` for anything else."""
    m = _CELL_REF.match(text)
    if not m:
        raise XlsxError(f"칸 주소 '{text[:20]}'를 읽을 수 없습니다")
    return int(m[2]), column_number(m[1])


def merge_name(merge: tuple[int, int, int, int]) -> str:
    """(1, 1, 1, 8) → ``"A1:H1"``."""
    return f"{cell_name(merge[0], merge[1])}:{cell_name(merge[2], merge[3])}"


def _parse(
    archive: zipfile.ZipFile, name: str, events: tuple[Literal["start", "end"], ...] = ("start", "end")
) -> Iterator[tuple[str, ElementTree.Element]]:
    """``iterparse`` of one part, refusing a document type (so no entity can expand)."""
    try:
        data = archive.read(name)
    except KeyError:
        raise XlsxError(f"통합 문서에 {name}이(가) 없습니다") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XlsxError(f"{name}에 문서 형식 선언(DOCTYPE)이 있어 읽지 않습니다")
    try:
        yield from ElementTree.iterparse(io.BytesIO(data), events=events)
    except ElementTree.ParseError as exc:
        raise XlsxError(f"{name}을(를) 읽을 수 없습니다 ({exc})") from None


def _text(element: ElementTree.Element) -> str:
    """A string item: its ``<t>`` runs joined, phonetic guides (``<rPh>``) left out."""
    if element.tag == _MAIN + "t":
        return element.text or ""
    return "".join(
        _text(child) for child in element if child.tag in (_MAIN + "t", _MAIN + "r") and child.tag != _MAIN + "rPh"
    )


MAX_STRINGS = 500_000  # shared strings: a full sheet of the form has a few thousand


def _shared_strings(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
    if "xl/sharedStrings.xml" not in names:
        return []
    strings = []
    for _, element in _parse(archive, "xl/sharedStrings.xml", ("end",)):
        if element.tag == _MAIN + "si":
            strings.append(_text(element))
            element.clear()
            if len(strings) > MAX_STRINGS:
                raise XlsxError(f"공유 문자열이 너무 많습니다 (최대 {MAX_STRINGS:,}개)")
    return strings


def _date_styles(archive: zipfile.ZipFile, names: set[str]) -> list[bool]:
    """For each cell style (``s`` attribute), whether its number format shows a date."""
    if "xl/styles.xml" not in names:
        return []
    custom: dict[int, bool] = {}
    styles: list[bool] = []
    in_xfs = False
    for event, element in _parse(archive, "xl/styles.xml"):
        if element.tag == _MAIN + "numFmt" and event == "end":
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", element.get("formatCode", ""))
            custom[int(element.get("numFmtId", "0"))] = bool(re.search(r"[ymdhs]", code, re.IGNORECASE))
        elif element.tag == _MAIN + "cellXfs":
            in_xfs = event == "start"
        elif in_xfs and event == "end" and element.tag == _MAIN + "xf":
            fmt = int(element.get("numFmtId", "0"))
            styles.append(custom.get(fmt, fmt in _DATE_FORMATS))
    return styles


def _number(text: str) -> int | float:
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return float(text)


def _typed(kind: str, raw: str | None, inline: str | None, strings: list[str], is_date: bool) -> Any:
    if kind == "inlineStr":
        return inline or ""
    if raw is None or (raw == "" and kind not in ("str", "s")):
        return None
    if kind == "s":
        index = int(raw)
        if not 0 <= index < len(strings):
            raise XlsxError(f"공유 문자열 {index}번이 없습니다")
        return strings[index]
    if kind in ("str", "e", "d"):
        return raw
    if kind == "b":
        return raw.strip() in ("1", "true")
    value = _number(raw)
    if is_date and 0 <= value < 2_958_466:
        return _EPOCH + datetime.timedelta(days=float(value))
    return value


def _sheet(
    archive: zipfile.ZipFile, part: str, name: str, state: str, strings: list[str], dates: list[bool], max_rows: int
) -> Sheet:
    sheet = Sheet(name, state)
    shared: dict[str, tuple[str, str]] = {}  # si → (formula, its cell)
    c_tag, v_tag, f_tag, is_tag = _MAIN + "c", _MAIN + "v", _MAIN + "f", _MAIN + "is"
    for _, element in _parse(archive, part, ("end",)):
        tag = element.tag
        if tag == c_tag:
            ref = element.get("r", "")
            formula: str | None = None
            raw: str | None = None
            inline: str | None = None
            for child in element:
                if child.tag == v_tag:
                    raw = child.text or ""
                elif child.tag == f_tag:
                    formula = _formula(child, ref, shared)
                elif child.tag == is_tag:
                    inline = _text(child)
            r, c = cell_ref(ref)
            if r > max_rows:
                sheet.beyond = max(sheet.beyond, r)
                element.clear()
                continue
            style = int(element.get("s", "0"))
            value = _typed(element.get("t", "n"), raw, inline, strings, 0 <= style < len(dates) and dates[style])
            if formula is not None:
                sheet.cells[(r, c)] = Cell(formula, value, True)
            elif value is not None:
                sheet.cells[(r, c)] = Cell(value, value)
            element.clear()
        elif tag == _MAIN + "row":
            element.clear()
        elif tag == _MAIN + "mergeCell":
            first, _, last = element.get("ref", "").partition(":")
            (r1, c1), (r2, c2) = cell_ref(first), cell_ref(last or first)
            sheet.merges.append((r1, c1, r2, c2))
    return sheet


def _formula(element: ElementTree.Element, ref: str, shared: dict[str, tuple[str, str]]) -> str:
    """A cell's formula, ``=`` first; a shared formula's dependent cell gets it translated to its place."""
    text = element.text or ""
    si = element.get("si")
    if element.get("t") == "shared" and si is not None:
        if text:
            shared[si] = (text, ref)
        elif si in shared:
            origin, at = shared[si]
            return str(Translator("=" + origin, origin=at).translate_formula(ref))
    return "=" + text


def read_sheets(archive: zipfile.ZipFile, max_rows: int) -> list[Sheet]:
    """Every worksheet of the workbook, in tab order."""
    names = set(archive.namelist())
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for event, element in _parse(archive, "xl/_rels/workbook.xml.rels"):
            if event == "end" and element.tag == _PKG_REL + "Relationship":
                target = element.get("Target", "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                targets[element.get("Id", "")] = part
    listed = []
    for event, element in _parse(archive, "xl/workbook.xml"):
        if event == "end" and element.tag == _MAIN + "sheet":
            listed.append((element.get("name", ""), element.get("state", "visible"), element.get(_REL + "id", "")))
    strings = _shared_strings(archive, names)
    dates = _date_styles(archive, names)
    sheets = []
    for name, state, rid in listed:
        part = targets.get(rid, "")
        if not part.startswith("xl/worksheets/"):
            continue  # a chart sheet or a dialog sheet: nothing of the form
        sheets.append(_sheet(archive, part, name, state, strings, dates, max_rows))
    return sheets
