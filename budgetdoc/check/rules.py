"""The arithmetic rules: pure functions from a loaded document to a list of problems.

Besides the arithmetic, the lengths the form can print: a text value (``text-too-long``) and
one unbroken word in it (``word-too-long``).

Each rule has a stable id (``RULES``). A problem points at the stated value that is
wrong, so an editor jumps straight to the cell, and carries the value the arithmetic
gives (``expected``) and the value the document states (``actual``).

Longer than most modules: one function per rule family, each with the blame of the odd cell
out; splitting them would scatter the registry.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from budgetdoc.model import formula, labels, numbers
from budgetdoc.model.document import Document, Path, Problem, Project, path_str
from budgetdoc.model.figures import Figures, compute

CELL_TEXT_MAX = 300
"""Characters in one text value printed in a table cell (or as the 사업명, 회계, 사업기간).

The form's narrowest text column (과목: 18 % of the page's width) holds about 9 characters a
line at 9 pt and some 50 lines a page. Measured: 300 characters fit on one page there
whatever the length of their words (350 characters of five-character words do not, each line
holding one word), so no single value makes a row taller than a page.
"""

TEXT_MAX = 2_000
"""Characters in one line of a paragraph: a ○ or - line of 사업내용, 사업목적, 사업근거, 추진경위,
추진실적 or 기대효과; more than ten times the longest such line of the published reference. As a
paragraph, some 35 lines of the page's width; in the cells that hold such lines (사업개요's
사업내용, 추진실적), a row taller than a page is split across pages.
"""

WORD_MAX = 200
"""Characters in one word: a run with no space a line can break at (a no-break space joins).

Longer than any Korean word or 산식 (the longest unbroken run among the published lines and sources of
tests/fixtures/formulas/ is a 170-character web address), and 23 lines of the narrowest column. A word
longer than its line is broken where it does not fit, at a cost that grows with the square of
its length (WeasyPrint lays the rest of the word out again for each line): 200 characters cost
nothing to speak of, 10,000 about ten seconds (measured); by the square, 200,000 would take more than an hour.
"""

PARAGRAPHS: tuple[Path, ...] = (("overview", "summary"), ("description",), ("effects",), ("draft", "todo"))
"""The fields whose values are lines of a paragraph (:data:`TEXT_MAX`); every other text is a cell's."""

RULES: dict[str, str] = {
    "budget-total": "예산 총괄 계 = 과목 합계 (A·B 각각)",
    "budget-diff": "증감 = (B) − (A)",
    "budget-rate": "증감률 = (B−A)×100/(A), 사사오입; (A)=0이면 100, 둘 다 0이면 0",
    "basis-formula": "산출근거 산식(원) ÷ 1,000 = 적힌 천원 금액",
    "basis-formula-syntax": "산출근거 산식을 읽을 수 있어야 함",
    "basis-parts": "○ 항목 금액 = 그 아래 - 항목 합계",
    "basis-item": "과목별 ○ 항목 합계 = 그 과목의 (B)",
    "basis-missing": "예산이 있는 과목에는 산출근거가 있어야 함 (경고)",
    "funding-total": "국비 + 시비 = 사업비 (당해년도)",
    "funding-budget": "사업비 (당해년도) = 예산 총괄 계 (B)",
    "schedule-total": "추진일정 계 = 행 합계",
    "schedule-budget": "추진일정 합계 = 예산 총괄 계 (B)",
    "settlement-available": "예산현액 = 최종예산 + 전년이월 + 예산변경",
    "settlement-balance": "집행잔액 = 예산현액 − 집행액 − 차년이월 (또는 예산현액 − 집행액)",
    "years": "추진실적은 Y−3..Y−1년, 결산은 Y−4..Y−2년, 연속; 사업기간 시작 ≤ 종료",
    "negative-amount": "음수는 증감, 증감률, 예산변경과 산출근거 줄(감액)에만 쓸 수 있음",
    "draft": "rollover가 만든 초안은 사람이 확인하고 draft 항목을 지울 때까지 경고",
    "text-too-long": f"글 한 값은 표 칸에 {CELL_TEXT_MAX:,}자, 문단(사업내용·사업목적·추진실적 등의 한 줄)에 {TEXT_MAX:,}자까지",
    "word-too-long": f"띄어 쓰지 않고 이어진 낱말 하나는 {WORD_MAX:,}자까지",
}

