"""Problems as text, JSON or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable

from budgetdoc.model.document import Problem


def as_text(problems: Iterable[Problem]) -> str:
    """One line per problem: ``file:line:column: severity: rule: message``."""
    return "".join(f"{p}\n" for p in problems)


def as_json(problems: Iterable[Problem]) -> str:
    """The problems as a JSON list, one object per problem."""
    rows = [
        {
            **({"sheet": p.sheet, "cell": p.cell} if p.sheet else {}),
            "file": p.file,
            "line": p.line,
            "column": p.column,
            "field": p.field,
            "rule": p.rule,
            "severity": p.severity,
            "message": p.message,
            "expected": p.expected,
            "actual": p.actual,
        }
        for p in problems
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def as_github(problems: Iterable[Problem]) -> str:
    """The problems as GitHub Actions workflow commands (annotations)."""
    out = []
    for p in problems:
        level = "error" if p.severity == "error" else "warning"
        out.append(
            f"::{level} file={_escape(p.file, True)},line={p.line},col={p.column},"
            f"title={_escape(p.rule, True)}::{_escape(f'{p.sheet}!{p.cell}: ' if p.sheet else '')}{_escape(p.message)}\n"
        )
    return "".join(out)


FORMATTERS = {"text": as_text, "json": as_json, "github": as_github}


def render(problems: list[Problem], fmt: str = "text") -> str:
    """The problems in ``fmt``; nothing for no problems, except JSON's empty list."""
    return FORMATTERS[fmt](problems) if problems or fmt == "json" else ""
