"""A browser prints the same document: Debian's headless Chromium keeps Korean words whole and prints the running header and page numbers."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from corpus import corpus

from budgetdoc import layout
from budgetdoc.figures import compute
from budgetdoc.load import load_text

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent


def print_to_pdf(html: Path, out: Path) -> bytes:
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={out.parent / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return out.read_bytes()


def documents() -> list[tuple[str, str]]:
    reference = (ROOT / "data" / "2024" / "지역균형발전_추진.yaml").read_text(encoding="utf-8")
    varied = corpus(8)
    return [("reference", reference), varied[1], varied[6]]


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
@pytest.mark.parametrize("index", [0, 1, 2])
def test_chromium_prints_whole_words_header_and_page_numbers(renderer, tmp_path: Path, index: int) -> None:
    name, text = documents()[index]
    project = load_text(text, f"{name}.yaml").project
    document = layout.build(project, compute(project))
    html = tmp_path / f"{name}.html"
    html.write_text(renderer.html_of(document), encoding="utf-8")
    pdf = print_to_pdf(html, tmp_path / f"{name}.pdf")
    pages = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = pages.split("\f")[:-1]
    assert len(pages) >= 2
    lines = [*document.text_lines(), document.running]
    words = {w for line in lines for w in line.split()} | {re.sub(r"\s", "", line) for line in lines}
    words |= {re.sub(r"\s", "", cell) for line in lines for cell in line.split("\t")}
    for n, page in enumerate(pages, 1):
        split = [t for t in page.split() if re.search("[가-힣]", t) and t not in words]
        assert not split, (name, n, split)
        assert re.sub(r"\s", "", document.running) in re.sub(r"\s", "", page), (name, n, "running header")
        assert re.search(rf"-\s*{n}\s*-", page), (name, n, "page number")