_NO_BREAK = "\u00a0\u2007\u202f"
_BREAK = re.compile(rf"[^\S{_NO_BREAK}]+")
"""The spaces a line may break at: every white space but the no-break spaces (as ``keepall.words``)."""


def _value(n: int | Decimal) -> int | str:
    if isinstance(n, Decimal):
        return int(n) if n == n.to_integral_value() else str(n.normalize())
    return n


class _Checker:
    def __init__(self, doc: Document, figures: Figures) -> None:
        self.doc = doc
        self.figures = figures
        self.problems: list[Problem] = []

    def add(
        self,
        path: Path,
        rule: str,
        message: str,
        expected: int | Decimal | None = None,
        actual: int | Decimal | None = None,
        severity: str = "error",
        at_key: bool = False,
    ) -> None:
        source = self.doc.source
        line, col = source.keys[path] if at_key and path in source.keys else source.where(path)
        self.problems.append(
            Problem(
                self.doc.source.file,
                line,
                col,
                rule,
                message,
                path_str(path),
                "warning" if severity == "warning" else "error",
                None if expected is None else _value(expected),
                None if actual is None else _value(actual),
                source.sheet,
            )
        )

    def compare(self, path: Path, rule: str, what: str, expected: int, actual: int | None) -> None:
        """Report when the stated ``actual`` differs from the computed ``expected`` (천원)."""
        if actual is not None and actual != expected:
            self.add(
                path,
                rule,
                f"{what} {numbers.won(expected)}천원인데 {numbers.won(actual)}천원으로 적혀 있습니다",
                expected,
                actual,
            )


def _amount_paths(project: Project) -> Iterator[tuple[Path, int | None]]:
    """Every amount that must not be negative, with its path.

    A 산출근거 line may be negative (a reduction, 추경의 감액 △360); the 과목's (B), their
    sum, may not.
    """
    f = project.overview.funding
    yield ("overview", "total"), project.overview.total
    for key in ("national", "city", "district", "other"):
        yield ("overview", "funding", key), getattr(f, key)
    total = project.budget.total
    if total:
        yield ("budget", "total", "previous"), total.previous
        yield ("budget", "total", "current"), total.current
    for i, item in enumerate(project.budget.items):
        yield ("budget", "items", i, "previous"), item.previous
        yield ("budget", "items", i, "current"), item.current
    yield ("schedule", "total"), project.schedule.total
    for i, row in enumerate(project.schedule.rows):
        yield ("schedule", "rows", i, "amount"), row.amount
    for i, s in enumerate(project.settlement):
        for key in ("final_budget", "carried_in", "available", "spent", "carried_out", "balance"):
            yield ("settlement", i, key), getattr(s, key)


