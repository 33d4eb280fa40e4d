"""The published text format → project YAML.

Kept whole (about 1,000 lines): one grammar whose section readers all share its helpers.

A published 사업설명서 reaches us as extracted text: one line per paragraph or table
row, table cells separated by tabs, and a few leftovers of the extraction — ``(x-)``
in front of numbers, ``<ul …>`` and ``<input type="checkbox"/>`` markup, and the
``[사비]`` typo for ``[시비]``. :func:`import_text` reads it one section at a time and
writes YAML that keeps every value the text states (totals, differences, rates,
예산현액, 집행잔액), so that the checker audits the published numbers rather than
recomputing them.

Each section is read by one function that takes what it needs and returns its part of
the document: :func:`_budget` returns the fiscal year its (B) column names, and
:func:`_document` passes that year to 산출근거, 추진일정 and 결산 현황 explicitly. The
YAML itself is written by :mod:`budgetdoc.formats.yamlout`.

What the YAML cannot hold is checked here instead: the year of the (A) column of
예산 총괄, of 산출근거 and of 추진일정 must agree with the fiscal year. Malformed input
raises :class:`LegacyError` with every problem found, each at its 1-based line of
the input. Nothing is written to disk.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from budgetdoc.errors import EXIT_PROBLEMS, BudgetdocError
from budgetdoc.formats.load import LoadError, load_text, parse_yaml
from budgetdoc.formats.reading import Refused, read_file
from budgetdoc.formats.yamlout import Flow, dump
from budgetdoc.model import formula, numbers
from budgetdoc.model.document import Document, Problem, SourceMap


class LegacyError(BudgetdocError):
    """Input that is not the published text format; ``problems`` says where and what, all at once (exit 1)."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# --------------------------------------------------------------------------- lines and cells


@dataclass(frozen=True)
class _Cell:
    text: str  # stripped, markup removed
    line: int
    col: int


@dataclass(frozen=True)
class _Line:
    line: int
    text: str
    col: int = 1

    def cells(self) -> list[_Cell]:
        out: list[_Cell] = []
        start = 0
        for raw in self.text.split("\t"):
            lead = len(raw) - len(raw.lstrip())
            out.append(_Cell(_MARKUP.sub("", raw).strip(), self.line, start + lead + 1))
            start += len(raw) + 1
        return out


_Where = _Line | _Cell


class _PlacedInt(int):
    at: tuple[int, int]


class _PlacedDecimal(Decimal):
    at: tuple[int, int]


class _PlacedStr(str):
    at: tuple[int, int]


_PLACED: dict[type, type] = {int: _PlacedInt, Decimal: _PlacedDecimal, str: _PlacedStr}


_T = TypeVar("_T", int, Decimal, str)


def _placed(value: _T, where: _Where) -> _T:
    """``value`` remembering the line and column it was read from, until :func:`_plain` takes it off."""
    out = _PLACED[type(value)](value)
    out.at = (where.line, where.col)
    return out  # type: ignore[no-any-return]


def _plain(value: Any, path: tuple[str | int, ...], where: dict[tuple[str | int, ...], tuple[int, int]]) -> Any:
    """``value`` with plain ints, Decimals and strings again; their places go to ``where``.

    A mapping or list that was not placed itself stands where its first placed value does.
    """
    if isinstance(value, dict):
        out: dict[Any, Any] = Flow() if isinstance(value, Flow) else {}
        for key, item in value.items():
            key = _plain(key, (), {})
            out[key] = _plain(item, (*path, key), where)
    elif isinstance(value, list):
        out_list = [_plain(item, (*path, i), where) for i, item in enumerate(value)]
        inside = [where[(*path, i)] for i in range(len(value)) if (*path, i) in where]
        if inside and path not in where:
            where[path] = min(inside)
        return out_list
    else:
        at = getattr(value, "at", None)
        if at is not None:
            where[path] = at
        return _plain_scalar(value)
    inside = [where[(*path, k)] for k in out if (*path, k) in where]
    if inside and path not in where:
        where[path] = min(inside)
    return out


def _plain_scalar(value: Any) -> Any:
    for plain, placed in _PLACED.items():
        if isinstance(value, placed):
            return plain(value)
    return value


@dataclass
class _Section:
    key: str
    heading: _Line
    year: int | None = None
    lines: list[_Line] = field(default_factory=list)


_MARKUP = re.compile(r"</?(?:ul|li)\b[^>]*>", re.IGNORECASE)
_ARTEFACT = re.compile(r"^\(x-\)\s*")
_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_CHECKED = re.compile(r"\bchecked\b", re.IGNORECASE)
_YEARS = re.compile(r"\(?\s*(\d{4})\s*년?\s*[~∼〜\-]\s*(?:(\d{4})\s*년?)?\s*\)?$")
_YEAR = re.compile(r"(\d{4})")
_UNIT_LINE = re.compile(r"^\(\s*단위\s*:(.*)\)$")
_BRACKET = re.compile(r"\[([^\]]*)\]([^\[]*)")
_PHONE = r"[0-9()][0-9()\-]*[0-9]"
_PERSON = re.compile(rf"^(?P<name>.+?)\s+(?P<phone>{_PHONE})$")
_FORMULA_TOKEN = re.compile(
    r"(?:[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?:/[0-9]+)?[^\s0-9*×xX✕÷/+\-−–△▲()=,.]*|[*×xX✕÷/+\-−–△▲()])+"
)
_SPACED_UNIT = re.compile(r"[^\s0-9*×xX✕÷/+\-−–△▲()=,.]+\)*")
_OPERATOR = re.compile(r"[*×xX✕÷/+\-−–]")

