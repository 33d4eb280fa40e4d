"""A :class:`~budgetdoc.cycle.diff.Diff` as text (a terminal), markdown (GitHub) or JSON.

Text and markdown speak to people: the two versions are 변경 전 and 변경 후, each named by
its folder or its revision's short hash, subject and date; ``base`` and ``head`` are the
JSON's words, for tools.

The markdown has a size limit: GitHub's step summary takes under 1 MiB, a pull-request
comment at most 65,536 characters. When the report is longer, the lists (the tail ends
of the longest ones, which are sorted largest change first) are cut short in the
middle of the report, each with a note; the totals, the counts and the HEAD check
status are always kept.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from budgetdoc.cycle.diff import NEAR_PERCENT, Change, Diff, Edit, Flag, ItemMove, Listed, Renamed, Total, short
from budgetdoc.model.numbers import decimals_of, rate_text, won

#: Limits of the markdown, by where it is posted: (size, measured in) — under GitHub's own limits.
LIMITS: dict[str, tuple[int, str]] = {
    "summary": (1_000_000, "bytes"),  # $GITHUB_STEP_SUMMARY: 1 MiB = 1,048,576 bytes
    "comment": (60_000, "chars"),  # a pull-request comment: 65,536 characters
}
MAX_NOTES = 20
TABLES = (("office", "실·국"), ("department", "부서"), ("account", "회계"), ("funding", "재원"))
BEFORE, AFTER = "변경 전", "변경 후"
EDITS_ABOUT = "사업명·부서·회계·글 등; 금액이 바뀐 사업은 산출근거·추진일정의 글만 봅니다"
ID_HINT = (
    f"id가 없어 실·국과 과목·예산액 (B)(과목마다 {NEAR_PERCENT}% 이내)로 짝지었습니다. YAML에 id를 적어 두면"
    "(예: id: 복지-001) 이름을 바꾸거나 파일을 옮겨도 정확히 같은 사업으로 따라갑니다."
)


def _rate(value: Decimal) -> str:
    return rate_text(value, decimals_of(value))


def _threshold(diff: Diff) -> str:
    return f"증감 {won(diff.threshold_amount)}천원 이상 또는 증감률 {_rate(diff.threshold_rate)}% 이상"


def _move(m: ItemMove) -> str:
    if m.base is None:
        return f"{m.name} 신규 {won(m.head)}"
    if m.head is None:
        return f"{m.name} 폐지 {won(m.base)}"
    return f"{m.name} {won(m.base)} → {won(m.head)} ({won(m.head - m.base)})"


def _funding_move(name: str, base: int, head: int) -> str:
    return f"{name} {won(base)} → {won(head)} ({won(head - base)})"


def _moves(c: Change) -> list[str]:
    return [_move(m) for m in c.items] + [_funding_move(*f) for f in c.funding]


def _status(diff: Diff) -> str:
    if diff.passed:
        return f"{AFTER} 문서 {diff.head_documents:,}개가 모두 검증을 통과합니다."
    return f"{AFTER} 문서 {diff.head_documents:,}개 가운데 {len(diff.failures):,}개가 검증을 통과하지 못합니다."


def _counts(diff: Diff) -> str:
    return (
        f"사업 {diff.counts[0]:,}개 → {diff.counts[1]:,}개: 신규 {len(diff.added):,}, 폐지 {len(diff.removed):,}, "
        f"이름 바뀜 {len(diff.renamed):,}, 금액 변경 {len(diff.changed):,}, 금액 밖의 변경 {len(diff.edits):,}, "
        f"파일 옮김 {len(diff.moved):,}, 기준을 넘은 것 {len(diff.flags):,}"
    )


def _renamed(r: Renamed) -> str:
    titles = f"「{short(r.base_title)}」 → 「{short(r.title)}」" if r.base_title != r.title else f"「{short(r.title)}」"
    return f"{r.base_path} → {r.path}: 이름 바뀜 {titles} ({r.office} {r.department})"


def _edit(e: Edit) -> str:
    return f"{e.path}: {short(e.title)}: {', '.join(e.what)}"


def _unreadable(diff: Diff) -> str:
    return f"읽을 수 없어 비교하지 못한 문서 {diff.unreadable:,}개." if diff.unreadable else ""


# --------------------------------------------------------------------------- text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _grid(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        out.append("  ".join(cells).rstrip())
    return out


def _total_rows(rows: list[Total]) -> list[list[str]]:
    return [
        [r.name, f"{r.base_count:,}→{r.head_count:,}", won(r.base), won(r.head), won(r.change), rate_text(r.rate)]
        for r in rows
    ]


def as_text(diff: Diff) -> str:
    """The whole report, for a terminal; nothing is cut short."""
    out = [f"예산 변경: {diff.base} → {diff.head}", _counts(diff), _status(diff), ""]
    for key, name in TABLES:
        out.append(f"{name}별 예산액 (B) (단위: 천원, %)")
        out += _grid([[name, "사업 수", BEFORE, AFTER, "증감", "증감률"], *_total_rows(diff.totals[key])], {2, 3, 4, 5})
        out.append("")
    for label, items in (("신규 사업", diff.added), ("폐지 사업", diff.removed)):
        out.append(f"{label} {len(items):,}개")
        if items:
            out += _grid(
                [[p.path, p.title, f"{p.office} {p.department}", p.account, won(p.budget)] for p in items], {4}
            )
        out.append("")
    out.append(f"이름이 바뀐 사업 {len(diff.renamed):,}개")
    if diff.renamed:
        out += [_renamed(r) for r in diff.renamed] + [ID_HINT]
    out.append("")
    out.append(f"금액이 바뀐 사업 {len(diff.changed):,}개 (증감이 큰 차례, 단위: 천원)")
    for c in diff.changed:
        moved = f" (← {c.moved_from})" if c.moved_from else ""
        out.append(
            f"{c.path}{moved}: {c.title} ({c.office} {c.department}): "
            f"{won(c.base.budget)} → {won(c.head.budget)} ({won(c.change)}, {rate_text(c.rate)}%)"
        )
        out += [f"    {m}" for m in _moves(c)]
    out.append("")
    out.append(f"기준을 넘은 것 {len(diff.flags):,}개 ({_threshold(diff)})")
    out += [f"{f.path}: {f.title}: {', '.join(f.reasons)}" for f in diff.flags]
    out.append("")
    out.append(f"금액 밖의 변경 {len(diff.edits):,}개 ({EDITS_ABOUT})")
    out += [_edit(e) for e in diff.edits]
    if diff.unreadable:
        out.append(_unreadable(diff))
    out.append("")
    if diff.moved:
        out.append(f"옮긴 파일 {len(diff.moved):,}개:")
        out += [f"    {b} → {h}" for b, h in diff.moved]
        out.append("")
    out.append(_status(diff))
    out += [f"{f.path}:{f.first} (오류 {f.errors:,}개)" for f in diff.failures]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md(text: str) -> str:
    """Text as it must be written in a markdown table cell to print as itself."""
    text = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


@dataclass
class _Part:
    """A piece of the markdown: lines always kept, then rows that may be cut short."""

    head: list[str]
    rows: list[str] = field(default_factory=list)
    noun: str = "사업"
    kept: int = -1  # how many rows survive; -1 = all

    def lines(self, note: Callable[[int, str], str]) -> list[str]:
        kept = len(self.rows) if self.kept < 0 else self.kept
        out = self.head + self.rows[:kept]
        if kept < len(self.rows):
            out += ["", note(len(self.rows) - kept, self.noun)]
        return out + [""]


def _parts(diff: Diff) -> list[_Part]:
    parts = [
        _Part(
            [
                f"## 예산 변경: {md(diff.base)} → {md(diff.head)}",
                "",
                md(_counts(diff)),
                "",
                ("✅ " if diff.passed else "❌ ") + md(_status(diff)),
            ]
        )
    ]
    parts.append(_Part(["### 총괄 (단위: 천원, %)"]))
    for key, name in TABLES:
        head = [
            f"**{name}별**",
            "",
            _row([name, "사업 수", BEFORE, AFTER, "증감", "증감률"]),
            "|---|--:|--:|--:|--:|--:|",
        ]
        rows = [_row([md(c) for c in r]) for r in _total_rows(diff.totals[key])]
        if key == "funding":  # four rows at most: always whole
            parts.append(_Part(head + rows))
        else:
            parts.append(_Part(head + rows[:1], rows[1:], name))
    for label, items in (("신규 사업", diff.added), ("폐지 사업", diff.removed)):
        part = _Part([f"### {label} ({len(items):,}개)"])
        if items:
            part.head += ["", _row(["사업", "실·국 · 부서", "회계", "예산액 (B)", "파일"]), "|---|---|---|--:|---|"]
            part.rows = [_new_row(p) for p in items]
        parts.append(part)
    part = _Part([f"### 이름이 바뀐 사업 ({len(diff.renamed):,}개)"])
    if diff.renamed:
        part.head += ["", md(ID_HINT), ""]
        part.rows = [f"- {md(_renamed(r))}" for r in diff.renamed]
    parts.append(part)
    part = _Part([f"### 금액이 바뀐 사업 ({len(diff.changed):,}개, 증감이 큰 차례, 단위: 천원)"])
    if diff.changed:
        part.head += [
            "",
            _row(["사업", "실·국 · 부서", BEFORE, AFTER, "증감", "증감률", "바뀐 과목·재원"]),
            "|---|---|--:|--:|--:|--:|---|",
        ]
        part.rows = [_change_row(c) for c in diff.changed]
    parts.append(part)
    part = _Part([f"### 기준을 넘은 것 ({len(diff.flags):,}개: {md(_threshold(diff))})"])
    if diff.flags:
        part.head += ["", _row(["사업", "까닭", "파일"]), "|---|---|---|"]
        part.rows = [_flag_row(f) for f in diff.flags]
    parts.append(part)
    part = _Part(
        [f"### 금액 밖의 변경 ({len(diff.edits):,}개: {md(EDITS_ABOUT)})"], [f"- {md(_edit(e))}" for e in diff.edits]
    )
    if diff.unreadable:
        part.head += ["", md(_unreadable(diff))]
    if diff.edits:
        part.head.append("")
    parts.append(part)
    if diff.moved:
        parts.append(
            _Part([f"**옮긴 파일 {len(diff.moved):,}개**", ""], [f"- {md(b)} → {md(h)}" for b, h in diff.moved], "파일")
        )
    part = _Part([f"### {AFTER} 문서 검증", "", ("✅ " if diff.passed else "❌ ") + md(_status(diff))])
    if diff.failures:
        part.head += ["", _row(["파일", "오류", "첫 오류"]), "|---|--:|---|"]
        part.rows = [_row([md(f.path), f"{f.errors:,}", md(f.first)]) for f in diff.failures]
        part.noun = "문서"
    parts.append(part)
    if diff.notes:
        shown = [f"- {md(n)}" for n in diff.notes[:MAX_NOTES]]
        if len(diff.notes) > MAX_NOTES:
            shown.append(f"- … 외 {len(diff.notes) - MAX_NOTES:,}개")
        parts.append(_Part(["<details><summary>참고</summary>", "", *shown, "", "</details>"]))
    return parts


def _new_row(p: Listed) -> str:
    return _row([md(p.title), md(f"{p.office} · {p.department}"), md(p.account), won(p.budget), md(p.path)])


def _change_row(c: Change) -> str:
    title = md(c.title) + f"<br>{md(c.path)}" + (f" (← {md(c.moved_from)})" if c.moved_from else "")
    return _row(
        [
            title,
            md(f"{c.office} · {c.department}"),
            won(c.base.budget),
            won(c.head.budget),
            won(c.change),
            rate_text(c.rate),
            "<br>".join(md(m) for m in _moves(c)),
        ]
    )


def _flag_row(f: Flag) -> str:
    return _row([md(f.title), md(", ".join(f.reasons)), md(f.path)])


def as_markdown(diff: Diff, fit: str = "summary") -> str:
    """The report as GitHub markdown under the limit of ``fit`` (``summary`` or ``comment``)."""
    limit, unit = LIMITS[fit]

    def size(text: str) -> int:
        return len(text.encode("utf-8")) if unit == "bytes" else len(text)

    where = "단계 요약" if fit == "summary" else "PR 댓글"

    def note(count: int, noun: str) -> str:
        return f"> … 길이 제한({where})으로 {noun} {count:,}개를 줄였습니다. 전체는 `--format text`나 `--format json`으로 보세요."

    parts = _parts(diff)
    text = _join(parts, note)
    if size(text) <= limit:
        return text
    banner = f"> ⚠️ 보고가 {where} 한도보다 길어 목록의 뒷부분(가운데)을 줄였습니다. 표마다 큰 것부터 남겼습니다."
    # What is always kept: heads, a note for every list, the banner.
    fixed = sum(size(line) + 1 for p in parts for line in p.head + ["", note(10**9, p.noun), ""]) + size(banner) + 2
    budget = limit - fixed
    for p in parts:
        p.kept = 0
    growing = [p for p in parts if p.rows]
    while growing:  # round robin: every list keeps its largest entries, none starves the others
        still = []
        for p in growing:
            cost = size(p.rows[p.kept]) + 1
            if cost <= budget:
                budget -= cost
                p.kept += 1
                if p.kept < len(p.rows):
                    still.append(p)
        growing = still
    parts[0].head = parts[0].head + ["", banner]
    text = _join(parts, note)
    assert size(text) <= limit, (size(text), limit)
    return text


def _join(parts: list[_Part], note: Callable[[int, str], str]) -> str:
    return "\n".join(line for p in parts for line in p.lines(note)).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- JSON


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def _total(t: Total) -> dict[str, Any]:
    return {
        "name": t.name,
        "base": t.base,
        "head": t.head,
        "change": t.change,
        "rate": _number(t.rate),
        "base_count": t.base_count,
        "head_count": t.head_count,
    }


def _project(p: Listed) -> dict[str, Any]:
    return {
        "title": p.title,
        "path": p.path,
        "office": p.office,
        "department": p.department,
        "account": p.account,
        "budget": p.budget,
    }


def _change(c: Change) -> dict[str, Any]:
    return {
        "title": c.title,
        "path": c.path,
        "moved_from": c.moved_from or None,
        "office": c.office,
        "department": c.department,
        "base": c.base.budget,
        "head": c.head.budget,
        "change": c.change,
        "rate": _number(c.rate),
        "items": [{"name": m.name, "base": m.base, "head": m.head} for m in c.items],
        "funding": [{"name": n, "base": b, "head": h} for n, b, h in c.funding],
    }


def as_json(diff: Diff) -> str:
    """The whole report as one JSON object; nothing is cut short."""
    data = {
        "base": diff.base,
        "head": diff.head,
        "versions": {"base": diff.versions[0], "head": diff.versions[1]},
        "thresholds": {"amount": diff.threshold_amount, "rate": _number(diff.threshold_rate)},
        "projects": {"base": diff.counts[0], "head": diff.counts[1]},
        "totals": {key: [_total(t) for t in diff.totals[key]] for key, _ in TABLES},
        "added": [_project(p) for p in diff.added],
        "removed": [_project(p) for p in diff.removed],
        "changed": [_change(c) for c in diff.changed],
        "flags": [
            {"title": f.title, "path": f.path, "change": f.change, "reasons": list(f.reasons)} for f in diff.flags
        ],
        "renamed": [
            {
                "base_title": r.base_title,
                "title": r.title,
                "base_path": r.base_path,
                "path": r.path,
                "office": r.office,
                "department": r.department,
            }
            for r in diff.renamed
        ],
        "edits": [{"title": e.title, "path": e.path, "what": list(e.what), "money": e.money} for e in diff.edits],
        "text_only": diff.text_only,
        "moved": [{"base": b, "head": h} for b, h in diff.moved],
        "unreadable": diff.unreadable,
        "head_check": {
            "documents": diff.head_documents,
            "passed": diff.passed,
            "failures": [{"path": f.path, "errors": f.errors, "first": f.first} for f in diff.failures],
        },
        "notes": diff.notes,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


FORMATS: dict[str, Callable[[Diff], str]] = {"text": as_text, "json": as_json}


def render(diff: Diff, fmt: str, fit: str = "summary") -> str:
    """The report in ``fmt`` (text, markdown or json); markdown kept within ``fit``'s length limit."""
    return as_markdown(diff, fit) if fmt == "markdown" else FORMATS[fmt](diff)
