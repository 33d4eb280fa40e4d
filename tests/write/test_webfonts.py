"""The HTML page carries its fonts: WOFF subsets of exactly the characters it shows, and nothing changes the PDF."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys

from conftest import REFERENCE_YAML
from docgen import pages
from fontTools.ttLib import TTFont

from budgetdoc.formats.load import load_text
from budgetdoc.write import webfonts

FACE = re.compile(r'font-family: "([^"]+)"; font-weight: (\d+);[^}]*base64,([A-Za-z0-9+/=]+)')


def faces(page: str) -> dict[tuple[str, int], TTFont]:
    block = page[page.index(webfonts.START) : page.index(webfonts.END, page.index(webfonts.START))]
    return {(m[1], int(m[2])): TTFont(io.BytesIO(base64.b64decode(m[3]))) for m in FACE.finditer(block)}


def reference_html(renderer) -> str:
    return renderer.html(load_text(REFERENCE_YAML.read_text(encoding="utf-8"), REFERENCE_YAML.name).project)


def test_every_shown_character_is_in_a_subset_and_no_other(renderer) -> None:
    for name, text in pages(4):  # varied documents: every character they show is in a subset
        html = renderer.html(load_text(text, f"{name}.yaml").project)
        fonts = faces(webfonts.embed(html))
        covered = set().union(*(set(map(chr, font.getBestCmap())) for font in fonts.values()))
        assert covered <= webfonts.characters(html), name
        assert {c for c in webfonts.characters(html) if "가" <= c <= "힣"} <= covered, name
    html = reference_html(renderer)
    fonts = faces(webfonts.embed(html))
    assert sorted(fonts) == [("DejaVu Sans", 400), ("NanumGothic", 400), ("NanumGothic", 700)]
    for font in fonts.values():
        assert font.flavor == "woff"
    shown = webfonts.characters(html)
    regular = set(map(chr, fonts["NanumGothic", 400].getBestCmap()))
    bold = set(map(chr, fonts["NanumGothic", 700].getBestCmap()))
    boxes = set(map(chr, fonts["DejaVu Sans", 400].getBestCmap()))
    assert {"☑", "☐"} <= boxes <= shown
    assert regular <= shown and bold <= shown
    assert shown - regular <= boxes  # what NanumGothic lacks comes with DejaVu Sans
    for text in ("지역균형발전 추진", "사무관리비", "6,623", "△", "(단위 : 천원)"):
        assert set(text.replace(" ", "")) <= regular, text


def test_the_subsets_are_the_same_bytes_in_every_process(renderer) -> None:
    html = reference_html(renderer)
    here = webfonts.embed(html)
    code = "import sys; from budgetdoc.write import webfonts; sys.stdout.write(webfonts.embed(sys.stdin.read()))"
    there = subprocess.run([sys.executable, "-c", code], input=html, capture_output=True, text=True, check=True)
    assert there.stdout == here
    assert webfonts.embed(here) == here  # a page with its fonts keeps them once


def test_the_reference_gains_about_72_kb(renderer) -> None:
    html = reference_html(renderer)
    added = len(webfonts.embed(html).encode()) - len(html.encode())
    assert 65_000 <= added <= 80_000, added  # the figure the module's docstring and the README give


def test_the_pdf_of_a_page_with_fonts_is_the_pdf_without(renderer) -> None:
    for name, text in [("reference", REFERENCE_YAML.read_text(encoding="utf-8")), pages(3)[2]]:
        html = renderer.html(load_text(text, f"{name}.yaml").project)
        page = webfonts.embed(html)
        assert page != html and webfonts.strip(page) == html
        assert renderer.pdf(page) == renderer.pdf(html), name


def test_fonts_go_after_the_charset_and_inside_the_head(renderer) -> None:
    page = webfonts.embed(reference_html(renderer))
    assert page.index('<meta charset="utf-8">') < 1024
    assert page.index("</style>\n</head>") > page.index(webfonts.START) > page.index("<title>")