_NUMBERED = {"기본현황": "part1", "예산설명": "part2", "사업설명": "part3", "사업효과": "part4"}
_BOXED = {"사업개요": "overview", "사업담당자": "contacts", "예산총괄": "budget", "향후기대효과": "expected"}
_PLAIN = {
    "산출근거": "basis",
    "사업목적": "purpose",
    "사업근거": "legal_basis",
    "사업내용": "content",
    "추진경위": "history",
}
_ORDER = [
    "part1",
    "overview",
    "contacts",
    "part2",
    "budget",
    "basis",
    "part3",
    "purpose",
    "legal_basis",
    "content",
    "history",
    "schedule",
    "part4",
    "achievements",
    "expected",
    "settlement",
]
_NAMES = {
    "part1": "1 기본 현황",
    "overview": "□ 사업개요",
    "contacts": "□ 사업 담당자",
    "part2": "2 예산 설명",
    "budget": "□ 예산 총괄",
    "basis": "산출근거",
    "part3": "3 사업설명",
    "purpose": "사업목적",
    "legal_basis": "사업근거",
    "content": "사업내용",
    "history": "추진경위",
    "schedule": "□ 추진일정",
    "part4": "4 사업효과",
    "achievements": "□ 최근 3년 추진실적",
    "expected": "□ 향후 기대효과",
    "settlement": "5 최근 3년 결산 현황",
}

_PATHS: dict[str, tuple[str, ...]] = {  # where each section's part stands in the YAML
    "overview": ("overview",),
    "contacts": ("contacts",),
    "budget": ("budget",),
    "basis": ("budget", "items"),
    "purpose": ("description", "purpose"),
    "legal_basis": ("description", "legal_basis"),
    "content": ("description", "content"),
    "history": ("description", "history"),
    "schedule": ("schedule",),
    "achievements": ("effects", "achievements"),
    "expected": ("effects", "expected"),
    "settlement": ("settlement",),
}

_NOT_EMPTY = ("overview", "contacts", "budget", "basis")  # sections that cannot be '해당 없음'

_FUNDS = {"국비": "national", "시비": "city", "사비": "city", "구비": "district", "기타": "other"}
_CONTACTS = {"실국": "office", "부서명": "department", "과장": "director", "팀장": "team_leader", "주무관": "officer"}
_CONTACT_NAMES = {
    "office": "실·국",
    "department": "부서명",
    "director": "과장",
    "team_leader": "팀장",
    "officer": "주무관",
}
_SETTLEMENT = {
    "최종예산": "final_budget",
    "전년이월": "carried_in",
    "예산변경": "change",
    "예산현액": "available",
    "집행액": "spent",
    "차년이월": "carried_out",
    "집행잔액": "balance",
}
_SETTLEMENT_OPTIONAL = ("available", "balance")


def _norm(text: str) -> str:
    """Text without spaces and middle dots, for matching labels: ``실·국`` → ``실국``."""
    return re.sub(r"[\s·ㆍ・.]+", "", text)


def _short(text: str) -> str:
    text = text.strip().replace("\t", " ")
    return text if len(text) <= 30 else text[:30] + "…"


def _not_applicable(sec: _Section) -> bool:
    """A section written as ``해당 없음`` (the form's way to say it does not apply)."""
    text = [_MARKUP.sub("", line.text).strip() for line in sec.lines]
    return [_norm(t).strip("-○•()") for t in text if not _UNIT_LINE.match(t)] == ["해당없음"]


def _heading(line: _Line) -> tuple[str, int | None] | None:
    """The section a heading line opens (and the year it names), or None for other lines."""
    if "\t" in line.text:
        return None
    text = line.text.strip()
    name = re.sub(r"\s+", "", text)
    if m := re.fullmatch(r"[1-9](.+)", name):
        if m[1] in _NUMBERED:
            return _NUMBERED[m[1]], None
        if re.fullmatch(r"최근\d+년결산현황", m[1]):
            return "settlement", None
    if name.startswith("□"):
        body = name[1:]
        if body in _BOXED:
            return _BOXED[body], None
        if m := re.fullmatch(r"(?:(\d{4})년도?)?추진일정", body):
            return "schedule", int(m[1]) if m[1] else None
        if re.fullmatch(r"최근\d+년추진실적", body):
            return "achievements", None
        return "unknown", None
    if name in _PLAIN:
        return _PLAIN[name], None
    return None


def _circles(text: str) -> list[str]:
    """``○ a ○ b`` → ``[a, b]``; text before the first ○ counts as an item too."""
    return [item.strip() for item in text.split("○") if item.strip()]


# --------------------------------------------------------------------------- the parser


