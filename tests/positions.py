"""Text positions read back from a PDF (poppler's ``pdftotext -bbox-layout``), and the page rules checked by them.

Used alike for WeasyPrint's PDFs (tests/write/test_layout.py) and for a browser's print of the
HTML (tests/write/test_browser_print.py).
"""

from __future__ import annotations

import functools
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from budgetdoc.write import layout


@dataclass
class TextLine:
    page: int
    y: float
    x: float
    text: str
    words: list[tuple[float, str]]


@functools.lru_cache(maxsize=64)
def lines_of(pdf: bytes) -> tuple[list[list[TextLine]], float]:
    """Each page's text lines, top to bottom (pdftotext -bbox-layout), and the page width (read once per PDF)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml)
    ns = "{http://www.w3.org/1999/xhtml}"
    root = ET.fromstring(xml)
    pages = []
    width = 0.0
    for n, page in enumerate(root.iter(f"{ns}page")):
        width = float(page.get("width", 0))
        lines = []
        for line in page.iter(f"{ns}line"):
            words = [(float(w.get("xMin", 0)), (w.text or "")) for w in line.iter(f"{ns}word")]
            text = " ".join(t for _, t in words)
            lines.append(TextLine(n, float(line.get("yMin", 0)), float(line.get("xMin", 0)), text, words))
        lines.sort(key=lambda li: (li.y, li.x))
        merged: list[TextLine] = []  # pieces of one printed line (a heading's number box and its title)
        for li in lines:
            if merged and abs(li.y - merged[-1].y) < 3:
                last = merged[-1]
                words = sorted(last.words + li.words)
                merged[-1] = TextLine(n, last.y, min(last.x, li.x), " ".join(t for _, t in words), words)
            else:
                merged.append(li)
        pages.append(merged)
    return pages, width


def squeeze(text: str) -> str:
    """``text`` without any white space."""
    return re.sub(r"\s+", "", text)


def content(page: list[TextLine], running: str) -> list[TextLine]:
    """A page's lines without the running header and the page number."""
    return [li for li in page if squeeze(li.text) != squeeze(running) and not re.fullmatch(r"-\d+-", squeeze(li.text))]


def headings_of(document: layout.Layout) -> set[str]:
    """The texts that may not end a page: section and □ headings, and the (단위 : …) captions."""
    out = set()
    for s in document.sections:
        out.add(squeeze(s.heading))
        for b in s.blocks():
            if isinstance(b, layout.Heading):
                out.add(squeeze(b.text))
            elif isinstance(b, layout.Table) and b.unit:
                out.add(squeeze(b.caption))
    return out


def stranded(pdf: bytes, document: layout.Layout) -> list[tuple[int, str]]:
    """(page, text) of each heading or caption that is the last line of its page."""
    headings = headings_of(document)
    pages, _ = lines_of(pdf)
    found = []
    for n, page in enumerate(pages[:-1]):
        last = content(page, document.running)[-1]
        if squeeze(last.text) in headings:
            found.append((n + 1, last.text))
    return found


def row_key(row: layout.Row) -> str:
    """A text by which a body row is found on the page: its first cell of its own with text."""
    for cell in row.cells:
        if cell.rowspan == 1 and squeeze(cell.text) and cell.text != "=":
            return squeeze(cell.text)[:10]
    return squeeze(row.cells[0].text)[:10]


def short_starts(pdf: bytes, document: layout.Layout) -> tuple[list[tuple[str, str]], int]:
    """(table, row) of each table whose first or second body row is on a later page than its start; tables seen."""
    pages, _ = lines_of(pdf)
    flat = [(p, squeeze(li.text)) for p, page in enumerate(pages) for li in content(page, document.running)]
    at, checked, short = 0, 0, []
    for table in document.tables():
        body = [row for g in table.body for row in g.rows]
        first = squeeze(table.head[0].cells[0].text) if table.head else row_key(body[0])
        start = next(i for i in range(at, len(flat)) if first in flat[i][1])
        found = start
        for key in [row_key(row) for row in body[:2]]:
            found = next(i for i in range(found, len(flat)) if key in flat[i][1])
            if flat[found][0] != flat[start][0]:
                short.append((table.name, key))
                break
        at = start + 1
        checked += 1
    return short, checked


def large_amounts(digits: int) -> str:
    """The reference with one more 과목 of a ``digits``-digit amount (in 천원), every sum still adding up."""
    import yaml
    from conftest import REFERENCE_YAML

    from budgetdoc.check.rules import check
    from budgetdoc.formats.load import load_text

    big = 10**digits - 10**6  # with the reference's own amounts added, the sums stay within 15 digits
    data = yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8"))
    data["budget"].pop("total")
    data["overview"].pop("total")
    data["overview"]["funding"]["city"] += big
    data["schedule"].pop("total")
    data["schedule"]["rows"][0]["amount"] += big
    line = {"label": "시설", "formula": f"{big:,}천원", "amount": big}
    data["budget"]["items"].append({"name": "대형 시설비", "previous": 0, "current": big, "basis": [line]})
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert [p for p in check(load_text(text, "x.yaml")) if p.severity == "error"] == []
    return text


def assert_amounts_fit(pdf: bytes, right_margin: float) -> None:
    """In ``pdf`` (poppler's word boxes): nothing past the right margin, every 산출근거 amount ending at
    one right edge, and no word running into the next on its line."""
    import subprocess

    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    words = [
        (float(m[1]), float(m[2]) + 1000 * page, float(m[3]), m[4])  # y made unique per page
        for page, text in enumerate(xml.split("<page ")[1:])
        for m in re.finditer(
            r'<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>', text
        )
    ]
    assert all(x_max <= right_margin + 0.5 for _, _, x_max, _ in words)
    basis_rows = {round(y) for _, y, _, text in words if text == "="}  # a 산출근거 row: label formula = amount
    amounts = [
        x_max
        for _, y, x_max, text in words
        if round(y) in basis_rows and re.fullmatch(r"△?[0-9][0-9,]*천원", text) and x_max > right_margin - 150
    ]
    assert len(amounts) >= 8 and max(amounts) - min(amounts) < 0.6, sorted({round(a, 1) for a in amounts})
    lines: dict[float, list[tuple[float, float]]] = {}
    for x_min, y_min, x_max, _ in words:
        lines.setdefault(round(y_min), []).append((x_min, x_max))
    for spans in lines.values():
        spans.sort()
        assert all(a[1] <= b[0] + 0.2 for a, b in zip(spans, spans[1:], strict=False)), spans
