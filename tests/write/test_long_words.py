"""Long texts: refused above what the form prints, printed whole up to it.

Above the limits, ``check`` tells the value's cell, with its length and the limit
(``text-too-long``, ``word-too-long``), and ``build`` refuses the document. At the limits,
every text field prints every character: poppler's text of the PDF, kept to characters that
only the planted value uses, is that value, in order (line breaks put in by wrapping aside);
the HWPX holds it whole; a value in a table cell stays on one page, and a row of paragraph
lines taller than a page goes on to the next.
"""

from __future__ import annotations

import copy
import io
import itertools
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import MINIMAL, pdftotext
from hwpx import TextExtractor

from budgetdoc.check.rules import CELL_TEXT_MAX, TEXT_MAX, WORD_MAX, check
from budgetdoc.formats.load import load_text
from budgetdoc.model.figures import compute
from budgetdoc.write import layout
from budgetdoc.write.hwpx import render_hwpx
from budgetdoc.write.keepall import words
from generate import cli

BASE: dict[str, Any] = yaml.safe_load(MINIMAL)

# Every text field the form prints, as a path into the YAML, and how many times the form prints it.
FIELDS: dict[str, tuple[tuple[str | int, ...], int]] = {
    "사업명": (("title",), 1),
    "회계": (("overview", "account"), 1),
    "사업기간": (("overview", "period", "kind"), 1),
    "사업개요 사업내용": (("overview", "summary", 0), 1),
    "실·국": (("contacts", "office"), 1),
    "부서명": (("contacts", "department"), 1),
    "과장": (("contacts", "director", "name"), 1),
    "주무관 전화": (("contacts", "officer", "phone"), 1),
    "과목": (("budget", "items", 0, "name"), 2),  # 예산 총괄 and 산출근거
    "산출근거 항목": (("budget", "items", 0, "basis", 0, "label"), 1),
    "사업목적": (("description", "purpose", 0), 1),
    "사업근거": (("description", "legal_basis", 0), 1),
    "사업추진절차": (("schedule", "rows", 0, "step"), 1),
    "추진기간": (("schedule", "rows", 0, "period"), 1),
    "추진세부내용": (("schedule", "rows", 0, "detail"), 1),
    "추진실적": (("effects", "achievements", 2021, 0), 1),
    "기대효과": (("effects", "expected", 0), 1),
}
PARAGRAPH_FIELDS = {"사업개요 사업내용", "사업목적", "사업근거", "추진실적", "기대효과"}


def with_value(path: tuple[str | int, ...], value: str) -> str:
    """The minimal document with ``value`` at ``path`` (a list item or a key the document lacks is added)."""
    data = copy.deepcopy(BASE)
    node = data
    for key, after in zip(path, path[1:], strict=False):
        if isinstance(node, dict) and key not in node:
            node[key] = [] if isinstance(after, int) else {}
        node = node[key]
    last = path[-1]
    if isinstance(node, list) and isinstance(last, int) and last == len(node):
        node.append(value)
    else:
        node[last] = value
    return yaml.safe_dump(data, allow_unicode=True, width=10**9, sort_keys=False)


def text_problems(text: str) -> list[tuple[str, int | str | None, int | str | None]]:
    return [(p.rule, p.expected, p.actual) for p in check(load_text(text, "x.yaml")) if p.rule.endswith("-too-long")]


@pytest.fixture(scope="module")
def alphabet(renderer) -> str:
    """Hangul syllables that the minimal document does not print: only a planted value brings them."""
    pdf = renderer.pdf(renderer.html(load_text(MINIMAL, "x.yaml").project))
    used = set(pdftotext(pdf)) | set(MINIMAL) | set(layout.CONTINUED + layout.NOT_APPLICABLE + layout.CONTACT_NOTE)
    free = [chr(c) for c in range(0xB000, 0xD7A4) if chr(c) not in used]
    return "".join(free[:97])  # a prime count: the characters do not line up with the lines they wrap to


def planted(alphabet: str, length: int, word: int = WORD_MAX, rest: int = 5) -> str:
    """``length`` characters: a word of ``word`` characters, then words of ``rest`` characters (the last one shorter)."""
    chars = itertools.cycle(alphabet)
    text = "".join(next(chars) for _ in range(word))
    while len(text) < length:
        room = length - len(text)
        text += next(chars) if room == 1 else " " + "".join(next(chars) for _ in range(min(rest, room - 1)))
    return text


def printed(pdf: bytes, alphabet: str) -> list[str]:
    """Per page, the planted characters poppler reads below the running header, in reading order."""
    keep = set(alphabet)
    text = pdftotext(pdf, "-raw", "-r", "72", "-x", "0", "-y", "50", "-W", "595", "-H", "792")
    return ["".join(ch for ch in page if ch in keep) for page in text.split("\f")[:-1]]


