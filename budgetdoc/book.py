"""The council book: every project in one PDF, with contents, bookmarks and page numbers.

The pipeline (:func:`make_book`)::

    parts = each project alone → PDF part (cached by content hash; rendered in workers)
    pages = where each project starts, from the parts' page counts
    front = cover, 목차 and 총괄표 with those page numbers (one small WeasyPrint document)
    book  = front + parts, page numbers stamped, bookmarks 실·국 → 부서 → 사업, page labels

Only the number at the foot of a page depends on where the page lands in the book. So a
part is rendered without it (``templates/book/part.css``) and the numbers are stamped at
assembly from cached sheets of blank pages whose footer is laid out by the single
document's own stylesheet (``templates/book/numbers.html.j2``): the same glyphs at the same
place. When a project gains or loses a page, the parts after it are reused as they are;
only the front matter and the assembly are redone, and both take their page numbers from
the parts' page counts, so contents, bookmarks and footers cannot disagree.

The cover and front matter are numbered i, ii, … (the cover's number is not printed), the
projects 1, 2, … without gaps; the PDF's page labels say the same, so a viewer's page
box shows the printed number.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import PDF_VARIANTS
from .build import (
    Options,
    OutputError,
    Result,
    Source,
    discover,
    environment_key,
    locked,
    read_data,
    refused_result,
    run_pool,
    unwritable,
    worker_renderer,
    write_atomic,
)
from .checks import check, errors
from .load import LoadError
from .model import Problem

CACHE = ".budgetdoc-book"
KEEP_DAYS = 7  # cached parts no book has used for this long are removed
SHEET = 250  # page numbers per cached number sheet
FORMAT = 1  # bump when the cache's meta files change shape
STAMP_NAME = "/BudgetdocPageNo"
PDFA_VARIANTS = tuple(v for v in PDF_VARIANTS if v.startswith("pdf/a-"))


class BookError(Exception):
    """A book that cannot be made (no documents, a part that failed to render, bad options)."""


# --------------------------------------------------------------------------- parts


@dataclass(frozen=True, order=True)
class Task(Source):
    """A unit of work for a worker: one project's part, or one sheet of page numbers."""

    key: str = ""
    digest: str = ""  # sha256 of the YAML the key was made from
    kind: str = "part"  # part | numbers
    first: int = 0  # numbers: the first number on the sheet
    count: int = 0  # numbers: how many


@dataclass(frozen=True)
class Part:
    """One project as it goes into the book (read from the cache's meta file)."""

    source: Source
    key: str
    status: str  # ok | draft | failed
    problems: tuple[Problem, ...] = ()
    title: str = ""
    office: str = ""
    department: str = ""
    year: int = 0
    previous: int = 0
    current: int = 0
    pages: int = 0


def _book_css(name: str) -> Markup:
    return Markup((worker_renderer().templates / "book" / name).read_text(encoding="utf-8"))


def _page_count(pdf: bytes) -> int:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def render_part(source: Source, digest: str, variant: str | None, draft: bool) -> tuple[dict[str, Any], bytes | None]:
    """Load, check and render one project for the book: (meta, PDF or None when it failed)."""
    try:
        doc = source.load()
    except LoadError as exc:
        return {"status": "failed", "problems": [asdict(p) for p in exc.problems]}, None
    # Loaded from the bytes the key was made of; without them, the file must not have changed since.
    data = source.data if source.data is not None else read_data(source.path, source.root)
    now = hashlib.sha256(data).hexdigest() if data is not None else ""
    if now != digest:
        raise BookError(f"{source.path}: 책을 만드는 동안 파일이 바뀌었습니다. 다시 실행하세요.")
    problems = check(doc)
    bad = errors(problems)
    meta: dict[str, Any] = {"status": "draft" if bad else "ok", "problems": [asdict(p) for p in problems]}
    if bad and not draft:
        meta["status"] = "failed"
        return meta, None
    from .figures import compute

    project = doc.project
    figures = compute(project)
    renderer = worker_renderer()
    html = renderer.html(project, figures, marked=frozenset(p.field for p in bad), draft=bool(bad))
    html = html.replace("</head>", f"<style>\n{_book_css('part.css')}</style>\n</head>", 1)
    pdf = renderer.pdf(html, variant)
    meta.update(
        title=project.title,
        office=project.contacts.office,
        department=project.contacts.department,
        year=project.fiscal_year,
        previous=figures.total.previous,
        current=figures.total.current,
        pages=_page_count(pdf),
    )
    return meta, pdf


