"""The numbers of a document: each as printed, and beside it what its parts add up to.

A printed number is the one stated in the YAML, or computed where it is left out. This is
the only arithmetic of a document: ``checks.py`` compares the stated values with the sums
here (and decides whom to blame from them); ``render.py`` and the HWPX writer print
:class:`Figures` and add nothing themselves. (The book's 총괄표 adds up the documents'
totals across the book.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from budgetdoc.model import formula, numbers
from budgetdoc.model.document import BasisLine, BasisPart, Project


@dataclass(frozen=True)
class BudgetRow:
    """One row of the 예산 총괄: a name, {Y-1}, B, the difference and its rate."""

    name: str
    previous: int
    current: int
    change: int
    rate: Decimal


@dataclass(frozen=True)
class SettlementFigures:
    """One year of 결산 as printed, and its identities.

    ``available_sum`` is 최종예산 + 전년이월 + 예산변경 (what 예산현액 must be);
    ``balance_sum`` is 예산현액 (as printed) − 집행액 (− 차년이월, by the convention);
    ``balance_of_sum`` the same from ``available_sum``.
    """

    year: int
    final_budget: int
    carried_in: int
    change: int
    available: int
    spent: int
    carried_out: int
    balance: int
    available_sum: int
    balance_sum: int
    balance_of_sum: int


@dataclass(frozen=True)
class BasisFigures:
    """One ○ line of 산출근거: its amount and those of its - parts (천원), as printed and as trusted.

    ``stated`` is the line's amount as written, else its formula's (None without either);
    ``trusted`` is what its formula (else its parts, else its amount) gives, and
    ``parts_trusted`` the same for each part: the figures a wrong written amount is
    measured against.
    """

    amount: int
    parts: tuple[int, ...]
    stated: int | None
    trusted: int
    parts_trusted: tuple[int, ...]

    @property
    def parts_total(self) -> int:
        """The - parts added up, as printed."""
        return sum(self.parts)

    @property
    def parts_trusted_total(self) -> int:
        """The - parts added up, each as its formula gives it."""
        return sum(self.parts_trusted)


@dataclass(frozen=True)
class Figures:
    """Every computed number of one document; the only arithmetic the writers print."""

    total: BudgetRow
    items: tuple[BudgetRow, ...]
    project_total: int  # 사업비 (당해년도)
    schedule_total: int
    settlement: tuple[SettlementFigures, ...]
    rate_decimals: int
    basis: tuple[tuple[BasisFigures, ...], ...]  # per 과목, per ○ line
    column_sums: tuple[int, int]  # the 과목 rows' (A) and (B) added up
    in_budget: int | None  # 국비 + 시비, when either is written
    schedule_rows: int  # the 추진일정 rows added up

    def basis_total(self, item: int) -> int:
        """The 산출근거 of 과목 ``item`` added up, line amounts as printed."""
        return sum(line.amount for line in self.basis[item])

    @property
    def current_by_basis(self) -> int:
        """The (B) column added up, each 과목's (B) as its 산출근거 gives it (as written where it has none)."""
        return sum(
            self.basis_trusted(i) if lines else row.current
            for i, (row, lines) in enumerate(zip(self.items, self.basis, strict=True))
        )

    def basis_trusted(self, item: int) -> int:
        """The 산출근거 of 과목 ``item`` added up, each line as its formula or parts give it."""
        return sum(line.trusted for line in self.basis[item])


def formula_amount(line: BasisLine | BasisPart, rounding: str) -> int | None:
    """The 천원 amount a line's formula gives, or None (no formula, unparsable, inexact)."""
    if not line.formula:
        return None
    try:
        result = formula.evaluate_formula(line.formula)
    except formula.FormulaError:
        return None
    return numbers.won_to_thousand(result.value, rounding)


def part_amount(part: BasisPart, rounding: str) -> int:
    """The amount of one 산출근거 line in 원, stated or computed from its formula."""
    if part.amount is not None:
        return part.amount
    return formula_amount(part, rounding) or 0


def trusted_amount(line: BasisLine | BasisPart, rounding: str) -> int:
    """A line's amount as its formula (or its parts) give it, else as stated."""
    from_formula = formula_amount(line, rounding)
    if from_formula is not None:
        return from_formula
    if isinstance(line, BasisLine) and line.parts:
        return sum(trusted_amount(p, rounding) for p in line.parts)
    return line.amount if line.amount is not None else 0


def line_amount(line: BasisLine, rounding: str) -> int:
    """A ○ line's amount: stated, else from its formula, else the sum of its parts."""
    if line.amount is not None:
        return line.amount
    from_formula = formula_amount(line, rounding)
    if from_formula is not None:
        return from_formula
    return sum(part_amount(p, rounding) for p in line.parts)


def _row(name: str, previous: int, current: int, change: int | None, rate: Decimal | None, decimals: int) -> BudgetRow:
    return BudgetRow(
        name,
        previous,
        current,
        change if change is not None else current - previous,
        rate if rate is not None else numbers.change_rate(previous, current, decimals),
    )


def compute(project: Project) -> Figures:
    """Compute every total, difference and rate of ``project``, and what its parts add up to."""
    decimals = project.conventions.rate_decimals
    items = tuple(_row(i.name, i.previous, i.current, i.change, i.rate, decimals) for i in project.budget.items)
    columns = (sum(i.previous for i in items), sum(i.current for i in items))
    stated = project.budget.total
    prev = stated.previous if stated and stated.previous is not None else columns[0]
    cur = stated.current if stated and stated.current is not None else columns[1]
    total = _row("계", prev, cur, stated.change if stated else None, stated.rate if stated else None, decimals)
    funding = project.overview.funding
    in_budget = None
    if funding.national is not None or funding.city is not None:
        in_budget = (funding.national or 0) + (funding.city or 0)
    if project.overview.total is not None:
        project_total = project.overview.total
    elif in_budget is not None:
        project_total = in_budget
    else:
        project_total = total.current
    sched = project.schedule
    schedule_rows = sum(r.amount for r in sched.rows)
    schedule_total = sched.total if sched.total is not None else schedule_rows
    settlement = []
    only_spent = project.conventions.settlement_balance == "available-spent"
    for r in project.settlement:
        available_sum = r.final_budget + r.carried_in + r.change
        available = r.available if r.available is not None else available_sum
        used = r.spent + (0 if only_spent else r.carried_out)
        balance = r.balance if r.balance is not None else available - used
        settlement.append(
            SettlementFigures(
                r.year,
                r.final_budget,
                r.carried_in,
                r.change,
                available,
                r.spent,
                r.carried_out,
                balance,
                available_sum,
                available - used,
                available_sum - used,
            )
        )
    rounding = project.conventions.formula_rounding
    basis = tuple(
        tuple(
            BasisFigures(
                line_amount(line, rounding),
                tuple(part_amount(p, rounding) for p in line.parts),
                line.amount if line.amount is not None else formula_amount(line, rounding),
                trusted_amount(line, rounding),
                tuple(trusted_amount(p, rounding) for p in line.parts),
            )
            for line in item.basis
        )
        for item in project.budget.items
    )
    return Figures(
        total,
        items,
        project_total,
        schedule_total,
        tuple(settlement),
        decimals,
        basis,
        columns,
        in_budget,
        schedule_rows,
    )