@dataclass
class _Report:
    """Where problems go while one document is read; ``last`` is its last line with text."""

    file: str
    last: _Line
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    places: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)  # YAML path → line, column

    def error(self, at: _Where, rule: str, message: str) -> None:
        self.errors.append(Problem(self.file, at.line, at.col, rule, message))

    def warn(self, at: _Where, rule: str, message: str) -> None:
        self.warnings.append(Problem(self.file, at.line, at.col, rule, message, severity="warning"))


@dataclass
class _Budget:
    """What 예산 총괄 yields: its YAML part, the rate decimals, the fiscal year and every 과목 named."""

    data: dict[str, Any] = field(default_factory=dict)
    decimals: int = 0
    fiscal_year: int | None = None
    subjects: set[str] = field(default_factory=set)  # readable or not, for 산출근거


def _amount(r: _Report, cell: _Cell, what: str, required: bool = True) -> int | None:
    text = _ARTEFACT.sub("", cell.text).removesuffix("천원").strip()
    if not text:
        if required:
            r.error(cell, "legacy-missing", f"{what}: 값이 비어 있습니다")
        return None
    try:
        return _placed(numbers.parse_amount(text), cell)
    except ValueError:
        r.error(cell, "legacy-number", f"{what}: '{text}'은(는) 금액이 아닙니다")
        return None


def _rate(r: _Report, cell: _Cell, what: str) -> Decimal | None:
    text = _ARTEFACT.sub("", cell.text).strip()
    if not text:
        return None
    try:
        return _placed(numbers.parse_rate(text), cell)
    except ValueError:
        r.error(cell, "legacy-number", f"{what}: '{text}'은(는) 증감률이 아닙니다")
        return None


def _year(r: _Report, at: _Where, text: str, what: str) -> int | None:
    m = re.fullmatch(r"(\d{4})\s*(?:년도?)?", text.strip())
    if not m:
        r.error(at, "legacy-year", f"{what}: '{_short(text)}'에서 연도를 읽을 수 없습니다")
        return None
    value = int(m[1])
    if not 1900 <= value <= 2200:
        r.error(at, "legacy-year", f"{what}: 연도 {value}이(가) 범위(1900~2200)를 벗어났습니다")
        return None
    return _placed(value, at)


def _row(r: _Report, line: _Line, count: int, what: str, fixed: bool = False) -> list[_Cell] | None:
    """The cells of a table row: at least ``count``, and no more that hold text when ``fixed``."""
    cells = line.cells()
    if len(cells) < count:
        r.error(line, "legacy-cells", f"{what} 줄의 칸이 {len(cells)}개뿐입니다 ({count}칸이어야 합니다)")
        return None
    extra = [c for c in cells[count:] if c.text]
    if fixed and extra:
        r.error(extra[0], "legacy-cells", f"{what} 줄에 {count}칸 밖의 값이 있습니다: '{_short(extra[0].text)}'")
        return None
    return cells


def _table(r: _Report, sec: _Section) -> list[_Line]:
    """The rows of a table section, without its (단위 : 천원) line."""
    rows = []
    for line in sec.lines:
        m = _UNIT_LINE.match(line.text.strip())
        if m:
            if "천원" not in m[1]:
                r.error(line, "legacy-unit", f"{_NAMES[sec.key]}: 단위가 천원이 아닙니다: '{_short(m[1])}'")
            continue
        rows.append(line)
    return rows


def _header(r: _Report, sec: _Section, rows: list[_Line], first: str) -> _Line | None:
    if rows and _norm(rows[0].cells()[0].text) == first:
        return rows[0]
    if not rows and (sec.lines[-1] if sec.lines else sec.heading) is r.last:
        if sec.key != _ORDER[-1]:
            return None  # the sections after it are missing too: reported once, for the document
        r.error(
            r.last,
            "legacy-truncated",
            f"문서가 {r.last.line}행에서 끝났습니다 — {_NAMES[sec.key]} 표가 없습니다 (잘린 문서가 아닌지 확인하세요)",
        )
        return None
    at = rows[0] if rows else sec.heading
    r.error(at, "legacy-missing", f"{_NAMES[sec.key]}: 머리행('{first}'로 시작하는 줄)이 없습니다")
    return None


# ---------------------------------------------------------------- the document


