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

:func:`to_yaml` is the canonical YAML writer: every section written, explicitly empty
when empty, so that YAML → workbook → YAML gives back the same bytes.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError

from .legacy import _Flow, dump
from .load import LoadError, _limited, _shape_problems
from .model import Document, Path, Problem, Project, SourceMap, cell_name
from .names import shown_path

FORMAT_VERSION = "1"
META = "_budgetdoc"
MAX_ROWS = 5_000  # rows of one project sheet
MAX_SHEETS = 500
MAX_BYTES = 20 * 1024 * 1024  # the workbook file
MAX_UNPACKED = 200 * 1024 * 1024  # all its parts, unpacked
WIDTH = 8  # columns A..H
AMOUNT_FORMAT = "#,##0;△#,##0"
ACCOUNT_KINDS = ("일반회계", "특별회계", "기금")
PERIOD_KINDS = ("연례반복", "계속", "한시")
ROUNDINGS = ("exact", "floor", "ceil", "half-up")
BALANCES = ("available-spent-carried", "available-spent")

SEC_OVERVIEW = "1. 기본 현황 — 사업개요"
SEC_CONTACTS = "사업 담당자"
SEC_BUDGET = "2. 예산 설명 — 예산 총괄 (단위: 천원, %)"
SEC_BASIS = "산출근거 (산식: 원, 금액: 천원)"
SEC_DESCRIPTION = "3. 사업설명"
SEC_SCHEDULE = "추진일정 (단위: 천원)"
SEC_EFFECTS = "4. 사업효과 — 최근 3년 추진실적"
SEC_EXPECTED = "향후 기대효과"
SEC_SETTLEMENT = "5. 최근 3년 결산 현황 (단위: 천원)"
SECTIONS = (
    SEC_OVERVIEW,
    SEC_CONTACTS,
    SEC_BUDGET,
    SEC_BASIS,
    SEC_DESCRIPTION,
    SEC_SCHEDULE,
    SEC_EFFECTS,
    SEC_EXPECTED,
    SEC_SETTLEMENT,
)
PEOPLE = (("director", "과장"), ("team_leader", "팀장"), ("officer", "주무관"))
TEXTS = (("purpose", "사업목적"), ("legal_basis", "사업근거"), ("content", "사업내용"), ("history", "추진경위"))
SETTLEMENT_HEAD = ("연도", "최종예산", "전년이월", "예산변경", "예산현액", "집행액", "차년이월", "집행잔액")
SETTLEMENT_KEYS = (
    "year",
    "final_budget",
    "carried_in",
    "change",
    "available",
    "spent",
    "carried_out",
    "balance",
)
FUNDS = (("national", "국비"), ("city", "시비"), ("district", "구비"), ("other", "기타"))


class WorkbookError(Exception):
    """Writing a workbook failed (a file that cannot be written)."""


# --------------------------------------------------------------------------- canonical YAML


def project_data(project: Project) -> dict[str, Any]:
    """The project as plain data in the canonical shape: every section, explicitly empty when empty."""

    def person(p: Any) -> _Flow:
        out = _Flow(name=p.name)
        if p.phone:
            out["phone"] = p.phone
        return out

    def stated(record: Any, keys: tuple[str, ...]) -> dict[str, Any]:
        return {k: getattr(record, k) for k in keys if getattr(record, k) is not None}

    o = project.overview
    data: dict[str, Any] = {"fiscal_year": project.fiscal_year, "title": project.title}
    conventions = project.conventions.model_dump()
    if conventions != type(project.conventions)().model_dump():
        data["conventions"] = conventions
    period: dict[str, Any] = {"kind": o.period.kind, **stated(o.period, ("start", "end"))}
    overview: dict[str, Any] = {"account": o.account, "period": period, "summary": list(o.summary)}
    if o.total is not None:
        overview["total"] = o.total
    overview["funding"] = {k: getattr(o.funding, k) for k, _ in FUNDS}
    data["overview"] = overview
    c = project.contacts
    data["contacts"] = {
        "office": c.office,
        "department": c.department,
        **{k: person(getattr(c, k)) for k, _ in PEOPLE},
    }
    budget: dict[str, Any] = {}
    if project.budget.total is not None:
        budget["total"] = _Flow(stated(project.budget.total, ("previous", "current", "change", "rate")))
    items = []
    for item in project.budget.items:
        entry = {"name": item.name, **stated(item, ("previous", "current", "change", "rate"))}
        basis = []
        for line in item.basis:
            b = {"label": line.label, **stated(line, ("formula", "amount"))}
            if line.parts:
                b["parts"] = [{"label": p.label, **stated(p, ("formula", "amount"))} for p in line.parts]
            basis.append(b)
        entry["basis"] = basis
        items.append(entry)
    budget["items"] = items
    data["budget"] = budget
    d = project.description
    data["description"] = {k: list(getattr(d, k)) for k, _ in TEXTS}
    schedule: dict[str, Any] = {}
    if project.schedule.total is not None:
        schedule["total"] = project.schedule.total
    schedule["rows"] = [
        {"step": r.step, "period": r.period, "amount": r.amount, "detail": r.detail} for r in project.schedule.rows
    ]
    data["schedule"] = schedule
    data["effects"] = {
        "achievements": {year: list(lines) for year, lines in project.effects.achievements.items()},
        "expected": list(project.effects.expected),
    }
    data["settlement"] = [_Flow(stated(s, SETTLEMENT_KEYS)) for s in project.settlement]
    return data


