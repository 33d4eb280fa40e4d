"""One layout for every writer: written once, computed once, and the page rules held by position on a varied corpus."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docgen import pages
from positions import content, lines_of, short_starts, squeeze, stranded

from budgetdoc.batch.pool import available_cpus, run_pool
from budgetdoc.formats.load import load_text
from budgetdoc.model.figures import compute
from budgetdoc.pipeline import worker_renderer
from budgetdoc.write import layout

ROOT = Path(__file__).resolve().parent.parent.parent
# The writers: nothing of the form's wording may be in them (the model's field descriptions,
# the checks' messages and the legacy reader name the same things, but print no document).
WRITERS = [
    *sorted(p for p in (ROOT / "budgetdoc" / "write").glob("*.py") if p.name != "layout.py"),
    *sorted((ROOT / "budgetdoc" / "book").glob("*.py")),
    *sorted((ROOT / "budgetdoc" / "batch").glob("*.py")),
    *sorted(p for p in (ROOT / "templates").rglob("*") if p.is_file()),
    ROOT / "generate.py",
]
# Section titles, column headers, the contacts note and the period kinds of the form.
WRITTEN_ONCE = [
    "기본 현황",
    "예산 설명",
    "사업효과",
    "최근 3년 결산 현황",
    "□ 사업개요",
    "□ 사업 담당자",
    "□ 예산 총괄",
    "□ 향후 기대효과",
    "최근 3년 추진실적",
    "과목구분",
    "년 예산내역",
    "사업추진절차",
    "추진세부내용",
    "예산집행금액",
    "최종예산",
    "전년이월",
    "예산현액",
    "차년이월",
    "집행잔액",
    "부서명",
    "주무관",
    "(B-A)*100/A",
    "예산서 기준으로 작성되어",
    "연례반복",
    "해당 없음",
]


def _literals(path: Path) -> list[str]:
    """The string constants of a module, without its docstrings."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


def test_section_titles_and_column_headers_are_written_in_one_place() -> None:
    literals = _literals(ROOT / "budgetdoc" / "write" / "layout.py")
    for text in WRITTEN_ONCE:
        exact = literals.count(text)  # a column header is its own literal; a phrase may sit in a longer one
        assert (exact or sum(text in value for value in literals)) == 1, (text, [v for v in literals if text in v])
        for path in WRITERS:
            assert text not in path.read_text(encoding="utf-8"), (text, str(path.relative_to(ROOT)))


def test_figures_are_computed_once_per_built_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetdoc.batch import build
    from budgetdoc.check import rules as checks
    from budgetdoc.model import figures

    calls = []
    real = figures.compute

    def counting(project):
        calls.append(project.title)
        return real(project)

    monkeypatch.setattr(figures, "compute", counting)
    monkeypatch.setattr(checks, "compute", counting)
    name, text = pages(1)[0]
    data = tmp_path / "data"
    data.mkdir()
    (data / f"{name}.yaml").write_text(text, encoding="utf-8")
    source = build.Source(name, str(data / f"{name}.yaml"), str(data))
    result = build.build_one(source, tmp_path / "out", build.Options(formats=("html", "hwpx")))
    assert result.status == "built", result
    assert len(calls) == 1


# --------------------------------------------------------------------------- the corpus


@dataclass
class Rendered:
    name: str
    layout: layout.Layout
    html: str
    pdf: bytes
    hwpx: bytes


@pytest.fixture(scope="module")
def rendered(renderer) -> list[Rendered]:
    from budgetdoc.check.rules import check
    from budgetdoc.write.hwpx import render_hwpx

    made = []
    for name, text in pages(32):
        doc = load_text(text, f"{name}.yaml")
        figures = compute(doc.project)
        problems = check(doc, figures)
        assert [p for p in problems if p.severity == "error"] == [], name
        # Only the warnings an explicitly empty section gives (a check that could not apply says so).
        assert {p.rule for p in problems} <= {"years", "schedule-budget", "basis-missing"}, name
        document = layout.build(doc.project, figures)
        made.append((name, document, renderer.html_of(document), render_hwpx(doc.project, figures, document)))
    # The PDFs, the slow part, in the build's own worker pool: one per core.
    pdfs: dict[int, bytes] = {}
    run_pool(
        list(range(len(made))),
        functools.partial(_pdf_of, [html for _, _, html, _ in made]),
        jobs=available_cpus(),
        timeout=600,
        on_result=lambda r: pdfs.__setitem__(r[0], r[1]),
        failure=_no_pdf,
        warm=worker_renderer,
    )
    return [Rendered(name, document, html, pdfs[i], hwpx) for i, (name, document, html, hwpx) in enumerate(made)]


