"""The numbers a document prints: each one as stated in the YAML, or computed where left out.

``checks.py`` compares the stated values with the computed ones; ``render.py`` and the
other writers print :class:`Figures` and never do arithmetic themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import numbers
from .model import BasisLine, BasisPart, Project


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
    """One year of 결산 with its computed 집행률 and identities."""

    year: int
    final_budget: int
    carried_in: int
    change: int
    available: int
    spent: int
    carried_out: int
    balance: int


@dataclass(frozen=True)
class Figures:
    """Every computed number of one document; the only arithmetic the writers print."""

    total: BudgetRow
    items: tuple[BudgetRow, ...]
    project_total: int  # 사업비 (당해년도)
    schedule_total: int
    settlement: tuple[SettlementFigures, ...]
    rate_decimals: int


def formula_amount(line: BasisLine | BasisPart, rounding: str) -> int | None:
    """The 천원 amount a line's formula gives, or None (no formula, unparsable, inexact)."""
    if not line.formula:
        return None
    try:
        result = numbers.evaluate_formula(line.formula)
    except numbers.FormulaError:
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
    """Compute every total, difference and rate of ``project``."""
    decimals = project.conventions.rate_decimals
    items = tuple(_row(i.name, i.previous, i.current, i.change, i.rate, decimals) for i in project.budget.items)
    stated = project.budget.total
    prev = stated.previous if stated and stated.previous is not None else sum(i.previous for i in items)
    cur = stated.current if stated and stated.current is not None else sum(i.current for i in items)
    total = _row("계", prev, cur, stated.change if stated else None, stated.rate if stated else None, decimals)
    funding = project.overview.funding
    if project.overview.total is not None:
        project_total = project.overview.total
    elif funding.national is not None or funding.city is not None:
        project_total = (funding.national or 0) + (funding.city or 0)
    else:
        project_total = total.current
    sched = project.schedule
    schedule_total = sched.total if sched.total is not None else sum(r.amount for r in sched.rows)
    settlement = []
    for r in project.settlement:
        available = r.available if r.available is not None else r.final_budget + r.carried_in + r.change
        if r.balance is not None:
            balance = r.balance
        elif project.conventions.settlement_balance == "available-spent":
            balance = available - r.spent
        else:
            balance = available - r.spent - r.carried_out
        settlement.append(
            SettlementFigures(
                r.year, r.final_budget, r.carried_in, r.change, available, r.spent, r.carried_out, balance
            )
        )
    return Figures(total, items, project_total, schedule_total, tuple(settlement), decimals)
