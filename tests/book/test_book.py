"""The council book: contents, footers and bookmarks agree; refusal; variants; determinism."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypdf
import pytest
from conftest import REFERENCE_YAML, ROOT, pdffonts, pdftotext

from budgetdoc.book import make as B
from budgetdoc.formats.load import load
from budgetdoc.model.figures import compute

REFERENCE_TITLE = "title: 지역균형발전 추진"
EXTRA = "\n".join(f"    - 추가로 적은 사업 내용 {k + 1}번째 항목으로 쪽을 늘리기 위한 긴 문장입니다" for k in range(45))


def write_copies(folder: Path, n: int = 12, offices: int = 3, departments: int = 2) -> list[Path]:
    """``n`` copies of the reference, titled 사업 01 …, spread over offices × departments."""
    text = REFERENCE_YAML.read_text(encoding="utf-8")
    files = []
    per_office = n // offices
    for i in range(n):
        office = i // per_office + 1
        dept = (i % per_office) * departments // per_office + 1
        copy = (
            text.replace(REFERENCE_TITLE, f"title: 사업 {i + 1:02d} 지역균형발전 추진")
            .replace("office: 균형발전본부", f"office: 제{office}본부")
            .replace("department: 균형발전정책과", f"department: 제{office}본부 {dept}과")
        )
        path = folder / f"p{i + 1:02d}.yaml"
        path.write_text(copy, encoding="utf-8")
        files.append(path)
    return files


def lengthen(path: Path) -> None:
    """Add bullets to 사업내용 so that the document gains at least one page."""
    text = path.read_text(encoding="utf-8")
    anchor = "  content:\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + EXTRA + "\n", 1), encoding="utf-8")


def page_texts(pdf: Path) -> list[str]:
    return pdftotext(pdf, "-layout").split("\f")[:-1]


def footer(text: str) -> str | None:
    """The page number printed at the foot of a page (the last non-empty line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    m = re.fullmatch(r"-\s*([0-9ivx]+)\s*-", lines[-1]) if lines else None
    return m.group(1) if m else None


def contents(texts: list[str]) -> dict[str, int]:
    """목차 entries: title → page, from the contents pages."""
    found = {}
    for text in texts:
        if "목 차" not in text and "목차" not in text.splitlines()[0]:
            continue
        for m in re.finditer(r"^\s*(사업 \d\d 지역균형발전 추진)\s+(\d+)\s*$", text, re.M):
            found[m.group(1)] = int(m.group(2))
    return found


def bookmarks(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark, in order."""
    reader = pypdf.PdfReader(pdf)
    out: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


def check_book(pdf: Path, n: int) -> dict[str, int]:
    """The properties the issue asks for; returns the contents (title → page)."""
    texts = page_texts(pdf)
    toc = contents(texts)
    assert len(toc) == n
    n_front = next(i for i, t in enumerate(texts) if "사업 01 지역균형발전 추진" in t and "기본 현황" in t)
    body = texts[n_front:]
    # Continuous numbering: every body page carries its number, 1 … N, at the foot.
    assert [footer(t) for t in body] == [str(k) for k in range(1, len(body) + 1)]
    # The front matter is numbered in lower-case roman numerals (the cover's is not printed).
    assert footer(texts[0]) is None
    assert [footer(t) for t in texts[1:n_front]] == ["ii", "iii", "iv", "v"][: n_front - 1]
    # Each project starts on the page the contents give, and that page's footer says so.
    for title, page in toc.items():
        first = body[page - 1]
        assert title in first and "기본 현황" in first, title
        assert footer(first) == str(page)
    # One bookmark per project, nested 실·국 → 부서 → 사업, pointing at its first page.
    marks = bookmarks(pdf)
    projects = [(t, p) for d, t, p in marks if d == 2]
    assert [t for t, _ in projects] == list(toc)
    assert [p - n_front + 1 for _, p in projects] == list(toc.values())
    assert [t for d, t, _ in marks if d == 0][:2] == ["목차", "총괄표"]
    # A 실·국 or 부서 bookmark points at the first page of its first project.
    for k, (depth, _, page) in enumerate(marks):
        if depth in (0, 1) and k + 1 < len(marks) and marks[k + 1][0] == depth + 1:
            assert page == marks[k + 1][2]
    # The viewer's page labels show the printed numbers.
    labels = pypdf.PdfReader(pdf).page_labels
    assert labels[0] == "i" and labels[n_front] == "1" and labels[-1] == str(len(body))
    return toc


@pytest.fixture(scope="module")
def twelve(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, B.BookResult]:
    folder = tmp_path_factory.mktemp("book")
    data = folder / "data"
    data.mkdir()
    write_copies(data)
    out = folder / "out" / "book.pdf"
    result = B.make_book([str(data)], out, org="서울특별시", jobs=2)
    return data, out, result


def test_contents_footers_and_bookmarks_agree(twelve: tuple[Path, Path, B.BookResult]) -> None:
    data, out, result = twelve
    assert result.written and not result.failures and result.projects == 12 and result.rendered == 12
    toc = check_book(out, 12)
    assert list(toc.values()) == [1 + 3 * k for k in range(12)]  # the reference takes three pages
    marks = bookmarks(out)
    assert [t for d, t, _ in marks if d == 0][2:] == ["제1본부", "제2본부", "제3본부"]
    assert [t for d, t, _ in marks if d == 1] == [f"제{o}본부 {d}과" for o in (1, 2, 3) for d in (1, 2)]
    texts = page_texts(out)
    assert "2024년도 예산 사업설명서" in texts[0] and "서울특별시" in texts[0]
    # Running header: the 실·국 and 부서 of the project on the page.
    assert "2024년도 예산 사업설명서 · 제3본부 제3본부 2과" in texts[-1]


def contents_links(pdf: Path) -> list[tuple[str, int, str]]:
    """(text under the link, target page index, /Contents) of every link on the 목차 pages, in order."""
    reader = pypdf.PdfReader(pdf)
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    found = []
    for index, page in enumerate(reader.pages):
        if "목 차" not in (page.extract_text() or ""):
            continue
        height = float(page.mediabox.height)
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            assert annot["/Subtype"] == "/Link" and "/A" not in annot, annot
            x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
            box = [str(round(v)) for v in (x0, height - max(y0, y1), x1 - x0, abs(y1 - y0))]
            crop = ["-f", str(index + 1), "-l", str(index + 1), "-x", box[0], "-y", box[1], "-W", box[2], "-H", box[3]]
            text = " ".join(pdftotext(pdf, "-r", "72", *crop).split())
            target = pages[annot["/Dest"][0].idnum]
            found.append((text, target, str(annot["/Contents"])))
    return found


def test_contents_entries_link_to_their_pages(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    files = write_copies(data, n=3, offices=1, departments=1)
    lengthen(files[0])
    out = tmp_path / "book.pdf"
    assert B.make_book([str(data)], out, jobs=1).written
    texts = page_texts(out)
    toc = check_book(out, 3)
    n_front = next(i for i, t in enumerate(texts) if "사업 01 지역균형발전 추진" in t and "기본 현황" in t)
    assert list(toc.values()) == [1, 5, 8]  # the first project is a page longer
    links = contents_links(out)
    # One link per entry, 실·국 and 부서 included, over the entry's name, saying where it goes.
    expected = [("제1본부", 1), ("제1본부 1과", 1)] + list(toc.items())
    assert [(text, contents) for text, _, contents in links] == [(n, f"{n}, {p}쪽") for n, p in expected]
    for (name, page), (_, target, _) in zip(expected, links, strict=True):
        assert target == n_front + page - 1
        if name in toc:
            assert name in texts[target] and "기본 현황" in texts[target]


def test_summary_comes_from_the_checked_figures(twelve: tuple[Path, Path, B.BookResult]) -> None:
    _, out, _ = twelve
    total = compute(load(REFERENCE_YAML).project).total
    summary = next(t for t in page_texts(out) if "총 괄 표" in t)

    def row(name: str) -> list[str]:
        line = next(line for line in summary.splitlines() if line.split()[: len(name.split())] == name.split())
        return line.split()[len(name.split()) :]

    def won(n: int) -> str:
        return f"{n:,}" if n >= 0 else f"△{-n:,}"

    assert row("합계") == ["12", won(12 * total.previous), won(12 * total.current), won(12 * total.change)]
    assert row("제2본부") == ["4", won(4 * total.previous), won(4 * total.current), won(4 * total.change)]
    assert row("제2본부 1과") == ["2", won(2 * total.previous), won(2 * total.current), won(2 * total.change)]


def test_a_project_that_gains_pages_shifts_everything_after_it(
    twelve: tuple[Path, Path, B.BookResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, out, _ = twelve
    work = tmp_path / "data"
    shutil.copytree(data, work)
    cache = out.parent / B.CACHE
    # Several number sheets, so that the stamping crosses sheet boundaries.
    monkeypatch.setattr(B, "SHEET", 10)
    before = B.make_book([str(work)], tmp_path / "before.pdf", org="서울특별시", jobs=1, cache=cache)
    assert before.rendered == 12  # another folder: other paths, other parts
    toc_before = check_book(tmp_path / "before.pdf", 12)
    lengthen(work / "p05.yaml")
    after = B.make_book([str(work)], tmp_path / "after.pdf", org="서울특별시", jobs=1, cache=cache)
    assert after.written and after.rendered == 1
    toc_after = check_book(tmp_path / "after.pdf", 12)
    gained = toc_after["사업 06 지역균형발전 추진"] - toc_before["사업 06 지역균형발전 추진"]
    assert gained >= 1
    for title, page in toc_before.items():
        shift = gained if int(title.split()[1]) > 5 else 0
        assert toc_after[title] == page + shift, title
    assert after.pages == before.pages + gained


def test_rebuild_from_the_cache_is_byte_identical(twelve: tuple[Path, Path, B.BookResult]) -> None:
    data, out, _ = twelve
    again = out.parent / "again.pdf"
    result = B.make_book([str(data)], again, org="서울특별시", jobs=2)
    assert result.written and result.rendered == 0
    assert again.read_bytes() == out.read_bytes()


def good_and_bad(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A data folder of two projects; the second has a 산출근거 line that does not add up."""
    data = tmp_path / "data"
    data.mkdir()
    good, bad = write_copies(data, n=2, offices=1, departments=1)
    bad.write_text(bad.read_text(encoding="utf-8").replace("amount: 5100", "amount: 5200"), encoding="utf-8")
    return data, good, bad


def test_a_failing_document_refuses_the_book_unless_draft(tmp_path: Path) -> None:
    data, good, bad = good_and_bad(tmp_path)
    out = tmp_path / "book.pdf"
    result = B.make_book([str(data)], out, jobs=1)
    assert not result.written and not out.exists()
    assert result.rendered == 0  # fails fast: every document is checked before any is rendered
    assert {p.rule for p in result.problems if p.severity == "error"} >= {"basis-formula"}
    assert all(p.file == str(bad) for p in result.problems)

    cli = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "book", str(data), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert cli.returncode == 1, cli.stderr
    assert f"{bad}:" in cli.stdout and "basis-formula" in cli.stdout
    assert "책을 만들지 않았습니다" in cli.stderr and "--draft" in cli.stderr and not out.exists()

    drafted = B.make_book([str(data)], out, jobs=1, draft=True)
    assert drafted.written and drafted.drafted == 1 and drafted.rendered == 2
    texts = page_texts(out)
    assert "초안" in texts[0]
    assert any("검증 오류" in t and "사업 02" in t for t in texts)
    # The draft part stays in the cache, but a book without --draft is still refused.
    again = B.make_book([str(data)], tmp_path / "again.pdf", jobs=1)
    assert not again.written and again.rendered == 0 and not (tmp_path / "again.pdf").exists()
    # A refused book leaves the book already at its path as it was.
    previous = out.read_bytes()
    assert not B.make_book([str(data)], out, jobs=1).written
    assert out.read_bytes() == previous


def test_projects_of_different_years_are_refused() -> None:
    from budgetdoc.formats.sources import Source

    parts = [B.Part(Source(f"p{i}", f"p{i}.yaml"), f"k{i}", "ok", year=y) for i, y in enumerate([2024, 2025, 2024])]
    year, problems = B._year_problems(parts)
    assert year == 2024
    assert [(p.file, p.rule, p.expected, p.actual) for p in problems] == [("p1.yaml", "book-year", 2024, 2025)]


def test_no_documents_is_a_usage_error(tmp_path: Path) -> None:
    cli = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "book", str(tmp_path), "-o", str(tmp_path / "b.pdf")],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 2 and "YAML" in cli.stderr


def test_arrange_groups_in_order_of_first_appearance() -> None:
    from budgetdoc.formats.sources import Source

    def part(i: int, office: str, dept: str, pages: int) -> B.Part:
        return B.Part(
            Source(f"p{i}", f"p{i}.yaml"),
            f"k{i}",
            "ok",
            title=f"t{i}",
            office=office,
            department=dept,
            year=2024,
            previous=10 * i,
            current=20 * i,
            pages=pages,
        )

    parts = [part(1, "B", "b1", 2), part(2, "A", "a1", 3), part(3, "B", "b2", 1), part(4, "B", "b1", 4)]
    ordered, groups = B.arrange(parts)
    assert [p.title for p in ordered] == ["t1", "t4", "t3", "t2"]
    assert [(g.name, g.page) for g in groups] == [("B", 1), ("A", 8)]
    assert [(d.name, d.page, [e.page for e in d.projects]) for d in groups[0].departments] == [
        ("b1", 1, [1, 3]),
        ("b2", 7, [7]),
    ]
    rows = B.summary_rows(groups)
    assert [(r["name"], r["count"], r["previous"], r["current"], r["change"]) for r in rows] == [
        ("합계", 4, 100, 200, 100),
        ("B", 3, 80, 160, 80),
        ("b1", 2, 50, 100, 50),
        ("b2", 1, 30, 60, 30),
        ("A", 1, 20, 40, 20),
        ("a1", 1, 20, 40, 20),
    ]


# --------------------------------------------------------------------------- archival and accessible variants


def xmp(pdf: pikepdf.Pdf) -> dict[str, str]:
    meta = pdf.open_metadata()
    return {key.split("}")[-1]: str(value) for key, value in meta.items()}


def assert_fonts_embedded(data: bytes) -> None:
    fonts = pdffonts(data)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts


def assert_structure_consistent(pdf: pikepdf.Pdf, parts: int) -> None:
    """Every page's marked content maps, through the parent tree, to elements on that page."""
    root = pdf.Root.StructTreeRoot
    nums = list(root.ParentTree.Nums)
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    if "/ParentTreeNextKey" in root:  # WeasyPrint leaves it out; the book sets it
        assert int(root.ParentTreeNextKey) == max(tree) + 1
    index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    for i, page in enumerate(pdf.pages):
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        data = b"".join(s.read_bytes() for s in streams)
        mcids = [int(m) for m in re.findall(rb"/MCID (\d+)", data)]
        if "/StructParents" not in page.obj:
            assert not mcids
            continue
        # The margins' MCIDs became artifacts: their entries are null, the rest map one to one.
        elements = list(tree[int(page.obj.StructParents)])
        assert sorted(mcids) == [k for k, e in enumerate(elements) if e is not None]
        assert all(index[e.Pg.objgen] == i for e in elements if e is not None)
    document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
    assert document.S == "/Document"
    assert [str(k.S) for k in document.K].count("/Part") == parts


# WeasyPrint 70 opens its sRGB profile for the PDF/A output intent and never closes it.
SRGB_LEAK = pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*sRGB2014[.]icc:pytest.PytestUnraisableExceptionWarning"
)


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("variants") / "data"
    data.mkdir()
    write_copies(data, n=2, offices=2, departments=1)
    return data