def _check_budget(c: _Checker, project: Project) -> None:
    fig = c.figures
    decimals = fig.rate_decimals
    stated = project.budget.total
    base: Path = ("budget", "total")
    # Each (B) as its 산출근거 gives it: when the stated 계 (B) agrees with these, the
    # 과목 whose (B) disagrees with its own 산출근거 is the odd one out (basis-item).
    corrected = fig.current_by_basis
    if stated:
        c.compare(
            (*base, "previous"),
            "budget-total",
            "예산 총괄 계 (A)는 과목 합계",
            fig.column_sums[0],
            stated.previous,
        )
        if stated.current != corrected:
            c.compare(
                (*base, "current"),
                "budget-total",
                "예산 총괄 계 (B)는 과목 합계",
                fig.column_sums[1],
                stated.current,
            )
    # For the 계 row, a wrong stated (A) or (B) is reported once, at that cell: its 증감
    # and rate are also accepted when they agree with the column sums.
    sums = fig.column_sums
    rows = [
        (
            base,
            "계",
            [(fig.total.previous, fig.total.current), sums, (sums[0], corrected)],
            stated.change if stated else None,
            stated.rate if stated else None,
        )
    ]
    rows += [
        (("budget", "items", i), it.name, [(it.previous, it.current)], it.change, it.rate)
        for i, it in enumerate(project.budget.items)
    ]
    for i, it in enumerate(project.budget.items):
        # (B) the odd one out: 증감 and the 산출근거 agree on another (B). That (B) is
        # reported once, by basis-item; 증감 and the rate are not blamed for it.
        if it.basis and it.change is not None and it.change != it.current - it.previous:
            basis_b = fig.basis_trusted(i)
            if basis_b == it.previous + it.change:
                rows[i + 1][2].append((it.previous, basis_b))
    for path, name, pairs, change, rate in rows:
        a, b = pairs[0]
        if change is not None and all(change != y - x for x, y in pairs):
            c.compare(
                (*path, "change"),
                "budget-diff",
                f"'{name}' 증감 (B−A)는 {numbers.won(b)} − {numbers.won(a)} =",
                b - a,
                change,
            )
        if rate is not None and all(rate != numbers.change_rate(x, y, decimals) for x, y in pairs):
            expected = numbers.change_rate(a, b, decimals)
            written = numbers.decimals_of(rate)
            hint = ""
            if written != decimals and rate == numbers.change_rate(a, b, written):
                hint = (
                    f" — 소수 자릿수만 다릅니다: 증감률을 소수 {written}자리로 적으려면 "
                    f"conventions: {{rate_decimals: {written}}}를 적으세요 (지금은 {decimals}자리)"
                )
            c.add(
                (*path, "rate"),
                "budget-rate",
                f"'{name}' 증감률은 {numbers.rate_text(expected, decimals)}인데 "
                f"{numbers.rate_text(rate, max(decimals, written))}(으)로 적혀 있습니다{hint}",
                expected,
                rate,
            )


def _check_basis(c: _Checker, project: Project) -> None:
    rounding = project.conventions.formula_rounding
    safe = _safe_roundings(project)
    for i, item in enumerate(project.budget.items):
        ipath: Path = ("budget", "items", i)
        if not item.basis:
            if item.current:
                c.add(ipath, "basis-missing", f"'{item.name}'의 산출근거가 없습니다", severity="warning")
            continue
        for j, line in enumerate(item.basis):
            lpath: Path = (*ipath, "basis", j)
            lf = c.figures.basis[i][j]
            _check_formula(c, lpath, line.formula, line.amount, rounding, safe)
            for k, part in enumerate(line.parts):
                _check_formula(c, (*lpath, "parts", k), part.formula, part.amount, rounding, safe)
            if line.parts:
                expected, stated = lf.parts_total, lf.stated
                # A part whose amount contradicts its own formula is reported there, not here too.
                if stated != lf.parts_trusted_total:
                    lone = [k for k, p in enumerate(line.parts) if not p.formula]
                    if stated is not None and len(item.basis) == 1 and stated == item.current and len(lone) == 1:
                        # The ○ amount agrees with the 과목's (B): the one part without a formula is odd.
                        k = lone[0]
                        others = lf.parts_total - lf.parts[k]
                        c.compare(
                            (*lpath, "parts", k, "amount"),
                            "basis-parts",
                            f"- '{line.parts[k].label}'은(는) ○ '{line.label}' {numbers.won(stated)} − 다른 - 항목 "
                            f"{numbers.won(others)} =",
                            stated - others,
                            line.parts[k].amount,
                        )
                    else:
                        c.compare(
                            (*lpath, "amount"),
                            "basis-parts",
                            f"○ '{line.label}'은(는) 아래 - 항목 합계",
                            expected,
                            stated,
                        )
        total = c.figures.basis_total(i)
        if item.current not in (total, c.figures.basis_trusted(i)):
            single = item.basis[0] if len(item.basis) == 1 else None
            if single is not None and _current_agrees(project, c.figures):
                # (B) agrees with 계 (B), 사업비 and 추진일정: the ○ line is the odd one out.
                c.add(
                    (*ipath, "basis", 0, "amount" if single.amount is not None else "formula"),
                    "basis-item",
                    f"○ '{single.label}' 금액은 '{item.name}' 예산액 (B) {numbers.won(item.current)}천원인데 "
                    f"{numbers.won(total)}천원으로 적혀 있습니다 (예산액 (B)는 예산 총괄 계 (B), 사업비, 추진일정과 맞습니다)",
                    item.current,
                    total,
                )
                continue
            c.add(
                (*ipath, "current"),
                "basis-item",
                f"'{item.name}' 예산액 (B)는 산출근거 합계 {numbers.won(total)}천원인데 "
                f"{numbers.won(item.current)}천원으로 적혀 있습니다",
                total,
                item.current,
            )