def numbers_pdf(first: int, count: int, variant: str | None) -> bytes:
    """A sheet of ``count`` blank pages whose footers read ``- first -``, ``- first+1 -``, …"""
    renderer = worker_renderer()
    html = renderer.env.get_template("book/numbers.html.j2").render(
        numbers=range(first, first + count), print_css=renderer.print_css, numbers_css=_book_css("numbers.css")
    )
    # Untagged even for PDF/UA: the stamp goes in as a pagination artifact.
    return renderer.pdf(html, variant if variant in PDFA_VARIANTS else None)


def _work(task: Task, cache: Path, options: Options) -> Result:
    """What a worker does with one task (see :func:`budgetdoc.build.run_pool`)."""
    started = time.perf_counter()
    try:
        if task.kind == "numbers":
            write_atomic(cache / f"{task.key}.pdf", numbers_pdf(task.first, task.count, options.variant))
            return Result(task, "built", seconds=time.perf_counter() - started)
        meta, pdf = render_part(task, task.digest, options.variant, options.draft)
        if pdf is not None:
            write_atomic(cache / f"{task.key}.pdf", pdf)
        write_atomic(cache / f"{task.key}.json", json.dumps({"format": FORMAT, **meta}, ensure_ascii=False))
    except OSError as exc:
        return Result(task, "unwritable", message=str(unwritable(exc)))
    status = {"ok": "built", "draft": "drafted", "failed": "failed"}[meta["status"]]
    problems = [Problem(**p) for p in meta["problems"]]
    return Result(task, status, problems, seconds=time.perf_counter() - started)


def _in_process(task: Task, cache: Path, options: Options) -> Result:
    try:
        return _work(task, cache, options)
    except Exception as exc:  # the same as a worker: one task fails, the caller reports it
        return Result(task, "error", message=f"{type(exc).__name__}: {exc}")


def _read_part(source: Source, key: str, cache: Path, draft: bool) -> Part | None:
    """The cached part for ``key``, if it can serve this run."""
    try:
        meta = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        return None
    status = meta.get("status")
    if status not in ("ok", "draft", "failed") or (status == "failed" and draft):
        return None  # a failed document is rendered (as a draft) when drafts are asked for
    if (status == "ok" or draft) and not (cache / f"{key}.pdf").is_file():
        return None
    try:
        return Part(
            source,
            key,
            status,
            tuple(Problem(**p) for p in meta["problems"]),
            **{
                k: meta[k]
                for k in ("title", "office", "department", "year", "previous", "current", "pages")
                if k in meta
            },
        )
    except (TypeError, KeyError):
        return None


# --------------------------------------------------------------------------- layout of the book


@dataclass
class Entry:
    title: str
    page: int  # the printed number of the project's first page


@dataclass
class Group:
    name: str
    page: int = 0
    departments: list[Group] = field(default_factory=list)
    projects: list[Entry] = field(default_factory=list)
    count: int = 0
    previous: int = 0
    current: int = 0


def arrange(parts: list[Part]) -> tuple[list[Part], list[Group]]:
    """Book order — 실·국, then 부서, each in order of first appearance in the data — and pages.

    Returns the parts in book order and the tree of groups with each one's first page.
    """
    offices: dict[str, dict[str, list[Part]]] = {}
    for part in parts:
        offices.setdefault(part.office, {}).setdefault(part.department, []).append(part)
    ordered: list[Part] = []
    groups: list[Group] = []
    page = 1
    for office, departments in offices.items():
        g_office = Group(office, page)
        for department, members in departments.items():
            g_dept = Group(department, page)
            for part in members:
                g_dept.projects.append(Entry(part.title, page))
                for g in (g_office, g_dept):
                    g.count += 1
                    g.previous += part.previous
                    g.current += part.current
                page += part.pages
                ordered.append(part)
            g_office.departments.append(g_dept)
        groups.append(g_office)
    return ordered, groups


