"""The page rules WeasyPrint keeps while laying out (budgetdoc.write.pagebreaks), on small pages made to break."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import pdftotext

from budgetdoc.write import pagebreaks

STYLE = """
<style>
@page { size: A4; margin: 20mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #888; vertical-align: middle; }
td { height: 30mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
h3 { break-after: avoid; margin: 0; }
caption { break-after: avoid; }
.spacer { height: SPACEmm; }
</style>
"""


def page(spacer: int, body: str) -> str:
    return f"<html><head>{STYLE.replace('SPACE', str(spacer))}</head><body><div class='spacer'>머리글</div>{body}</body></html>"


# About 1.5 rows of 30 mm fit under the spacer: 257 mm of page, 190 mm of spacer, a heading, a caption, a header row.
SHORT_TABLE = page(
    190,
    "<h3>표 제목</h3><table><caption>(단위 : 천원)</caption><thead><tr><th>열 머리</th></tr></thead>"
    "<tbody><tr><td>첫째 행</td></tr><tr><td>둘째 행</td></tr><tr><td>셋째 행</td></tr></tbody></table>",
)
rows = "".join(f"<tr>{'<th rowspan=8>사무관리비</th>' if i == 0 else ''}<td>행{i + 1}번</td></tr>" for i in range(8))
LONG_GROUP = page(
    100,
    f"<table><thead><tr><th>과목구분</th><th>예산내역</th></tr></thead><tbody data-group='사무관리비'>{rows}</tbody></table>",
)


def pages_of(pdf: bytes) -> list[str]:
    return pdftotext(pdf).split("\f")[:-1]


def plain_pdf(html: str) -> bytes:
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def test_a_table_that_would_start_with_one_row_moves_with_its_heading_and_caption(renderer) -> None:
    plain = pages_of(plain_pdf(SHORT_TABLE))
    assert "첫째 행" in plain[0] and "둘째 행" in plain[1]  # what WeasyPrint alone does with this page
    ruled = pages_of(renderer.pdf(SHORT_TABLE))
    assert "머리글" in ruled[0]
    for text in ("표 제목", "(단위 : 천원)", "열 머리", "첫째 행", "둘째 행", "셋째 행"):
        assert text not in ruled[0] and text in ruled[1], text


def test_a_group_continued_on_the_next_page_repeats_its_name(renderer) -> None:
    pages = pages_of(renderer.pdf(LONG_GROUP))
    assert len(pages) == 2
    assert "사무관리비" in pages[0] and "(계속)" not in pages[0]
    assert pages[1].count("사무관리비 (계속)") == 1
    assert "행1번" in pages[0] and "행8번" in pages[1]
    plain = pages_of(plain_pdf(LONG_GROUP))
    assert "사무관리비" not in plain[1]  # WeasyPrint alone leaves the 과목 column blank there


def _laid_out(html: str) -> list:
    import weasyprint

    with pagebreaks.rules():
        document = weasyprint.HTML(string=html).render()
    pagebreaks.finish(document.pages)
    return document.pages


def test_the_cut_cells_end_with_the_last_row_of_their_page_and_have_a_line_under_them() -> None:
    from weasyprint.formatting_structure.boxes import TableBox, TableCellBox, TableRowBox

    for number, page in enumerate(_laid_out(LONG_GROUP)):
        table = next(b for b in page._page_box.descendants() if isinstance(b, TableBox))
        rows = [b for b in table.descendants() if isinstance(b, TableRowBox)][1:]  # the body rows
        name = rows[0].children[0]
        assert isinstance(name, TableCellBox) and name.element.tag == "th"
        last = rows[-1]
        assert name.position_y + name.border_height() == pytest.approx(last.position_y + last.height)
        # Centred in what it spans on this page, as the stylesheet asks.
        top = name.content_box_y() - name.position_y
        assert top == pytest.approx(name.position_y + name.border_height() - name.content_box_y() - name.height, abs=1)
        if number == 0:
            _, horizontal = table.collapsed_border_grid
            under = len([b for b in table.descendants() if isinstance(b, TableRowBox)])
            assert horizontal[under][0] == horizontal[under][1]
            assert horizontal[under][0][1][1] > 0  # a visible line under the 과목 cell at the page's foot


def test_a_document_is_laid_out_once(renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint.document

    calls = []
    original = weasyprint.document.layout_document

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(weasyprint.document, "layout_document", counting)
    pdf = renderer.pdf(LONG_GROUP)
    assert "(계속)" in pdftotext(pdf) and len(calls) == 1
    calls.clear()
    renderer.pdf(SHORT_TABLE)
    assert len(calls) == 1


def test_other_weasyprint_documents_of_the_process_are_laid_out_as_weasyprint_does(renderer) -> None:
    renderer.pdf(SHORT_TABLE)  # the rules are installed now
    plain = pages_of(plain_pdf(SHORT_TABLE))
    assert "첫째 행" in plain[0]
    assert "(계속)" not in pdftotext(plain_pdf(LONG_GROUP))


@pytest.mark.slow
def test_a_cut_category_cell_is_shaded_all_the_way_down(renderer, tmp_path: Path) -> None:
    """A 과목 cell cut by a page break: its shading reaches the page's last row, not its first row only."""
    import re
    import subprocess

    import pypdfium2
    from docgen import pages

    from budgetdoc.formats.load import load_text

    name, text = pages(12)[0]
    pdf = renderer.pdf(renderer.html(load_text(text, name).project))
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    texts = xml.split("<page ")[1:]
    continued = next(i for i, page in enumerate(texts) if "(계속)" in page)
    cut = texts[continued - 1]  # the page the group was cut on
    ys = [float(m[1]) for m in re.finditer(r'yMin="([0-9.]+)"[^>]*>[0-9,△]+천원</word>', cut)]
    head = float(re.search(r'yMax="([0-9.]+)">과목구분</word>', cut)[1])
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[continued - 1].render(scale=2).to_pil().convert("RGB")
    finally:
        document.close()
    x = int(image.width * 0.1)  # inside the 과목 column
    white = 0
    for y in range(int((head + 4) * 2), int((max(ys) + 6) * 2)):
        white = white + 1 if image.getpixel((x, y)) == (255, 255, 255) else 0
        assert white < 6, f"an unshaded run in the 과목 column at y={y / 2:.0f} pt"