def _current_agrees(project: Project, figures: Figures) -> bool:
    """Whether the (B) column is borne out by every other figure that includes it.

    The sum of the (B) column must equal the stated 계 (B) (when stated), the 사업비 and
    the 추진일정 total (when there is a schedule); and at least one of them must be stated.
    """
    witnesses = []
    stated = project.budget.total
    if stated is not None and stated.current is not None:
        witnesses.append(stated.current)
    ov = project.overview
    if ov.total is not None:
        witnesses.append(ov.total)
    elif figures.in_budget is not None:
        witnesses.append(figures.in_budget)
    if project.schedule.rows:
        witnesses.append(figures.schedule_rows)
    return bool(witnesses) and all(w == figures.column_sums[1] for w in witnesses)


ROUNDING_NAMES = {"floor": "내림(floor)", "ceil": "올림(ceil)", "half-up": "반올림(half-up)"}


def _formula_lines(project: Project) -> Iterator[tuple[Path, str, int | None]]:
    """Every 산출근거 line and part with a formula: its path, formula and stated amount."""
    for i, item in enumerate(project.budget.items):
        for j, line in enumerate(item.basis):
            if line.formula:
                yield ("budget", "items", i, "basis", j), line.formula, line.amount
            for k, part in enumerate(line.parts):
                if part.formula:
                    yield ("budget", "items", i, "basis", j, "parts", k), part.formula, part.amount


def _safe_roundings(project: Project) -> list[str]:
    """The other rounding modes the whole document agrees with.

    A mode is safe when every line that holds now still holds under it, and so does every
    line that some rounding would make hold: advice to switch ``conventions.formula_rounding``
    names only these, so following it never turns another line into an error.
    """
    rounding = project.conventions.formula_rounding
    values = []
    for _, text, amount in _formula_lines(project):
        with contextlib.suppress(formula.FormulaError):
            values.append((formula.evaluate_formula(text).value, amount))
    safe = []
    for mode in ROUNDING_NAMES:
        if mode == rounding:
            continue
        for value, amount in values:
            now = numbers.won_to_thousand(value, rounding)
            then = numbers.won_to_thousand(value, mode)
            if amount is None:
                wanted = now
            elif now == amount or any(numbers.won_to_thousand(value, m) == amount for m in ROUNDING_NAMES):
                wanted = amount
            else:
                continue  # wrong under every rounding: no mode makes it right
            if wanted is not None and then != wanted:
                break
        else:
            safe.append(mode)
    return safe


