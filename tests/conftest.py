"""Shared fixtures: the reference project, one renderer, and a guard against WeasyPrint warnings."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_YAML = ROOT / "data" / "2024" / "지역균형발전_추진.yaml"
REFERENCE_TEXT = Path(__file__).resolve().parent / "fixtures" / "reference.txt"
# One problem as `check` prints it: file:line:column: rule: message.
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): (?P<rule>[a-z0-9-]+): \S.*$")
# The smallest complete document that passes every check (one 과목, one line of each section).
MINIMAL = """\
fiscal_year: 2024
title: 시험 사업
overview:
  account: 일반회계
  period: {kind: 연례반복}
contacts:
  office: 균형발전본부
  department: 균형발전정책과
  director: {name: 김기봉, phone: 2133-8608}
  team_leader: {name: 김나연, phone: 2133-8624}
  officer: {name: 김승연, phone: 2133-8625}
budget:
  items:
    - name: 사무관리비
      previous: 10500
      current: 6623
      basis:
        - label: 위원회 운영
          formula: 6,623,000원
          amount: 6623
description: {purpose: [시험], legal_basis: [시험 조례], content: [시험], history: [시험]}
schedule: {rows: [{step: 위원회 운영, amount: 6623}]}
effects: {achievements: {2021: [시험], 2022: [시험], 2023: [시험]}, expected: [시험]}
settlement:
  - {year: 2020, final_budget: 100, carried_in: 0, change: 0, spent: 100, carried_out: 0}
  - {year: 2021, final_budget: 100, carried_in: 0, change: 0, spent: 100, carried_out: 0}
  - {year: 2022, final_budget: 100, carried_in: 0, change: 0, spent: 100, carried_out: 0}
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files from the current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def renderer():
    from budgetdoc.write.render import Renderer

    return Renderer()


@pytest.fixture(scope="session")
def reference_doc():
    from budgetdoc.formats.load import load

    return load(REFERENCE_YAML, display="data/2024/지역균형발전_추진.yaml")


class WeasyLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def assert_no_weasyprint_logs() -> Iterator[None]:
    """Any warning WeasyPrint logs (a CSS typo, a refused URL) fails the test."""
    handler = WeasyLogs()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    messages = [r.getMessage() for r in handler.records]
    assert not messages, f"WeasyPrint logged: {messages}"


@pytest.fixture(scope="session")
def reference_html(renderer, reference_doc) -> str:
    return renderer.html(reference_doc.project)


@pytest.fixture(scope="session")
def reference_pdf(renderer, reference_html: str) -> bytes:
    return renderer.pdf(reference_html)


def pdftotext(pdf: bytes | Path, *args: str) -> str:
    """Text of a PDF as poppler extracts it."""
    if isinstance(pdf, Path):
        pdf = pdf.read_bytes()
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is required"
    return subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pdffonts(pdf: bytes) -> list[dict[str, str]]:
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=False)
    if out.returncode != 0:  # older poppler cannot read stdin
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
            fh.write(pdf)
            fh.flush()
            out = subprocess.run(["pdffonts", fh.name], capture_output=True, check=True)
    rows = []
    for line in out.stdout.decode().splitlines()[2:]:
        parts = line.split()
        # name type... emb sub uni object ID
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


_REFERENCE_VALUE = re.compile(r"\(x-\)\s*(△?[\d,]+)|(△?[\d,]+)천원|\b(\d{3,4}-\d{4})\b")


def reference_values(text: str) -> list[str]:
    """Every amount, rate and phone number of a document in the published text format, in order."""
    values: list[str] = []
    for line in text.splitlines():
        cells = line.split("\t")
        for cell in cells:
            cell = cell.strip()
            values.extend(next(g for g in m.groups() if g) for m in _REFERENCE_VALUE.finditer(cell))
            if len(cells) > 1 and re.fullmatch(r"[\d,]+", cell) and not re.fullmatch(r"(19|20)\d\d", cell):
                values.append(cell)
    return values


def find_in_order(text: str, values: list[str]) -> list[str]:
    """The values that cannot be found in ``text`` in this order, each as a whole number."""
    missing = []
    pos = 0
    for value in values:
        pattern = re.compile(r"(?<![\d,△])" + re.escape(value) + r"(?![\d]|,\d)")
        m = pattern.search(text, pos)
        if m is None:
            missing.append(value)
        else:
            pos = m.end()
    return missing


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """``text`` with each (old, new) replaced; every ``old`` must stand in it exactly once."""
    for old, new in pairs:
        assert text.count(old) == 1, f"not exactly once: {old!r}"
        text = text.replace(old, new)
    return text


def soffice(tmp_path: Path, source: Path, target: str) -> Path:
    """``source`` converted by LibreOffice (``pdf``, or ``xlsx`` to open and save it again); skips without it."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    outdir = tmp_path / f"lo-{target.split(':')[0]}"
    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return outdir / source.with_suffix("." + target.split(":")[0]).name


_ROWS_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub RunFromEnv
  Dim args(0) As New com.sun.star.beans.PropertyValue
  Dim save(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  save(0).Name = &quot;FilterName&quot;
  save(0).Value = &quot;Calc MS Excel 2007 XML&quot;
  files = Split(Environ(&quot;BUDGETDOC_PATHS&quot;), &quot;;&quot;)
  For i = LBound(files) To UBound(files)
    url = ConvertToURL(files(i))
    doc = StarDesktop.loadComponentFromURL(url, &quot;_blank&quot;, 0, args())
    sheet = doc.Sheets.getByIndex(CInt(Environ(&quot;BUDGETDOC_SHEET&quot;)))
    sheet.unprotect(&quot;&quot;)
    n = CLng(Environ(&quot;BUDGETDOC_COUNT&quot;))
    If n &gt; 0 Then
      sheet.Rows.insertByIndex(CLng(Environ(&quot;BUDGETDOC_ROW&quot;)), n)
    ElseIf n &lt; 0 Then
      sheet.Rows.removeByIndex(CLng(Environ(&quot;BUDGETDOC_ROW&quot;)), -n)
    End If
    doc.storeToURL(url, save())
    doc.close(True)
  Next i
End Sub
</script:module>
"""


def libreoffice_rows(tmp_path: Path, paths: list[Path], sheet: int, row: int, count: int) -> None:
    """Insert (``count`` > 0) or delete (< 0) rows at 0-based ``row`` of each workbook, in LibreOffice
    (which moves formulas, merges and validations as a clerk's edit does), and save it in place
    (``count`` 0: only open and save it again, its formulas computed)."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / "lo-macro-profile"
    run = [program, f"-env:UserInstallation=file://{profile}", "--headless"]
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    if not module.exists():
        subprocess.run([*run, "--terminate_after_init"], check=True, capture_output=True, timeout=300)
    module.write_text(_ROWS_MACRO, encoding="utf-8")
    env = {
        **os.environ,
        "BUDGETDOC_PATHS": ";".join(str(p) for p in paths),
        "BUDGETDOC_SHEET": str(sheet),
        "BUDGETDOC_ROW": str(row),
        "BUDGETDOC_COUNT": str(count),
    }
    before = {p: p.stat().st_mtime_ns for p in paths}
    subprocess.run(
        [*run, "macro:///Standard.Module1.RunFromEnv"], check=True, capture_output=True, timeout=600, env=env
    )
    assert all(p.stat().st_mtime_ns != before[p] for p in paths), "LibreOffice did not save the workbooks"


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs of our own (root only), unmounted at the end."""
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