def _pdf_of(htmls: list[str], i: int) -> tuple[int, bytes]:
    return i, worker_renderer().pdf(htmls[i])


def _no_pdf(i: int, message: str) -> tuple[int, bytes]:
    raise AssertionError(f"corpus document {i}: {message}")


@pytest.mark.slow
def test_corpus_is_varied(rendered: list[Rendered]) -> None:
    pages = [len(lines_of(r.pdf)[0]) for r in rendered]
    assert len(rendered) >= 30 and min(pages) >= 2 and max(pages) <= 6
    items = [len(r.layout.sections[1].parts[0].blocks[1].body[1].rows) for r in rendered]  # type: ignore[union-attr]
    assert min(items) == 2 and max(items) >= 7
    text = "\n".join(r.html for r in rendered)
    for kind in ("특별회계", "기금", "☑</span> 계속", "☑</span> 한시", "☑</span> 연례반복", "[국비]</span> <span"):
        assert kind in text, kind
    assert any("(계속)" in " ".join(p.text for page in lines_of(r.pdf)[0] for p in page) for r in rendered)


@pytest.mark.slow
def test_no_heading_or_caption_is_the_last_line_of_a_page(rendered: list[Rendered]) -> None:
    for r in rendered:
        assert stranded(r.pdf, r.layout) == [], r.name


@pytest.mark.slow
def test_a_table_starts_with_at_least_two_body_rows(rendered: list[Rendered]) -> None:
    checked = 0
    for r in rendered:
        short, seen = short_starts(r.pdf, r.layout)
        assert short == [], r.name
        checked += seen
    assert checked >= 30 * 5


@pytest.mark.slow
def test_a_continued_basis_group_repeats_its_name(rendered: list[Rendered]) -> None:
    continued = 0
    for r in rendered:
        pages, width = lines_of(r.pdf)
        basis = next(t for t in r.layout.tables() if t.name == "basis")
        names = {squeeze(g.name) for g in basis.body}
        for n, page in enumerate(pages):
            lines = content(page, r.layout.running)
            heads = [i for i, li in enumerate(lines) if squeeze(li.text).startswith("과목구분")]
            if not heads:
                continue
            rows = []
            for li in lines[heads[0] + 1 :]:
                if squeeze(li.text).startswith("3사업설명"):
                    break
                rows.append(li)
            column = "".join(t for li in rows for x, t in li.words if x < width * 0.25)
            lines_here = [li for li in rows if re.search(r"[○-]\s", li.text)]
            if lines_here:
                assert column, (r.name, n + 1, "산출근거 rows without their 과목 name")
                assert any(name in column or name in squeeze(column) for name in names) or "(계속)" in column
                if not squeeze(rows[0].text).startswith(tuple(names)) and "(계속)" in column:
                    continued += 1
    assert continued >= 1


@pytest.mark.slow
def test_a_budget_item_without_basis_lines_gets_no_empty_rows(rendered: list[Rendered]) -> None:
    """No empty row anywhere; a 과목 whose (B) is 0 has no 산출근거 group at all, as published."""
    zero = 0
    for r in rendered:
        budget = next(t for t in r.layout.tables() if t.name == "budget")
        items = [row.cells for group in budget.body[1:] for row in group.rows]
        zero_named = {cells[0].text for cells in items if cells[2].text == "0"}
        zero += len(zero_named)
        basis = next((t for t in r.layout.tables() if t.name == "basis"), None)
        for group in basis.body if basis else ():
            texts = [squeeze(" ".join(c.text for c in row.cells)) for row in group.rows]
            assert all(texts), (r.name, group.name)
            assert group.name not in zero_named, (r.name, group.name)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", r.html, re.S):
            assert re.sub(r"<[^>]+>|\s", "", row), (r.name, "an empty row in the HTML")
    assert zero >= 3


