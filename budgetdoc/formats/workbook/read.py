"""Reading a workbook made by :mod:`budgetdoc.formats.workbook.write` back into a project.

Every problem is reported at its sheet and cell. What must not be opened is refused
before openpyxl parses anything: files that are not workbooks, encrypted ones, macros
and external links (never run, never followed). Formula cells must hold the formula the
form puts there; the value they state is their cached value, else the one recorded in
the hidden sheet, and the checks recompute it.

Longer than most modules: reading back every part of the form, with the refusals of hostile
workbooks at their cells.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError

from budgetdoc.formats.load import LoadError, _limited, _shape_problems, provisional
from budgetdoc.formats.reading import Refused, read_file
from budgetdoc.formats.workbook import xlsx
from budgetdoc.formats.workbook.form import (
    ACCOUNT_KINDS,
    BALANCES,
    CHOICE_WORDS,
    FUNDS,
    GUIDE_MARK,
    ID_LABEL,
    MARK,
    MARK_COLUMN,
    MAX_PARTS,
    MAX_ROWS,
    MAX_SHEET_XML,
    MAX_SHEETS,
    MAX_UNPACKED,
    META,
    PEOPLE,
    READABLE_VERSIONS,
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
    SECTIONS,
    SETTLEMENT_HEAD,
    SETTLEMENT_KEYS,
    TEXTS,
    WIDTH,
    f_available,
    f_balance,
    f_balance_v1,
    f_change,
    f_project_total,
    f_rate,
    f_sum,
    path_text,
    to_yaml,
)
from budgetdoc.model import labels
from budgetdoc.model.document import Document, Path, Problem, Project, SourceMap, cell_name
from budgetdoc.names import shown_path

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
    trust_cached: bool = True  # False when numbers typed as text kept the sheet's formulas from computing
    text_numbers: list[tuple[int, int]] = field(default_factory=list)  # cells whose number is text

    def add(self, r: int, c: int, rule: str, message: str, path: Path = ()) -> None:
        self.problems.append(Problem(self.file, r, c, rule, message, path_text(path), sheet=self.sheet))

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
        if path:  # () is a cell read for the row it belongs to, not a field of its own
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
            # A number typed or pasted as text ('30,000', '△15,000', ' 120000 ', full-width digits)
            # is read as YAML reads it; the model's messages apply to it from here.
            text = unicodedata.normalize("NFKC", value).strip()
            if _TEXT_NUMBER.fullmatch(text):
                self.text_numbers.append((r, c))
                return text
            self.add(
                r, c, "wrong-type", f"숫자 칸에 글 '{_shown(value)}'이(가) 있습니다 (예: 30,000 또는 △1,500)", path
            )
            return None
        self.add(r, c, "wrong-type", f"숫자 칸에 {type(value).__name__} 값이 있습니다", path)
        return None

    def formula(self, r: int, c: int, expected: str, path: Path, older: tuple[str, ...] = ()) -> str | None:
        """The value a formula cell states: its cached value, else the one recorded at export.

        ``older``: formulas an older form put in the cell, accepted too.
        """
        self.values[path] = (r, c)
        cell = self.cells.get((r, c))
        if cell is None or cell.value is None or cell.value == "":
            return None
        if cell.cached is cell.value:  # a typed value in place of the formula: the stated value
            return self.scalar(r, c, cell.value, path)
        if not self.trust_cached or (isinstance(cell.cached, str) and cell.cached.startswith("#")):
            cell = _Cell(cell.value, None)  # what the spreadsheet computed says nothing: the checks compute it
        if _norm_formula(str(cell.value)) not in {_norm_formula(f) for f in (expected, *older)}:
            self.add(
                r,
                c,
                "xlsx-formula",
                f"수식이 양식과 다릅니다: {_shown(str(cell.value))} (양식의 수식: {expected})",
                path,
            )
            return None
        recorded = self.stated.get(path_text(path))
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


_CODES = {words: code for code, words in CHOICE_WORDS.items()}


def _code(text: str | None) -> str | None:
    """A convention as the form shows it in Korean (``올림 (ceil)``) → its code (``ceil``)."""
    return None if text is None else _CODES.get(" ".join(text.split()), text)


_TEXT_NUMBER = re.compile(r"[-△−▲]?\s*(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


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
    rd.merges.add(f"D{r}:H{r}")
    if rd.get(r, 3) not in (None, "") or rd.get(r, 4) not in (None, ""):  # older workbooks have no id cell
        rd.expect_label(r, 3, ID_LABEL)
        project_id = rd.text(r, 4, ("id",), WIDTH)
        if project_id is not None:
            data["id"] = project_id
    r = rd.next()
    if r != 3:
        raise _Abort
    rd.expect_label(r, 1, "증감률 소수 자릿수")
    rd.expect_label(r, 3, "산출근거 환산")
    rd.expect_label(r, 5, "집행잔액 계산")
    rd.merges.add("F3:H3")
    conventions = {
        "rate_decimals": rd.number(r, 2, ("conventions", "rate_decimals")) or "0",
        "formula_rounding": _code(rd.text(r, 4, ("conventions", "formula_rounding"))) or "exact",
        "settlement_balance": _code(rd.text(r, 6, ("conventions", "settlement_balance"))) or BALANCES[0],
    }
    try:
        rd.decimals = max(0, min(4, int(conventions["rate_decimals"])))
    except ValueError:
        rd.decimals = 0
    if conventions != {"rate_decimals": "0", "formula_rounding": "exact", "settlement_balance": BALANCES[0]}:
        data["conventions"] = conventions

    if rd.at_section() and str(rd.peek()).strip() == SEC_DRAFT:
        rd.section(SEC_DRAFT)
        rd.values[("draft",)] = (rd.row, 1)
        r = rd.next()
        rd.expect_label(r, 1, "원본 문서")
        data["draft"] = {
            "source": rd.text(r, 2, ("draft", "source"), WIDTH) or "",
            "todo": _read_bullets(rd, "할 일", ("draft", "todo")),
        }

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
    rd.values[("overview", "funding")] = (r, 4)  # a problem with the split as a whole: at 시비, the budget's share
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
    rd.values[("schedule", "rows")] = (total_row, 3)  # the rows' sum as a whole: at their 계
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
    rd.values[("effects", "achievements")] = (rd.row, 1)
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
    rd.values[("settlement",)] = (rd.row, 1)
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
                value = rd.formula(r, c, f_balance(r), (*base, key), older=(f_balance_v1(r),))
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
    """The bytes of a workbook file, or :class:`LoadError` (exit 2) when it cannot be read (as a data source reads it)."""
    file = shown_path(path)
    try:
        return read_file(path, workbook=True)
    except Refused as exc:
        raise _unreadable(file, exc.message) from None


@functools.lru_cache(maxsize=2)
def _open(data: bytes, file: str) -> list[xlsx.Sheet]:
    """Every worksheet, read once, after refusing what must not be opened."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _unreadable(file, "암호가 걸린 통합 문서이거나 옛 .xls 형식입니다 — 암호를 풀고 .xlsx로 저장하세요")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unpacked = sum(i.file_size for i in archive.infolist())
        biggest = max((i.file_size for i in archive.infolist() if i.filename.endswith(".xml")), default=0)
        parts = len(archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _unreadable(file, "엑셀 통합 문서(.xlsx)가 아닙니다") from None
    if "xl/workbook.xml" not in names:
        raise _unreadable(file, "엑셀 통합 문서(.xlsx)가 아닙니다 (xl/workbook.xml이 없습니다)")
    if unpacked > MAX_UNPACKED or biggest > MAX_SHEET_XML or parts > MAX_PARTS:
        limit = f"최대 통합 문서 {MAX_UNPACKED:,}바이트, 시트 하나 {MAX_SHEET_XML:,}바이트"
        raise _unreadable(file, f"통합 문서의 압축을 풀면 너무 큽니다 ({limit})")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _bad(file, "xlsx-macro", "매크로가 든 통합 문서는 읽지 않습니다 — 매크로 없이 .xlsx로 저장하세요")
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise _bad(
            file, "xlsx-external", "다른 파일을 가리키는 외부 연결이 있어 읽지 않습니다 — 연결을 끊고 저장하세요"
        )
    try:
        sheets = xlsx.read_sheets(archive, MAX_ROWS)
    except xlsx.XlsxError as exc:
        raise _unreadable(file, f"통합 문서를 열 수 없습니다: {exc}") from None
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as exc:  # a damaged archive or part
        raise _unreadable(file, f"통합 문서를 열 수 없습니다 ({type(exc).__name__})") from None
    if len(sheets) > MAX_SHEETS:
        raise _bad(file, "file-size", f"시트가 너무 많습니다 (최대 {MAX_SHEETS}개)")
    return sheets


@dataclass(frozen=True)
class _Record:
    """What the hidden sheet says of one project sheet."""

    source: str  # the YAML file it was exported from ("" for a template)
    head: str  # the comment lines of that YAML
    formulas: dict[str, tuple[str, str]]  # path → (formula, stated)
    name: str = ""  # the sheet's name when it was written


def _meta(sheets: list[xlsx.Sheet], file: str) -> tuple[str, dict[str, _Record]]:
    """The form's version and its records of project sheets, by mark (by tab name in version 1)."""
    meta = next((s for s in sheets if s.name == META), None)
    if meta is None:
        raise _bad(
            file,
            "xlsx-layout",
            f"숨은 시트 '{META}'가 없습니다 — export나 template으로 만든 통합 문서가 아니거나 시트를 지웠습니다",
        )
    version = None
    records: dict[str, _Record] = {}
    for row in meta.rows():
        cells = ["" if v is None else str(v) for v in row] + [""] * 6
        if cells[0] == "format":
            version = cells[1]
        elif cells[0] == "sheet":
            records[cells[1]] = _Record(cells[2], _comments(cells[3]), {}, cells[4] if version != "1" else cells[1])
        elif cells[0] == "formula" and cells[1] in records:
            records[cells[1]].formulas[cells[2]] = (cells[3], cells[4])
    if version not in READABLE_VERSIONS:
        raise _bad(
            file,
            "xlsx-layout",
            f"통합 문서 형식 {version}은(는) 읽을 수 없습니다 (읽을 수 있는 형식: {', '.join(READABLE_VERSIONS)})",
        )
    return str(version), records


def _comments(head: str) -> str:
    """The YAML head the hidden sheet recorded, if it is comment lines only; else nothing.

    It is written at the top of the imported YAML: anything but comments there (typed into
    the hidden sheet) would become data the workbook never showed.
    """
    lines = head.splitlines(keepends=True)
    return head if all(line.startswith("#") for line in lines) else ""


@dataclass(frozen=True)
class ImportedSheet:
    """One sheet of a workbook: a project read before and after validation, or why it was skipped."""

    sheet: str
    source: str  # the YAML file it was exported from ("" for a template)
    head: str  # the comment lines of that YAML
    document: Document | None
    problems: list[Problem]
    skipped: str = ""  # why the sheet holds no project ("비어 있어 건너뜁니다"); then it is not one
    partial: Document | None = None  # with problems: the project its empty text cells filled in, to check


def _mark(sheet: xlsx.Sheet) -> str | None:
    value = sheet.value(1, MARK_COLUMN)
    if isinstance(value, str) and value.startswith(MARK + " "):
        return value[len(MARK) + 1 :].strip()
    return None


@functools.lru_cache(maxsize=2)
def _read_all(data: bytes, file: str) -> tuple[ImportedSheet, ...]:
    """Every sheet of a workbook, in tab order, read once per process (discovery and loading share it).

    A sheet is a project sheet by the form's mark in its hidden column, not by its tab's
    name: renamed, reordered and copied sheets are read (the first sheet with a mark gets
    that mark's record; a copy is a new project). Empty sheets, sheets that are not the
    form and form sheets where nothing was entered are skipped, each with its reason.
    A form sheet deleted from the workbook is not missed.
    """
    sheets = [s for s in _open(data, file) if s.name != META]
    version, records = _meta(_open(data, file), file)
    keys = [_mark(s) if version != "1" else s.name if s.name in records else None for s in sheets]
    owners = {
        key: _owner(
            records[key].name if key in records else "", [s for s, k in zip(sheets, keys, strict=True) if k == key]
        )
        for key in set(keys)
        if key
    }
    out = []
    for sheet, key in zip(sheets, keys, strict=True):
        if sheet.value(1, MARK_COLUMN) == GUIDE_MARK:
            continue  # the form's own 작성요령 sheet
        record = records.get(key) if key and owners[key] is sheet else None
        if not sheet.cells:
            out.append(ImportedSheet(sheet.name, "", "", None, [], "비어 있어 건너뜁니다"))
            continue
        if key is None and sheet.value(1, 1) != "사업명":
            out.append(ImportedSheet(sheet.name, "", "", None, [], "양식이 아닌 시트라 읽지 않습니다"))
            continue
        record = record or _Record("", "", {})
        out.append(_read_sheet(sheet, file, record))
    return tuple(out)


_COPY = re.compile(r".*(?: \([0-9]+\)|_[0-9]+)$")  # Excel names a copy "X (2)", LibreOffice "X_2"


def _owner(name: str, sheets: list[xlsx.Sheet]) -> xlsx.Sheet:
    """Of the sheets that carry one mark (an original and its copies), the one its record is about.

    The sheet still named as exported, else the first whose name is not a copy's, else the first.
    """
    named = [s for s in sheets if s.name == name]
    originals = [s for s in sheets if not _COPY.match(s.name)]
    return (named or originals or sheets)[0]


def read_workbook(data: bytes, file: str, only: str | None = None) -> list[ImportedSheet]:
    """The project sheets of a workbook (or the sheet ``only``); raises :class:`LoadError` for the workbook as a whole."""
    return [s for s in _read_all(data, file) if not s.skipped and (only is None or s.sheet == only)]


def skipped_sheets(data: bytes, file: str) -> list[tuple[str, str]]:
    """The sheets that hold no project, with why: ``[("Sheet2", "비어 있어 건너뜁니다")]``."""
    return [(s.sheet, s.skipped) for s in _read_all(data, file) if s.skipped]


def _read_sheet(sheet: xlsx.Sheet, file: str, record: _Record) -> ImportedSheet:
    name = sheet.name
    if sheet.beyond:
        message = f"시트의 행이 너무 많습니다 ({sheet.beyond:,}행, 최대 {MAX_ROWS:,}행)"
        problem = Problem(file, MAX_ROWS + 1, 1, "file-size", message, sheet=name)
        return ImportedSheet(name, record.source, record.head, None, [problem])
    cells: dict[tuple[int, int], _Cell] = {}
    problems: list[Problem] = []
    for (r, c), cell in sorted(sheet.cells.items()):
        if cell.formula:
            formula = str(cell.value)
            if "[" in formula or "!" in formula:
                problems.append(
                    Problem(
                        file,
                        r,
                        c,
                        "xlsx-external",
                        f"수식이 다른 시트나 파일을 가리킵니다: {_shown(formula)}",
                        sheet=name,
                    )
                )
                continue
            cells[(r, c)] = _Cell(formula, cell.cached)
        elif c <= WIDTH:
            cells[(r, c)] = _Cell(cell.value, cell.value)
        elif (r, c) != (1, MARK_COLUMN):
            problems.append(
                Problem(
                    file,
                    r,
                    c,
                    "xlsx-layout",
                    f"양식 밖(H열 오른쪽)의 칸에 값이 있습니다: {_shown(cell.value)}",
                    sheet=name,
                )
            )
    rd, data = _read_cells(file, name, cells, sheet.max_row, record, problems, True)
    notes: tuple[Problem, ...] = ()
    if rd.text_numbers:
        # The spreadsheet's totals could not add up text: read again without its computed values.
        rd, data = _read_cells(file, name, cells, sheet.max_row, record, problems, False)
        shown = ", ".join(cell_name(r, c) for r, c in rd.text_numbers[:5])
        more = f" 외 {len(rd.text_numbers) - 5}칸" if len(rd.text_numbers) > 5 else ""
        r, c = rd.text_numbers[0]
        notes = (
            Problem(
                file,
                r,
                c,
                "xlsx-text-number",
                f"숫자가 글로 들어 있는 칸 {len(rd.text_numbers)}개({shown}{more})는 그 값으로 읽었지만, 엑셀의 "
                "합계·증감 수식은 글을 계산하지 못합니다 — 숫자로 다시 넣으세요",
                severity="warning",
                sheet=name,
            ),
        )
    if data is not None and not rd.problems and not _entered(data):
        return ImportedSheet(name, record.source, record.head, None, [], "입력한 값이 없어 건너뜁니다")
    for merged in sheet.merges:
        if xlsx.merge_name(merged) not in rd.merges:
            rd.add(
                merged[0],
                merged[1],
                "xlsx-merge",
                f"병합된 셀 {xlsx.merge_name(merged)}이(가) 양식과 다릅니다 — 병합을 풀거나 옮기지 마세요",
            )
    source_map = SourceMap(file, rd.values, {}, name)
    year = _year(data)
    if rd.problems or data is None:
        return ImportedSheet(name, record.source, record.head, None, _limited(_worded(rd.problems, year)))
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        shape = [dataclasses.replace(p, sheet=name) for p in _shape_problems(exc, source_map)]
        partial = provisional(data, exc)
        document = Document(partial, source_map, notes) if partial is not None else None
        return ImportedSheet(name, record.source, record.head, None, _limited(_worded(shape, year)), partial=document)
    return ImportedSheet(name, record.source, record.head, Document(project, source_map, notes), [])


def _read_cells(
    file: str,
    name: str,
    cells: dict[tuple[int, int], _Cell],
    max_row: int,
    record: _Record,
    problems: list[Problem],
    trust_cached: bool,
) -> tuple[_Reader, dict[str, Any] | None]:
    rd = _Reader(file, name, cells, max_row, record.formulas, list(problems), trust_cached=trust_cached)
    data: dict[str, Any] | None = None
    try:
        data = _read_project(rd)
    except _Abort:
        if not any(p.rule.startswith("xlsx-") for p in rd.problems):
            rd.add(rd.row, 1, "xlsx-layout", "양식의 구성이 달라 더 읽을 수 없습니다")
    return rd, data


def _year(data: dict[str, Any] | None) -> int | None:
    try:
        return int(str((data or {}).get("fiscal_year")))
    except ValueError:
        return None


def _worded(problems: list[Problem], year: int | None) -> list[Problem]:
    """The problems in the form's words: the label beside the cell, not the YAML path."""
    return [dataclasses.replace(p, message=labels.in_form_words(p.message, p.field, year)) for p in problems]


_DEFAULTS = {"fiscal_year", "conventions"}


def _entered(data: Any, key: str = "") -> bool:
    """Whether anything was entered in the form: a value beyond the years and conventions it comes with."""
    if key in _DEFAULTS:
        return False
    if isinstance(data, dict):
        return any(_entered(v, str(k)) for k, v in data.items())
    if isinstance(data, list):
        return any(_entered(v) for v in data)
    return data not in (None, "")


def load_workbook_document(path: str, sheet: str, data: bytes | None = None, display: str | None = None) -> Document:
    """The project on ``sheet`` of a workbook, for ``check`` and ``build``; raises :class:`LoadError`."""
    file = shown_path(display or path)
    raw = data if data is not None else read_bytes(path)
    found = read_workbook(raw, file, only=sheet or None)
    if sheet and not found:
        raise _bad(file, "xlsx-layout", f"시트 '{_shown(sheet)}'가 없습니다", sheet=sheet)
    if not sheet and not found:
        skipped = ", ".join(f"{name}: {why}" for name, why in skipped_sheets(raw, file))
        raise _bad(
            file, "xlsx-layout", "통합 문서에 사업이 적힌 시트가 없습니다" + (f" ({skipped})" if skipped else "")
        )
    if not sheet and len(found) != 1:
        raise _bad(file, "xlsx-layout", f"통합 문서에 사업 시트가 {len(found)}개 있습니다")
    imported = found[0]
    if imported.document is None:
        raise LoadError(imported.problems, imported.partial)
    return imported.document


def project_sheets(data: bytes, file: str = "") -> list[str]:
    """The project sheets of a workbook's bytes; ``[]`` when it cannot be read (loading it says why)."""
    try:
        return [s.sheet for s in read_workbook(data, file)]
    except LoadError:
        return []


def import_workbook(data: bytes, file: str) -> Iterator[tuple[ImportedSheet, str | None]]:
    """Each project of a workbook with its YAML (``None`` when it has problems)."""
    for imported in read_workbook(data, file):
        if imported.document is None:
            yield imported, None
        else:
            yield imported, to_yaml(imported.document.project, imported.head)
