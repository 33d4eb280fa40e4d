"""Tagged PDF (pdf/ua-1) of a document and of a book checks clean with two independent checkers from PyPI."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
import yaml
from click.testing import CliRunner
from conftest import pdftotext
from docgen import pages

import generate

BIN = Path(sys.executable).parent


def outloud_rules(pdf: Path) -> list[tuple[str, str]]:
    """Every rule outloud reports on the file, warnings included, with its evidence."""
    outloud = subprocess.run(
        [str(BIN / "outloud"), str(pdf), "--json", "-", "-q", "--fail-on", "never"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return [(f["rule"], f.get("evidence", "")) for f in json.loads(outloud.stdout)["results"][0]["findings"]]


def without_artifacts(pdf: Path) -> bytes:
    """The PDF with every /Artifact marked-content sequence cut out of its pages."""
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            kept, depth = [], 0  # depth > 0: inside an artifact (counting the sequences nested in it)
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC") and (depth or operands[0] == pikepdf.Name.Artifact):
                    depth += 1
                elif op == "EMC" and depth:
                    depth -= 1
                elif not depth:
                    kept.append(pikepdf.ContentStreamInstruction(operands, operator))
            page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(kept))
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def assert_margins_are_artifacts(pdf: Path, header: str) -> None:
    """The running header and the page numbers are printed, and only inside artifacts."""
    assert [rule for rule, _ in outloud_rules(pdf) if rule == "PAG-001"] == []
    pages = pdftotext(pdf).split("\f")[:-1]
    content = pdftotext(without_artifacts(pdf)).split("\f")[:-1]
    assert len(content) == len(pages) >= 3
    for number, (page, text) in enumerate(zip(pages, content, strict=True), start=1):
        assert header in page and re.search(rf"^\s*-\s*{number}\s*-\s*$", page, re.M), page
        assert header not in text and not re.search(r"^\s*-\s*\d+\s*-\s*$", text, re.M), text
        assert "사업" in text  # the body is still content


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
    assert_margins_are_artifacts(pdf, "2024년도 예산 사업설명서 · 균형발전본부 균형발전정책과")


@pytest.mark.slow
def test_a_varied_document_and_a_book_are_clean(renderer, tmp_path: Path) -> None:
    from budgetdoc.formats.load import load_text

    # Two documents of one year whose 산출근거 runs over a page break: the continued 과목 cell is tagged too.
    docs = []
    for name, text in pages(16):
        project = load_text(text, "x.yaml").project
        if project.fiscal_year == 2025 and "(계속)" in pdftotext(renderer.pdf(renderer.html(project))):
            docs.append((name, text))
            if len(docs) == 2:
                break
    assert len(docs) == 2
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
    assert "(계속)" in pdftotext(one) and pdftotext(book).count("(계속)") >= 2
    for pdf in (one, book):
        loud, ua, report = errors(pdf)
        assert (loud, ua) == (0, 0), (pdf.name, report)
        found = outloud_rules(pdf)
        assert [r for r, _ in found if r == "LNK-004"] == [], found
        # A 산출근거 table's header row, repeated atop each page the table runs over, is content;
        # the running header and the page numbers are not.
        repeated = [e for r, e in found if r == "PAG-001"]
        assert all(e == "과목구분 2025년 예산내역" for e in repeated), repeated
    # The contents' links are tagged: a /Link element over each, which says where it goes.
    with pikepdf.open(book) as doc:
        nums = doc.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        indices = {page.objgen: i for i, page in enumerate(doc.pages)}
        front = next(i for i, page in enumerate(doc.pages) if "/Annots" in page.obj)
        links = list(doc.pages[front].obj.Annots)
        groups = [yaml.safe_load(t)["contacts"] for _, t in docs]
        offices = {g["office"] for g in groups}
        assert len(links) == len(docs) + len(offices) + len({(g["office"], g["department"]) for g in groups})
        for annot in links:
            element = parents[int(annot.StructParent)]
            kids = list(element.K) if isinstance(element.K, pikepdf.Array) else [element.K]
            refs = [k.Obj.objgen for k in kids if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]
            assert element.S == pikepdf.Name.Link and refs == [annot.objgen]
            target = indices[annot.Dest[0].objgen]
            name, page = str(annot.Contents).rsplit(", ", 1)
            text = pdftotext(book, "-f", str(target + 1), "-l", str(target + 1))
            assert name in " ".join(text.split()) and re.search(rf"-\s*{page.removesuffix('쪽')}\s*-", text)
