"""Rendering: golden HTML of the reference, and the PDF read back with poppler."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import REFERENCE_TEXT, find_in_order, pdffonts, pdftotext, reference_values

from budgetdoc.write.keepall import keep_words

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "reference.html"
SECTIONS = [
    (
        "1기본 현황",
        [
            "□ 사업개요",
            "회 계",
            "일반회계",
            "사업기간",
            "연례반복",
            "사업내용",
            "사업비",
            "(당해년도)",
            "[국비]",
            "[시비]",
            "기타 (예산 외)",
            "[구비]",
            "[기타]",
            "□ 사업 담당자",
            "실·국",
            "부서명",
            "과 장",
            "팀장",
            "주무관",
            "※실국 및 부서명은 예산서 기준으로 작성되어 현재부서와 다를 수 있습니다.",
        ],
    ),
    (
        "2예산 설명",
        [
            "□ 예산 총괄",
            "(단위 : 천원, %)",
            "구 분",
            "2023예산액",
            "(A)",
            "2024예산액",
            "(B)",
            "증감",
            "(B-A)",
            "(B-A)*100/A",
            "계",
            "산출근거",
            "과목구분",
            "2024년 예산내역",
        ],
    ),
    (
        "3사업설명",
        [
            "사업목적",
            "사업근거",
            "사업내용",
            "추진경위",
            "□ 2024년도 추진일정",
            "(단위 : 천원)",
            "사업추진절차",
            "추진기간",
            "예산집행금액",
            "추진세부내용",
        ],
    ),
    ("4사업효과", ["□ 최근 3년 추진실적", "2021년도", "2022년도", "2023년도", "□ 향후 기대효과"]),
    (
        "5최근 3년 결산 현황",
        ["(단위 : 천원)", "연도", "최종예산", "전년이월", "예산변경", "예산현액", "집행액", "차년이월", "집행잔액"],
    ),
]


def test_golden_html(reference_html: str, update_golden: bool) -> None:
    if update_golden:
        GOLDEN.write_text(reference_html, encoding="utf-8")
    assert reference_html == GOLDEN.read_text(encoding="utf-8"), "run pytest --update-golden after a deliberate change"


def test_html_is_semantic(reference_html: str) -> None:
    assert reference_html.startswith('<!DOCTYPE html>\n<html lang="ko">')
    assert reference_html.count("<caption") == 7
    assert 'scope="col"' in reference_html and 'scope="row"' in reference_html
    assert '<th scope="col">2023예산액<br>(A)</th>' in reference_html


def test_pdf_holds_every_value_of_the_reference_in_order(reference_pdf: bytes) -> None:
    values = reference_values(REFERENCE_TEXT.read_text(encoding="utf-8"))
    assert len(values) == 60
    text = pdftotext(reference_pdf)
    assert find_in_order(text, values) == []


def test_pdf_holds_every_label_in_section_order(reference_pdf: bytes) -> None:
    # poppler drops or adds spaces depending on glyph gaps: compare without them.
    text = re.sub(r"\s+", "", pdftotext(reference_pdf, "-layout"))
    squeeze = lambda label: re.sub(r"\s+", "", label)  # noqa: E731
    headings = [squeeze(h) for h, _ in SECTIONS]
    assert find_in_order_labels(text, ["지역균형발전추진", *headings]) == []
    starts = [text.index(h) for h in headings] + [len(text)]
    for (heading, labels), begin, end in zip(SECTIONS, starts, starts[1:], strict=False):
        section = text[begin:end]
        assert [label for label in labels if squeeze(label) not in section] == [], heading


def find_in_order_labels(text: str, labels: list[str]) -> list[str]:
    missing, pos = [], 0
    for label in labels:
        found = text.find(label, pos)
        if found < 0:
            missing.append(label)
        else:
            pos = found + len(label)
    return missing


def test_pdf_holds_every_text_of_the_reference(reference_pdf: bytes, reference_doc) -> None:
    p = reference_doc.project
    text = re.sub(r"\s+", "", pdftotext(reference_pdf))
    texts = [
        *p.overview.summary,
        *p.description.purpose,
        *p.description.legal_basis,
        *p.description.content,
        *p.description.history,
        *(i for items in p.effects.achievements.values() for i in items),
        *p.effects.expected,
        *(r.step for r in p.schedule.rows),
        *(r.detail for r in p.schedule.rows),
    ]
    for item in p.budget.items:
        for line in item.basis:
            texts.append(line.label + (line.formula or ""))
            texts.extend(part.label + (part.formula or "") for part in line.parts)
    missing = [t for t in texts if re.sub(r"\s+", "", t) not in text]
    assert missing == []


def test_pdf_is_a4_and_marks_the_chosen_period(reference_pdf: bytes) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(reference_pdf))
    assert len(reader.pages) == 3
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = pdftotext(reference_pdf)
    assert "☑ 연례반복" in text
    assert "☐ 계속" in text and "☐ 한시" in text
    pages = [re.sub(r"\s+", "", page) for page in text.split("\f") if page.strip()]
    assert [re.findall(r"-\d-", page) for page in pages] == [["-1-"], ["-2-"], ["-3-"]]  # in any reading order


def test_korean_font_is_embedded_and_subset(reference_pdf: bytes) -> None:
    fonts = pdffonts(reference_pdf)
    names = {f["name"].split("+", 1)[1]: f for f in fonts}
    assert {"NanumGothic", "NanumGothic-Bold"} <= set(names)
    for font in fonts:
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), font
    # The only other font is the declared symbol font for the 사업기간 check boxes.
    assert set(names) <= {"NanumGothic", "NanumGothic-Bold", "DejaVu-Sans"}


def test_two_renders_are_byte_identical(renderer, reference_html: str, reference_pdf: bytes) -> None:
    assert renderer.pdf(reference_html) == reference_pdf


def test_preparsed_print_stylesheet_gives_the_same_pdf(renderer, reference_html: str, reference_pdf: bytes) -> None:
    """The inlined print.css is parsed once per renderer; a copy WeasyPrint parses itself gives the same bytes."""
    css = str(renderer.print_css)
    inline = reference_html.replace(css, css.replace("/* ", "/*  ", 1), 1)
    assert css not in inline
    identifier = hashlib.sha256(reference_html.encode()).hexdigest()[:32]
    assert renderer.pdf(inline, identifier=identifier) == reference_pdf


def test_pdf_metadata_has_no_wall_clock_date(reference_pdf: bytes) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    info = PdfReader(BytesIO(reference_pdf)).metadata
    assert info["/CreationDate"] == "D:20230101000000Z"
    assert info["/Title"] == "지역균형발전 추진 — 2024년도 사업설명서"


def test_keep_words_marks_text_and_escapes_it() -> None:
    assert keep_words("서울시 균형발전위원회 <운영>") == '<span class="kw">서울시 균형발전위원회 &lt;운영&gt;</span>'


@pytest.mark.parametrize(
    "text,joined",
    [
        ("서울시 균형발전", "서\u2060울\u2060시 균\u2060형\u2060발\u2060전"),
        ("가(나)/다", "가\u2060(\u2060나\u2060)\u2060/\u2060다"),
        # Decomposed Hangul (as macOS writes it), combining accents, emoji sequences, flags: one character each.
        ("\u1112\u1161\u11ab\u1100\u1173\u11af", "\u1112\u1161\u11ab\u2060\u1100\u1173\u11af"),
        ("cafe\u0301s", "c\u2060a\u2060f\u2060e\u0301\u2060s"),
        ("\U0001f469\u200d\U0001f4bb\U0001f44d\U0001f3fd", "\U0001f469\u200d\U0001f4bb\u2060\U0001f44d\U0001f3fd"),
        ("\U0001f1f0\U0001f1f7", "\U0001f1f0\U0001f1f7"),
        ("  a  ", "  a  "),
    ],
)
def test_keep_all_joins_characters_not_their_parts(text: str, joined: str) -> None:
    from budgetdoc.write.keepall import keep_all

    assert keep_all(text) == joined


def test_join_words_replaces_the_marking_spans_by_their_text() -> None:
    from xml.etree import ElementTree

    from budgetdoc.write.keepall import join_words

    root = ElementTree.fromstring(
        '<div><p><span class="kw">가나 다</span>!</p><p><span class="mark">○</span> <span class="kw">라마</span> 끝</p></div>'
    )
    join_words(root)
    assert ElementTree.tostring(root, encoding="unicode") == (
        '<div><p>가\u2060나 다!</p><p><span class="mark">○</span> 라\u2060마 끝</p></div>'
    )


WORDS = ["지역균형발전위원회의", "심의를", "거쳐", "자치구별", "생활기반시설", "확충계획을", "수립하고", "시행한다"]


def test_korean_words_never_break_inside_in_the_pdf(renderer, reference_doc) -> None:
    """Lines of 사업내용 break only at spaces, and no joiner reaches the HTML or the PDF's text."""
    import weasyprint

    p = reference_doc.project
    sentence = " ".join(WORDS * 6)
    html = renderer.html(p.model_copy(update={"overview": p.overview.model_copy(update={"summary": [sentence]})}))
    assert "\u2060" not in html

    def lines(pdf: bytes) -> list[str]:
        text = pdftotext(pdf)
        start = text.index(WORDS[0])
        return text[start : text.index("사업비", start)].split()

    tokens = lines(renderer.pdf(html))
    assert tokens == WORDS * 6
    assert "\u2060" not in "".join(tokens)
    # The same HTML through bare WeasyPrint breaks inside words: what the joiners prevent.
    bare = lines(weasyprint.HTML(string=html, base_url=str(renderer.templates) + "/").write_pdf())
    assert set(bare) - set(WORDS)


