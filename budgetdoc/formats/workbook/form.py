"""The workbook form: its sheets, sections, labels and column formulas, and the canonical data of a project.

One module that both the writer (:mod:`budgetdoc.formats.workbook.write`) and the reader
(:mod:`budgetdoc.formats.workbook.read`) import, so that the form they agree on is written
once. :func:`to_yaml` is the canonical YAML writer: every section written, explicitly empty
when empty, so that YAML → workbook → YAML gives back the same bytes.
"""

from __future__ import annotations

from typing import Any

from budgetdoc.formats.reading import MAX_WORKBOOK
from budgetdoc.formats.yamlout import Flow, dump
from budgetdoc.model.document import Path, Project

FORMAT_VERSION = "2"
READABLE_VERSIONS = ("1", "2")  # 1: project sheets known by their tab names
META = "_budgetdoc"
MARK_COLUMN = 9  # column I, hidden: the mark that makes a sheet a project sheet, whatever its tab is named
MARK = "budgetdoc-sheet"
MAX_ROWS = 5_000  # rows of one project sheet
MAX_SHEETS = 500
MAX_BYTES = MAX_WORKBOOK  # the workbook file
MAX_UNPACKED = 100 * 1024 * 1024  # all its parts, unpacked
MAX_SHEET_XML = (
    20 * 1024 * 1024
)  # one XML part (a sheet, the shared strings), unpacked: a full 5,000-row sheet is far below
MAX_PARTS = 2_000  # parts in the package (500 sheets and their relations, styles, strings)
WIDTH = 8  # columns A..H
AMOUNT_FORMAT = "#,##0;△#,##0"
ACCOUNT_KINDS = ("일반회계", "특별회계", "기금")
PERIOD_KINDS = ("연례반복", "계속", "한시")
ROUNDINGS = ("exact", "floor", "ceil", "half-up")
BALANCES = ("available-spent-carried", "available-spent")
CHOICE_WORDS = {
    "exact": "나누어떨어짐 (exact)",
    "floor": "내림 (floor)",
    "ceil": "올림 (ceil)",
    "half-up": "반올림 (half-up)",
    "available-spent-carried": "예산현액-집행액-차년이월",
    "available-spent": "예산현액-집행액",
}
"""The form shows the document's conventions in Korean; the YAML keeps their codes (either is read)."""
FONT = "맑은 고딕"  # the office default; one font for every cell, formulas included
GUIDE = "작성요령"
GUIDE_MARK = "budgetdoc-guide"

SEC_OVERVIEW = "1. 기본 현황 — 사업개요"
SEC_CONTACTS = "사업 담당자"
SEC_BUDGET = "2. 예산 설명 — 예산 총괄 (단위: 천원, %)"
SEC_BASIS = "산출근거 (산식: 원, 금액: 천원)"
SEC_DESCRIPTION = "3. 사업설명"
SEC_SCHEDULE = "추진일정 (단위: 천원)"
SEC_EFFECTS = "4. 사업효과 — 최근 3년 추진실적"
SEC_EXPECTED = "향후 기대효과"
SEC_SETTLEMENT = "5. 최근 3년 결산 현황 (단위: 천원)"
SEC_DRAFT = "다음 연도 초안 — 할 일을 마치면 이 초안 행들을 지우세요 (rollover)"
ID_LABEL = "사업 ID"
SECTIONS = (
    SEC_DRAFT,
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


# --------------------------------------------------------------------------- canonical YAML


def project_data(project: Project) -> dict[str, Any]:
    """The project as plain data in the canonical shape: every section, explicitly empty when empty."""

    def person(p: Any) -> Flow:
        out = Flow(name=p.name)
        if p.phone:
            out["phone"] = p.phone
        return out

    def stated(record: Any, keys: tuple[str, ...]) -> dict[str, Any]:
        return {k: getattr(record, k) for k in keys if getattr(record, k) is not None}

    o = project.overview
    data: dict[str, Any] = {"fiscal_year": project.fiscal_year, "title": project.title}
    if project.id is not None:
        data["id"] = project.id
    if project.draft is not None:
        data["draft"] = {"source": project.draft.source, "todo": list(project.draft.todo)}
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
        budget["total"] = Flow(stated(project.budget.total, ("previous", "current", "change", "rate")))
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
    data["settlement"] = [Flow(stated(s, SETTLEMENT_KEYS)) for s in project.settlement]
    return data


def to_yaml(project: Project, head: str = "") -> str:
    """The canonical YAML of ``project``, after the comment lines ``head``."""
    return head + dump(project_data(project))


# --------------------------------------------------------------------------- the layout


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
    """집행잔액 by the convention chosen in F3 (shown in Korean; the code is still understood)."""
    words = CHOICE_WORDS["available-spent"]
    return f'=IF(OR($F$3="{words}",$F$3="available-spent"),E{r}-F{r},E{r}-F{r}-G{r})'


def f_balance_v1(r: int) -> str:
    """집행잔액 as format 1 workbooks have it (F3 held the code)."""
    return f'=IF($F$3="available-spent",E{r}-F{r},E{r}-F{r}-G{r})'


def path_text(path: Path) -> str:
    """A model path as the hidden sheet records it: ``budget.items.0.current``."""
    return ".".join(str(p) for p in path)