def summary_rows(groups: list[Group]) -> list[dict[str, Any]]:
    """총괄표: 합계, then per 실·국 its subtotal and its 부서."""

    def row(
        kind: str, name: str, g: Group | None = None, count: int = 0, previous: int = 0, current: int = 0
    ) -> dict[str, Any]:
        if g is not None:
            count, previous, current = g.count, g.previous, g.current
        return {
            "kind": kind,
            "name": name,
            "count": count,
            "previous": previous,
            "current": current,
            "change": current - previous,
        }

    rows = [
        row(
            "total",
            "합계",
            count=sum(g.count for g in groups),
            previous=sum(g.previous for g in groups),
            current=sum(g.current for g in groups),
        )
    ]
    for office in groups:
        rows.append(row("office", office.name, office))
        rows.extend(row("dept", d.name, d) for d in office.departments)
    return rows


@dataclass(frozen=True)
class Cover:
    title: str
    org: str
    year: int
    count: int
    current: int
    draft: bool = False


def front_html(cover: Cover, groups: list[Group]) -> str:
    renderer = worker_renderer()
    return renderer.env.get_template("book/front.html.j2").render(
        book=cover,
        offices=groups,
        summary=summary_rows(groups),
        print_css=renderer.print_css,
        book_css=_book_css("book.css"),
    )


# --------------------------------------------------------------------------- assembly