def _check_formula(
    c: _Checker, path: Path, text: str | None, amount: int | None, rounding: str, safe: list[str]
) -> None:
    if not text:
        return
    try:
        result = formula.evaluate_formula(text)
    except formula.FormulaError as exc:
        line, col = c.doc.source.where((*path, "formula"))
        c.problems.append(
            Problem(
                c.doc.source.file,
                line,
                col,
                "basis-formula-syntax",
                f"산식 '{text}'을(를) 읽을 수 없습니다: {exc.message}",
                path_str((*path, "formula")),
            )
        )
        return
    shown = formula.formula_display(text)
    thousand = numbers.won_to_thousand(result.value, rounding)
    if thousand is not None and amount in (None, thousand):
        return
    holds = [m for m in ROUNDING_NAMES if amount is not None and numbers.won_to_thousand(result.value, m) == amount]
    fits = [m for m in holds if m in safe]
    modes = " 또는 ".join(ROUNDING_NAMES[m] for m in fits)
    setting = f"conventions: {{formula_rounding: {fits[0]}}}" if fits else ""
    if holds and not fits and rounding not in holds:
        modes = " 또는 ".join(ROUNDING_NAMES[m] for m in holds)
        conflict = f"{modes}으로는 맞지만, 그렇게 바꾸면 이 문서의 다른 산출근거 줄이 맞지 않습니다"
    else:
        conflict = ""
    if thousand is None:
        exact = f"{shown} = {numbers.exact_text(result.value)}원은 천원 단위로 나누어떨어지지 않습니다"
        if amount is None:
            message = f"{exact} (금액을 적거나 conventions.formula_rounding에 floor·ceil·half-up 중 하나를 적으세요)"
        elif fits:
            message = f"{exact}: 적힌 {numbers.won(amount)}천원은 {modes}으로 맞습니다 ({setting})"
        elif conflict:
            message = f"{exact}: 적힌 {numbers.won(amount)}천원은 {conflict}"
        else:
            low = numbers.won_to_thousand(result.value, "floor")
            high = numbers.won_to_thousand(result.value, "ceil")
            message = (
                f"{exact}: 내림이면 {numbers.won(low)}천원, 올림이면 {numbers.won(high)}천원인데 "
                f"{numbers.won(amount)}천원으로 적혀 있습니다"
            )
        c.add((*path, "formula"), "basis-formula", message)
        return
    assert amount is not None
    hint = f" — {modes}으로는 맞습니다 ({setting})" if fits else f" — {conflict}" if conflict else ""
    if not result.has_won and (thousand == amount * 1000 or amount == thousand * 1000):
        hint = (
            " — 산식의 금액에 단위 '원'이 없어 1,000배 차이가 납니다: 금액 뒤에 '원'(또는 '천원')을 붙이세요"
            " (예: 350,000원×3기)"
        )
    elif result.bullet in ("-", "−") and thousand == -amount:
        hint = (
            f" — 맨 앞의 '{result.bullet}'는 글머리표로 읽었습니다: 빼는 금액이면 "
            f"'△'를 쓰세요 (예: △{text.lstrip()[1:].strip()})"
        )
    c.add(
        (*path, "amount"),
        "basis-formula",
        f"{shown} = {numbers.won(thousand)}천원인데 {numbers.won(amount)}천원으로 적혀 있습니다{hint}",
        thousand,
        amount,
    )


def _check_funding(c: _Checker, project: Project) -> None:
    fig = c.figures
    ov = project.overview
    f = ov.funding
    in_budget = fig.in_budget
    if in_budget is not None:
        if ov.total is not None and ov.total != in_budget and ov.total == fig.total.current:
            # 사업비 agrees with 계 (B): the funding split is the odd one out.
            _blame_funding(c, project, ov.total, in_budget)
        elif ov.total is not None:
            c.compare(
                ("overview", "total"),
                "funding-total",
                f"사업비 (당해년도)는 국비 {numbers.won(f.national or 0)} + 시비 {numbers.won(f.city or 0)} =",
                in_budget,
                ov.total,
            )
    in_budget_agrees = in_budget == fig.total.current
    if fig.project_total != fig.total.current and not (ov.total is not None and in_budget_agrees):
        # (When 국비 + 시비 agree with 계 (B), a wrong 사업비 is reported once, by funding-total.)
        path: Path = ("overview", "total") if ov.total is not None else ("overview", "funding")
        c.add(
            path,
            "funding-budget",
            f"사업비 (당해년도)는 예산 총괄 계 (B) {numbers.won(fig.total.current)}천원인데 "
            f"{numbers.won(fig.project_total)}천원으로 적혀 있습니다",
            fig.total.current,
            fig.project_total,
        )


