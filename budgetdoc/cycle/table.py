"""The 신구대비표: every project and 과목 of two versions side by side, as an Excel workbook.

One row per project and 과목: 실·국, 부서, 사업, 과목, 기정 (A) (the (B) of 변경 전), 경정 (B)
(the (B) of 변경 후), 증감, 증감률 and 비고 (신규, 폐지, 이름 바뀜, 이관). After each 실·국 its
소계, then one row per 회계 and the 총계; these are the totals the text and JSON reports print.
A project whose 실·국, 부서 or 회계 changed stands in both places: 변경 전's amounts where it
was, 변경 후's where it is (이관 in 비고), so every subtotal is that place's total in each version.

Amounts are numbers in 천원 with the budget book's format (thousands separators, △ for a
negative), rates are numbers as the tool prints them (:func:`~budgetdoc.model.numbers.change_rate`:
per cent, rounded half up, 100 for a new amount). Same comparison, same bytes: the document
properties and the zip entries carry fixed times.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.worksheet.page import PageMargins

from budgetdoc.cycle.diff import Diff, Entry, Money, Place, short
from budgetdoc.formats.workbook.form import FONT
from budgetdoc.formats.workbook.write import fixed_times
from budgetdoc.model.numbers import change_rate, won

SHEET = "신구대비표"
HEADERS = ("실·국", "부서", "사업", "과목", "기정 (A)", "경정 (B)", "증감", "증감률", "비고")
NUMBER_FORMAT = '#,##0;"△"#,##0'  # 천원 and rates: 1,234 and △1,234
GAP = "(계와 과목 합의 차이)"  # a 과목 row for a document whose 계 (B) is not its 과목 added up
TOTAL = "총계"
_FILL = {"header": "D9D9D9", "item": None, "office": "F2F2F2", "account": "E7EEF7", "total": "D9D9D9"}
_THIN = Side(style="thin", color="808080")
_WORDS = {"header": "머리글", "item": "과목", "office": "소계", "account": "회계", "total": "총계"} | {
    "text": "글",
    "wrapped": "긴 글",
    "number": "수",
}


@dataclass(frozen=True)
class Row:
    """One row of the table: a project's 과목, or a total (``kind`` office, account, total)."""

    kind: str  # item, office, account, total
    office: str
    department: str
    title: str
    item: str
    base: int
    head: int
    note: str = ""

    @property
    def change(self) -> int:
        """경정 − 기정."""
        return self.head - self.base

    @property
    def rate(self) -> Decimal:
        """The change in per cent, as the tool prints it (rounded half up; 기정 0 → 100)."""
        return change_rate(self.base, self.head)

    @property
    def label(self) -> str:
        """What the first cell says: the 실·국, or the name of the total."""
        if self.kind == "office":
            return f"{self.office} 소계"
        if self.kind == "account":
            return f"{self.office} 계"
        return self.office


# --------------------------------------------------------------------------- rows


def _items(base: Money | None, head: Money | None) -> list[tuple[str, int, int]]:
    """(과목, 기정, 경정) in 변경 후's order, then the 과목 only 변경 전 has; a 계 that is not its 과목 summed, last."""
    old = base.by_item() if base else {}
    new = head.by_item() if head else {}
    rows = [(name, old.get(name, 0), new.get(name, 0)) for name in [*new, *(n for n in old if n not in new)]]
    gap = (base.budget - sum(old.values()) if base else 0, head.budget - sum(new.values()) if head else 0)
    if gap != (0, 0):
        rows.append((GAP, *gap))
    return rows


def _where(place: Place, other: Place) -> str:
    """``place`` in the words that tell it from ``other``."""
    words = []
    if (place.office, place.department) != (other.office, other.department):
        words.append(f"{place.office} {place.department}")
    if place.account != other.account:
        words.append(place.account)
    return ", ".join(words)


def _sides(e: Entry) -> Iterator[tuple[Place, Money | None, Money | None, str]]:
    """Where the project's rows stand: once, or (이관) at its old place and at its new one."""
    note = "신규" if e.base is None else "폐지" if e.head is None else ""
    if e.base_title:
        note = f"이름 바뀜 (← {short(e.base_title)})"
    if e.base_place is not None and e.head_place is not None and e.base_place != e.head_place:
        joined = f"{note}, " if note else ""
        yield e.base_place, e.base, None, f"{joined}이관 → {_where(e.head_place, e.base_place)}"
        yield e.head_place, None, e.head, f"{joined}이관 ← {_where(e.base_place, e.head_place)}"
        return
    place = e.head_place or e.base_place
    assert place is not None
    yield place, e.base, e.head, note


