"""Projects as Excel workbooks (openpyxl) and back.

One sheet per project, laid out like the official form; totals, differences and rates
are Excel formulas, so the sheet stays live while it is edited. A hidden sheet
(``_budgetdoc``) holds what the importer needs: the format version, the source file, the
comment lines at the head of the YAML, and the value each formula cell stated in the
YAML (or that it stated none).

Reading back, formula cells are never trusted: the importer takes a formula cell's
cached value (what Excel or LibreOffice computed and saved) as the value the workbook
states, or the value recorded when it was written; the checks recompute every total
and report a stated value that disagrees, at its sheet and cell. A formula other than
the one the form puts there, macros and external links are refused, never run or
followed.

Reading lives in :mod:`budgetdoc.formats.workbook.read`; the form both agree on (sections,
labels, column formulas) and the canonical YAML writer are in :mod:`budgetdoc.formats.workbook.form`.

Longer than most modules: the sheet layout, its formulas, styles, validation and protection are
one form, written in one place.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from budgetdoc.formats.workbook.form import (
    ACCOUNT_KINDS,
    AMOUNT_FORMAT,
    BALANCES,
    CHOICE_WORDS,
    FONT,
    FORMAT_VERSION,
    FUNDS,
    GUIDE,
    GUIDE_MARK,
    ID_LABEL,
    MARK,
    MARK_COLUMN,
    META,
    PEOPLE,
    PERIOD_KINDS,
    ROUNDINGS,
    SEC_BASIS,
    SEC_BUDGET,
    SEC_CONTACTS,
    SEC_DESCRIPTION,
    SEC_DRAFT,
    SEC_EFFECTS,
    SEC_EXPECTED,
    SEC_OVERVIEW,
    SEC_SCHEDULE,
    SEC_SETTLEMENT,
    SETTLEMENT_HEAD,
    SETTLEMENT_KEYS,
    TEXTS,
    WIDTH,
    f_available,
    f_balance,
    f_change,
    f_project_total,
    f_rate,
    f_sum,
    path_text,
)
from budgetdoc.model.document import Document, Path, Project, cell_name

# --------------------------------------------------------------------------- writing


def _amount_format(decimals: int) -> str:
    if decimals <= 0:
        return AMOUNT_FORMAT
    zeros = "0" * decimals
    return f"#,##0.{zeros};△#,##0.{zeros}"


@dataclass
class _Sheet:
    """What one project sheet is written from: a project, or nothing (an empty form)."""

    name: str
    project: Project | None
    year: int
    source: str = ""
    head: str = ""


class _Writer:
    def __init__(self, ws: Any, year: int, decimals: int) -> None:

        self.ws = ws
        self.year = year
        self.row = 0
        self.decimals = decimals
        self.formulas: list[tuple[str, str, str]] = []  # (path, formula, stated value)
        self.amounts: list[str] = []  # cells that take whole numbers ≥ 0
        self.signed: list[str] = []  # whole numbers, negative allowed
        self.lists: dict[tuple[str, ...], list[str]] = {}
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.label_fill = PatternFill("solid", fgColor="EDEDED")
        self.section_fill = PatternFill("solid", fgColor="D9E1F2")
        self.required_fill = PatternFill("solid", fgColor="FFF2CC")  # cells that must be filled in
        self.font = Font(name=FONT, size=10)
        self.bold = Font(name=FONT, size=10, bold=True)
        self.lines: dict[int, int] = {}  # row → the lines its longest wrapped text needs
        self.sections: set[int] = set()  # the rows of section headings
        self.wrap = Alignment(wrap_text=True, vertical="center")
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def next(self) -> int:
        self.row += 1
        return self.row

    def merge(self, r: int, first: int, last: int) -> None:
        """Merge a row's cells; the anchor loses its border (openpyxl's cost per bordered merge is high)."""
        self.ws.cell(r, first).border = Border()
        self.ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)

    def label(self, r: int, c: int, text: str) -> None:
        cell = self.ws.cell(r, c)
        cell.value = text
        cell.data_type = "s"
        cell.fill = self.label_fill
        cell.font = self.bold
        cell.alignment = self.center
        cell.border = self.border

    def text(self, r: int, c: int, value: str | None, merge_to: int = 0, required: bool = False) -> None:

        cell = self.ws.cell(r, c)
        if value is not None and value != "":
            cell.value = value
            cell.data_type = "s"  # a text that starts with '=' stays text
            width = sum(COLUMN_WIDTHS[c - 1 : max(merge_to, c)])
            self.lines[r] = max(self.lines.get(r, 1), -(-_display_width(value) // max(width - 2, 1)))
        cell.number_format = "@"
        cell.font = self.font
        cell.alignment = self.wrap
        cell.border = self.border
        cell.protection = Protection(locked=False)
        if required:
            cell.fill = self.required_fill
        if merge_to > c:
            self.merge(r, c, merge_to)

    def number(self, r: int, c: int, value: int | None, signed: bool = False, year: bool = False) -> None:

        cell = self.ws.cell(r, c)
        cell.value = value
        cell.number_format = "0" if year else AMOUNT_FORMAT
        cell.font = self.font
        cell.border = self.border
        cell.protection = Protection(locked=False)
        if not year:
            (self.signed if signed else self.amounts).append(cell.coordinate)

    def choice(
        self, r: int, c: int, value: str | None, options: tuple[str, ...], strict: bool = True, required: bool = False
    ) -> None:
        self.text(r, c, value, required=required)
        self.lists.setdefault((*options, "" if strict else "*"), []).append(cell_name(r, c))

    def formula(
        self, r: int, c: int, formula: str, path: Path, stated: int | Decimal | None, rate: bool = False
    ) -> None:
        cell = self.ws.cell(r, c)
        cell.value = formula
        cell.number_format = _amount_format(self.decimals) if rate else AMOUNT_FORMAT
        cell.border = self.border
        cell.font = self.bold
        self.formulas.append((path_text(path), formula, "" if stated is None else _number_text(stated)))

    def section(self, title: str) -> int:
        r = self.next()
        self.sections.add(r)
        self.label(r, 1, title)
        self.ws.cell(r, 1).fill = self.section_fill
        self.merge(r, 1, WIDTH)
        return r

    def header(self, labels: tuple[str, ...]) -> int:
        r = self.next()
        for c, text in enumerate(labels, 1):
            self.label(r, c, text)
        if len(labels) < WIDTH:
            self.merge(r, len(labels), WIDTH)
        return r

    def bullets(self, name: str, lines: list[str], blank: int) -> None:
        """A label, then one row per ○ line (at least one row, so that an empty list still shows)."""
        rows = list(lines) + [""] * blank or [""]
        for i, line in enumerate(rows):
            r = self.next()
            if i == 0:
                self.label(r, 1, name)
            self.text(r, 2, line, WIDTH)


def _number_text(value: int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _write_project(w: _Writer, project: Project | None, year: int, blank: int) -> None:
    """The form, top to bottom; ``blank`` empty rows where lists are filled in."""
    p = project
    o = p.overview if p else None
    r = w.next()
    w.label(r, 1, "사업명")
    w.text(r, 2, p.title if p else "", WIDTH, required=True)
    r = w.next()
    w.label(r, 1, "회계연도")
    w.number(r, 2, p.fiscal_year if p else year, year=True)
    # The id is shown, for staff to see which project a sheet is, and locked once set:
    # ``diff`` follows a project by it across renames, so it is changed in the YAML, not
    # typed over in a workbook. An empty one (a template, a project without id) may be filled in.
    w.label(r, 3, ID_LABEL)
    w.text(r, 4, p.id if p else None, WIDTH)
    if p and p.id is not None:
        w.ws.cell(r, 4).protection = Protection(locked=True)
    r = w.next()
    conv = p.conventions if p else None
    w.label(r, 1, "증감률 소수 자릿수")
    w.number(r, 2, conv.rate_decimals if conv else 0, year=True)
    w.label(r, 3, "산출근거 환산")
    w.choice(r, 4, CHOICE_WORDS[conv.formula_rounding if conv else "exact"], tuple(CHOICE_WORDS[k] for k in ROUNDINGS))
    w.label(r, 5, "집행잔액 계산")
    w.choice(
        r, 6, CHOICE_WORDS[conv.settlement_balance if conv else BALANCES[0]], tuple(CHOICE_WORDS[k] for k in BALANCES)
    )
    w.merge(r, 6, WIDTH)

    # A draft made by rollover is shown, not hidden: its 할 일 are for staff to read, and
    # deleting these rows is how they say the draft is checked (``check`` warns until then).
    if p and p.draft is not None:
        w.section(SEC_DRAFT)
        r = w.next()
        w.label(r, 1, "원본 문서")
        w.text(r, 2, p.draft.source, WIDTH)
        w.bullets("할 일", list(p.draft.todo), 0)

    w.section(SEC_OVERVIEW)
    r = w.next()
    account = o.account if o else ""
    kind = (
        "" if not o else ("일반회계" if account == "일반회계" else "기금" if account.endswith("기금") else "특별회계")
    )
    w.label(r, 1, "회계")
    w.choice(r, 2, kind, ACCOUNT_KINDS, required=True)
    w.label(r, 3, "회계명")
    w.text(r, 4, "" if kind == "일반회계" else account, WIDTH)
    r = w.next()
    w.label(r, 1, "사업기간")
    w.choice(r, 2, o.period.kind if o else "", PERIOD_KINDS, strict=False, required=True)
    w.label(r, 3, "시작 연도")
    w.number(r, 4, o.period.start if o else None, year=True)
    w.label(r, 5, "종료 연도")
    w.number(r, 6, o.period.end if o else None, year=True)
    w.merge(r, 6, WIDTH)
    w.bullets("사업내용", list(o.summary) if o else [], blank)
    r = w.next()
    w.label(r, 1, "사업비(당해년도)")
    w.formula(r, 2, f_project_total(r + 1), ("overview", "total"), o.total if o else None)
    w.label(r, 3, "국비 + 시비 (구비·기타는 예산 외)")
    w.merge(r, 3, WIDTH)
    r = w.next()
    for i, (key, name) in enumerate(FUNDS):
        w.label(r, 1 + 2 * i, name)
        w.number(r, 2 + 2 * i, getattr(o.funding, key) if o else None)

    w.section(SEC_CONTACTS)
    c = p.contacts if p else None
    r = w.next()
    w.label(r, 1, "실·국")
    w.text(r, 2, c.office if c else "", 4, required=True)
    w.label(r, 5, "부서명")
    w.text(r, 6, c.department if c else "", WIDTH, required=True)
    for key, name in PEOPLE:
        person = getattr(c, key) if c else None
        r = w.next()
        w.label(r, 1, name)
        w.text(r, 2, person.name if person else "", 4, required=True)
        w.label(r, 5, "전화")
        w.text(r, 6, person.phone if person else "", WIDTH)

    w.section(SEC_BUDGET)
    w.header(("구분", f"{year - 1}예산액(A)", f"{year}예산액(B)", "증감(B-A)", "(B-A)*100/A"))
    total_row = w.next()
    items = list(p.budget.items) if p else []
    first, last = total_row + 1, total_row + max(len(items) + (blank if not p else 0), 1)
    stated_total = p.budget.total if p else None
    w.label(total_row, 1, "계")
    for col, key in ((2, "previous"), (3, "current")):
        value = getattr(stated_total, key) if stated_total else None
        w.formula(total_row, col, f_sum("BC"[col - 2], first, last), ("budget", "total", key), value)
    w.formula(
        total_row, 4, f_change(total_row), ("budget", "total", "change"), stated_total.change if stated_total else None
    )
    w.formula(
        total_row, 5, f_rate(total_row), ("budget", "total", "rate"), stated_total.rate if stated_total else None, True
    )
    for i in range(last - first + 1):
        item = items[i] if i < len(items) else None
        r = w.next()
        w.text(r, 1, item.name if item else "")
        w.number(r, 2, item.previous if item else None)
        w.number(r, 3, item.current if item else None)
        w.formula(r, 4, f_change(r), ("budget", "items", i, "change"), item.change if item else None)
        w.formula(r, 5, f_rate(r), ("budget", "items", i, "rate"), item.rate if item else None, True)

    w.section(SEC_BASIS)
    w.header(("과목", "구분", "내용", "산식(원)", "금액(천원)"))
    wrote = False
    for i, item in enumerate(items):
        for j, line in enumerate(item.basis):
            r = w.next()
            wrote = True
            w.text(r, 1, item.name if j == 0 else "")
            w.choice(r, 2, "○", ("○", "-"))
            w.text(r, 3, line.label)
            w.text(r, 4, line.formula)
            base: Path = ("budget", "items", i, "basis", j)
            if line.parts and all(part.amount is not None for part in line.parts):
                w.formula(r, 5, f_sum("E", r + 1, r + len(line.parts)), (*base, "amount"), line.amount)
            else:  # a part left to its formula: the sheet cannot sum it, the checks do
                w.number(r, 5, line.amount, signed=True)
            for part in line.parts:
                r = w.next()
                w.text(r, 1, "")
                w.choice(r, 2, "-", ("○", "-"))
                w.text(r, 3, part.label)
                w.text(r, 4, part.formula)
                w.number(r, 5, part.amount, signed=True)
    for _ in range(blank if not p or not wrote else 0):
        r = w.next()
        w.text(r, 1, "")
        w.choice(r, 2, "", ("○", "-"))
        w.text(r, 3, "")
        w.text(r, 4, "")
        w.number(r, 5, None, signed=True)

    w.section(SEC_DESCRIPTION)
    d = p.description if p else None
    for key, name in TEXTS:
        w.bullets(name, list(getattr(d, key)) if d else [], blank)

    w.section(SEC_SCHEDULE)
    w.header(("사업추진절차", "추진기간", "예산집행금액", "추진세부내용"))
    sched = p.schedule if p else None
    rows = list(sched.rows) if sched else []
    total = w.next()
    count = len(rows) + (blank if not p else 0)
    w.label(total, 1, "계")
    w.formula(total, 3, f_sum("C", total + 1, total + count), ("schedule", "total"), sched.total if sched else None)
    for i in range(count):
        row = rows[i] if i < len(rows) else None
        r = w.next()
        w.text(r, 1, row.step if row else "")
        w.text(r, 2, row.period if row else "")
        w.number(r, 3, row.amount if row else None)
        w.text(r, 4, row.detail if row else "", WIDTH)

    w.section(SEC_EFFECTS)
    w.header(("연도", "추진실적"))
    achievements = dict(p.effects.achievements) if p else {y: [] for y in range(year - 3, year)}
    for y, bullets in achievements.items():
        for k, bullet in enumerate(list(bullets) + [""] * (blank if not p else 0) or [""]):
            r = w.next()
            if k == 0:
                w.number(r, 1, y, year=True)
            else:
                w.text(r, 1, "")
            w.text(r, 2, bullet, WIDTH)
    w.section(SEC_EXPECTED)
    w.bullets("기대효과", list(p.effects.expected) if p else [], blank)

    w.section(SEC_SETTLEMENT)
    w.header(SETTLEMENT_HEAD)
    settlement = list(p.settlement) if p else [None, None, None]
    for i, s in enumerate(settlement):
        r = w.next()
        w.number(r, 1, s.year if s else year - 4 + i, year=True)
        for col, key in enumerate(SETTLEMENT_KEYS[1:], 2):
            value = getattr(s, key) if s else None
            if key == "available":
                w.formula(r, col, f_available(r), ("settlement", i, key), value)
            elif key == "balance":
                w.formula(r, col, f_balance(r), ("settlement", i, key), value)
            else:
                w.number(r, col, value, signed=key == "change")


COLUMN_WIDTHS = (20, 16, 22, 22, 16, 14, 14, 14)  # columns A..H, in characters
ROW_HEIGHT = 16.5  # points, one line of 10-point text
PRINT_SCALE = 72  # percent: the eight columns within an A4 landscape page, in LibreOffice and Excel
PAGE_HEIGHT = (8.27 - 2 * 0.75) * 72  # points of rows on an A4 landscape page, inside the margins


def _display_width(text: str) -> int:
    """Characters as a column width counts them: a Hangul or other wide character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _prompt(dv: DataValidation, title: str, text: str) -> None:
    dv.promptTitle, dv.prompt, dv.showInputMessage = title, text, True