# --------------------------------------------------------------------------- check: refused above the limits


def test_a_200000_character_word_is_refused_at_its_cell() -> None:
    word = "가" * 200_000
    problems = check(load_text(MINIMAL.replace("purpose: [시험]", f"purpose: [{word}]"), "x.yaml"))
    assert [(str(p), p.expected, p.actual) for p in problems] == [
        (
            "x.yaml:21:25: text-too-long: 'description.purpose[0] (사업목적)' 글이 200,000자로 너무 깁니다: "
            "문단 한 줄은 2,000자까지 쓸 수 있습니다 — 여러 줄로 나누어 적으세요",
            2000,
            200_000,
        ),
        (
            f"x.yaml:21:25: word-too-long: 'description.purpose[0] (사업목적)'에 띄어 쓰지 않고 200,000자가 이어진 낱말 "
            f"'{'가' * 20}…'이(가) 있습니다: 낱말 하나는 200자까지 쓸 수 있습니다 — 줄이 바뀔 자리에 띄어 쓰세요",
            200,
            200_000,
        ),
    ]


def test_check_reports_it_and_build_refuses_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "long.yaml").write_text(MINIMAL.replace("step: 위원회 운영", "step: " + "위" * 200_000), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(data)], catch_exceptions=False)
    assert result.exit_code == 1
    rules = [line.split(": ")[1] for line in result.stdout.splitlines()]
    assert rules == ["text-too-long", "word-too-long"], result.stdout
    assert result.stdout.startswith(f"{data / 'long.yaml'}:22:26: text-too-long: ")
    assert "200,000자로 너무 깁니다: 표 칸 하나에는 한 쪽에 들어가는 300자까지" in result.stdout
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", str(data), "-o", str(out), "--no-progress"], catch_exceptions=False)
    assert result.exit_code == 1
    assert not list(out.rglob("*.pdf")) and not list(out.rglob("*.html"))


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_each_field_holds_its_limit_and_not_one_character_more(name: str) -> None:
    path, _ = FIELDS[name]
    limit = TEXT_MAX if name in PARAGRAPH_FIELDS else CELL_TEXT_MAX
    value = ("가나다라마 " * limit)[: limit - 1] + "가"
    assert len(value) == limit
    assert text_problems(with_value(path, value)) == []
    assert text_problems(with_value(path, value + "나")) == [("text-too-long", limit, limit + 1)]


def test_one_word_holds_the_word_limit_and_not_one_character_more() -> None:
    path = FIELDS["산출근거 항목"][0]
    assert text_problems(with_value(path, "가" * WORD_MAX + " 나")) == []
    assert text_problems(with_value(path, "나 " + "가" * (WORD_MAX + 1))) == [("word-too-long", WORD_MAX, WORD_MAX + 1)]


def test_a_no_break_space_joins_a_word_and_the_message_says_so() -> None:
    path = FIELDS["사업목적"][0]
    joined = "\u00a0".join(["가나다라마바사아자"] * 21)  # 209 characters, no space to break at
    problems = check(load_text(with_value(path, joined), "x.yaml"))
    (problem,) = [p for p in problems if p.rule == "word-too-long"]
    assert problem.actual == 209
    assert problem.message.endswith("(줄바꿈 없는 공백이 낱말을 잇고 있습니다: 보통 공백으로 바꾸세요)")
    for space in (" ", "\u3000"):  # a space and the ideographic space break lines
        assert text_problems(with_value(path, space.join(["가나다라마바사아자"] * 21))) == []


def test_the_words_keep_all_breaks_are_the_words_check_counts() -> None:
    """keepall marks a word long (and breakable where it does not fit) by the same spaces check counts by."""
    assert words("가\u00a0나 다\u3000라\u202f마\u2007바\t사  ") == ["가\u00a0나", "다", "라\u202f마\u2007바", "사"]


# --------------------------------------------------------------------------- printed whole up to them


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_a_value_at_the_limits_prints_every_character(name: str, renderer, alphabet: str) -> None:
    """A value as long as its field allows, with a word as long as a word may be: whole, in the PDF and the HWPX."""
    path, copies = FIELDS[name]
    limit = TEXT_MAX if name in PARAGRAPH_FIELDS else CELL_TEXT_MAX
    value = planted(alphabet, limit)
    assert len(value) == limit and max(len(w) for w in value.split()) == WORD_MAX
    doc = load_text(with_value(path, value), "x.yaml")
    assert [p for p in check(doc) if p.severity == "error"] == []
    pdf = renderer.pdf(renderer.html(doc.project))
    pages = printed(pdf, alphabet)
    whole = value.replace(" ", "")
    assert "".join(pages) == whole * copies
    if name not in PARAGRAPH_FIELDS:  # a table cell's value stays on one page
        assert all(page in ("", whole, whole * 2) for page in pages), [len(p) for p in pages]
    package = render_hwpx(doc.project, compute(doc.project))
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        hwpx_text = re.sub(r"\s", "", TextExtractor(archive).extract_text())
    assert hwpx_text.count(whole) >= copies  # 실·국 and 부서명 are in the HWPX's running header too, whole