def _document(text: str, file: str) -> tuple[dict[str, Any], _Report]:
    """The YAML data of one text document and the report of what was wrong with it."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [_Line(i, raw) for i, raw in enumerate(text.split("\n"), 1)]
    written = [line for line in lines if line.text.strip()]
    r = _Report(file, written[-1] if written else _Line(1, ""))
    title, sections = _split(r, lines)
    for key in _ORDER:
        if key in sections:
            continue
        later = [sections[k].heading for k in _ORDER[_ORDER.index(key) + 1 :] if k in sections]
        if not later:  # nothing of the form follows: the document was cut short here
            if title:
                r.error(
                    r.last,
                    "legacy-truncated",
                    f"문서가 {r.last.line}행에서 끝났습니다 — '{_NAMES[key]}' 부분부터 없습니다 "
                    "(잘린 문서가 아닌지 확인하세요)",
                )
            break
        if not key.startswith("part"):
            hint = "" if key in _NOT_EMPTY else " (해당 없으면 제목 아래에 '해당 없음'이라고 적으세요)"
            r.error(later[0], "legacy-missing", f"'{_NAMES[key]}' 부분이 없습니다{hint}")

    budget = _budget(r, sections["budget"]) if "budget" in sections else _Budget()
    year = budget.fiscal_year
    if "basis" in sections:
        items = budget.data.get("items")
        names = [item["name"] for item in items] if items is not None else None
        found = _basis(r, sections["basis"], names, budget.subjects, year)
        for item in items or []:
            if item["name"] in found:
                item["basis"] = found[item["name"]]
    data: dict[str, Any] = {"fiscal_year": year, "title": title}
    if budget.decimals:
        data["conventions"] = {"rate_decimals": budget.decimals}
    if "overview" in sections:
        data["overview"] = _overview(r, sections["overview"])
    if "contacts" in sections:
        data["contacts"] = _contacts(r, sections["contacts"])
    data["budget"] = budget.data
    data["description"] = {
        k: _bullets(r, sections[k]) if k in sections else [] for k in ("purpose", "legal_basis", "content", "history")
    }
    data["schedule"] = _schedule(r, sections["schedule"], year) if "schedule" in sections else {"rows": []}
    data["effects"] = {
        "achievements": _achievements(r, sections["achievements"]) if "achievements" in sections else {},
        "expected": _bullets(r, sections["expected"]) if "expected" in sections else [],
    }
    data["settlement"] = _settlement(r, sections["settlement"], year) if "settlement" in sections else []
    for key, sec in sections.items():  # a section without a placed value stands at its heading
        path = _PATHS.get(key)
        if path is not None:
            r.places.setdefault(path, (sec.heading.line, sec.heading.col))
    return data, r


def _split(r: _Report, lines: list[_Line]) -> tuple[str, dict[str, _Section]]:
    """The title (first non-empty line) and the sections, each with its non-blank lines."""
    title: str | None = None
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    for line in lines:
        if not line.text.strip():
            continue
        head = _heading(line)
        if head is None:
            if title is None:
                title = _placed(line.text.strip(), line)
            elif current is None or current.key.startswith("part"):
                r.error(line, "legacy-syntax", f"읽을 수 없는 줄입니다: '{_short(line.text)}'")
            else:
                current.lines.append(line)
            continue
        if title is None:
            r.error(line, "legacy-missing", "제목 줄이 없습니다 (첫 줄은 사업명이어야 합니다)")
            title = ""
        key, year = head
        current = _Section(key, line, year)
        if key == "unknown":
            r.error(line, "legacy-syntax", f"알 수 없는 항목입니다: '{_short(line.text)}'")
        elif key in sections:
            first = sections[key].heading.line
            r.error(line, "legacy-duplicate", f"'{_NAMES[key]}' 부분이 두 번 나옵니다 (처음은 {first}행)")
        else:
            sections[key] = current
    if title is None:
        r.error(_Line(len(lines), ""), "legacy-missing", "빈 문서입니다")
    return title or "", sections


# ---------------------------------------------------------------- 1 기본 현황


def _overview(r: _Report, sec: _Section) -> dict[str, Any]:
    out: dict[str, Any] = {}
    summary: list[str] | None = None
    total: int | None = None
    funding: dict[str, int | None] = {}
    last = ""
    for line in sec.lines:
        cells = line.cells()
        label = _norm(cells[0].text)
        continued = not label
        if continued and last in ("사업내용", "사업비"):
            label = last
        elif continued:
            r.error(line, "legacy-syntax", f"사업개요: 항목 이름이 없는 줄입니다: '{_short(line.text)}'")
            continue
        values = [c for c in cells[1:] if c.text]
        if not values and label in ("회계", "사업기간"):
            r.error(line, "legacy-missing", f"사업개요 '{cells[0].text}': 값이 비어 있습니다")
        elif label == "회계":
            out["account"] = _choice(r, values, "회계")
        elif label == "사업기간":
            out["period"] = _period(r, values)
        elif label == "사업내용":
            summary = (summary or []) + _circles(" ".join(c.text for c in values))
        elif label.startswith("사업비"):
            label = "사업비"
            amounts = [c for c in values if "[" not in c.text]
            if not continued and len(amounts) > 1:
                r.error(amounts[1], "legacy-cells", f"사업비 (당해년도): 금액 칸이 {len(amounts)}개입니다")
            elif not continued and amounts:
                total = _amount(r, amounts[0], "사업비 (당해년도)")
            for cell in values:
                _funding(r, cell, funding)
        else:
            r.error(line, "legacy-syntax", f"사업개요: 알 수 없는 항목 '{cells[0].text}'")
        last = label
    for key, name in (("account", "회 계"), ("period", "사업기간")):
        if key not in out:
            r.error(sec.heading, "legacy-missing", f"사업개요에 '{name}' 줄이 없습니다")
    if summary is not None:
        out["summary"] = summary
    if total is not None:
        out["total"] = total
    out["funding"] = {k: funding.get(k) for k in ("national", "city", "district", "other")}
    return {k: out[k] for k in ("account", "period", "summary", "total", "funding") if k in out}


def _choice(r: _Report, cells: list[_Cell], what: str) -> str:
    """The checked choice of a row of checkboxes, or the text itself where there are none."""
    text = " ".join(c.text for c in cells)
    tags = list(_INPUT.finditer(text))
    if not tags:
        return text
    chosen = []
    for i, tag in enumerate(tags):
        end = tags[i + 1].start() if i + 1 < len(tags) else len(text)
        if _CHECKED.search(tag.group()):
            chosen.append(text[tag.end() : end].strip())
    if len(chosen) != 1 or not chosen[0]:
        how = "없습니다" if not chosen else ("여러 개입니다" if len(chosen) > 1 else "비어 있습니다")
        r.error(cells[0], "legacy-choice", f"{what}: 표시된(checked) 선택지가 {how}")
        return ""
    return chosen[0]


def _period(r: _Report, cells: list[_Cell]) -> dict[str, Any]:
    text = _choice(r, cells, "사업기간")
    m = _YEARS.search(text)
    kind = text[: m.start()].strip() if m else text
    period: dict[str, Any] = {"kind": kind}
    if text and not kind:
        r.error(cells[0], "legacy-choice", f"사업기간: '{text}'에 기간 종류(계속, 한시 …)가 없습니다")
    if m:
        period["start"] = _year(r, cells[0], m[1], "사업기간 시작")
        if m[2]:
            period["end"] = _year(r, cells[0], m[2], "사업기간 끝")
    return period


def _funding(r: _Report, cell: _Cell, funding: dict[str, int | None]) -> None:
    for m in _BRACKET.finditer(cell.text):
        name = _norm(m[1])
        at = _Cell(m[0], cell.line, cell.col + m.start())
        key = _FUNDS.get(name)
        if key is None:
            r.error(at, "legacy-funding", f"사업비: 알 수 없는 재원 '[{m[1]}]' (국비, 시비, 구비, 기타 중 하나)")
            continue
        if name == "사비":
            r.warn(at, "legacy-typo", "'[사비]'는 '[시비]'의 오타로 보고 시비로 읽었습니다")
            name = "시비"
        if key in funding:
            r.error(at, "legacy-duplicate", f"사업비: 재원 '[{name}]'이(가) 두 번 나옵니다")
            continue
        value = _Cell(m[2].strip(), cell.line, cell.col + m.start(2))
        funding[key] = _amount(r, value, f"사업비 [{name}]", required=False)


def _contacts(r: _Report, sec: _Section) -> dict[str, Any]:
    rows = [line for line in sec.lines if not line.text.strip().startswith("※")]
    header = _header(r, sec, rows, "실국")
    if header is None:
        return {}
    columns = {_CONTACTS[_norm(c.text)]: i for i, c in enumerate(header.cells()) if _norm(c.text) in _CONTACTS}
    missing = [name for key, name in _CONTACT_NAMES.items() if key not in columns]
    if missing:
        r.error(header, "legacy-missing", f"사업 담당자: 머리행에 {', '.join(missing)} 칸이 없습니다")
        return {}
    if len(rows) < 2:
        r.error(header, "legacy-missing", "사업 담당자: 머리행 아래에 담당자 줄이 없습니다")
        return {}
    for extra in rows[2:]:
        r.error(extra, "legacy-syntax", f"사업 담당자: 읽을 수 없는 줄입니다: '{_short(extra.text)}'")
    cells = _row(r, rows[1], len(header.cells()), "사업 담당자", fixed=True)
    if cells is None:
        return {}
    out: dict[str, Any] = {}
    for key, name in _CONTACT_NAMES.items():
        cell = cells[columns[key]]
        if not cell.text:
            r.error(cell, "legacy-missing", f"사업 담당자 '{name}': 값이 비어 있습니다")
        elif key in ("office", "department"):
            out[key] = cell.text
        elif re.fullmatch(_PHONE, cell.text):
            r.error(cell, "legacy-missing", f"사업 담당자 '{name}': 이름 없이 전화번호만 있습니다")
        else:
            m = _PERSON.match(cell.text)
            out[key] = Flow(name=m["name"], phone=m["phone"]) if m else Flow(name=cell.text)
    return out


# ---------------------------------------------------------------- 2 예산 설명


def _budget(r: _Report, sec: _Section) -> _Budget:
    """예산 총괄: the 계 row and one item per 과목; the (B) column names the fiscal year."""
    rows = _table(r, sec)
    header = _header(r, sec, rows, "구분")
    if header is None:
        return _Budget()
    head = _row(r, header, 5, "예산 총괄 머리행")
    if head is None:
        return _Budget()
    years = [_YEAR.search(c.text) for c in head[1:3]]
    if years[0] is None or years[1] is None:
        r.error(header, "legacy-year", "예산 총괄 머리행에서 (A)·(B) 연도를 읽을 수 없습니다")
        return _Budget()
    fiscal_year = _year(r, head[2], years[1][1], "예산 총괄 (B)")
    previous_year = int(years[0][1])
    if fiscal_year is not None and previous_year != fiscal_year - 1:
        r.error(
            head[1],
            "legacy-year",
            f"예산 총괄: (A) 연도 {previous_year}이(가) (B) 연도 {fiscal_year}의 전년도({fiscal_year - 1})가 아닙니다",
        )
    total: dict[str, Any] | None = None
    items: list[dict[str, Any]] = []
    decimals = 0
    subjects: set[str] = set()
    for line in rows[1:]:
        subjects.add(line.cells()[0].text)
        cells = _row(r, line, 5, "예산 총괄", fixed=True)
        if cells is None:
            continue
        name = _placed(cells[0].text, cells[0])
        if not name:
            r.error(cells[0], "legacy-missing", "예산 총괄: 과목 이름이 비어 있습니다")
            continue
        what = f"예산 총괄 '{name}'"
        row: dict[str, Any] = {
            "previous": _amount(r, cells[1], f"{what} {head[1].text}"),
            "current": _amount(r, cells[2], f"{what} {head[2].text}"),
            "change": _amount(r, cells[3], f"{what} {head[3].text}", required=False),
            "rate": _rate(r, cells[4], f"{what} {head[4].text}"),
        }
        if row["rate"] is not None and (shown := -min(0, int(row["rate"].as_tuple().exponent))) > decimals:
            decimals = _placed(shown, cells[4])  # conventions.rate_decimals stands at the rate that needs it
        row = {k: v for k, v in row.items() if v is not None}
        if _norm(name) in ("계", "합계"):
            if total is not None:
                r.error(line, "legacy-duplicate", "예산 총괄: 계 줄이 두 번 나옵니다")
            total = Flow(row)
        else:
            items.append({"name": name, **row})
    if not items:
        r.error(rows[-1], "legacy-missing", "예산 총괄에 과목 줄이 없습니다")
    budget: dict[str, Any] = {"total": total} if total else {}
    budget["items"] = items
    return _Budget(budget, decimals, fiscal_year, subjects)


def _basis(
    r: _Report, sec: _Section, names: list[str] | None, subjects: set[str], fiscal_year: int | None
) -> dict[str, list[dict[str, Any]]]:
    """산출근거: the ○ lines (with their - parts) of each 과목 of 예산 총괄.

    ``names`` are the 과목 of 예산 총괄 (None when it could not be read: nothing is then
    checked or kept), ``subjects`` the names a 과목구분 may give.
    """
    rows = _table(r, sec)
    header = _header(r, sec, rows, "과목구분")
    found: dict[str, list[dict[str, Any]]] = {}
    if header is None:
        return found
    head = header.cells()
    year = _YEAR.search(head[1].text) if len(head) > 1 else None
    if year and fiscal_year is not None and int(year[1]) != fiscal_year:
        r.error(
            head[1],
            "legacy-year",
            f"산출근거: 연도 {year[1]}이(가) 예산 총괄의 (B) 연도 {fiscal_year}와 다릅니다",
        )
    kept = set(names or [])
    subject: str | None = None
    for line in rows[1:]:
        cells = _row(r, line, 2, "산출근거")
        if cells is None:
            continue
        if cells[0].text:
            subject = cells[0].text
            if names is not None and subject not in subjects:
                r.error(cells[0], "legacy-basis", f"산출근거: 과목 '{subject}'이(가) 예산 총괄에 없습니다")
        elif subject is None:
            r.error(cells[0], "legacy-missing", "산출근거: 첫 줄의 과목구분이 비어 있습니다")
        entry = _basis_entry(r, line, cells)
        if entry is None or subject not in kept:
            continue
        marker, value = entry
        lines = found.setdefault(subject, [])
        if marker == "○":
            lines.append(value)
        elif not lines:
            r.error(cells[1], "legacy-syntax", "산출근거: '-' 줄 위에 '○' 줄이 없습니다")
        else:
            lines[-1].setdefault("parts", []).append(value)
    return found


def _basis_entry(r: _Report, line: _Line, cells: list[_Cell]) -> tuple[str, dict[str, Any]] | None:
    """One ``○``/``-`` line: ``label [formula]`` then ``=`` and ``N천원`` in the cells after it."""
    text = cells[1].text
    amount: _Cell | None = None
    tail = [c for c in cells[2:] if c.text]
    if tail and tail[0].text == "=" and len(tail) <= 2:
        amount = tail[1] if len(tail) == 2 else _Cell("", line.line, tail[0].col + 1)
    elif len(tail) == 1 and tail[0].text.startswith("="):
        amount = _Cell(tail[0].text[1:].strip(), line.line, tail[0].col + 1)
    elif tail:
        r.error(
            tail[0],
            "legacy-syntax",
            f"산출근거: 금액은 '= 금액천원' 꼴이어야 합니다: '{_short(' '.join(c.text for c in tail))}'",
        )
        return None
    elif m := re.search(r"\s=\s*(\S*)$", text):
        amount = _Cell(m[1], line.line, cells[1].col + m.start(1))
        text = text[: m.start()]
    marker = text[:1]
    if marker not in ("○", "-"):
        r.error(cells[1], "legacy-syntax", f"산출근거: 줄은 '○' 또는 '-'로 시작해야 합니다: '{_short(text)}'")
        return None
    body = text[1:].strip()
    if not body:
        r.error(cells[1], "legacy-missing", f"산출근거: '{marker}' 뒤에 내용이 없습니다")
        return None
    label, formula = _split_formula(r, body, line.line, cells[1].col + len(text) - len(body))
    body_col = cells[1].col + len(text) - len(body)
    entry: dict[str, Any] = {"label": _placed(label, _Cell(label, line.line, body_col))}
    if formula:
        entry["formula"] = _placed(formula, _Cell(formula, line.line, body_col + len(body) - len(formula)))
    if amount is not None:
        value = _amount(r, amount, f"산출근거 '{label}' 금액")
        if value is not None:
            entry["amount"] = value
    return marker, entry


def _formula_like(token: str, before: str | None) -> bool:
    """Whether a blank-separated token can be part of a formula.

    That is numbers and operators, a word that names a figure (경정, 기정 …), or a unit
    after a space (``12 월``).
    """
    if _FORMULA_TOKEN.fullmatch(token) or token in formula.LABELS:
        return True
    return before is not None and before[-1:].isdigit() and bool(_SPACED_UNIT.fullmatch(token))


def _split_formula(r: _Report, text: str, line: int, col: int) -> tuple[str, str | None]:
    """``회의 참석수당 150,000원*17명*2회`` → (``회의 참석수당``, ``150,000원*17명*2회``).

    The formula is the longest trailing run of formula tokens (numbers, operators, the
    words 경정, 기정 …) that the grammar reads as an amount in 원, or, without 원, as a
    calculation with an operator (``경정 3,128,300 X 3인 X 12월``); the label is what
    stands before it.
    """
    tokens = list(re.finditer(r"\S+", text))
    first = len(tokens)
    while first > 1 and _formula_like(tokens[first - 1][0], tokens[first - 2][0] if first > 1 else None):
        first -= 1
    for token in tokens[first:]:
        candidate = text[token.start() :]
        try:
            result = formula.evaluate_formula(candidate)
        except formula.FormulaError:
            continue
        if result.has_won or _OPERATOR.search(candidate.lstrip("-−△ ")):
            return text[: token.start()].rstrip(), candidate
    last = tokens[-1]
    if len(tokens) > 1 and re.search(r"[0-9]", last[0]) and _OPERATOR.search(last[0]):
        try:
            formula.evaluate_formula(last[0])
            reason = "원 단위 금액이 없습니다"
        except formula.FormulaError as exc:
            reason = exc.message
        r.error(
            _Cell(last[0], line, col + last.start()), "legacy-formula", f"산출근거: 산식 '{last[0]}' 오류: {reason}"
        )
    return text, None


# ---------------------------------------------------------------- 3 사업설명, 4 사업효과


def _bullets(r: _Report, sec: _Section) -> list[str]:
    items: list[str] = []
    if _not_applicable(sec):
        return items
    for line in sec.lines:
        text = _MARKUP.sub("", line.text).strip()
        if text[:1] not in ("-", "○", "•"):
            r.error(line, "legacy-syntax", f"{_NAMES[sec.key]}: 줄은 '- '로 시작해야 합니다: '{_short(text)}'")
            continue
        item = re.sub(r"\s*\t\s*", " ", text[1:].strip())
        if item:
            items.append(item)
    return items


def _schedule(r: _Report, sec: _Section, fiscal_year: int | None) -> dict[str, Any]:
    """추진일정: its steps and 계; a year in its heading must be ``fiscal_year``."""
    if sec.year is not None and fiscal_year is not None and sec.year != fiscal_year:
        r.error(
            sec.heading,
            "legacy-year",
            f"추진일정: 연도 {sec.year}이(가) 예산 총괄의 (B) 연도 {fiscal_year}와 다릅니다",
        )
    if _not_applicable(sec):
        return {"rows": []}
    rows = _table(r, sec)
    header = _header(r, sec, rows, "사업추진절차")
    if header is None:
        return {"rows": []}
    count = len(header.cells())
    out: dict[str, Any] = {}
    steps = []
    for line in rows[1:]:
        cells = _row(r, line, max(count, 4), "추진일정", fixed=True)
        if cells is None:
            continue
        step, period, amount, detail = cells[:4]
        if _norm(step.text) in ("계", "합계"):
            out["total"] = _amount(r, amount, "추진일정 계", required=False)
            continue
        if not step.text:
            r.error(step, "legacy-missing", "추진일정: 사업추진절차가 비어 있습니다")
            continue
        row = {
            "step": _placed(step.text, step),
            "period": period.text,
            "amount": _amount(r, amount, f"추진일정 '{step.text}' 예산집행금액"),
            "detail": detail.text,
        }
        steps.append({k: v for k, v in row.items() if v not in ("", None)})
    if out.get("total") is None:
        out.pop("total", None)
    out["rows"] = steps
    return out


def _achievements(r: _Report, sec: _Section) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if _not_applicable(sec):
        return out
    for line in sec.lines:
        cells = _row(r, line, 2, "추진실적")
        if cells is None:
            continue
        year = _year(r, cells[0], cells[0].text, "추진실적")
        if year is None:
            continue
        if year in out:
            r.error(cells[0], "legacy-duplicate", f"추진실적: {year}년도가 두 번 나옵니다")
            continue
        out[year] = _circles(" ".join(c.text for c in cells[1:]))
    return out


# ---------------------------------------------------------------- 5 결산


def _settlement(r: _Report, sec: _Section, fiscal_year: int | None) -> list[dict[str, Any]]:
    """결산 현황: one row per year; a table stopping before ``fiscal_year`` − 2 at the end of the text is cut short."""
    if _not_applicable(sec):
        return []
    rows = _table(r, sec)
    header = _header(r, sec, rows, "연도")
    if header is None:
        return []
    head = header.cells()
    columns = {_SETTLEMENT[_norm(c.text)]: i for i, c in enumerate(head) if _norm(c.text) in _SETTLEMENT}
    missing = [name for name, key in _SETTLEMENT.items() if key not in columns]
    if missing:
        r.error(header, "legacy-missing", f"결산 현황: 머리행에 {', '.join(missing)} 칸이 없습니다")
        return []
    out: list[dict[str, Any]] = []
    readable = True
    for line in rows[1:]:
        cells = _row(r, line, len(head), "결산 현황", fixed=True)
        if cells is None:
            readable = False
            continue
        row: dict[str, Any] = {"year": _year(r, cells[0], cells[0].text, "결산 현황")}
        for name, key in _SETTLEMENT.items():
            value = _amount(
                r, cells[columns[key]], f"결산 현황 {cells[0].text} {name}", required=key not in _SETTLEMENT_OPTIONAL
            )
            if value is not None:
                row[key] = value
        out.append(Flow(row))
    if readable:
        _settlement_complete(r, sec, rows, out, fiscal_year)
    return out


def _settlement_complete(
    r: _Report, sec: _Section, rows: list[_Line], out: list[dict[str, Any]], fiscal_year: int | None
) -> None:
    """A 결산 table that stops before its last year is a document cut short."""
    end = rows[-1] if rows else sec.heading
    if len(rows) <= 1:
        r.error(
            end,
            "legacy-truncated",
            f"결산 현황 표가 {end.line}행에서 끝났습니다 — 행이 없습니다 "
            "(해당 없으면 제목 아래에 '해당 없음'이라고 적으세요)",
        )
        return
    years = [r.get("year") for r in out]
    if fiscal_year is None or None in years:
        return
    wanted = list(range(fiscal_year - 4, fiscal_year - 1))
    if len(years) < len(wanted) and years == wanted[: len(years)] and end is r.last:
        missing = ", ".join(str(y) for y in wanted[len(years) :])
        r.error(
            end,
            "legacy-truncated",
            f"문서가 결산 현황 {end.line}행에서 끝났습니다 — {missing}년 행이 없습니다 (잘린 문서가 아닌지 확인하세요)",
        )


# --------------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class Imported:
    """One converted text document: its YAML, the warnings, and the document with the text's positions.

    ``document.source`` places every value at the line and column of the text file it
    was read from, so that a check of the imported document points into that file.
    """

    yaml: str
    warnings: list[Problem]
    document: Document


def convert(text: str, file: str) -> Imported:
    """Convert one published text document; raises :class:`LegacyError` when it is malformed."""
    placed, report = _document(text, file)
    if report.errors:
        raise LegacyError(sorted(report.errors, key=lambda p: (p.line, p.column)))
    where: dict[tuple[str | int, ...], tuple[int, int]] = {}
    data = _plain(placed, (), where)
    for path, at in report.places.items():  # a heading never hides a value placed in its section
        where.setdefault(path, at)
    source = SourceMap(file, where, dict(where))
    out = dump(data)
    try:
        loaded = load_text(out, file)
    except LoadError as exc:
        _, yaml_source, _ = parse_yaml(out, file)
        paths = {at: path for path, at in yaml_source.values.items()} | {
            at: path for path, at in yaml_source.keys.items()
        }
        problems = []
        for p in exc.problems:
            found = paths.get((p.line, p.column))
            line, col = source.where(found) if found is not None else (1, 1)
            problems.append(
                Problem(file, line, col, "legacy-invalid", f"가져온 결과가 올바르지 않습니다: {p.message}", p.field)
            )
        raise LegacyError(sorted(problems, key=lambda p: (p.line, p.column))) from None
    return Imported(out, report.warnings, Document(loaded.project, source))


def import_text(text: str, file: str) -> tuple[str, list[Problem]]:
    """Convert one published text document to YAML; returns the YAML and the warnings.

    Raises :class:`LegacyError` with every problem found when the text is malformed.
    """
    imported = convert(text, file)
    return imported.yaml, imported.warnings


def convert_file(path: str | os.PathLike[str]) -> Imported:
    """:func:`convert` for a UTF-8 file (a BOM is allowed); errors as for :func:`import_file`."""
    file = os.fspath(path)
    try:
        raw = read_file(file)  # the one reader: a FIFO must not hang the import
    except Refused as exc:
        if exc.rule == "file-size":
            raise LegacyError([Problem(file, 1, 1, exc.rule, exc.message)]) from None
        raise OSError(exc.errno or errno.EINVAL, exc.message, file) from None
    return convert(raw.decode("utf-8-sig"), file)


def import_file(path: str | os.PathLike[str]) -> tuple[str, list[Problem]]:
    """:func:`import_text` for a UTF-8 file (a BOM is allowed).

    A file that cannot be read or decoded raises ``OSError`` or ``UnicodeDecodeError``
    as it is: that is unreadable input, not a malformed document.
    """
    imported = convert_file(path)
    return imported.yaml, imported.warnings