def _finish_sheet(w: _Writer) -> None:

    ws = w.ws
    for col, width in zip("ABCDEFGH", COLUMN_WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    # Rows as tall as their wrapped text; a page break before a section heading that would
    # otherwise stand at the foot of a page, apart from its table. The scale is fixed (a program
    # ignores page breaks when it fits the sheet to pages), so where pages end is known here.
    page = PAGE_HEIGHT / (PRINT_SCALE / 100)
    used = 0.0
    for r in range(1, w.row + 1):
        height = ROW_HEIGHT * w.lines.get(r, 1)
        ws.row_dimensions[r].height = height
        keep = height + sum(ROW_HEIGHT * w.lines.get(k, 1) for k in range(r + 1, min(r + 4, w.row + 1)))
        if r in w.sections and used and used + keep > page:
            ws.row_breaks.append(Break(id=r - 1))
            used = 0.0
        elif used + height > page:  # the page ends here of itself
            used = 0.0
        used += height
    ws.freeze_panes = "B2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE  # eight columns, legible: the form is wide
    ws.page_setup.scale = PRINT_SCALE
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.print_area = f"A1:H{w.row}"
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = True  # the lines of merged cells, which carry no border
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.oddFooter.center.text = "&P / &N"
    if w.amounts:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.errorTitle, dv.showErrorMessage = "0 이상의 정수(천원)를 넣으세요.", "금액", True
        _prompt(dv, "금액 (천원)", "천원 단위 정수를 넣습니다. 예: 30000 (3천만 원)")
        dv.sqref = " ".join(w.amounts)
        ws.add_data_validation(dv)
    if w.signed:
        dv = DataValidation(type="whole", operator="between", formula1="-999999999999", formula2="999999999999")
        dv.error, dv.errorTitle, dv.showErrorMessage = "정수(천원)를 넣으세요.", "금액", True
        _prompt(dv, "금액 (천원)", "천원 단위 정수를 넣습니다. 감액은 음수로(-1500), △1,500으로 보입니다")
        dv.allow_blank = True
        dv.sqref = " ".join(w.signed)
        ws.add_data_validation(dv)
    for options, cells in w.lists.items():
        strict = options[-1] == ""
        values = ",".join(options[:-1])
        dv = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
        dv.showErrorMessage = True
        dv.errorStyle = "stop" if strict else "warning"
        dv.error = f"다음 중 하나를 고르세요: {values}"
        _prompt(dv, "목록에서 고르기", f"칸 오른쪽의 ▼를 눌러 고릅니다: {values}"[:255])
        dv.sqref = " ".join(cells)
        ws.add_data_validation(dv)
    # A guide, not security: labels and formulas are locked, rows may still be added.
    ws.protection.sheet = True
    ws.protection.insertRows = False
    ws.protection.deleteRows = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


GUIDE_LINES = (
    "사업설명서 작성요령 (부서 작성용)",
    "",
    "1. 사업마다 시트 하나입니다. 시트 이름(탭)은 사업명 등으로 바꾸어도 되고, 순서를 바꾸거나 복사해도 됩니다.",
    "   쓰지 않는 사업 시트는 그대로 두거나 지웁니다. 비어 있는 시트는 읽지 않습니다.",
    "2. 노란 칸은 꼭 채웁니다. 회색 칸은 이름표, 굵은 숫자 칸은 자동 계산(수식)이라 잠겨 있습니다.",
    "3. 금액은 천원 단위 정수로 넣습니다 (30000 = 3천만 원). 글자로 넣은 숫자('30,000)도 읽지만 시트의 합계가",
    "   계산되지 않으니 숫자로 넣으세요. 산출근거 줄의 감액과 예산변경은 음수로 넣으면 △로 보입니다.",
    "4. 회계, 사업기간, 산출근거 환산, 집행잔액 계산은 칸 오른쪽의 ▼를 눌러 목록에서 고릅니다.",
    "5. 산출근거의 산식은 원 단위로 씁니다. 예:",
    "     150,000원×17명×2회        (86,666원×8명×12월) - 8,680,000원        15,300,000원 X 30/100 X 2회",
    "   산식의 값이 천원으로 나누어떨어지지 않으면 '산출근거 환산'에서 고른 방식(내림·올림·반올림)으로 맞춥니다.",
    "6. 줄이 모자라면 행을 넣습니다 (사업내용, 산출근거, 추진일정, 추진실적 등의 목록). 병합된 칸은 풀거나 옮기지 마세요.",
    "7. 다 채우면 저장해 예산 부서에 보냅니다. 예산 부서는 합계·증감·산식을 모두 검산하고, 틀린 칸을",
    "   '시트!칸' (예: 사업1!C22)과 그 칸의 이름으로 알려 드립니다.",
)


def _guide(wb: Workbook) -> None:
    """The 작성요령 sheet, first: what a department needs to fill the form without a manual."""
    ws = wb.create_sheet(GUIDE, 0)
    ws.column_dimensions["A"].width = 110
    for r, line in enumerate(GUIDE_LINES, 1):
        cell = ws.cell(r, 1)
        cell.value = line
        cell.data_type = "s"
        cell.font = Font(name=FONT, size=14 if r == 1 else 11, bold=r == 1)
        ws.row_dimensions[r].height = 24 if r == 1 else 18
    mark = ws.cell(1, MARK_COLUMN)
    mark.value = GUIDE_MARK
    mark.data_type = "s"
    ws.column_dimensions[cell_name(1, MARK_COLUMN)[:-1]].hidden = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.protection.sheet = True


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unused sheet name from a project title (31 characters at most)."""
    base = _BAD_SHEET_CHARS.sub("_", title).strip("'") or "사업"
    name, n = base[:31], 1
    while name.casefold() in taken or name.casefold() in (META.casefold(), GUIDE.casefold()):  # as Excel compares
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _workbook(sheets: list[_Sheet], blank: int) -> bytes:

    wb = Workbook()
    wb.remove(wb.active)
    meta_rows: list[tuple[str, ...]] = [("format", FORMAT_VERSION)]
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        decimals = sheet.project.conventions.rate_decimals if sheet.project else 0
        w = _Writer(ws, sheet.year, decimals)
        _write_project(w, sheet.project, sheet.year, blank)
        _finish_sheet(w)
        # The sheet is known by this mark, not by its tab: a clerk renames tabs, reorders and copies sheets.
        key = hashlib.sha256(f"{sheet.source}\0{sheet.name}".encode()).hexdigest()[:16]
        mark = ws.cell(1, MARK_COLUMN)
        mark.value = f"{MARK} {key}"
        mark.data_type = "s"
        ws.column_dimensions[cell_name(1, MARK_COLUMN)[:-1]].hidden = True
        meta_rows.append(("sheet", key, sheet.source, sheet.head, sheet.name))
        meta_rows.extend(("formula", key, path, formula, stated) for path, formula, stated in w.formulas)
    _guide(wb)
    meta = wb.create_sheet(META)
    for row in meta_rows:
        meta.append(list(row))
        for cell in meta[meta.max_row]:
            cell.data_type = "s"
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 1 if sheets else 0  # the first project sheet; the guide is one tab to the left
    out = io.BytesIO()
    wb.save(out)
    return fixed_times(out.getvalue())


def fixed_times(data: bytes) -> bytes:
    """Same content, same bytes: the document properties carry a fixed date, the zip entries fixed times."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = stamp.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()


def export_workbook(documents: list[tuple[Document, str, str]]) -> bytes:
    """A workbook with one sheet per ``(document, source file, YAML head)``."""
    taken: set[str] = set()
    sheets = [
        _Sheet(sheet_name(doc.project.title, taken), doc.project, doc.project.fiscal_year, source, head)
        for doc, source, head in documents
    ]
    return _workbook(sheets, 0)


def template_workbook(year: int, count: int = 1, blank: int = 5) -> bytes:
    """An empty form with ``count`` project sheets, ``blank`` empty rows in every list."""
    names = [f"사업{i}" for i in range(1, count + 1)]
    return _workbook([_Sheet(n, None, year) for n in names], blank)
