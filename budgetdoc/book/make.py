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

Longer than most modules: the part cache, the book's front matter and the order of making a
book are one job (the PDF assembly itself is in :mod:`budgetdoc.book.assemble`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from markupsafe import Markup

from budgetdoc import PDF_VARIANTS
from budgetdoc.batch.files import BOOK_CACHE as CACHE
from budgetdoc.batch.files import clean_folder, clean_leftovers, locked, refuse_special, unwritable, write_atomic
from budgetdoc.batch.job import Options, Result, error_result
from budgetdoc.batch.manifest import environment_key
from budgetdoc.batch.pool import available_cpus, run_tasks
from budgetdoc.batch.shards import in_shard
from budgetdoc.book.assemble import assemble
from budgetdoc.book.contents import Cover, Group, Part, arrange, summary_rows
from budgetdoc.errors import EXIT_OK, BookError, OutputError, TemplateError, code_for
from budgetdoc.formats.reading import UNREADABLE
from budgetdoc.formats.sources import Source, discover, read_sources
from budgetdoc.model.document import Problem
from budgetdoc.pipeline import prepare, worker_renderer
from budgetdoc.write.assets import check_fonts
from budgetdoc.write.faults import template_faults

KEEP_DAYS = 7  # cached parts no book has used for this long are removed
SHEET = 250  # page numbers per cached number sheet
FORMAT = 1  # bump when the cache's meta files change shape
PDFA_VARIANTS = tuple(v for v in PDF_VARIANTS if v.startswith("pdf/a-"))


# --------------------------------------------------------------------------- parts


@dataclass(frozen=True, order=True)
class Task(Source):
    """A unit of work for a worker: one project's part, or one sheet of page numbers."""

    key: str = ""
    digest: str = ""  # sha256 of the YAML the key was made from
    kind: str = "part"  # part | numbers
    first: int = 0  # numbers: the first number on the sheet
    count: int = 0  # numbers: how many


def _book_css(name: str) -> Markup:
    return Markup((worker_renderer().templates / "book" / name).read_text(encoding="utf-8"))


def _page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def render_part(source: Source, digest: str, variant: str | None, draft: bool) -> tuple[dict[str, Any], bytes | None]:
    """Prepare and render one project for the book: (meta, PDF or None when it failed)."""
    prepared = prepare(source, draft)
    if prepared.doc is None:
        return {"status": "failed", "problems": [asdict(p) for p in prepared.problems]}, None
    # Loaded from the bytes the key was made of; without them, the file must not have changed since.
    data = source.read()
    now = hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else ""
    if now != digest:
        raise BookError(f"{source.path}: 책을 만드는 동안 파일이 바뀌었습니다. 다시 실행하세요.")
    meta: dict[str, Any] = {
        "status": "draft" if prepared.errors else "ok",
        "problems": [asdict(p) for p in prepared.problems],
    }
    if not prepared.renderable:
        meta["status"] = "failed"
        return meta, None
    assert prepared.figures is not None
    project, figures = prepared.doc.project, prepared.figures
    html = prepared.html().replace("</head>", f"<style>\n{_book_css('part.css')}</style>\n</head>", 1)
    pdf = worker_renderer().pdf(html, variant)
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
    """A sheet of ``count`` blank pages whose footers read ``- first -``, ``- first+1 -`` and so on."""
    renderer = worker_renderer()
    html: str = renderer.env.get_template("book/numbers.html.j2").render(
        numbers=range(first, first + count), print_css=renderer.print_css, numbers_css=_book_css("numbers.css")
    )
    # Untagged even for PDF/UA: the stamp goes in as a pagination artifact.
    pdf: bytes = renderer.pdf(html, variant if variant in PDFA_VARIANTS else None)
    return pdf


def _work(task: Task, cache: Path, options: Options) -> Result:
    """What a worker does with one task (see :func:`budgetdoc.batch.pool.run_pool`)."""
    started = time.perf_counter()
    try:
        if task.kind == "numbers":
            write_atomic(cache / f"{task.key}.pdf", numbers_pdf(task.first, task.count, options.variant))
            return Result(task, "built", seconds=time.perf_counter() - started)
        try:
            with template_faults(worker_renderer().templates):
                meta, pdf = render_part(task, task.digest, options.variant, options.draft)
        except TemplateError as exc:
            return Result(task, "template", message=str(exc))
        if pdf is not None:
            write_atomic(cache / f"{task.key}.pdf", pdf)
        write_atomic(cache / f"{task.key}.json", json.dumps({"format": FORMAT, **meta}, ensure_ascii=False))
    except OSError as exc:
        return Result(task, "unwritable", message=str(unwritable(exc)))
    status = {"ok": "built", "draft": "drafted", "failed": "failed"}[meta["status"]]
    problems = [Problem(**p) for p in meta["problems"]]
    return Result(task, status, problems, seconds=time.perf_counter() - started)


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


# --------------------------------------------------------------------------- front matter


def front_html(cover: Cover, groups: list[Group]) -> str:
    """The HTML of the cover, the contents and the summary table."""
    renderer = worker_renderer()
    html: str = renderer.env.get_template("book/front.html.j2").render(
        book=cover,
        offices=groups,
        summary=summary_rows(groups),
        print_css=renderer.print_css,
        book_css=_book_css("book.css"),
    )
    return html


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
    shard: tuple[int, int] | None = None  # only this shard's parts were rendered; no book is made

    @property
    def errors(self) -> int:
        """How many problems are errors."""
        return sum(p.severity == "error" for p in self.problems)

    @property
    def exit_code(self) -> int:
        """0 for a clean book (or shard); 2 when a data file could not be read; 1 for a refused or drafted book."""
        if self.shard is not None and not self.failures and not self.errors:
            return EXIT_OK
        if not self.written:
            return code_for(True, any(p.rule in UNREADABLE for p in self.problems))
        return code_for(bool(self.drafted), False)

    def line(self, out: str) -> str:
        """The closing line: the book written (``out``), the shard rendered, or why there is no book."""
        if self.shard is not None and self.exit_code == EXIT_OK:
            i, n = self.shard
            return (
                f"샤드 {i}/{n}: 책 부분 {self.projects}개 (새로 렌더링 {self.rendered}개, "
                f"{self.seconds:.1f}초); merge로 합친 뒤 book으로 합본을 만드세요"
            )
        if not self.written:
            checked = any(p.severity == "error" and p.rule not in UNREADABLE for p in self.problems)
            hint = " — 틀린 칸을 표시한 초안 책은 --draft로 만듭니다" if checked else ""  # not for a file unread
            return f"책을 만들지 않았습니다: 오류 {self.errors}개, 렌더링 실패 {len(self.failures)}개{hint}"
        drafted = f", 초안 {self.drafted}개" if self.drafted else ""
        return (
            f"{out}: 사업 {self.projects}개, {self.pages}쪽{drafted} "
            f"(새로 렌더링 {self.rendered}개, {self.seconds:.1f}초)"
        )


def _prefix(variant: str | None) -> str:
    """Cache file names start with the variant, so that books of different variants keep their own parts."""
    return (variant or "pdf").removeprefix("pdf/") + "."


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pool(tasks: list[Task], cache: Path, options: Options, jobs: int, on_result: Callable[[Result], None]) -> None:
    """Render ``tasks`` in the build's worker pool; two or fewer in this process, under the same time limit."""
    run_tasks(
        tasks,
        functools.partial(_work, cache=cache, options=options),
        jobs=jobs,
        timeout=options.timeout,
        on_result=on_result,
        failure=error_result,
        warm=worker_renderer,
        here=len(tasks) <= 2 or jobs == 1,
    )


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
    :mod:`budgetdoc.batch.shards`) are rendered into the cache, and no book is written:
    ``merge`` joins the caches of all shards and a book made from the merged folder
    renders no document again.
    """
    started = time.perf_counter()
    check_fonts()
    if variant is not None and variant not in PDF_VARIANTS:
        raise BookError(f"알 수 없는 PDF 형식: {variant} (가능: {', '.join(PDF_VARIANTS)})")
    sources = discover(paths)
    if shard is not None:
        sources = [s for s in sources if in_shard(s.rel, *shard)]
    if not sources and shard is None:
        raise BookError(f"책에 넣을 YAML 파일이 없습니다: {' '.join(paths)}")
    out = Path(out)
    if shard is None:
        refuse_special(out)  # a device, a FIFO or a link where the book goes is not replaced
    cache = (cache or out.parent / CACHE).resolve()
    jobs = jobs or available_cpus()
    options = Options(formats=("pdf",), variant=variant, draft=draft, timeout=timeout)
    result = BookResult(False, shard=shard)
    # Every data file is read once, before the lock: one that cannot be (a FIFO, a
    # device, a link out of its folder) or shares its output name stops the book at once.
    readable: list[Source] = []
    for source in read_sources(sources):
        if source.data is None:
            result.problems.extend(source.refusal())
        else:
            readable.append(source)
    if result.problems:
        return _finish(result, started)
    sources = readable
    with locked(cache):
        clean_leftovers(cache, stale_only=True)
        clean_folder(out.parent)
        env = environment_key(options) + f"\0book {FORMAT} {SHEET}"  # the key covers this module's source too
        prefix = _prefix(variant)
        keys: dict[str, tuple[str, str]] = {}
        parts: dict[str, Part] = {}
        todo: list[Task] = []
        for source in sources:
            assert source.data is not None
            digest = _digest(source.data)
            key = prefix + _digest(f"{env}\0part\0{source.path}\0{source.sheet}\0{digest}".encode())
            keys[source.rel] = (key, digest)
            part = _read_part(source, key, cache, draft)
            if part is None:
                todo.append(
                    Task(
                        source.rel,
                        source.path,
                        source.root,
                        data=source.data,
                        sheet=source.sheet,
                        key=key,
                        digest=digest,
                    )
                )
            else:
                parts[source.rel] = part
        if not draft and shard is None:
            # Fail fast: every document is checked before any is rendered, so that one wrong sum does
            # not cost the rendering of all the others first.
            by_rel = {source.rel: source for source in sources}
            wrong = [p for part in parts.values() if part.status in ("failed", "draft") for p in part.problems]
            for task in todo:
                prepared = prepare(by_rel[task.rel])
                if prepared.errors:
                    wrong.extend(prepared.problems)
            if any(p.severity == "error" for p in wrong):
                result.problems.extend(wrong)
                return _finish(result, started)
        if on_plan:
            on_plan(len(todo), len(parts))

        def record(res: Result) -> None:
            if res.status == "unwritable":
                raise OutputError(res.message)
            if res.status == "template":
                raise TemplateError(res.message)
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