@pytest.mark.slow
def test_a_section_without_data_prints_its_heading_with_not_applicable(rendered: list[Rendered]) -> None:
    kinds = set()
    for r in rendered:
        pages, _ = lines_of(r.pdf)
        text = [squeeze(li.text) for page in pages for li in content(page, r.layout.running)]
        for s in r.layout.sections:
            for part in s.parts:
                blocks = part.blocks if isinstance(part, layout.Keep) else (part,)
                none = [b for b in blocks if isinstance(b, layout.Paragraph) and b.cls == "none"]
                if not none:
                    continue
                heading = next((b for b in blocks if isinstance(b, layout.Heading)), None)
                title = squeeze(heading.text if heading else s.heading)
                kinds.add(title)
                at = text.index(title)
                assert text[at + 1] == squeeze(layout.NOT_APPLICABLE), (r.name, title, text[at + 1])
    assert {"5최근3년결산현황", "□최근3년추진실적"} <= kinds


# --------------------------------------------------------------------------- HWPX = HTML


class _Tables(HTMLParser):
    """Every table of an HTML page as a grid of cell texts (spans fill their positions with "")."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cells: list[list[tuple[str, int, int]]] = []
        self._text: list[str] | None = None
        self._span = (1, 1)
        self._caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._cells = []
        elif tag == "caption":
            self._caption = True
        elif tag == "tr":
            self._cells.append([])
        elif tag in ("td", "th"):
            self._text = []
            self._span = (int(a.get("rowspan") or 1), int(a.get("colspan") or 1))
        elif tag in ("br", "p") and self._text is not None and self._text:
            self._text.append("\n")

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._caption:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._caption = False
        elif tag in ("td", "th") and self._text is not None:
            text = "\n".join(" ".join(part.split()) for part in "".join(self._text).split("\n"))
            self._cells[-1].append((text.strip("\n"), *self._span))
            self._text = None
        elif tag == "table":
            grid: dict[tuple[int, int], str] = {}
            for r, row in enumerate(self._cells):
                c = 0
                for text, rs, cs in row:
                    while (r, c) in grid:
                        c += 1
                    for dr in range(rs):
                        for dc in range(cs):
                            grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
                    c += cs
            n_rows = len(self._cells)
            n_cols = max(c for _, c in grid) + 1
            self.tables.append([[grid.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)])


def hwpx_tables(package: bytes) -> list[list[list[str]]]:
    from hwpx import HwpxDocument

    doc = HwpxDocument.open(package)
    try:
        out = []
        for table in doc.tables:
            grid = [["" for _ in range(table.column_count)] for _ in range(table.row_count)]
            for r, row in enumerate(table.rows):
                for cell in row.cells:
                    rr, cc = cell.address if hasattr(cell, "address") else (r, 0)
                    grid[rr][cc] = "\n".join(" ".join(line.split()) for line in cell.text.split("\n"))
            out.append(grid)
        return out
    finally:
        doc.close()


@pytest.mark.slow
def test_hwpx_tables_equal_the_html_tables(rendered: list[Rendered]) -> None:
    for r in rendered:
        parser = _Tables()
        parser.feed(r.html)
        assert hwpx_tables(r.hwpx) == parser.tables, r.name


@pytest.mark.slow
def test_two_independent_readers_find_the_title_and_every_amount_in_the_hwpx(
    rendered: list[Rendered], tmp_path: Path
) -> None:
    """hwp-hwpx-parser and unhwp read each of the documents: its title as a line of its own, every amount."""
    import io
    import zipfile

    import unhwp
    from hwp_hwpx_parser import Reader

    for r in rendered:
        path = tmp_path / f"{r.name}.hwpx"
        path.write_bytes(r.hwpx)
        reader = Reader(str(path))
        try:
            texts = {"hwp-hwpx-parser": reader.text, "unhwp": unhwp.parse(str(path)).text}
        finally:
            reader.close()
        amounts = {
            squeeze(c.text)
            for t in r.layout.tables()
            for row in t.rows
            for c in row.cells
            if c.kind in ("num", "total") and c.text
        }
        for name, text in texts.items():
            lines = [line.strip() for line in text.splitlines()]
            assert r.layout.title in lines, (name, r.name, lines[:3])
            missing = [a for a in amounts if a not in squeeze(text)]
            assert not missing, (name, r.name, missing[:5])
        with zipfile.ZipFile(io.BytesIO(r.hwpx)) as archive:
            section = archive.read("Contents/section0.xml").decode("utf-8")
        assert section.count("<hp:header ") == 1 and section.count("<hp:autoNum ") == 1, r.name
        assert "<hp:pageNum " not in section


@pytest.mark.slow
def test_hwpx_has_header_page_numbers_preview_and_the_pdfs_date(rendered: list[Rendered]) -> None:
    import io
    import zipfile

    from pypdf import PdfReader

    for r in rendered[:5]:
        with zipfile.ZipFile(io.BytesIO(r.hwpx)) as archive:
            section = archive.read("Contents/section0.xml").decode("utf-8")
            preview = archive.read("Preview/PrvText.txt").decode("utf-8")
        assert f"<hp:t>{r.layout.running}</hp:t>" in section
        assert 'numType="PAGE"' in section or "<hp:pageNum" in section
        assert preview.splitlines()[0] == r.layout.title
        assert all(line in preview for line in ("1 기본 현황", "5 최근 3년 결산 현황"))
        created = PdfReader(io.BytesIO(r.pdf)).metadata["/CreationDate"]
        year = r.layout.fiscal_year - 1
        assert created.startswith(f"D:{year}0101"), created
        assert f'<opf:meta name="CreatedDate" content="text">{year}-01-01T00:00:00Z' in archive_text(r.hwpx)


def archive_text(package: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return archive.read("Contents/content.hpf").decode("utf-8")


def test_a_category_whose_budget_is_zero_has_no_basis_rows_as_published() -> None:
    """(B) = 0 and no 산출근거: the 과목 stays in 예산 총괄 and has no row in 산출근거."""
    import yaml
    from conftest import REFERENCE_YAML

    from budgetdoc.formats.load import load_text

    data = yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8"))
    zero = {"name": "폐지된 과목", "previous": 1000, "current": 0, "basis": []}
    data["budget"]["items"].append(zero)
    data["budget"].pop("total", None)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    doc = load_text(text, "x.yaml")
    document = layout.build(doc.project, compute(doc.project))
    budget, basis = (t for t in document.tables() if t.name in ("budget", "basis"))
    assert "폐지된 과목" in [r.cells[0].text for r in budget.rows]
    assert "폐지된 과목" not in [g.name for g in basis.body]
    assert all("해당 없음" not in c.text for r in basis.rows for c in r.cells)
    # Only 과목 of (B) 0: no 산출근거 table at all, '해당 없음' under its heading.
    for item in data["budget"]["items"]:
        item["current"], item["basis"] = 0, []
    data["overview"]["total"] = 0
    data["overview"]["funding"] = {"national": None, "city": 0, "district": None, "other": None}
    data["schedule"] = {"rows": []}
    doc = load_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "x.yaml")
    document = layout.build(doc.project, compute(doc.project))
    assert [t.name for t in document.tables() if t.name == "basis"] == []


@pytest.mark.slow
@pytest.mark.parametrize("digits", [8, 12, 15])
def test_amounts_fit_their_columns_and_share_one_right_edge(digits: int, renderer) -> None:
    """The largest amounts the schema allows: in the PDF, no amount crosses into the next cell, and
    every 산출근거 amount ends at the same right edge."""
    from positions import assert_amounts_fit, large_amounts

    from budgetdoc.formats.load import load_text

    project = load_text(large_amounts(digits), "x.yaml").project
    assert_amounts_fit(renderer.pdf(renderer.html(project)), right_margin=(210 - 17) / 25.4 * 72)