def test_bookmarks_are_the_titles_as_written(reference_pdf: bytes) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    outline = PdfReader(BytesIO(reference_pdf)).outline
    assert outline[0].title == "지역균형발전 추진"
    assert [item.title for item in outline[1] if not isinstance(item, list)] == [
        "1 기본 현황",
        "2 예산 설명",
        "3 사업설명",
        "4 사업효과",
        "5 최근 3년 결산 현황",
    ]


OFFICE = "아주긴이름을가진실국으로서머리글에서줄바꿈을확인하기위한행정조직명칭본부"


def test_a_word_too_wide_for_its_cell_is_broken_not_run_off_the_page(renderer, reference_doc) -> None:
    p = reference_doc.project
    contacts = p.contacts.model_copy(update={"office": OFFICE, "department": "총괄조정담당관실정책기획평가예산조정팀"})
    # A 산출근거 formula as long as a line: it is broken too, and the table keeps its width.
    items = list(p.budget.items)
    line = items[0].basis[0]
    items[0] = items[0].model_copy(
        update={"basis": [line.model_copy(update={"formula": "55,275,000원" + "*1회" * 24})]}
    )
    budget = p.budget.model_copy(update={"items": items})
    pdf = renderer.pdf(renderer.html(p.model_copy(update={"contacts": contacts, "budget": budget})))
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        pdftotext(pdf, "-bbox", "-f", "1", "-l", "2"),
    )
    right_margin = 595.28 - 17 / 25.4 * 72
    assert max(float(x_max) for _, x_max, _ in words) <= right_margin + 0.5
    assert "주무관" in [w for _, _, w in words] and "2133-8625" in [w for _, _, w in words]
    assert OFFICE in "".join(pdftotext(pdf, "-f", "1", "-l", "1").split())