def _blame_funding(c: _Checker, project: Project, total: int, in_budget: int) -> None:
    f = project.overview.funding
    shares = {"national": ("국비", f.national or 0), "city": ("시비", f.city or 0)}
    stated = [k for k, (_, v) in shares.items() if v]
    outside = {"구비": f.district or 0, "기타": f.other or 0}
    extra = next(
        (
            f" — 예산 외인 {name} {numbers.won(v)}천원이 더해진 것 같습니다"
            for name, v in outside.items()
            if v and in_budget - total == v
        ),
        "",
    )
    why = "사업비 (당해년도)는 예산 총괄 계 (B)와 맞습니다"
    moved = next((name for name, v in outside.items() if v and total - in_budget == v), None)
    if moved is not None and f.city is not None:
        # 국비 + 시비 + 구비 = 사업비: the budget's own share lost what was put outside the budget.
        national = f.national or 0
        c.add(
            ("overview", "funding", "city"),
            "funding-total",
            f"시비는 사업비 {numbers.won(total)} − 국비 {numbers.won(national)} = {numbers.won(total - national)}천원인데 "
            f"{numbers.won(f.city)}천원으로 적혀 있습니다 ({why}) — 국비 + 시비 + {moved}가 사업비와 같습니다: "
            f"{moved}는 예산 외라 사업비에 들지 않으니, 예산 안의 몫이면 시비에 넣으세요",
            total - national,
            f.city,
        )
        return
    if len(stated) == 1:
        key = stated[0]
        name, value = shares[key]
        other_name, other = next(v for k, v in shares.items() if k != key)
        c.add(
            ("overview", "funding", key),
            "funding-total",
            f"{name}는 사업비 {numbers.won(total)} − {other_name} {numbers.won(other)} = {numbers.won(total - other)}천원인데 "
            f"{numbers.won(value)}천원으로 적혀 있습니다 ({why}){extra}",
            total - other,
            value,
        )
        return
    c.add(
        ("overview", "funding"),
        "funding-total",
        f"국비 + 시비는 사업비 {numbers.won(total)}천원인데 {numbers.won(in_budget)}천원입니다 ({why}){extra}",
        total,
        in_budget,
    )


def _check_schedule(c: _Checker, project: Project) -> None:
    sched = project.schedule
    if not sched.rows and sched.total is None:
        budget = c.figures.total.current
        if budget:
            c.add(
                ("schedule", "rows"),
                "schedule-budget",
                f"추진일정이 비어 있어(해당 없음) 예산 총괄 계 (B) {numbers.won(budget)}천원과 대조하지 않았습니다",
                severity="warning",
            )
        return
    rows = c.figures.schedule_rows
    budget = c.figures.total.current
    if sched.total is not None and sched.total != rows and sched.total == budget:
        # The stated 계 agrees with 예산 총괄 계 (B): a row is the odd one out.
        why = "계는 예산 총괄 계 (B)와 맞습니다"
        if len(sched.rows) == 1:
            c.add(
                ("schedule", "rows", 0, "amount"),
                "schedule-total",
                f"추진일정 '{sched.rows[0].step}' 예산집행금액은 계 {numbers.won(sched.total)}천원과 같아야 하는데 "
                f"{numbers.won(rows)}천원으로 적혀 있습니다 ({why})",
                sched.total,
                rows,
            )
        else:
            c.add(
                ("schedule", "rows"),
                "schedule-total",
                f"추진일정 행 합계는 계 {numbers.won(sched.total)}천원인데 {numbers.won(rows)}천원입니다 ({why})",
                sched.total,
                rows,
            )
        return
    c.compare(("schedule", "total"), "schedule-total", "추진일정 계는 행 합계", rows, sched.total)
    if rows != budget:
        path: Path = ("schedule", "total") if sched.total is not None else ("schedule", "rows")
        c.add(
            path,
            "schedule-budget",
            f"추진일정 예산집행금액 합계는 예산 총괄 계 (B) {numbers.won(budget)}천원인데 "
            f"{numbers.won(rows)}천원입니다",
            budget,
            rows,
        )


def _check_settlement(c: _Checker, project: Project) -> None:
    only_spent = project.conventions.settlement_balance == "available-spent"
    for i, (s, fig) in enumerate(zip(project.settlement, c.figures.settlement, strict=True)):
        available = fig.available_sum
        c.compare(
            ("settlement", i, "available"),
            "settlement-available",
            f"{s.year}년 예산현액은 {numbers.won(s.final_budget)} + {numbers.won(s.carried_in)} + "
            f"{numbers.won(s.change)} =",
            available,
            s.available,
        )
        formula = f"{numbers.won(fig.available)} − {numbers.won(s.spent)}" + (
            "" if only_spent else f" − {numbers.won(s.carried_out)}"
        )
        if s.balance == fig.balance_of_sum:  # agrees with the 예산현액 the arithmetic gives
            continue
        c.compare(
            ("settlement", i, "balance"),
            "settlement-balance",
            f"{s.year}년 집행잔액은 {formula} =",
            fig.balance_sum,
            s.balance,
        )