def rows(diff: Diff) -> list[Row]:
    """The table: 과목 rows by 실·국, 부서 and 사업, each 실·국 followed by its 소계; then 회계 by 회계, then 총계."""
    lines: list[tuple[tuple[str, str, str, str, int], str, Row]] = []
    for e in diff.entries:
        for place, base, head, note in _sides(e):
            for order, (name, a, b) in enumerate(_items(base, head)):
                row = Row("item", place.office, place.department, e.title, name, a, b, note)
                lines.append(((place.office, place.department, e.title, e.path, order), place.account, row))
    lines.sort(key=lambda line: line[0])
    out: list[Row] = []
    offices: dict[str, list[int]] = {}
    accounts: dict[str, list[int]] = {}
    for _, account, row in lines:
        if out and out[-1].office != row.office:
            out.append(_total("office", out[-1].office, offices[out[-1].office]))
        out.append(row)
        for sums, name in ((offices, row.office), (accounts, account)):
            pair = sums.setdefault(name, [0, 0])
            pair[0] += row.base
            pair[1] += row.head
    if out:
        out.append(_total("office", out[-1].office, offices[out[-1].office]))
    out += [_total("account", name, accounts[name]) for name in sorted(accounts)]
    everything = [sum(p[0] for p in offices.values()), sum(p[1] for p in offices.values())]
    out.append(_total("total", TOTAL, everything))
    return out


def _total(kind: str, name: str, amounts: list[int]) -> Row:
    return Row(kind, name, "", "", "", amounts[0], amounts[1])


# --------------------------------------------------------------------------- the workbook


def _width(text: str) -> float:
    """About how many Excel width units ``text`` takes (a Hangul syllable is nearly two digits wide)."""
    return sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)


def _header_text(text: str, width: int = 80) -> str:
    """Text for a page header: ``&`` doubled (it starts a code there), cut to ``width``."""
    return short(text, width).replace("&", "&&")


def _styles(wb: Workbook) -> dict[tuple[str, str], str]:
    """The cell styles, one per kind of row and of column, registered once (a style set cell by cell is slow)."""
    border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    alignments = {
        "text": Alignment(vertical="center"),
        "wrapped": Alignment(vertical="center", wrap_text=True),
        "number": Alignment(horizontal="right", vertical="center"),
        "header": Alignment(horizontal="center", vertical="center", wrap_text=True),
    }
    names = {}
    for kind, color in _FILL.items():
        for column, alignment in alignments.items():
            if (kind == "header") != (column == "header"):
                continue
            words = _WORDS[kind] if kind == "header" else f"{_WORDS[kind]} {_WORDS[column]}"
            style = NamedStyle(f"{SHEET} {words}")  # as Excel lists it among the styles
            style.font = Font(name=FONT, size=10, bold=kind != "item")
            style.border, style.alignment = border, alignment
            if color:
                style.fill = PatternFill("solid", fgColor=color)
            if column == "number":
                style.number_format = NUMBER_FORMAT
            wb.add_named_style(style)
            names[kind, column] = style.name
    return names


def workbook(diff: Diff) -> bytes:
    """The 신구대비표 of ``diff`` as the bytes of an .xlsx file."""
    table = rows(diff)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(list(HEADERS))
    for row in table:
        rate = int(row.rate)  # whole per cent, as the reports print it
        ws.append([row.label, row.department, row.title, row.item, row.base, row.head, row.change, rate, row.note])
    styles = _styles(wb)
    columns = range(1, len(HEADERS) + 1)
    for c in columns:
        ws.cell(1, c).style = styles["header", "header"]
    for r, row in enumerate(table, start=2):
        for c in columns:
            ws.cell(r, c).style = styles[row.kind, "number" if 5 <= c <= 8 else "wrapped" if c in (3, 9) else "text"]
        if row.kind != "item":
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    for c in columns:
        # The label of a total spans the first four columns: it does not widen the first.
        values = [HEADERS[c - 1]] + [
            ws.cell(r, c).value for r, row in enumerate(table, start=2) if c > 4 or row.kind == "item"
        ]
        widest = max(_width(won(v) if isinstance(v, int) else str(v or "")) for v in values)
        ws.column_dimensions[ws.cell(1, c).column_letter].width = round(min(40 if c in (3, 9) else 24, widest + 2), 1)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{ws.cell(1, len(HEADERS)).column_letter}{len(table) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.6, header=0.3, footer=0.3)
    ws.oddHeader.left.text = _header_text(f"기정 (A): {diff.base}")
    ws.oddHeader.center.text = _header_text(f"{SHEET} (단위: 천원, %)")
    ws.oddHeader.right.text = _header_text(f"경정 (B): {diff.head}")
    ws.oddFooter.center.text = "&P / &N"
    wb.properties.title = f"{SHEET}: {diff.base} → {diff.head}"
    wb.properties.creator = "budgetdoc"
    out = io.BytesIO()
    wb.save(out)
    return fixed_times(out.getvalue())


def summary(diff: Diff, path: str) -> str:
    """The line that says what was written where."""
    items = sum(1 for row in rows(diff) if row.kind == "item")
    line = f"{SHEET}를 {path}에 썼습니다: 사업 {len(diff.entries):,}개, 과목 행 {items:,}개."
    if not diff.passed:
        line += f" 변경 후 문서 {len(diff.failures):,}개가 검증을 통과하지 못합니다 (--format text로 보세요)."
    return line