def test_long_document_repeats_table_headers(renderer, reference_doc) -> None:
    from budgetdoc.model.document import BasisLine

    p = reference_doc.project
    items = list(p.budget.items)
    many = [BasisLine(label=f"항목 {n}", formula="1,000원*1회", amount=1) for n in range(120)]
    items[0] = items[0].model_copy(update={"basis": many, "current": 120, "change": None, "rate": None})
    budget = p.budget.model_copy(update={"items": items, "total": None})
    long = p.model_copy(update={"budget": budget})
    text = pdftotext(renderer.pdf(renderer.html(long)))
    pages = text.split("\f")
    header_pages = [n for n, page in enumerate(pages) if "과목구분" in page]
    assert len(header_pages) >= 2, "산출근거 header should repeat on the page where the table continues"


@pytest.mark.parametrize(
    "kind,start,end,shown", [("계속", 2022, 2026, "☑ 계속 (2022~2026)"), ("한시", 2024, 2025, "☑ 한시 (2024~2025)")]
)
def test_period_with_years(renderer, reference_doc, kind: str, start: int, end: int, shown: str) -> None:
    from budgetdoc.model.document import Period

    p = reference_doc.project
    overview = p.overview.model_copy(update={"period": Period(kind=kind, start=start, end=end)})
    html = renderer.html(p.model_copy(update={"overview": overview}))
    plain = re.sub(r"<[^>]+>", "", html)
    assert shown in plain
    assert "☐ 연례반복" in plain


def test_missing_font_stops_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetdoc.write import assets

    monkeypatch.setattr(assets, "FONTS", {"NanumGothic": "fonts-nanum", "NoSuchFontAnywhere": "fonts-nosuch"})
    assets.check_fonts.cache_clear()
    try:
        with pytest.raises(assets.RenderError) as info:
            assets.check_fonts()
    finally:
        assets.check_fonts.cache_clear()
    assert str(info.value) == "글꼴이 없습니다: NoSuchFontAnywhere. 설치: sudo apt-get install fonts-nosuch"
