"""The form's own words for each field: ``contacts.department`` is 부서명 to the staff who fill it.

Messages about a workbook cell name the label printed beside the cell; messages about a
YAML value add it after the key (``'contacts.department (부서명)'``). The ``field`` of a
problem (``--format json``) keeps the path, for tools.
"""

from __future__ import annotations

import re

_FIXED = {
    ("title",): "사업명",
    ("fiscal_year",): "회계연도",
    ("id",): "사업 ID",
    ("conventions", "rate_decimals"): "증감률 소수 자릿수",
    ("conventions", "formula_rounding"): "산출근거 환산",
    ("conventions", "settlement_balance"): "집행잔액 계산",
    ("draft", "source"): "원본 문서",
    ("draft", "todo"): "할 일",
    ("overview", "account"): "회계",
    ("overview", "period", "kind"): "사업기간",
    ("overview", "period", "start"): "사업기간 시작 연도",
    ("overview", "period", "end"): "사업기간 종료 연도",
    ("overview", "summary"): "사업내용",
    ("overview", "total"): "사업비(당해년도)",
    ("overview", "funding", "national"): "국비",
    ("overview", "funding", "city"): "시비",
    ("overview", "funding", "district"): "구비",
    ("overview", "funding", "other"): "기타",
    ("contacts", "office"): "실·국",
    ("contacts", "department"): "부서명",
    ("contacts", "director", "name"): "과장",
    ("contacts", "director", "phone"): "과장 전화",
    ("contacts", "team_leader", "name"): "팀장",
    ("contacts", "team_leader", "phone"): "팀장 전화",
    ("contacts", "officer", "name"): "주무관",
    ("contacts", "officer", "phone"): "주무관 전화",
    ("budget", "total", "change"): "계 증감(B-A)",
    ("budget", "total", "rate"): "계 (B-A)*100/A",
    ("budget", "items", "name"): "구분(과목)",
    ("budget", "items", "change"): "증감(B-A)",
    ("budget", "items", "rate"): "(B-A)*100/A",
    ("budget", "items", "basis", "label"): "산출근거 ○ 항목",
    ("budget", "items", "basis", "formula"): "산출근거 ○ 산식",
    ("budget", "items", "basis", "amount"): "산출근거 ○ 금액",
    ("budget", "items", "basis", "parts", "label"): "산출근거 - 항목",
    ("budget", "items", "basis", "parts", "formula"): "산출근거 - 산식",
    ("budget", "items", "basis", "parts", "amount"): "산출근거 - 금액",
    ("description", "purpose"): "사업목적",
    ("description", "legal_basis"): "사업근거",
    ("description", "content"): "사업내용",
    ("description", "history"): "추진경위",
    ("schedule", "total"): "추진일정 계",
    ("schedule", "rows", "step"): "사업추진절차",
    ("schedule", "rows", "period"): "추진기간",
    ("schedule", "rows", "amount"): "예산집행금액",
    ("schedule", "rows", "detail"): "추진세부내용",
    ("effects", "achievements"): "추진실적",
    ("effects", "expected"): "기대효과",
    ("settlement", "year"): "결산 연도",
    ("settlement", "final_budget"): "최종예산",
    ("settlement", "carried_in"): "전년이월",
    ("settlement", "change"): "예산변경",
    ("settlement", "available"): "예산현액",
    ("settlement", "spent"): "집행액",
    ("settlement", "carried_out"): "차년이월",
    ("settlement", "balance"): "집행잔액",
}


def _keys(field: str) -> tuple[str, ...]:
    """``budget.items[1].current`` → ``("budget", "items", "current")``: the names, without positions."""
    return tuple(k for k in re.split(r"[.\[\]]+", field) if k and not k.isdigit())


def label(field: str, year: int | None = None) -> str:
    """The form's label for a field path (``contacts.department`` → ``부서명``), or ``""``.

    With the fiscal year, the budget columns are named as the form heads them:
    ``budget.items[0].current`` → ``2025예산액(B)``.
    """
    keys = _keys(field)
    if keys in _FIXED:
        return _FIXED[keys]
    column = {"previous": "예산액(A)", "current": "예산액(B)"}
    if keys[:2] == ("budget", "items") and len(keys) == 3 and keys[2] in column:
        return f"{'' if year is None else year - (keys[2] == 'previous')}{column[keys[2]]}"
    if keys[:2] == ("budget", "total") and len(keys) == 3 and keys[2] in column:
        return f"계 {'' if year is None else year - (keys[2] == 'previous')}{column[keys[2]]}"
    # A list or record inside a labelled field: the nearest labelled parent.
    for n in range(len(keys) - 1, 0, -1):
        if keys[:n] in _FIXED:
            return _FIXED[keys[:n]]
    return ""


def in_form_words(message: str, field: str, year: int | None = None, lead: bool = True) -> str:
    """A workbook problem's message in the form's words.

    The quoted path becomes the quoted label; else, with ``lead``, the label leads the
    message (for the reader's messages about one cell, which do not say what the cell is).
    """
    name = label(field, year)
    if not name:
        return message
    for quoted in (f"'{with_label(field, year)}'", f"'{field}'"):
        if quoted in message:
            return message.replace(quoted, f"'{name}'")
    return message if not lead or name in message else f"{name}: {message}"


def with_label(field: str, year: int | None = None) -> str:
    """A YAML path with its form label: ``contacts.department (부서명)``."""
    name = label(field, year)
    return f"{field} ({name})" if name else field