def to_yaml(project: Project, head: str = "") -> str:
    """The canonical YAML of ``project``, after the comment lines ``head``."""
    return head + dump(project_data(project))


def yaml_head(text: str) -> str:
    """The comment lines at the head of a YAML file (such as the schema line for editors)."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line if line.endswith("\n") else line + "\n")
    return "".join(lines)


# --------------------------------------------------------------------------- the layout


def _amount_format(decimals: int) -> str:
    if decimals <= 0:
        return AMOUNT_FORMAT
    zeros = "0" * decimals
    return f"#,##0.{zeros};△#,##0.{zeros}"


def f_change(r: int) -> str:
    """증감 (B−A) of row ``r``."""
    return f"=C{r}-B{r}"


def f_rate(r: int) -> str:
    """증감률 of row ``r``: 100 when A = 0 < B, 0 when both are 0, else rounded to the sheet's decimals (B3)."""
    return f"=IF(B{r}=0,IF(C{r}=0,0,100),ROUND((C{r}-B{r})*100/B{r},$B$3))"


def f_sum(col: str, first: int, last: int) -> str:
    """The sum of ``col`` over rows ``first``..``last`` (``=0`` for no rows)."""
    return f"=SUM({col}{first}:{col}{last})" if last >= first else "=0"


def f_project_total(r: int) -> str:
    """사업비 (당해년도) = 국비 + 시비 of the funding row ``r``."""
    return f"=B{r}+D{r}"


def f_available(r: int) -> str:
    """예산현액 = 최종예산 + 전년이월 + 예산변경."""
    return f"=B{r}+C{r}+D{r}"


def f_balance(r: int) -> str:
    """집행잔액 by the convention chosen in F3."""
    return f'=IF($F$3="available-spent",E{r}-F{r},E{r}-F{r}-G{r})'


# --------------------------------------------------------------------------- writing


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
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

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
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="center")
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def next(self) -> int:
        self.row += 1
        return self.row

    def merge(self, r: int, first: int, last: int) -> None:
        """Merge a row's cells; the anchor loses its border (openpyxl's cost per bordered merge is high)."""
        from openpyxl.styles import Border

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

    def text(self, r: int, c: int, value: str | None, merge_to: int = 0) -> None:
        from openpyxl.styles import Protection

        cell = self.ws.cell(r, c)
        if value is not None and value != "":
            cell.value = value
            cell.data_type = "s"  # a text that starts with '=' stays text
        cell.number_format = "@"
        cell.alignment = self.wrap
        cell.border = self.border
        cell.protection = Protection(locked=False)
        if merge_to > c:
            self.merge(r, c, merge_to)

    def number(self, r: int, c: int, value: int | None, signed: bool = False, year: bool = False) -> None:
        from openpyxl.styles import Protection

        cell = self.ws.cell(r, c)
        cell.value = value
        cell.number_format = "0" if year else AMOUNT_FORMAT
        cell.border = self.border
        cell.protection = Protection(locked=False)
        if not year:
            (self.signed if signed else self.amounts).append(cell.coordinate)

    def choice(self, r: int, c: int, value: str | None, options: tuple[str, ...], strict: bool = True) -> None:
        self.text(r, c, value)
        self.lists.setdefault((*options, "" if strict else "*"), []).append(cell_name(r, c))

    def formula(
        self, r: int, c: int, formula: str, path: Path, stated: int | Decimal | None, rate: bool = False
    ) -> None:
        cell = self.ws.cell(r, c)
        cell.value = formula
        cell.number_format = _amount_format(self.decimals) if rate else AMOUNT_FORMAT
        cell.border = self.border
        cell.font = self.bold
        self.formulas.append((_path_text(path), formula, "" if stated is None else _number_text(stated)))

    def section(self, title: str) -> int:
        r = self.next()
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


