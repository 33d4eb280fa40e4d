"""Tagged PDF (pdf/ua-1) of a document and of a book checks clean with two independent checkers from PyPI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus import corpus

import generate

BIN = Path(sys.executable).parent


def errors(pdf: Path) -> tuple[int, int, str]:
    """Error counts of outloud and of pdfua for one file, and their reports for the message."""
    outloud = subprocess.run(
        [str(BIN / "outloud"), str(pdf), "--json", "-", "-q", "--fail-on", "never"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(outloud.stdout)
    loud = report["results"][0]["counts"]["error"]
    findings = [f["rule"] for f in report["results"][0]["findings"] if f["severity"] == "error"]
    ua = subprocess.run(
        [str(BIN / "pdfua"), "check", "--format", "json", "--min-severity", "error", str(pdf)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    data = json.loads(ua.stdout)
    found = [f.get("rule_id", f) for f in data["findings"]]
    return loud, data["summary"]["errors"], f"outloud: {findings}; pdfua: {found[:10]}"


def test_a_document_is_clean(renderer, reference_doc, tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(renderer.pdf(renderer.html(reference_doc.project), "pdf/ua-1"))
    loud, ua, report = errors(pdf)
    assert (loud, ua) == (0, 0), report


@pytest.mark.slow
def test_a_varied_document_and_a_book_are_clean(renderer, tmp_path: Path) -> None:
    from budgetdoc.load import load_text

    docs = [(n, t) for n, t in corpus(12) if json.loads(t)["fiscal_year"] == 2025][:2]
    data = tmp_path / "data"
    data.mkdir()
    for name, text in docs:
        (data / f"{name}.yaml").write_text(text, encoding="utf-8")
    one = tmp_path / "one.pdf"
    one.write_bytes(renderer.pdf(renderer.html(load_text(docs[0][1], "x.yaml").project), "pdf/ua-1"))
    book = tmp_path / "book.pdf"
    result = CliRunner().invoke(
        generate.cli,
        ["book", str(data), "-o", str(book), "--pdf-variant", "pdf/ua-1", "-j", "1", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    for pdf in (one, book):
        loud, ua, report = errors(pdf)
        assert (loud, ua) == (0, 0), (pdf.name, report)