@SRGB_LEAK
@pytest.mark.parametrize("variant", ["pdf/a-2b", "pdf/a-3b", "pdf/ua-1"])
def test_book_variants_keep_their_metadata(three: Path, tmp_path: Path, variant: str) -> None:
    out = tmp_path / "book.pdf"
    result = B.make_book([str(three)], out, org="서울특별시", variant=variant, jobs=1)
    assert result.written
    data = out.read_bytes()
    assert_fonts_embedded(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = xmp(pdf)
        assert meta["title"] == "2024년도 예산 사업설명서 — 서울특별시"
        assert pdf.trailer.get("/ID") is not None
        if variant.startswith("pdf/a"):
            assert meta["part"] == variant[6] and meta["conformance"] == "B"
            intents = pdf.Root.OutputIntents
            assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]
            assert "/StructTreeRoot" not in pdf.Root
        else:
            assert meta["part"] == "1" and "conformance" not in meta
            assert pdf.Root.MarkInfo.Marked is True
            assert str(pdf.Root.Lang) == "ko" and pdf.Root.ViewerPreferences.DisplayDocTitle is True
            assert_structure_consistent(pdf, parts=2)
            # The stamped number is a pagination artifact, outside the tag tree.
            last = pdf.pages[-1].obj.Contents[-1].read_bytes()
            assert b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC" in last
    texts = page_texts(out)
    assert footer(texts[-1]) == "6" and contents(texts) == {
        "사업 01 지역균형발전 추진": 1,
        "사업 02 지역균형발전 추진": 4,
    }


