"""The ``diff`` command: what to write where, the comparison, then the report or the 신구대비표.

The output is decided before anything is read: ``--format xlsx`` (or ``-o`` ending in
``.xlsx`` without ``--format``) writes the 신구대비표 to that file, and an ``.xlsx`` name is
never given a text report. A file is written through :func:`~budgetdoc.batch.files.write_file`
(atomically; never over a device, a FIFO or a link).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from budgetdoc.batch.files import write_file
from budgetdoc.cycle import table
from budgetdoc.cycle.diff import compare_versions
from budgetdoc.cycle.report import render
from budgetdoc.errors import OutputError
from budgetdoc.names import shown_path

WORKBOOK = "xlsx"


@dataclass
class Delivered:
    """What the command prints: the report (standard output), the notes (standard error), and its exit code."""

    text: str
    exit_code: int
    notes: list[str] = field(default_factory=list)


def output_format(fmt: str | None, out: str | None) -> str:
    """The format to write: ``fmt``, else ``xlsx`` for an ``-o`` ending in ``.xlsx``, else ``text``.

    Raises :class:`~budgetdoc.errors.OutputError` (exit 2) for a 신구대비표 without a file or
    with a file not named ``.xlsx``, and for a text report to a file named ``.xlsx``.
    """
    suffix = PurePath(out).suffix.lower() if out else ""
    chosen = fmt or (WORKBOOK if suffix == ".xlsx" else "text")
    if chosen == WORKBOOK and out is None:
        raise OutputError("신구대비표(--format xlsx)는 파일로만 씁니다: -o 신구대비표.xlsx처럼 파일 이름을 주세요")
    if chosen == WORKBOOK and suffix != ".xlsx":
        raise OutputError(
            f"-o {shown_path(str(out))}: 신구대비표(--format xlsx)는 이름이 .xlsx로 끝나는 파일에만 씁니다"
        )
    if chosen != WORKBOOK and suffix == ".xlsx":
        raise OutputError(
            f"-o {shown_path(str(out))}: .xlsx 파일에는 신구대비표만 씁니다 (--format xlsx); "
            f"{chosen} 보고는 다른 이름으로 주세요"
        )
    return chosen


def run_diff(
    base: str,
    head: str,
    *,
    fmt: str | None = None,
    out: str | None = None,
    fit: str = "summary",
    repo: str = ".",
    folder: str = "data",
    threshold_amount: int = 100_000,
    threshold_rate: Decimal = Decimal(30),
) -> Delivered:
    """Compare ``base`` with ``head`` and report it in ``fmt``, to standard output or to the file ``out``."""
    chosen = output_format(fmt, out)
    diff = compare_versions(base, head, repo, folder, threshold_amount, threshold_rate)
    done = Delivered("", diff.exit_code, list(diff.notes))
    if chosen == WORKBOOK:
        assert out is not None
        write_file(out, table.workbook(diff))
        done.notes.append(table.summary(diff, shown_path(out)))
        return done
    text = render(diff, chosen, fit)
    if out is None:
        done.text = text
    else:
        write_file(out, text)
        done.notes.append(f"보고를 {shown_path(out)}에 썼습니다.")
    return done