def _check_years(c: _Checker, project: Project) -> None:
    y = project.fiscal_year
    period = project.overview.period
    if period.start is not None and period.end is not None and period.start > period.end:
        c.add(
            ("overview", "period", "end"),
            "years",
            f"사업기간 종료 {period.end}년이 시작 {period.start}년보다 앞섭니다",
            period.start,
            period.end,
        )
    if period.kind in ("계속", "한시") and (period.start is None or period.end is None):
        c.add(
            ("overview", "period"),
            "years",
            f"사업기간 '{period.kind}'에는 시작·종료 연도가 있어야 합니다",
            severity="warning",
        )
    achieved = list(project.effects.achievements)
    if not achieved:
        c.add(
            ("effects", "achievements"),
            "years",
            f"추진실적이 비어 있어(해당 없음) {y - 3}~{y - 1}년 추진실적 연도를 확인하지 않았습니다",
            severity="warning",
        )
    if not project.settlement:
        c.add(
            ("settlement",),
            "years",
            f"결산 현황이 비어 있어(해당 없음) {y - 4}~{y - 2}년 결산 연도와 금액을 확인하지 않았습니다",
            severity="warning",
        )
    if achieved:
        wanted = [y - 3, y - 2, y - 1]
        for year in achieved:
            if year not in wanted:
                c.add(
                    ("effects", "achievements", str(year)),
                    "years",
                    f"추진실적 연도는 {wanted[0]}~{wanted[-1]}년이어야 하는데 {year}년이 있습니다",
                    None,
                    year,
                    at_key=True,
                )
        if sorted(achieved) != achieved:
            c.add(("effects", "achievements"), "years", "추진실적 연도가 차례대로가 아닙니다")
    for i, s in enumerate(project.settlement):
        expected = y - 4 + i
        if s.year != expected:
            c.add(
                ("settlement", i, "year"),
                "years",
                f"결산 {i + 1}번째 행은 {expected}년이어야 하는데 {s.year}년으로 적혀 있습니다 "
                f"(결산은 {y - 4}~{y - 2}년)",
                expected,
                s.year,
            )
    if len(project.settlement) > 3:
        c.add(("settlement", 3), "years", f"결산은 최근 3년({y - 4}~{y - 2}년)만 적습니다")


def _check_negative(c: _Checker, project: Project) -> None:
    for path, value in _amount_paths(project):
        if value is not None and value < 0:
            c.add(
                path,
                "negative-amount",
                f"'{path_str(path)}'에 음수 {numbers.won(value)}은(는) 쓸 수 없습니다",
                None,
                value,
            )