def assemble(
    front: bytes,
    parts: list[tuple[bytes, int]],
    sheets: list[bytes],
    groups: list[Group],
    titles: list[str],
    tagged: bool,
) -> bytes:
    """Front matter + every part's pages → one PDF, with numbers stamped, bookmarks and labels.

    ``parts`` are (PDF, page count) in book order, ``titles`` their bookmarks, ``sheets``
    the number sheets, all of one length ``n`` (sheet ``i`` holds numbers ``i * n + 1`` …). The front matter's
    document-level metadata (XMP, output intent, language, structure root) become the book's.
    """
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    book = pikepdf.open(io.BytesIO(front))
    n_front = len(book.pages)
    front_marks = _outline_targets(book)
    struct = _Structure(book) if tagged else None
    starts: list[int] = []
    for data, pages in parts:
        with pikepdf.open(io.BytesIO(data)) as part:
            if len(part.pages) != pages:
                raise BookError("캐시의 조각 PDF가 손상되었습니다. 캐시 폴더를 지우고 다시 실행하세요.")
            _own_stream_data(part)
            starts.append(len(book.pages))
            book.pages.extend(part.pages)
            if struct is not None:
                struct.add(part, starts[-1], pages)
    if struct is not None:
        struct.finish()

    # Page numbers: wrap each page's content in q … Q, then draw the sheet's page as an artifact.
    save = book.make_stream(b"q\n")
    stamp = book.make_stream(
        b"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC q " + STAMP_NAME.encode() + b" Do Q EMC\n"
    )
    sheet_docs = [pikepdf.open(io.BytesIO(s)) for s in sheets]
    per_sheet = len(sheet_docs[0].pages) if sheet_docs else 1
    for number, page in enumerate(book.pages[n_front:], start=1):
        sheet = sheet_docs[(number - 1) // per_sheet]
        form = book.copy_foreign(sheet.pages[(number - 1) % per_sheet].as_form_xobject())
        obj = page.obj
        resources = Dictionary({k: v for k, v in obj.get(Name.Resources, Dictionary()).items()})
        xobjects = Dictionary({k: v for k, v in resources.get(Name.XObject, Dictionary()).items()})
        xobjects[STAMP_NAME] = form
        resources[Name.XObject] = xobjects
        obj[Name.Resources] = resources
        contents = obj.get(Name.Contents)
        streams = list(contents) if isinstance(contents, Array) else [contents] if contents is not None else []
        obj[Name.Contents] = Array([save, *streams, stamp])

    book.Root[Name.PageLabels] = Dictionary(Nums=Array([0, Dictionary(S=Name.r), n_front, Dictionary(S=Name.D)]))
    with book.open_outline() as outline:
        outline.root.clear()
        for title, index in front_marks:
            outline.root.append(pikepdf.OutlineItem(title, index))
        i = 0
        for office in groups:
            o_item = pikepdf.OutlineItem(office.name, n_front + office.page - 1)
            for dept in office.departments:
                d_item = pikepdf.OutlineItem(dept.name, n_front + dept.page - 1)
                d_item.is_closed = True
                for _ in dept.projects:
                    d_item.children.append(pikepdf.OutlineItem(titles[i], starts[i]))
                    i += 1
                o_item.children.append(d_item)
            outline.root.append(o_item)
    out = io.BytesIO()
    book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for doc in (*sheet_docs, book):
        doc.close()
    return out.getvalue()


def _own_stream_data(pdf: Any) -> None:  # noqa: ANN401
    """Hold every stream's data in memory, encoded as it is, so copies of it outlive ``pdf``.

    A copied stream otherwise reads its data from the source file when the book is saved,
    and every part would have to stay open, parsed, until then: with tagged parts, the
    largest share of the book's memory.
    """
    import pikepdf

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            encoded: dict[str, Any] = {"filter": obj.get("/Filter"), "decode_parms": obj.get("/DecodeParms")}
            obj.write(obj.read_raw_bytes(), type_check=False, **encoded)


def _outline_targets(pdf: Any) -> list[tuple[str, int]]:  # noqa: ANN401
    """(title, page index) of the front matter's own top-level bookmarks (목차, 총괄표)."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    found = []
    with pdf.open_outline() as outline:
        for item in outline.root:
            dest = item.destination
            if dest is None and item.action is not None:
                dest = item.action.get("/D")
            if dest is not None and len(dest) and dest[0].objgen in pages:
                found.append((" ".join(item.title.split()).replace(" ", ""), pages[dest[0].objgen]))
    return found


class _Structure:
    """Merges the parts' tag trees (PDF/UA) into the front matter's.

    Each part's /Document element becomes a /Part under the book's /Document; the keys of
    its parent tree (one per page, one per annotation) are shifted past the keys already
    used, and its pages' /StructParents and annotations' /StructParent with them.
    """

    def __init__(self, book: Any) -> None:  # noqa: ANN401
        from pikepdf import Array, Name

        root = book.Root.get(Name.StructTreeRoot)
        if root is None:
            raise BookError("앞부분 PDF에 태그 구조가 없습니다.")
        self.book = book
        self.root = root
        self.document = root.K[0] if isinstance(root.K, Array) else root.K
        self.nums = Array(_flat_nums(root.ParentTree))
        self.next = max((int(k) for k in self.nums[::2]), default=-1) + 1

    def add(self, part: Any, first: int, count: int) -> None:  # noqa: ANN401
        from pikepdf import Array, Name

        root = part.Root.get(Name.StructTreeRoot)
        if root is None:
            raise BookError("조각 PDF에 태그 구조가 없습니다. 캐시 폴더를 지우고 다시 실행하세요.")
        kids = list(root.K) if isinstance(root.K, Array) else [root.K]
        for kid in kids:
            del kid[Name.P]  # detach before copying, so the part's root does not come along
        nums = _flat_nums(root.ParentTree)
        copied = self.book.copy_foreign(part.make_indirect(Array([*kids, Array(nums)])))
        offset = self.next
        for kid in list(copied)[:-1]:
            kid[Name.P] = self.document
            if kid.get(Name.S) == Name.Document:
                kid[Name.S] = Name.Part
            self.document.K.append(kid)
        shifted = list(copied[-1])
        for i in range(0, len(shifted), 2):
            self.nums.append(int(shifted[i]) + offset)
            self.nums.append(shifted[i + 1])
        self.next = offset + max((int(k) for k in nums[::2]), default=-1) + 1
        for page in self.book.pages[first : first + count]:
            obj = page.obj
            if Name.StructParents in obj:
                obj[Name.StructParents] = int(obj[Name.StructParents]) + offset
            for annot in obj.get(Name.Annots, Array()):
                if Name.StructParent in annot:
                    annot[Name.StructParent] = int(annot[Name.StructParent]) + offset

    def finish(self) -> None:
        from pikepdf import Dictionary, Name

        self.root[Name.ParentTree] = self.book.make_indirect(Dictionary(Nums=self.nums))
        self.root[Name.ParentTreeNextKey] = self.next


def _flat_nums(tree: Any) -> list[Any]:  # noqa: ANN401
    """A number tree's (key, value, …) pairs, in order, from however many levels it has."""
    from pikepdf import Name

    if Name.Nums in tree:
        return list(tree.Nums)
    out: list[Any] = []
    for kid in tree.get(Name.Kids, []):
        out.extend(_flat_nums(kid))
    return out


# --------------------------------------------------------------------------- the whole book


@dataclass
class BookResult:
    """What :func:`make_book` did; ``written`` is False when the book was refused."""

    written: bool
    projects: int = 0
    pages: int = 0  # all pages, front matter included
    rendered: int = 0  # parts rendered this time (the rest came from the cache)
    problems: list[Problem] = field(default_factory=list)
    failures: list[Result] = field(default_factory=list)  # parts that could not be rendered
    drafted: int = 0
    seconds: float = 0.0


def _prefix(variant: str | None) -> str:
    """Cache file names start with the variant, so that books of different variants keep their own parts."""
    return (variant or "pdf").removeprefix("pdf/") + "."


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pool(tasks: list[Task], cache: Path, options: Options, jobs: int, on_result: Callable[[Result], None]) -> None:
    if len(tasks) <= 2 or jobs == 1:
        for task in tasks:
            on_result(_in_process(task, cache, options))
    else:
        run_pool(list(tasks), cache, options, jobs, on_result, work=_work)  # type: ignore[arg-type]


def _sheets(env: str, prefix: str, cache: Path, pages: int) -> tuple[list[str], list[Task]]:
    """The cache keys of the number sheets for ``pages`` pages, and the tasks for those not cached."""
    keys = [prefix + _digest(f"{env}\0numbers\0{i * SHEET + 1}\0{SHEET}".encode()) for i in range(-(-pages // SHEET))]
    missing = [
        Task(f"numbers/{i}", "", key=key, kind="numbers", first=i * SHEET + 1, count=SHEET)
        for i, key in enumerate(keys)
        if not (cache / f"{key}.pdf").is_file()
    ]
    return keys, missing


def _year_problems(parts: list[Part]) -> tuple[int, list[Problem]]:
    years: dict[int, int] = {}
    for p in parts:
        years[p.year] = years.get(p.year, 0) + 1
    year = max(years, key=lambda y: (years[y], y))
    return year, [
        Problem(
            p.source.path,
            1,
            1,
            "book-year",
            f"책의 회계연도는 {year}년인데 이 문서는 {p.year}년입니다",
            "fiscal_year",
            "error",
            year,
            p.year,
        )
        for p in parts
        if p.year != year
    ]


def make_book(
    paths: list[str],
    out: Path,
    *,
    title: str | None = None,
    org: str = "",
    variant: str | None = None,
    draft: bool = False,
    jobs: int = 0,
    timeout: float = 120.0,
    cache: Path | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
    shard: tuple[int, int] | None = None,
) -> BookResult:
    """Make the book of every YAML under ``paths`` and write it to ``out`` (atomically).

    Refuses (``written`` False) when a document fails its checks, unless ``draft``.
    With ``shard`` ``(i, n)`` only the parts of that shard's documents (see
    :mod:`budgetdoc.shards`) are rendered into the cache, and no book is written:
    ``merge`` joins the caches of all shards and a book made from the merged folder
    renders no document again.
    """
    started = time.perf_counter()
    if variant is not None and variant not in PDF_VARIANTS:
        raise BookError(f"알 수 없는 PDF 형식: {variant} (가능: {', '.join(PDF_VARIANTS)})")
    sources = discover(paths)
    if shard is not None:
        from .shards import in_shard

        sources = [s for s in sources if in_shard(s.rel, *shard)]
    if not sources and shard is None:
        raise BookError(f"책에 넣을 YAML 파일이 없습니다: {' '.join(paths)}")
    out = Path(out)
    cache = (cache or out.parent / CACHE).resolve()
    jobs = jobs or os.cpu_count() or 1
    options = Options(formats=("pdf",), variant=variant, draft=draft, timeout=timeout)
    result = BookResult(False)
    # Every data file is read once, before the lock: one that cannot be (a FIFO, a
    # device, a link out of its folder) or shares its output name stops the book at once.
    readable: list[Source] = []
    for source in sources:
        data = None if source.clash else read_data(source.path, source.root)
        if data is None:
            result.problems.extend(refused_result(source).problems)
        else:
            readable.append(dataclasses.replace(source, data=data))
    if result.problems:
        return _finish(result, started)
    sources = readable
    with locked(cache):
        env = environment_key(options) + f"\0book {FORMAT} {SHEET}"  # the key covers this module's source too
        prefix = _prefix(variant)
        keys: dict[str, tuple[str, str]] = {}
        parts: dict[str, Part] = {}
        todo: list[Task] = []
        for source in sources:
            assert source.data is not None
            digest = _digest(source.data)
            key = prefix + _digest(f"{env}\0part\0{source.path}\0{digest}".encode())
            keys[source.rel] = (key, digest)
            part = _read_part(source, key, cache, draft)
            if part is None:
                todo.append(Task(source.rel, source.path, source.root, data=source.data, key=key, digest=digest))
            else:
                parts[source.rel] = part
        if on_plan:
            on_plan(len(todo), len(parts))

        def record(res: Result) -> None:
            if res.status == "unwritable":
                raise OutputError(res.message)
            sheet = getattr(res.source, "kind", "") == "numbers"
            if on_result and not sheet:
                on_result(res)
            if res.status == "error":
                result.failures.append(res)
            if res.status == "error" or sheet:
                return
            key = keys[res.source.rel][0]
            part = _read_part(res.source, key, cache, draft)
            if part is None:
                result.failures.append(Result(res.source, "error", message="렌더링 결과를 캐시에서 읽을 수 없습니다"))
            else:
                parts[res.source.rel] = part

        # The number sheets the book will probably need go in the same run, after the parts.
        guess = sum(p.pages for p in parts.values()) + 3 * len(todo)
        sheets = _sheets(env, prefix, cache, guess)[1] if shard is None else []
        _pool(todo + sheets, cache, options, jobs, record)
        result.rendered = len(todo) - len(result.failures)
        all_parts = [parts[s.rel] for s in sources if s.rel in parts]
        for part in all_parts:
            result.problems.extend(part.problems)
        result.projects = len(all_parts)
        if result.failures or shard is not None:
            return _finish(result, started)
        if any(p.status == "failed" or (p.status == "draft" and not draft) for p in all_parts):
            return _finish(result, started)
        year, mixed = _year_problems(all_parts)
        if mixed:
            result.problems.extend(mixed)
            return _finish(result, started)
        result.drafted = sum(p.status == "draft" for p in all_parts)

        ordered, groups = arrange(all_parts)
        body_pages = sum(p.pages for p in ordered)
        sheet_keys, missing = _sheets(env, prefix, cache, body_pages)
        _pool(missing, cache, options, jobs, record)
        if result.failures:
            return _finish(result, started)

        cover = Cover(
            title or f"{year}년도 예산 사업설명서",
            org,
            year,
            len(ordered),
            sum(p.current for p in ordered),
            draft=result.drafted > 0,
        )
        front = worker_renderer().pdf(front_html(cover, groups), variant)
        pdf = assemble(
            front,
            [((cache / f"{p.key}.pdf").read_bytes(), p.pages) for p in ordered],
            [(cache / f"{k}.pdf").read_bytes() for k in sheet_keys],
            groups,
            [p.title for p in ordered],
            tagged=variant == "pdf/ua-1",
        )
        try:
            write_atomic(out, pdf)
        except OSError as exc:
            raise unwritable(exc, out) from None
        result.written = True
        result.projects = len(ordered)
        result.pages = body_pages + _page_count(front)
        _prune(cache, prefix, {p.key for p in all_parts} | set(sheet_keys))
    return _finish(result, started)


def _finish(result: BookResult, started: float) -> BookResult:
    result.problems.sort(key=lambda p: (p.file, p.line, p.column))
    result.seconds = time.perf_counter() - started
    return result


def _prune(cache: Path, prefix: str, keep: set[str]) -> None:
    """Mark what this book used; remove what no book has used for :data:`KEEP_DAYS` days."""
    now = time.time()
    for path in cache.iterdir():
        if path.suffix not in (".pdf", ".json") or not path.name.startswith(prefix):
            continue
        if path.stem in keep:
            with contextlib.suppress(OSError):
                os.utime(path, (now, now))
            continue
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > KEEP_DAYS * 86400:
                path.unlink()
