"""The book's contents: its parts in order, the groups of the 목차 and the rows of the 총괄표.

Plain data and arithmetic over the parts' meta (titles, offices, page counts, totals): what
:mod:`budgetdoc.book.make` renders as front matter and :mod:`budgetdoc.book.assemble` turns
into bookmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from budgetdoc.formats.sources import Source
from budgetdoc.model.document import Problem


@dataclass(frozen=True)
class Part:
    """One project as it goes into the book (read from the cache's meta file)."""

    source: Source
    key: str
    status: str  # ok | draft | failed
    problems: tuple[Problem, ...] = ()
    title: str = ""
    office: str = ""
    department: str = ""
    year: int = 0
    previous: int = 0
    current: int = 0
    pages: int = 0


# --------------------------------------------------------------------------- layout of the book


@dataclass
class Entry:
    """One project in the contents: its title, page and group."""

    title: str
    page: int  # the printed number of the project's first page


@dataclass
class Group:
    """The projects of one 실·국 in the book, in order."""

    name: str
    page: int = 0
    departments: list[Group] = field(default_factory=list)
    projects: list[Entry] = field(default_factory=list)
    count: int = 0
    previous: int = 0
    current: int = 0


def arrange(parts: list[Part]) -> tuple[list[Part], list[Group]]:
    """Book order — 실·국, then 부서, each in order of first appearance in the data — and pages.

    Returns the parts in book order and the tree of groups with each one's first page.
    """
    offices: dict[str, dict[str, list[Part]]] = {}
    for part in parts:
        offices.setdefault(part.office, {}).setdefault(part.department, []).append(part)
    ordered: list[Part] = []
    groups: list[Group] = []
    page = 1
    for office, departments in offices.items():
        g_office = Group(office, page)
        for department, members in departments.items():
            g_dept = Group(department, page)
            for part in members:
                g_dept.projects.append(Entry(part.title, page))
                for g in (g_office, g_dept):
                    g.count += 1
                    g.previous += part.previous
                    g.current += part.current
                page += part.pages
                ordered.append(part)
            g_office.departments.append(g_dept)
        groups.append(g_office)
    return ordered, groups


def summary_rows(groups: list[Group]) -> list[dict[str, Any]]:
    """총괄표: 합계, then per 실·국 its subtotal and its 부서."""

    def row(
        kind: str, name: str, g: Group | None = None, count: int = 0, previous: int = 0, current: int = 0
    ) -> dict[str, Any]:
        if g is not None:
            count, previous, current = g.count, g.previous, g.current
        return {
            "kind": kind,
            "name": name,
            "count": count,
            "previous": previous,
            "current": current,
            "change": current - previous,
        }

    rows = [
        row(
            "total",
            "합계",
            count=sum(g.count for g in groups),
            previous=sum(g.previous for g in groups),
            current=sum(g.current for g in groups),
        )
    ]
    for office in groups:
        rows.append(row("office", office.name, office))
        rows.extend(row("dept", d.name, d) for d in office.departments)
    return rows


@dataclass(frozen=True)
class Cover:
    """What the cover page prints."""

    title: str
    org: str
    year: int
    count: int
    current: int
    draft: bool = False