@SRGB_LEAK
@pytest.mark.parametrize("variant", ["pdf/a-2b", "pdf/a-3b", "pdf/ua-1"])
def test_single_document_variants(renderer, reference_html: str, variant: str) -> None:
    data = renderer.pdf(reference_html, variant)
    assert_fonts_embedded(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = xmp(pdf)
        if variant.startswith("pdf/a"):
            assert meta["part"] == variant[6] and meta["conformance"] == "B"
            assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        else:
            assert meta["part"] == "1"
            assert pdf.Root.MarkInfo.Marked is True
            assert_structure_consistent(pdf, parts=0)


def test_cli_book_help_names_the_options() -> None:
    cli = subprocess.run([sys.executable, str(ROOT / "generate.py"), "book", "--help"], capture_output=True, text=True)
    assert cli.returncode == 0
    for option in ("--title", "--org", "--pdf-variant", "--draft", "-o"):
        assert option in cli.stdout


def test_cli_book_reports_each_document_and_the_book(tmp_path: Path) -> None:
    data, good, bad = good_and_bad(tmp_path)
    out = tmp_path / "book.pdf"
    command = [sys.executable, str(ROOT / "generate.py"), "book", str(data), "-o", str(out), "--no-progress", "-j", "1"]
    cli = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert cli.returncode == 1
    lines = re.sub(r"\(\d+[.]\d+초\)", "(…초)", cli.stderr).splitlines()
    # Every document is checked before any is rendered: nothing is rendered when one fails.
    assert lines == [
        "책을 만들지 않았습니다: 오류 1개, 렌더링 실패 0개 — 틀린 칸을 표시한 초안 책은 --draft로 만듭니다"
    ]
    assert f"{bad}:" in cli.stdout and str(good) not in cli.stdout