@pytest.mark.parametrize("name", ["과장", "주무관 전화", "사업기간", "실·국"])
def test_a_latin_word_breaks_inside_its_cell(name: str, renderer) -> None:
    """Names, phones and the 사업기간 are printed without the keep-all marks: a long Latin word still wraps."""
    path, _ = FIELDS[name]
    value = ("abcdefghijklmnopqrstuvwxyz" * 8)[:WORD_MAX]
    pdf = renderer.pdf(renderer.html(load_text(with_value(path, value), "x.yaml").project))
    pages = printed(pdf, "abcdefghijklmnopqrstuvwxyz")
    assert "".join(pages) == value
    assert value in pages


def test_the_running_header_stays_on_one_line(renderer, alphabet: str) -> None:
    """A 실·국 at its limit is cut with "…" in the running header (it prints whole in 사업 담당자, above)."""
    office = planted(alphabet, CELL_TEXT_MAX)
    pdf = renderer.pdf(renderer.html(load_text(with_value(("contacts", "office"), office), "x.yaml").project))
    header = pdftotext(pdf, "-r", "72", "-x", "0", "-y", "0", "-W", "595", "-H", "50").split("\f")[0].strip()
    assert header == layout.running_header(2024, office, "균형발전정책과")
    assert header.startswith(f"2024년도 예산 사업설명서 · {office[:20]}") and header.endswith("…")
    long_but_real = ("서울특별시 도시기반시설본부 동부도로사업소", "도로시설관리과 교량안전팀")
    assert layout.running_header(2025, *long_but_real) == "2025년도 예산 사업설명서 · " + " ".join(long_but_real)


def test_a_row_of_paragraph_lines_taller_than_a_page_goes_on_to_the_next(renderer, alphabet: str) -> None:
    """Thirty-character words, one to a line of the 사업내용 cell: 2,000 characters are more than a page tall."""
    value = planted(alphabet, TEXT_MAX, word=30, rest=30)
    pdf = renderer.pdf(renderer.html(load_text(with_value(FIELDS["사업개요 사업내용"][0], value), "x.yaml").project))
    pages = printed(pdf, alphabet)
    assert "".join(pages) == value.replace(" ", "")
    assert sum(1 for page in pages if page) >= 2


# --------------------------------------------------------------------------- drafts: the start of the value, said so


def test_a_draft_prints_the_start_of_a_value_no_page_can_hold(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    word = "위" * 200_000
    (data / "long.yaml").write_text(MINIMAL.replace("purpose: [시험]", f"purpose: [{word}]"), encoding="utf-8")
    out = tmp_path / "out"
    args = ["build", str(data), "-o", str(out), "--no-progress", "--draft", "--format", "pdf,hwpx", "-j", "1"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1
    pdf = (out / "_drafts" / "long.pdf").read_bytes()
    text = re.sub(r"\s", "", pdftotext(pdf))
    assert "위" * WORD_MAX + "…(200,000자가운데200자만보임)" in text
    assert "위" * (WORD_MAX + 1) not in text
    hwpx = zipfile.ZipFile(io.BytesIO((out / "_drafts" / "long.hwpx").read_bytes()))
    section = hwpx.read("Contents/section0.xml").decode("utf-8")
    assert "위" * WORD_MAX + "… (200,000자 가운데 200자만 보임)" in section


def test_printable_leaves_a_document_within_the_limits_as_it_is() -> None:
    from budgetdoc.check.rules import printable

    project = load_text(MINIMAL, "x.yaml").project
    assert printable(project) is project
    long = load_text(with_value(("contacts", "department"), "부" * 400), "x.yaml").project
    cut = printable(long)
    assert cut.contacts.department == "부" * WORD_MAX + "… (400자 가운데 200자만 보임)"
    spaced = load_text(with_value(("contacts", "department"), "부서 " * 150), "x.yaml").project
    assert printable(spaced).contacts.department == ("부서 " * 100) + "… (450자 가운데 300자만 보임)"
    assert cut.budget is long.budget  # untouched parts are the same objects