def _path_text(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _number_text(value: int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _write_project(w: _Writer, project: Project | None, year: int, blank: int) -> None:
    """The form, top to bottom; ``blank`` empty rows where lists are filled in."""
    p = project
    o = p.overview if p else None
    r = w.next()
    w.label(r, 1, "사업명")
    w.text(r, 2, p.title if p else "", WIDTH)
    r = w.next()
    w.label(r, 1, "회계연도")
    w.number(r, 2, p.fiscal_year if p else year, year=True)
    r = w.next()
    conv = p.conventions if p else None
    w.label(r, 1, "증감률 소수 자릿수")
    w.number(r, 2, conv.rate_decimals if conv else 0, year=True)
    w.label(r, 3, "산출근거 환산")
    w.choice(r, 4, conv.formula_rounding if conv else "exact", ROUNDINGS)
    w.label(r, 5, "집행잔액 계산")
    w.choice(r, 6, conv.settlement_balance if conv else BALANCES[0], BALANCES)
    w.merge(r, 6, WIDTH)

    w.section(SEC_OVERVIEW)
    r = w.next()
    account = o.account if o else ""
    kind = (
        "" if not o else ("일반회계" if account == "일반회계" else "기금" if account.endswith("기금") else "특별회계")
    )
    w.label(r, 1, "회계")
    w.choice(r, 2, kind, ACCOUNT_KINDS)
    w.label(r, 3, "회계명")
    w.text(r, 4, "" if kind == "일반회계" else account, WIDTH)
    r = w.next()
    w.label(r, 1, "사업기간")
    w.choice(r, 2, o.period.kind if o else "", PERIOD_KINDS, strict=False)
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
    w.text(r, 2, c.office if c else "", 4)
    w.label(r, 5, "부서명")
    w.text(r, 6, c.department if c else "", WIDTH)
    for key, name in PEOPLE:
        person = getattr(c, key) if c else None
        r = w.next()
        w.label(r, 1, name)
        w.text(r, 2, person.name if person else "", 4)
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
                w.number(r, 5, line.amount)
            for part in line.parts:
                r = w.next()
                w.text(r, 1, "")
                w.choice(r, 2, "-", ("○", "-"))
                w.text(r, 3, part.label)
                w.text(r, 4, part.formula)
                w.number(r, 5, part.amount)
    for _ in range(blank if not p or not wrote else 0):
        r = w.next()
        w.text(r, 1, "")
        w.choice(r, 2, "", ("○", "-"))
        w.text(r, 3, "")
        w.text(r, 4, "")
        w.number(r, 5, None)

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


def _finish_sheet(w: _Writer) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = w.ws
    for col, width in zip("ABCDEFGH", (20, 16, 22, 22, 16, 14, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "B2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = True  # the lines of merged cells, which carry no border
    ws.page_margins.left = ws.page_margins.right = 0.5
    if w.amounts:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.errorTitle, dv.showErrorMessage = "0 이상의 정수(천원)를 넣으세요.", "금액", True
        dv.sqref = " ".join(w.amounts)
        ws.add_data_validation(dv)
    if w.signed:
        dv = DataValidation(type="whole", operator="between", formula1="-999999999999", formula2="999999999999")
        dv.error, dv.errorTitle, dv.showErrorMessage = "정수(천원)를 넣으세요.", "금액", True
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
        dv.sqref = " ".join(cells)
        ws.add_data_validation(dv)
    # A guide, not security: labels and formulas are locked, rows may still be added.
    ws.protection.sheet = True
    ws.protection.insertRows = False
    ws.protection.deleteRows = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unused sheet name from a project title (31 characters at most)."""
    base = _BAD_SHEET_CHARS.sub("_", title).strip("'") or "사업"
    name, n = base[:31], 1
    while name.casefold() in taken or name == META:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _workbook(sheets: list[_Sheet], blank: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    meta_rows: list[tuple[str, ...]] = [("format", FORMAT_VERSION)]
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        decimals = sheet.project.conventions.rate_decimals if sheet.project else 0
        w = _Writer(ws, sheet.year, decimals)
        _write_project(w, sheet.project, sheet.year, blank)
        _finish_sheet(w)
        meta_rows.append(("sheet", sheet.name, sheet.source, sheet.head))
        meta_rows.extend(("formula", sheet.name, path, formula, stated) for path, formula, stated in w.formulas)
    meta = wb.create_sheet(META)
    for row in meta_rows:
        meta.append(list(row))
        for cell in meta[meta.max_row]:
            cell.data_type = "s"
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """Same projects, same bytes: the document properties carry a fixed date, the zip fixed times."""
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


# --------------------------------------------------------------------------- reading


@dataclass
class _Cell:
    value: Any  # what the cell holds (a formula as its text)
    cached: Any  # a formula cell's cached value, else the value


@dataclass
class _Reader:
    file: str
    sheet: str
    cells: dict[tuple[int, int], _Cell]
    max_row: int
    stated: dict[str, tuple[str, str]]  # path → (formula, stated) from the hidden sheet
    problems: list[Problem] = field(default_factory=list)
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    merges: set[str] = field(default_factory=set)
    row: int = 0
    decimals: int = 0  # of rates, as the sheet states them

    def add(self, r: int, c: int, rule: str, message: str, path: Path = ()) -> None:
        self.problems.append(Problem(self.file, r, c, rule, message, _path_text(path), sheet=self.sheet))

    def get(self, r: int, c: int) -> Any:
        cell = self.cells.get((r, c))
        return None if cell is None else cell.value

    def peek(self) -> Any:
        return self.get(self.row + 1, 1)

    def next(self) -> int:
        self.row += 1
        return self.row

    def at_section(self) -> bool:
        return isinstance(self.peek(), str) and self.peek().strip() in SECTIONS

    def blank(self, r: int) -> bool:
        return all(self.get(r, c) in (None, "") for c in range(1, WIDTH + 1))

    def expect_label(self, r: int, c: int, label: str) -> bool:
        got = self.get(r, c)
        if not isinstance(got, str) or got.strip() != label:
            shown = "빈 칸" if got in (None, "") else f"'{_shown(got)}'"
            self.add(r, c, "xlsx-layout", f"이 칸에는 '{label}'이(가) 있어야 하는데 {shown}이(가) 있습니다")
            return False
        return True

    def section(self, title: str) -> None:
        r = self.next()
        if self.expect_label(r, 1, title):
            self.merges.add(f"A{r}:H{r}")
        else:
            raise _Abort

    def header(self, labels: tuple[str, ...]) -> None:
        r = self.next()
        for c, label in enumerate(labels, 1):
            if label and not isinstance(self.get(r, c), str):
                self.expect_label(r, c, label)
        if len(labels) < WIDTH:
            self.merges.add(f"{cell_name(r, len(labels))}:H{r}")

    # -- values

    def text(self, r: int, c: int, path: Path, merge_to: int = 0) -> str | None:
        if merge_to > c:
            self.merges.add(f"{cell_name(r, c)}:{cell_name(r, merge_to)}")
        value = self.get(r, c)
        self.values[path] = (r, c)
        if isinstance(value, str) and value.startswith("=") and self.cells[(r, c)].cached is not value:
            self.add(r, c, "xlsx-formula", "글 칸에는 수식을 쓸 수 없습니다", path)
            return None
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def number(self, r: int, c: int, path: Path) -> str | None:
        """An amount or a year, as text for the model to parse (so its messages apply)."""
        value = self.get(r, c)
        self.values[path] = (r, c)
        cell = self.cells.get((r, c))
        if cell is not None and cell.cached is not cell.value:  # a formula where a number is typed
            self.add(r, c, "xlsx-formula", f"이 칸에는 수식이 아닌 수를 넣어야 합니다 ({_shown(str(value))})", path)
            return None
        return self.scalar(r, c, value, path)

    def scalar(self, r: int, c: int, value: Any, path: Path) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.add(r, c, "wrong-type", f"숫자 칸에 참/거짓 값({value})이 있습니다", path)
            return None
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if value.is_integer():
                return str(int(value))
            return repr(value)
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, str):
            self.add(r, c, "wrong-type", f"숫자 칸에 글 '{_shown(value)}'이(가) 있습니다", path)
            return None
        self.add(r, c, "wrong-type", f"숫자 칸에 {type(value).__name__} 값이 있습니다", path)
        return None

    def formula(self, r: int, c: int, expected: str, path: Path) -> str | None:
        """The value a formula cell states: its cached value, else the one recorded at export."""
        self.values[path] = (r, c)
        cell = self.cells.get((r, c))
        if cell is None or cell.value is None or cell.value == "":
            return None
        if cell.cached is cell.value:  # a typed value in place of the formula: the stated value
            return self.scalar(r, c, cell.value, path)
        if _norm_formula(str(cell.value)) != _norm_formula(expected):
            self.add(
                r,
                c,
                "xlsx-formula",
                f"수식이 양식과 다릅니다: {_shown(str(cell.value))} (양식의 수식: {expected})",
                path,
            )
            return None
        recorded = self.stated.get(_path_text(path))
        if recorded and _norm_formula(recorded[0]) == _norm_formula(str(cell.value)):
            if not recorded[1]:
                return None  # the YAML left it to be computed, and so do the checks
            if cell.cached is None:
                return recorded[1]
        if cell.cached is None:
            return None
        if path[-1] == "rate" and isinstance(cell.cached, (int, float)) and not isinstance(cell.cached, bool):
            exponent = Decimal(1).scaleb(-self.decimals)
            return format(Decimal(repr(cell.cached)).quantize(exponent, rounding=ROUND_HALF_UP), "f")
        return self.scalar(r, c, cell.cached, path)


class _Abort(Exception):
    """The layout is broken beyond reading the rest of the sheet."""


def _norm_formula(text: str) -> str:
    return text.replace(" ", "").replace("$", "").upper()


def _shown(value: object, limit: int = 40) -> str:
    text = str(value).replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "…"


def _read_bullets(rd: _Reader, label: str, path: Path) -> list[str]:
    r = rd.next()
    rd.expect_label(r, 1, label)
    lines: list[str] = []

    def take(r: int, i: int) -> None:
        t = rd.text(r, 2, (*path, len(lines)), WIDTH)
        if t is not None:
            lines.append(t)

    take(r, 0)
    rd.values.setdefault(path, (r, 2))
    while not rd.at_section() and rd.row < rd.max_row and rd.get(rd.row + 1, 1) in (None, ""):
        take(rd.next(), len(lines))
    return lines


def _read_project(rd: _Reader) -> dict[str, Any]:
    data: dict[str, Any] = {}
    r = rd.next()
    rd.expect_label(r, 1, "사업명")
    data["title"] = rd.text(r, 2, ("title",), WIDTH)
    r = rd.next()
    rd.expect_label(r, 1, "회계연도")
    data["fiscal_year"] = rd.number(r, 2, ("fiscal_year",))
    r = rd.next()
    if r != 3:
        raise _Abort
    rd.expect_label(r, 1, "증감률 소수 자릿수")
    rd.expect_label(r, 3, "산출근거 환산")
    rd.expect_label(r, 5, "집행잔액 계산")
    rd.merges.add("F3:H3")
    conventions = {
        "rate_decimals": rd.number(r, 2, ("conventions", "rate_decimals")) or "0",
        "formula_rounding": rd.text(r, 4, ("conventions", "formula_rounding")) or "exact",
        "settlement_balance": rd.text(r, 6, ("conventions", "settlement_balance")) or BALANCES[0],
    }
    try:
        rd.decimals = max(0, min(4, int(conventions["rate_decimals"])))
    except ValueError:
        rd.decimals = 0
    if conventions != {"rate_decimals": "0", "formula_rounding": "exact", "settlement_balance": BALANCES[0]}:
        data["conventions"] = conventions

    rd.section(SEC_OVERVIEW)
    ov: dict[str, Any] = {}
    r = rd.next()
    rd.expect_label(r, 1, "회계")
    rd.expect_label(r, 3, "회계명")
    kind = rd.text(r, 2, ("overview", "account"))
    name = rd.text(r, 4, ("overview", "account_name"), WIDTH)
    if kind == "일반회계":
        ov["account"] = "일반회계"
        if name and name != "일반회계":
            rd.add(
                r, 4, "xlsx-account", f"일반회계에는 회계명을 쓰지 않습니다 ('{_shown(name)}')", ("overview", "account")
            )
    elif kind in ("특별회계", "기금"):
        ov["account"] = name
        rd.values[("overview", "account")] = (r, 4)
        if name is None:
            rd.add(r, 4, "missing-field", f"{kind}의 회계명이 비어 있습니다", ("overview", "account"))
    else:
        ov["account"] = None if kind is None else kind
        if kind is not None:
            rd.add(
                r, 2, "invalid-value", f"회계는 {', '.join(ACCOUNT_KINDS)} 중 하나여야 합니다", ("overview", "account")
            )
    r = rd.next()
    rd.expect_label(r, 1, "사업기간")
    rd.merges.add(f"F{r}:H{r}")
    period: dict[str, Any] = {"kind": rd.text(r, 2, ("overview", "period", "kind"))}
    for c, key in ((4, "start"), (6, "end")):
        value = rd.number(r, c, ("overview", "period", key))
        if value is not None:
            period[key] = value
    ov["period"] = period
    ov["summary"] = _read_bullets(rd, "사업내용", ("overview", "summary"))
    r = rd.next()
    rd.expect_label(r, 1, "사업비(당해년도)")
    rd.merges.add(f"C{r}:H{r}")
    total = rd.formula(r, 2, f_project_total(r + 1), ("overview", "total"))
    if total is not None:
        ov["total"] = total
    r = rd.next()
    funding = {}
    for i, (key, label) in enumerate(FUNDS):
        rd.expect_label(r, 1 + 2 * i, label)
        funding[key] = rd.number(r, 2 + 2 * i, ("overview", "funding", key))
    ov["funding"] = funding
    data["overview"] = ov

    rd.section(SEC_CONTACTS)
    contacts: dict[str, Any] = {}
    r = rd.next()
    rd.expect_label(r, 1, "실·국")
    rd.expect_label(r, 5, "부서명")
    contacts["office"] = rd.text(r, 2, ("contacts", "office"), 4)
    contacts["department"] = rd.text(r, 6, ("contacts", "department"), WIDTH)
    for key, label in PEOPLE:
        r = rd.next()
        rd.expect_label(r, 1, label)
        rd.expect_label(r, 5, "전화")
        person: dict[str, Any] = {"name": rd.text(r, 2, ("contacts", key, "name"), 4)}
        phone = rd.text(r, 6, ("contacts", key, "phone"), WIDTH)
        if phone is not None:
            person["phone"] = phone
        rd.values[("contacts", key)] = (r, 2)
        contacts[key] = person
    data["contacts"] = contacts

    rd.section(SEC_BUDGET)
    rd.header(("구분", "", "", "", ""))
    total_row = rd.next()
    rd.expect_label(total_row, 1, "계")
    item_rows: list[int] = []
    while not rd.at_section() and rd.row < rd.max_row:
        item_rows.append(rd.next())
    first, last = total_row + 1, (item_rows[-1] if item_rows else total_row)
    budget_total: dict[str, Any] = {}
    for col, key in ((2, "previous"), (3, "current")):
        budget_total[key] = rd.formula(total_row, col, f_sum("BC"[col - 2], first, last), ("budget", "total", key))
    budget_total["change"] = rd.formula(total_row, 4, f_change(total_row), ("budget", "total", "change"))
    budget_total["rate"] = rd.formula(total_row, 5, f_rate(total_row), ("budget", "total", "rate"))
    rd.values[("budget", "total")] = (total_row, 2)
    budget_total = {k: v for k, v in budget_total.items() if v is not None}
    items: list[dict[str, Any]] = []
    for r in item_rows:
        if rd.blank(r) or all(rd.get(r, c) in (None, "") for c in (1, 2, 3)):
            for c, f in ((4, f_change(r)), (5, f_rate(r))):  # an empty row of the form keeps its formulas
                value = rd.get(r, c)
                if value not in (None, "") and _norm_formula(str(value)) != _norm_formula(f):
                    rd.add(r, c, "xlsx-formula", f"수식이 양식과 다릅니다: {_shown(str(value))} (양식의 수식: {f})")
            continue
        i = len(items)
        base: Path = ("budget", "items", i)
        rd.values[base] = (r, 1)
        item: dict[str, Any] = {"name": rd.text(r, 1, (*base, "name"))}
        item["previous"] = rd.number(r, 2, (*base, "previous"))
        item["current"] = rd.number(r, 3, (*base, "current"))
        for c, key, f in ((4, "change", f_change(r)), (5, "rate", f_rate(r))):
            value = rd.formula(r, c, f, (*base, key))
            if value is not None:
                item[key] = value
        item["basis"] = []
        items.append(item)

    rd.section(SEC_BASIS)
    rd.header(("과목", "구분", "내용", "산식(원)", "금액(천원)"))
    current: int | None = None
    line: dict[str, Any] | None = None
    line_row = 0
    parts_rows: list[int] = []

    def close_line() -> None:
        if line is None or current is None:
            return
        j = len(items[current]["basis"]) - 1
        path: Path = ("budget", "items", current, "basis", j, "amount")
        if parts_rows:
            amount = rd.formula(line_row, 5, f_sum("E", parts_rows[0], parts_rows[-1]), path)
        else:
            amount = rd.number(line_row, 5, path)
        if amount is not None:
            line["amount"] = amount

    while not rd.at_section() and rd.row < rd.max_row:
        r = rd.next()
        if rd.blank(r):
            continue
        name = rd.text(r, 1, ())
        mark = rd.text(r, 2, ())
        if name is not None:
            found = [
                k for k in range(current + 1 if current is not None else 0, len(items)) if items[k]["name"] == name
            ]
            if not found:
                rd.add(r, 1, "xlsx-basis", f"예산 총괄에 없는 과목 '{_shown(name)}'입니다 (또는 순서가 다릅니다)")
                raise _Abort
            close_line()
            current, line = found[0], None
            parts_rows = []
        if current is None:
            rd.add(r, 1, "xlsx-basis", "산출근거의 첫 줄에는 과목 이름이 있어야 합니다")
            raise _Abort
        if mark == "-":
            if line is None:
                rd.add(r, 2, "xlsx-basis", "'-' 항목 위에 '○' 항목이 있어야 합니다")
                continue
            k = len(line.setdefault("parts", []))
            base = ("budget", "items", current, "basis", len(items[current]["basis"]) - 1, "parts", k)
            rd.values[base] = (r, 3)
            part: dict[str, Any] = {"label": rd.text(r, 3, (*base, "label"))}
            formula = rd.text(r, 4, (*base, "formula"))
            if formula is not None:
                part["formula"] = formula
            amount = rd.number(r, 5, (*base, "amount"))
            if amount is not None:
                part["amount"] = amount
            line["parts"].append(part)
            parts_rows.append(r)
            continue
        if mark != "○":
            rd.add(r, 2, "invalid-value", "구분은 '○'나 '-'여야 합니다")
            continue
        close_line()
        parts_rows = []
        j = len(items[current]["basis"])
        base = ("budget", "items", current, "basis", j)
        rd.values[base] = (r, 3)
        line = {"label": rd.text(r, 3, (*base, "label"))}
        formula = rd.text(r, 4, (*base, "formula"))
        if formula is not None:
            line["formula"] = formula
        items[current]["basis"].append(line)
        line_row = r
    close_line()
    data["budget"] = {**({"total": budget_total} if budget_total else {}), "items": items}
    rd.values[("budget", "items")] = (total_row + 1, 1)

    rd.section(SEC_DESCRIPTION)
    data["description"] = {key: _read_bullets(rd, label, ("description", key)) for key, label in TEXTS}

    rd.section(SEC_SCHEDULE)
    rd.header(("사업추진절차", "추진기간", "예산집행금액", "추진세부내용"))
    total_row = rd.next()
    rd.expect_label(total_row, 1, "계")
    rows_at: list[int] = []
    while not rd.at_section() and rd.row < rd.max_row:
        rows_at.append(rd.next())
    schedule: dict[str, Any] = {}
    end = rows_at[-1] if rows_at else total_row
    stotal = rd.formula(total_row, 3, f_sum("C", total_row + 1, end), ("schedule", "total"))
    if stotal is not None:
        schedule["total"] = stotal
    rows: list[dict[str, Any]] = []
    for r in rows_at:
        rd.merges.add(f"D{r}:H{r}")
        if rd.blank(r):
            continue
        base = ("schedule", "rows", len(rows))
        rd.values[base] = (r, 1)
        rows.append(
            {
                "step": rd.text(r, 1, (*base, "step")),
                "period": rd.text(r, 2, (*base, "period")) or "",
                "amount": rd.number(r, 3, (*base, "amount")),
                "detail": rd.text(r, 4, (*base, "detail"), WIDTH) or "",
            }
        )
    schedule["rows"] = rows
    data["schedule"] = schedule

    rd.section(SEC_EFFECTS)
    rd.header(("연도", "추진실적"))
    achievements: dict[str, list[str]] = {}
    year: str | None = None
    while not rd.at_section() and rd.row < rd.max_row:
        r = rd.next()
        if rd.get(r, 1) not in (None, ""):
            year = rd.number(r, 1, ("effects", "achievements"))
            if year is None:
                continue
            if year in achievements:
                rd.add(r, 1, "xlsx-duplicate", f"{year}년 추진실적이 두 번 있습니다", ("effects", "achievements", year))
            achievements.setdefault(year, [])
            rd.values[("effects", "achievements", year)] = (r, 1)
        line_text = rd.text(r, 2, (), WIDTH)
        if line_text is None:
            continue
        if year is None:
            rd.add(r, 1, "missing-field", "추진실적의 연도가 비어 있습니다")
            continue
        rd.values[("effects", "achievements", year, len(achievements[year]))] = (r, 2)
        achievements[year].append(line_text)
    rd.section(SEC_EXPECTED)
    data["effects"] = {
        "achievements": achievements,
        "expected": _read_bullets(rd, "기대효과", ("effects", "expected")),
    }

    rd.section(SEC_SETTLEMENT)
    rd.header(SETTLEMENT_HEAD)
    settlement: list[dict[str, Any]] = []
    while rd.row < rd.max_row:
        r = rd.next()
        if all(rd.get(r, c) in (None, "") for c in (2, 3, 4, 6, 7)):
            continue
        i = len(settlement)
        base = ("settlement", i)
        rd.values[base] = (r, 1)
        row: dict[str, Any] = {}
        for c, key in enumerate(SETTLEMENT_KEYS, 1):
            if key == "available":
                value = rd.formula(r, c, f_available(r), (*base, key))
            elif key == "balance":
                value = rd.formula(r, c, f_balance(r), (*base, key))
            else:
                value = rd.number(r, c, (*base, key))
            if value is not None or key not in ("available", "balance"):
                row[key] = value
        settlement.append(row)
    data["settlement"] = settlement
    return data


# --------------------------------------------------------------------------- opening a workbook


def _unreadable(file: str, message: str) -> LoadError:
    return LoadError([Problem(file, 1, 1, "unreadable", message)])


def _bad(file: str, rule: str, message: str, sheet: str = "", row: int = 1, col: int = 1) -> LoadError:
    return LoadError([Problem(file, row, col, rule, message, sheet=sheet)])


def read_bytes(path: str) -> bytes:
    """The bytes of a workbook file, or :class:`LoadError` (exit 2) when it cannot be read."""
    file = shown_path(path)
    try:
        with open(path, "rb") as fh:
            if not os.path.isfile(path):
                raise _unreadable(file, "일반 파일이 아닙니다")
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _unreadable(file, f"파일을 읽을 수 없습니다 ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise _unreadable(file, f"통합 문서가 너무 큽니다 (최대 {MAX_BYTES:,}바이트)")
    return data


@functools.lru_cache(maxsize=1)
def _open(data: bytes, file: str) -> tuple[Any, Any]:
    """Both views of the workbook (formulas, cached values), after refusing what must not be opened."""
    import openpyxl

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _unreadable(file, "암호가 걸린 통합 문서이거나 옛 .xls 형식입니다 — 암호를 풀고 .xlsx로 저장하세요")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _unreadable(file, "엑셀 통합 문서(.xlsx)가 아닙니다") from None
    if "xl/workbook.xml" not in names:
        raise _unreadable(file, "엑셀 통합 문서(.xlsx)가 아닙니다 (xl/workbook.xml이 없습니다)")
    if unpacked > MAX_UNPACKED:
        raise _unreadable(file, f"통합 문서의 압축을 풀면 너무 큽니다 (최대 {MAX_UNPACKED:,}바이트)")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _bad(file, "xlsx-macro", "매크로가 든 통합 문서는 읽지 않습니다 — 매크로 없이 .xlsx로 저장하세요")
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise _bad(
            file, "xlsx-external", "다른 파일을 가리키는 외부 연결이 있어 읽지 않습니다 — 연결을 끊고 저장하세요"
        )
    try:
        formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False)
        cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _unreadable(file, f"통합 문서를 열 수 없습니다 ({type(exc).__name__})") from None
    return formulas, cached


def _meta(wb: Any, file: str) -> tuple[list[tuple[str, str, str]], dict[str, dict[str, tuple[str, str]]]]:
    if META not in wb.sheetnames:
        raise _bad(
            file,
            "xlsx-layout",
            f"숨은 시트 '{META}'가 없습니다 — export나 template으로 만든 통합 문서가 아니거나 시트를 지웠습니다",
        )
    ws = wb[META]
    sheets: list[tuple[str, str, str]] = []
    formulas: dict[str, dict[str, tuple[str, str]]] = {}
    version = None
    for row in ws.iter_rows(values_only=True):
        cells = ["" if v is None else str(v) for v in row] + [""] * 5
        if cells[0] == "format":
            version = cells[1]
        elif cells[0] == "sheet":
            sheets.append((cells[1], cells[2], cells[3]))
        elif cells[0] == "formula":
            formulas.setdefault(cells[1], {})[cells[2]] = (cells[3], cells[4])
    if version != FORMAT_VERSION:
        raise _bad(
            file,
            "xlsx-layout",
            f"통합 문서 형식 {version}은(는) 읽을 수 없습니다 (읽을 수 있는 형식: {FORMAT_VERSION})",
        )
    return sheets, formulas


@dataclass(frozen=True)
class ImportedSheet:
    """One project read from a workbook, before and after validation."""

    sheet: str
    source: str  # the YAML file it was exported from ("" for a template)
    head: str  # the comment lines of that YAML
    document: Document | None
    problems: list[Problem]


def read_workbook(data: bytes, file: str, only: str | None = None) -> list[ImportedSheet]:
    """Every project sheet of a workbook (or the sheet ``only``); raises :class:`LoadError` for the workbook as a whole."""
    wb, cached_wb = _open(data, file)
    sheets, recorded = _meta(wb, file)
    problems: list[Problem] = []
    listed = {name for name, _, _ in sheets}
    for name in wb.sheetnames:
        if name != META and name not in listed:
            problems.append(
                Problem(
                    file,
                    1,
                    1,
                    "xlsx-layout",
                    f"양식에 없는 시트 '{_shown(name)}'입니다 — 시트 이름을 바꾸었나요?",
                    sheet=name,
                )
            )
    for name, _, _ in sheets:
        if name not in wb.sheetnames:
            problems.append(
                Problem(
                    file,
                    1,
                    1,
                    "xlsx-layout",
                    f"시트 '{_shown(name)}'가 없습니다 — 이름을 바꾸었거나 지웠습니다",
                    sheet=name,
                )
            )
    if problems:
        raise LoadError(problems)
    if len(sheets) > MAX_SHEETS:
        raise _bad(file, "file-size", f"시트가 너무 많습니다 (최대 {MAX_SHEETS}개)")
    out = []
    for name, source, head in sheets:
        if only is not None and name != only:
            continue
        out.append(_read_sheet(wb[name], cached_wb[name], file, name, source, head, recorded.get(name, {})))
    return out


def _read_sheet(
    ws: Any, cws: Any, file: str, name: str, source: str, head: str, recorded: dict[str, tuple[str, str]]
) -> ImportedSheet:
    if ws.max_row > MAX_ROWS:
        problem = Problem(
            file,
            MAX_ROWS + 1,
            1,
            "file-size",
            f"시트의 행이 너무 많습니다 ({ws.max_row:,}행, 최대 {MAX_ROWS:,}행)",
            sheet=name,
        )
        return ImportedSheet(name, source, head, None, [problem])
    cells: dict[tuple[int, int], _Cell] = {}
    problems: list[Problem] = []
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or not hasattr(cell, "column"):
                continue
            value = cell.value
            if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type != "s"):
                formula = str(value) if not hasattr(value, "text") else str(value.text)
                if "[" in formula or "!" in formula:
                    problems.append(
                        Problem(
                            file,
                            cell.row,
                            cell.column,
                            "xlsx-external",
                            f"수식이 다른 시트나 파일을 가리킵니다: {_shown(formula)}",
                            sheet=name,
                        )
                    )
                    continue
                cached = cws.cell(cell.row, cell.column).value
                cells[(cell.row, cell.column)] = _Cell(formula, cached)
            elif cell.column <= WIDTH:
                cells[(cell.row, cell.column)] = _Cell(value, value)
            else:
                problems.append(
                    Problem(
                        file,
                        cell.row,
                        cell.column,
                        "xlsx-layout",
                        f"양식 밖(H열 오른쪽)의 칸에 값이 있습니다: {_shown(value)}",
                        sheet=name,
                    )
                )
    rd = _Reader(file, name, cells, ws.max_row, recorded, problems)
    data: dict[str, Any] | None = None
    try:
        data = _read_project(rd)
    except _Abort:
        if not any(p.rule.startswith("xlsx-") for p in rd.problems):
            rd.add(rd.row, 1, "xlsx-layout", "양식의 구성이 달라 더 읽을 수 없습니다")
    for merged in ws.merged_cells.ranges:
        if str(merged) not in rd.merges:
            rd.add(
                merged.min_row,
                merged.min_col,
                "xlsx-merge",
                f"병합된 셀 {merged}이(가) 양식과 다릅니다 — 병합을 풀거나 옮기지 마세요",
            )
    source_map = SourceMap(file, rd.values, {}, name)
    if rd.problems or data is None:
        return ImportedSheet(name, source, head, None, _limited(rd.problems))
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        shape = [dataclasses.replace(p, sheet=name) for p in _shape_problems(exc, source_map)]
        return ImportedSheet(name, source, head, None, _limited(shape))
    return ImportedSheet(name, source, head, Document(project, source_map), [])


def load_workbook_document(path: str, sheet: str, data: bytes | None = None, display: str | None = None) -> Document:
    """The project on ``sheet`` of a workbook, for ``check`` and ``build``; raises :class:`LoadError`."""
    file = shown_path(display or path)
    raw = data if data is not None else read_bytes(path)
    found = read_workbook(raw, file, only=sheet or None)
    if sheet and not found:
        raise _bad(file, "xlsx-layout", f"시트 '{_shown(sheet)}'가 없습니다", sheet=sheet)
    if not sheet and len(found) != 1:
        raise _bad(file, "xlsx-layout", f"통합 문서에 사업 시트가 {len(found)}개 있습니다")
    imported = found[0]
    if imported.document is None:
        raise LoadError(imported.problems)
    return imported.document


def project_sheets(path: str) -> list[str]:
    """The project sheets of a workbook, by reading only its hidden sheet; ``[]`` when that fails."""
    import openpyxl

    try:
        data = read_bytes(path)
        if data[:2] != b"PK":
            return []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if any(
                n.lower().endswith("vbaproject.bin") or n.startswith("xl/externalLinks/") for n in archive.namelist()
            ):
                return []
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, keep_links=False)
        if META not in wb.sheetnames:
            return []
        names = [
            str(row[1]) for row in wb[META].iter_rows(values_only=True) if row and row[0] == "sheet" and len(row) > 1
        ]
        wb.close()
        return names
    except Exception:
        return []


def import_workbook(data: bytes, file: str) -> Iterator[tuple[ImportedSheet, str | None]]:
    """Each project of a workbook with its YAML (``None`` when it has problems)."""
    for imported in read_workbook(data, file):
        if imported.document is None:
            yield imported, None
        else:
            yield imported, to_yaml(imported.document.project, imported.head)


Writer = Callable[[str, bytes], None]


# --------------------------------------------------------------------------- commands


def _is_folder(out: str) -> bool:
    return out.endswith(("/", os.sep)) or os.path.isdir(out)


def export_paths(paths: list[str], out: str, notes: list[str] | None = None) -> list[tuple[str, bytes]]:
    """The workbooks ``export`` writes: ``[(path, bytes)]``; raises :class:`LoadError` with every problem found.

    One workbook for all projects, or with ``out`` a folder one per project, named and
    placed like the build's outputs.
    """
    from .load import load
    from .sources import discover

    sources = [s for s in discover(paths, notes) if not s.workbook]
    if not sources:
        raise _unreadable(shown_path(paths[0] if paths else "data"), "내보낼 YAML 파일이 없습니다")
    loaded: list[tuple[Document, str, str, str]] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            doc = load(source.path, within=source.root or None)
            with open(source.path, encoding="utf-8-sig") as fh:
                head = yaml_head(fh.read())
        except LoadError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append((doc, source.path, head, source.rel))
    if problems:
        raise LoadError(problems)
    if _is_folder(out):
        return [
            (os.path.join(out, rel + ".xlsx"), export_workbook([(doc, path, head)])) for doc, path, head, rel in loaded
        ]
    return [(out, export_workbook([(doc, path, head) for doc, path, head, _ in loaded]))]


def yaml_name(imported: ImportedSheet, workbook: str, count: int) -> str:
    """The file name an imported project is written to.

    Its source's name; for a filled form the workbook's (and the sheet's, when the
    workbook has several projects).
    """
    if imported.source:
        name = os.path.basename(imported.source.replace("\\", "/"))
        if name.lower().endswith((".yaml", ".yml")) and not name.startswith("."):
            return name
    stem = os.path.splitext(os.path.basename(workbook))[0]
    return (f"{stem}_{imported.sheet}" if count > 1 else stem).replace("/", "_") + ".yaml"
