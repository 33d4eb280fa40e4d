"""The HWPX writer: a valid package, the reference's numbers in order, the layout's tables, same bytes twice."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from conftest import REFERENCE_TEXT, REFERENCE_YAML
from hwpx import HwpxDocument, TextExtractor, validate_editor_open_safety, validate_package

from budgetdoc.formats.load import load
from budgetdoc.model.document import Period, Project
from budgetdoc.model.figures import compute
from budgetdoc.write.hwpx import FONT, period_text, render_hwpx

# What the reference text prints as numbers: phone numbers, amounts before 천원 / 원, the
# cells its table export marks with "(x-)", and bare numeric table cells.
REFERENCE_TOKEN = re.compile(
    r"\d{2,4}-\d{4}(?!\d)"
    r"|(?<![\d,.])△?\d{1,3}(?:,\d{3})*(?=천원|원)"
    r"|(?<=\(x-\) )△?\d{1,3}(?:,\d{3})*(?![\d,])"
    r"|(?<=\t)△?\d{1,3}(?:,\d{3})*(?=\t|\n|$)"
)

HEADINGS = ["1 기본 현황", "2 예산 설명", "3 사업설명", "4 사업효과", "5 최근 3년 결산 현황"]
TRICKY = "<b>&amp;{{ x }}"


@pytest.fixture(scope="module")
def project() -> Project:
    return load(REFERENCE_YAML).project


@pytest.fixture(scope="module")
def package(project: Project) -> bytes:
    return render_hwpx(project, compute(project))


@pytest.fixture()
def document(package: bytes) -> Iterator[HwpxDocument]:
    doc = HwpxDocument.open(package)
    try:
        yield doc
    finally:
        doc.close()


def extract_text(package: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return TextExtractor(archive).extract_text()


def reference_tokens() -> list[str]:
    if not REFERENCE_TEXT.is_file():
        pytest.skip(f"reference text not found: {REFERENCE_TEXT}")
    return REFERENCE_TOKEN.findall(REFERENCE_TEXT.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- validity


def test_package_validates(package: bytes) -> None:
    report = validate_package(package)
    assert report.ok, report.errors
    safety = validate_editor_open_safety(package)
    assert safety.ok, safety.summary


def test_document_validates_against_schemas(document: HwpxDocument) -> None:
    report = document.validate()
    assert report.ok, report.issues


def test_returns_a_zip_with_mimetype_first(package: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/hwp+zip"


# --------------------------------------------------------------------------- content


def test_reference_numbers_in_document_order(package: bytes) -> None:
    expected = reference_tokens()
    assert len(expected) == 67  # the regex still reads the reference the way it did
    assert "△3,877" in expected and "2133-8608" in expected and "1,853" in expected
    text = extract_text(package)
    position = 0
    for index, token in enumerate(expected):
        pattern = re.compile(r"(?<![\d,△])" + re.escape(token) + r"(?![\d,])")
        match = pattern.search(text, position)
        assert match, f"token {index} {token!r} not found after …{text[max(0, position - 60) : position]!r}"
        position = match.end()


def test_headings_in_order(package: bytes, project: Project) -> None:
    lines = extract_text(package).splitlines()
    # The running header (defined once), then the title as a line of its own.
    assert lines[:2] == ["2024년도 예산 사업설명서 · 균형발전본부 균형발전정책과", project.title]
    indexes = [lines.index(h) for h in HEADINGS]
    assert indexes == sorted(indexes)
    for sub in (
        "□ 사업개요",
        "□ 사업 담당자",
        "□ 예산 총괄",
        "산출근거",
        "사업목적",
        "사업근거",
        "사업내용",
        "추진경위",
        "□ 2024년도 추진일정",
        "□ 최근 3년 추진실적",
        "□ 향후 기대효과",
    ):
        assert sub in lines, sub
    assert "※실국 및 부서명은 예산서 기준으로 작성되어 현재부서와 다를 수 있습니다." in lines
    assert lines.count("(단위 : 천원)") == 2 and lines.count("(단위 : 천원, %)") == 1
    assert "- 서울특별시 지역균형발전 지원 조례" in lines


def _cell_texts(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_tables_have_the_layout_shape(document: HwpxDocument) -> None:
    shapes = [(t.row_count, t.column_count) for t in document.tables]
    assert shapes == [
        (5, 4),  # 사업개요
        (2, 5),  # 사업 담당자
        (7, 5),  # 예산 총괄: header + 계 + 5 과목
        (9, 4),  # 산출근거: header + 8 lines
        (3, 4),  # 추진일정: header + 계 + 1 row
        (3, 2),  # 최근 3년 추진실적
        (4, 8),  # 결산: header + 3 years
    ]


def test_overview_table(document: HwpxDocument) -> None:
    table = document.tables[0]
    rows = _cell_texts(table)
    assert rows[0] == ["회 계", "일반회계"]
    assert rows[1] == ["사업기간", "☐ 계속  ☐ 한시  ☑ 연례반복"]
    assert rows[2][1].splitlines() == [
        "○ 서울특별시 지역균형발전 지원 조례에 근거한 지역균형발전 추진",
        "○ 서울시 지역균형발전 계획 수립 및 서울시 균형발전위원회 운영",
    ]
    assert rows[3] == ["사업비\n(당해년도)", "263,698천원", "[국비]", "[시비] 263,698천원"]
    assert rows[4] == ["기타 (예산 외) [구비]", "[기타]"]
    assert table.cell(3, 0).span == (2, 1)  # 사업비 label and total over both rows, as in the PDF
    assert table.cell(3, 1).span == (2, 1)
    assert table.cell(0, 1).span == (1, 3)


def test_contacts_and_budget_tables(document: HwpxDocument) -> None:
    contacts = _cell_texts(document.tables[1])
    assert contacts[0] == ["실·국", "부서명", "과 장", "팀장", "주무관"]
    names = ["김기봉 2133-8608", "김나연 2133-8624", "김승연 2133-8625"]
    assert contacts[1] == ["균형발전본부", "균형발전정책과", *names]
    summary = _cell_texts(document.tables[2])
    assert summary[0] == ["구 분", "2023예산액\n(A)", "2024예산액\n(B)", "증감\n(B-A)", "(B-A)*100/A"]
    assert summary[1] == ["계", "13,500", "263,698", "250,198", "1,853"]
    assert summary[3] == ["사무관리비", "10,500", "6,623", "△3,877", "△37"]


def test_basis_table_merges_the_category_over_its_lines(document: HwpxDocument) -> None:
    table = document.tables[3]
    rows = _cell_texts(table)
    assert rows[0] == ["과목구분", "2024년 예산내역"]
    assert table.cell(0, 1).span == (1, 3)
    assert rows[2] == ["사무관리비", "○ 서울시 균형발전위원회 운영", "=", "6,623천원"]
    assert rows[3] == ["- 회의 참석수당 150,000원*17명*2회", "=", "5,100천원"]
    assert table.cell(2, 0).span == (3, 1)  # 사무관리비: ○ line and its two - lines
    assert table.cell(6, 0).span == (2, 1)  # 시책추진업무추진비: two ○ lines
    assert table.cell(1, 0).span == (1, 1)
    # the - lines are indented, the ○ lines are not
    styles = document.styles
    dash = styles.paragraph_property(table.cell(3, 1).paragraphs[0].para_pr_id_ref)
    circle = styles.paragraph_property(table.cell(2, 1).paragraphs[0].para_pr_id_ref)
    assert dash.margin.left > circle.margin.left


def test_schedule_achievements_settlement(document: HwpxDocument) -> None:
    schedule = _cell_texts(document.tables[4])
    assert schedule[0] == ["사업추진절차", "추진기간", "예산집행금액", "추진세부내용"]
    assert schedule[1] == ["계", "", "263,698", ""]
    achievements = _cell_texts(document.tables[5])
    assert [row[0] for row in achievements] == ["2021년도", "2022년도", "2023년도"]
    assert achievements[2][1].splitlines()[-1] == "○ '23년 제3차 자문회의 개최('23.11. 예정)"
    settlement = _cell_texts(document.tables[6])
    assert settlement[0] == ["연도", "최종예산", "전년이월", "예산변경", "예산현액", "집행액", "차년이월", "집행잔액"]
    assert settlement[1] == ["2020", "13,500", "279,576", "0", "293,076", "287,958", "0", "5,118"]


# --------------------------------------------------------------------------- look


def test_header_cells_shaded_and_bold_amounts_right(document: HwpxDocument) -> None:
    styles = document.styles
    for table in document.tables:
        if table.element.get("repeatHeader") != "1":
            continue
        for cell in table.rows[0].cells:
            fill = styles.border_fill_info(cell.element.get("borderFillIDRef"))
            assert fill.fill == "#D9D9D9"
            assert fill.left.type == fill.top.type == "SOLID"
            char = styles.char_property(cell.paragraphs[0].char_pr_id_ref)
            assert "bold" in char.child_attributes
    body = document.tables[2].cell(2, 3)  # an amount
    assert styles.border_fill_info(body.element.get("borderFillIDRef")).fill is None
    assert styles.paragraph_property(body.paragraphs[0].para_pr_id_ref).align.horizontal == "RIGHT"
    total, item = document.tables[2].cell(1, 0), document.tables[2].cell(2, 0)  # 계 centred, 과목 left, as the PDF
    assert styles.paragraph_property(total.paragraphs[0].para_pr_id_ref).align.horizontal == "CENTER"
    assert styles.paragraph_property(item.paragraphs[0].para_pr_id_ref).align.horizontal == "LEFT"


def test_font_and_page(document: HwpxDocument) -> None:
    for lang in ("HANGUL", "LATIN"):
        assert [f.face for f in document.styles.fonts(lang).values()] == [FONT]
    size = document.page.size()
    assert abs(size.width - 59528) <= 5 and abs(size.height - 84188) <= 5  # A4, 210 × 297 mm
    assert size.orientation == "WIDELY"  # OWPML's word for portrait


# --------------------------------------------------------------------------- reproducible


def test_identical_bytes(project: Project, package: bytes) -> None:
    again = render_hwpx(project, compute(project))
    assert again == package


def test_fixed_dates(package: bytes, document: HwpxDocument) -> None:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 1, 1, 0, 0, 0)}
    meta = document.parts.metadata
    assert meta is not None
    assert meta.created_date == meta.modified_date == "2023-01-01T00:00:00Z"  # the PDF's date
    assert meta.creator == "budgetdoc" and meta.title == "지역균형발전 추진"


def test_source_date_epoch(project: Project, package: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    first = render_hwpx(project, compute(project))
    assert first == render_hwpx(project, compute(project))
    assert first != package
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_ids_are_sequential(package: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        section = archive.read("Contents/section0.xml").decode("utf-8")
    ids = [int(i) for i in re.findall(r"<hp:(?:p|tbl)\b[^>]*?\sid=\"(\d+)\"", section)]
    assert ids == list(range(len(ids)))


# --------------------------------------------------------------------------- text is text


def test_markup_like_text_is_literal(project: Project) -> None:
    tricky = project.model_copy(
        update={
            "title": TRICKY,
            "description": project.description.model_copy(update={"purpose": [TRICKY]}),
        }
    )
    package = render_hwpx(tricky, compute(tricky))
    assert validate_package(package).ok
    lines = extract_text(package).splitlines()
    assert lines[1] == TRICKY
    assert f"- {TRICKY}" in lines
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        section = archive.read("Contents/section0.xml").decode("utf-8")
    assert "&lt;b&gt;&amp;amp;{{ x }}" in section
    assert "<b>" not in section


def test_period_and_empty_funding(project: Project) -> None:
    assert period_text(Period(kind="연례반복")) == "☐ 계속  ☐ 한시  ☑ 연례반복"
    assert period_text(Period(kind="계속", start=2022, end=2026)) == "☑ 계속 (2022~2026)  ☐ 한시  ☐ 연례반복"
    assert period_text(Period(kind="일시")) == "☐ 계속  ☐ 한시  ☐ 연례반복  ☑ 일시"
    overview = project.overview
    funded = project.model_copy(
        update={
            "overview": overview.model_copy(
                update={
                    "period": Period(kind="한시", start=2024, end=2025),
                    "funding": overview.funding.model_copy(update={"national": 1000, "district": 0}),
                }
            )
        }
    )
    doc = HwpxDocument.open(render_hwpx(funded, compute(funded)))
    try:
        rows = _cell_texts(doc.tables[0])
    finally:
        doc.close()
    assert rows[1][1] == "☐ 계속  ☑ 한시 (2024~2025)  ☐ 연례반복"
    assert rows[3][2] == "[국비] 1,000천원"
    assert rows[4] == ["기타 (예산 외) [구비] 0천원", "[기타]"]


class _TableShapes(HTMLParser):
    """Rows × columns of every table of an HTML page, counting colspans (rowspans occupy their first row)."""

    def __init__(self) -> None:
        super().__init__()
        self.shapes: list[tuple[int, int]] = []
        self._rows: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows = []
        elif tag == "tr":
            self._rows.append(0)
        elif tag in ("td", "th"):
            self._rows[-1] += int(dict(attrs).get("colspan") or 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.shapes.append((len(self._rows), max(self._rows)))


def test_tables_line_up_with_the_pdf_layout(document: HwpxDocument, project: Project) -> None:
    from budgetdoc.write.render import Renderer

    parser = _TableShapes()
    parser.feed(Renderer().html(project))
    assert [(t.row_count, t.column_count) for t in document.tables] == parser.shapes


# --------------------------------------------------------------------------- page furniture


def test_header_once_one_page_number_and_the_title_on_its_own_line(package: bytes, project: Project, tmp_path) -> None:
    from hwp_hwpx_parser import Reader

    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        section = archive.read("Contents/section0.xml").decode("utf-8")
    assert section.count("<hp:header ") == 1 and section.count("<hp:footer ") == 1
    assert section.count("<hp:autoNum ") == 1 and "<hp:pageNum " not in section
    path = tmp_path / "x.hwpx"
    path.write_bytes(package)
    reader = Reader(str(path))
    try:
        lines = [line.strip() for line in reader.text.splitlines() if line.strip()]
    finally:
        reader.close()
    assert project.title in lines  # a line of its own, not glued to the running header


def test_the_preview_image_is_the_first_page(project: Project) -> None:
    from PIL import Image

    from budgetdoc.write.render import Renderer

    renderer = Renderer()
    figures = compute(project)
    pdf = renderer.pdf(renderer.html(project))
    package = render_hwpx(project, figures, pdf=pdf)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        png = archive.read("Preview/PrvImage.png")
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[0] == 300 and image.size[1] > 400  # an A4 page, portrait
    dark = sum(image.histogram()[:128])
    assert dark > 2000  # the title, the tables: not a blank page
    assert render_hwpx(project, figures, pdf=pdf) == package  # same PDF, same bytes
