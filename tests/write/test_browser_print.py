"""A browser prints the same document: Debian's headless Chromium keeps Korean words whole and prints the running header and page numbers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docgen import pages
from positions import short_starts, stranded

from budgetdoc.formats.load import load_text
from budgetdoc.model.figures import compute
from budgetdoc.write import layout
from budgetdoc.write.webfonts import embed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent.parent


def print_to_pdf(html: Path, out: Path, env: dict[str, str] | None = None) -> bytes:
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
        env=env,
    )
    return out.read_bytes()


def documents() -> list[tuple[str, str]]:
    reference = (ROOT / "data" / "2024" / "지역균형발전_추진.yaml").read_text(encoding="utf-8")
    varied = pages(8)
    return [("reference", reference), varied[1], varied[6]]


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
@pytest.mark.parametrize("index", [0, 1, 2])
def test_chromium_prints_whole_words_header_and_page_numbers(renderer, tmp_path: Path, index: int) -> None:
    name, text = documents()[index]
    project = load_text(text, f"{name}.yaml").project
    document = layout.build(project, compute(project))
    html = tmp_path / f"{name}.html"
    html.write_text(embed(renderer.html_of(document)), encoding="utf-8")
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


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_chromium_keeps_headings_with_their_text_and_starts_tables_with_two_rows(renderer, tmp_path: Path) -> None:
    for name, text in pages(8):
        project = load_text(text, f"{name}.yaml").project
        document = layout.build(project, compute(project))
        html = tmp_path / f"{name}.html"
        html.write_text(embed(renderer.html_of(document)), encoding="utf-8")
        pdf = print_to_pdf(html, tmp_path / f"{name}.pdf")
        assert stranded(pdf, document) == [], name
        assert short_starts(pdf, document)[0] == [], name


def fonts_hidden(tmp_path: Path) -> dict[str, str]:
    """An environment in which fontconfig has every setting of this machine but not the Nanum fonts."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        '<selectfont><rejectfont><pattern><patelt name="family"><string>NanumGothic</string></patelt></pattern>'
        "<glob>*/nanum/*</glob></rejectfont></selectfont>\n"
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    listed = subprocess.run(["fc-list", ":", "family"], env=env, capture_output=True, text=True, check=True).stdout
    assert "NanumGothic" not in listed and "DejaVu" in listed
    return env


def fonts_of(pdf: Path) -> set[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {line.split()[0].split("+")[-1] for line in out.splitlines()[2:]}


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_the_page_prints_the_same_on_a_machine_without_nanumgothic(renderer, tmp_path: Path) -> None:
    name, text = documents()[0]
    html = renderer.html(load_text(text, f"{name}.yaml").project)
    with_fonts, bare = tmp_path / "page.html", tmp_path / "bare.html"
    with_fonts.write_text(embed(html), encoding="utf-8")
    bare.write_text(html, encoding="utf-8")
    here = print_to_pdf(with_fonts, tmp_path / "here.pdf")
    env = fonts_hidden(tmp_path)
    there = print_to_pdf(with_fonts, tmp_path / "there.pdf", env)
    fallback = print_to_pdf(bare, tmp_path / "fallback.pdf", env)

    def text_of(pdf: bytes) -> str:
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()

    assert "NanumGothic" in fonts_of(tmp_path / "there.pdf")
    assert text_of(there) == text_of(here)  # the same lines on the same pages
    assert "NanumGothic" not in fonts_of(tmp_path / "fallback.pdf")  # without them, another font
    assert text_of(fallback) != text_of(here)


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_chromium_prints_the_largest_amounts_inside_their_columns(renderer, tmp_path: Path) -> None:
    from positions import assert_amounts_fit, large_amounts

    project = load_text(large_amounts(15), "x.yaml").project
    html = tmp_path / "x.html"
    html.write_text(embed(renderer.html_of(layout.build(project, compute(project)))), encoding="utf-8")
    assert_amounts_fit(print_to_pdf(html, tmp_path / "x.pdf"), right_margin=(210 - 17) / 25.4 * 72)