def _texts(value: object, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every text value of the document (a record's, a list's, a mapping's), with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, str(key)))


def _limit(path: Path) -> tuple[bool, int]:
    """Whether the value at ``path`` is a paragraph line, and the characters it may hold."""
    paragraph = any(path[: len(p)] == p for p in PARAGRAPHS)
    return paragraph, TEXT_MAX if paragraph else CELL_TEXT_MAX


def _check_text(c: _Checker, project: Project) -> None:
    """No value longer than the form prints (:data:`CELL_TEXT_MAX`, :data:`TEXT_MAX`), no word over :data:`WORD_MAX`."""
    for path, text in _texts(project):
        name = labels.with_label(path_str(path))
        paragraph, limit = _limit(path)
        if len(text) > limit:
            where = "문단 한 줄은" if paragraph else "표 칸 하나에는 한 쪽에 들어가는"
            hint = " — 여러 줄로 나누어 적으세요" if paragraph else ""
            c.add(
                path,
                "text-too-long",
                f"'{name}' 글이 {len(text):,}자로 너무 깁니다: {where} {limit:,}자까지 쓸 수 있습니다{hint}",
                limit,
                len(text),
            )
        word = max(_BREAK.split(text), key=len)
        if len(word) > WORD_MAX:
            joined = any(space in word for space in _NO_BREAK)
            hint = " (줄바꿈 없는 공백이 낱말을 잇고 있습니다: 보통 공백으로 바꾸세요)" if joined else ""
            c.add(
                path,
                "word-too-long",
                f"'{name}'에 띄어 쓰지 않고 {len(word):,}자가 이어진 낱말 '{word[:20]}…'이(가) 있습니다: "
                f"낱말 하나는 {WORD_MAX:,}자까지 쓸 수 있습니다 — 줄이 바뀔 자리에 띄어 쓰세요{hint}",
                WORD_MAX,
                len(word),
            )


_WORD = re.compile(rf"(?:[^\s]|[{_NO_BREAK}]){{{WORD_MAX + 1},}}")  # a run longer than a word may be


def _cut(text: str, limit: int) -> str:
    """``text`` as a draft prints it: each word over :data:`WORD_MAX` and the value over ``limit`` cut, and said so."""
    marked = _WORD.sub(lambda m: m[0][:WORD_MAX] + "\0", text)  # \0: where a word was cut
    kept = marked[:limit]
    shown = len(kept) - kept.count("\0")
    return kept.rstrip("\0").replace("\0", "…") + f"… ({len(text):,}자 가운데 {shown:,}자만 보임)"


def _printable(value: Any, path: Path) -> Any:
    if isinstance(value, str):
        _, limit = _limit(path)
        return _cut(value, limit) if len(value) > limit or _WORD.search(value) else value
    if isinstance(value, BaseModel):
        changed = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = _printable(old, (*path, name))
            if new is not old:
                changed[name] = new
        return value.model_copy(update=changed) if changed else value
    if isinstance(value, list):
        items = [_printable(item, (*path, i)) for i, item in enumerate(value)]
        return items if any(n is not o for n, o in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        pairs = {key: _printable(item, (*path, str(key))) for key, item in value.items()}
        return pairs if any(pairs[k] is not value[k] for k in value) else value
    return value


def printable(project: Project) -> Project:
    """The project a draft prints: every text over the form's limits cut, with how much was left out.

    A document over :data:`WORD_MAX`, :data:`CELL_TEXT_MAX` or :data:`TEXT_MAX` fails its
    checks (``text-too-long``, ``word-too-long``) and is not built; its draft (``--draft``,
    the live preview, a drafted book) shows the cell marked, with the start of the value
    and ``… (N자 가운데 M자만 보임)``, instead of spending minutes on a word no page can
    hold. Values within the limits are the very same objects.
    """
    cut: Project = _printable(project, ())
    return cut


def _check_draft(c: _Checker, project: Project) -> None:
    draft = project.draft
    if draft is None:
        return
    if not draft.todo:
        made = f" ({draft.source}에서 만듦)" if draft.source else ""
        c.add(
            ("draft",), "draft", f"다음 연도 초안입니다{made}: 확인을 마치면 draft 항목을 지우세요", severity="warning"
        )
    for i, todo in enumerate(draft.todo):
        c.add(
            ("draft", "todo", i),
            "draft",
            f"초안 할 일: {todo} (마치면 이 줄을, 모두 마치면 draft 항목을 지우세요)",
            severity="warning",
        )


CHECKS = (
    _check_draft,
    _check_text,
    _check_negative,
    _check_budget,
    _check_basis,
    _check_funding,
    _check_schedule,
    _check_settlement,
    _check_years,
)


def check(doc: Document, figures: Figures | None = None) -> list[Problem]:
    """Every problem of one document, in file order; ``figures`` are its :func:`compute` (computed if not given)."""
    c = _Checker(doc, figures or compute(doc.project))
    for rule in CHECKS:
        rule(c, doc.project)
    return sorted([*c.problems, *doc.notes], key=lambda p: (p.line, p.column, p.rule))


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that stop a document (severity error), in order."""
    return [p for p in problems if p.severity == "error"]
