"""Batch builds: every data file that changed, rendered in long-lived workers, written atomically.

The pipeline for one document (:func:`build_one`)::

    prepared = prepare(source, draft)        # load, check, figures (budgetdoc.pipeline)
    html = prepared.html(); pdf = renderer.pdf(html)
    write_atomic(out / "x.html", html); write_atomic(out / "x.pdf", pdf)

:func:`build` runs it over many files. Under the output folder's lock (budgetdoc.batch.files) it
hashes each data file together with everything else that shapes the output
(budgetdoc.batch.manifest), skips what the manifest says is built and still on disk, renders the
rest in worker processes (budgetdoc.batch.pool) that each keep one
:class:`~budgetdoc.write.render.Renderer` (and so one WeasyPrint font configuration), and removes
the outputs of data files that were deleted.

Deciding what to do needs only ``stat``, file hashes and the standard library: a build with
nothing to do imports neither the model (pydantic), the loader (PyYAML), Jinja2 nor
WeasyPrint (tested in ``tests/test_build.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetdoc.batch.files import DRAFTS, FORMATS, clean_leftovers, locked, output_path, unwritable, write_atomic
from budgetdoc.batch.manifest import MANIFEST, environment_key, is_fresh, read_manifest, remove_deleted, save
from budgetdoc.batch.pool import available_cpus, run_tasks
from budgetdoc.errors import BuildError, OutputError, TemplateError
from budgetdoc.formats.sources import Source, discover, read_data
from budgetdoc.names import shown_path
from budgetdoc.pipeline import prepare, worker_renderer

if TYPE_CHECKING:
    from budgetdoc.model.document import Problem

CHECKPOINT = 2.0  # seconds between manifest saves during a long build


# --------------------------------------------------------------------------- one document


@dataclass(frozen=True)
class Options:
    """How documents are rendered: formats, PDF variant, draft mode and time limit."""

    formats: tuple[str, ...] = ("html", "pdf")
    variant: str | None = None
    draft: bool = False
    timeout: float = 120.0


@dataclass
class Result:
    """What became of one data file: its status, outputs, problems and time."""

    source: Source
    status: str  # built | drafted | failed | error | unwritable (stops the build) | template (stops the build)
    problems: list[Problem] = field(default_factory=list)
    outputs: dict[str, list[int | str]] = field(default_factory=dict)  # fmt → [size, mtime_ns, sha256]
    message: str = ""
    seconds: float = 0.0


def error_result(source: Source, message: str) -> Result:
    """The result of a document whose worker raised, crashed or ran out of time."""
    return Result(source, "error", message=message)


def template_message(templates: Path, exc: Exception) -> str:
    """Where a template fails and why, in one line."""
    import jinja2

    where = shown_path(str(templates))
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.name:
        where = f"{where}/{exc.name}:{exc.lineno}"
    else:
        import traceback

        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(str(templates))]
        if frames:
            where = f"{shown_path(frames[-1].filename)}:{frames[-1].lineno}"
    return f"{where}: 템플릿 오류: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def refused_resources() -> Iterator[list[str]]:
    """The resources WeasyPrint could not load while rendering (it logs them and goes on without)."""
    import logging

    refused: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message.startswith("Failed to load"):
                refused.append(message.split("\n", 1)[0])

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield refused
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def template_faults(templates: Path) -> Iterator[None]:
    """Report a template bug or an unloadable resource inside the block as one TemplateError.

    The error carries its one-line message; build and book both turn it into exit 3.
    """
    import jinja2

    with refused_resources() as refused:
        try:
            yield
        except jinja2.TemplateError as exc:
            raise TemplateError(template_message(templates, exc)) from None
    if refused:
        raise TemplateError(f"{shown_path(str(templates))}: 템플릿의 자원을 불러올 수 없습니다: {refused[0]}")


def build_one(source: Source, out: Path, options: Options) -> Result:
    """Prepare and render one document; write its outputs atomically."""
    result, rendered = render_document(source, options)
    return write_outputs(result, rendered, out)


def render_document(source: Source, options: Options) -> tuple[Result, dict[str, bytes]]:
    """Prepare and render one document to bytes; writes nothing (a Dask worker runs this).

    The result's status is ``built`` or ``drafted`` when there are bytes to write
    (see :func:`write_outputs`), otherwise ``failed`` or ``template``.
    """
    started = time.perf_counter()
    prepared = prepare(source, options.draft)
    if not prepared.renderable:
        return Result(source, "failed", prepared.problems, seconds=time.perf_counter() - started), {}
    assert prepared.doc is not None and prepared.figures is not None
    problems, bad = prepared.problems, prepared.errors
    renderer = worker_renderer()
    rendered: dict[str, bytes] = {}
    try:
        with template_faults(renderer.templates):
            html = prepared.html()
            if "html" in options.formats:
                from budgetdoc.write.webfonts import embed

                rendered["html"] = embed(html).encode("utf-8")
            if "pdf" in options.formats:
                rendered["pdf"] = renderer.pdf(html, options.variant)
    except TemplateError as exc:
        return Result(source, "template", message=str(exc)), {}
    if "hwpx" in options.formats:
        from budgetdoc.write.hwpx import render_hwpx

        rendered["hwpx"] = render_hwpx(prepared.doc.project, prepared.figures, prepared.layout())
    status = "drafted" if bad else "built"
    return Result(source, status, problems, seconds=time.perf_counter() - started), rendered


def write_outputs(result: Result, rendered: dict[str, bytes], out: Path) -> Result:
    """Write what :func:`render_document` rendered (a draft under ``_drafts/``) and record the outputs."""
    source, started = result.source, time.perf_counter() - result.seconds
    if result.status not in ("built", "drafted"):
        return result
    try:
        if result.status == "drafted":
            for fmt, data in rendered.items():
                write_atomic(output_path(out / DRAFTS, source.rel, fmt), data)
            return dataclasses.replace(result, seconds=time.perf_counter() - started)
        outputs: dict[str, list[int | str]] = {}
        for fmt, data in rendered.items():
            path = output_path(out, source.rel, fmt)
            write_atomic(path, data)
            st = path.stat()
            outputs[fmt] = [st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest()]
    except OSError as exc:
        return Result(source, "unwritable", message=str(unwritable(exc)))
    for fmt in FORMATS:  # a draft of an earlier, wrong version is stale now
        with contextlib.suppress(OSError):
            output_path(out / DRAFTS, source.rel, fmt).unlink()
    return dataclasses.replace(result, outputs=outputs, seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------- batch


@dataclass
class Summary:
    """The counts of a batch build, as the command line reports them."""

    built: int = 0
    skipped: int = 0
    failed: int = 0
    drafted: int = 0
    removed: int = 0
    seconds: float = 0.0
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files not read, an unreadable manifest

    @property
    def ok(self) -> bool:
        """True when every document was built clean."""
        return self.failed == 0 and self.drafted == 0


def build(
    paths: list[str],
    out: Path,
    options: Options,
    jobs: int = 0,
    force: bool = False,
    on_result: Callable[[Result], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    verify: bool = False,
    shard: tuple[int, int] | None = None,
    scheduler: str | None = None,
) -> Summary:
    """Build every YAML under ``paths`` into ``out``; only what changed unless ``force``.

    Every data file is read once, before the output folder's lock is taken; the
    document is rendered from exactly those bytes and its manifest key made of them.
    A file that cannot be read (a FIFO, a device, a link out of its folder, a name
    that is not UTF-8) or shares its output name with another is reported as failed
    right away. ``verify`` rehashes every output instead of trusting sizes and times.

    With ``shard`` ``(i, n)`` only the i-th of n parts of the data files is built (see
    :mod:`budgetdoc.batch.shards`); ``out`` then holds that part alone, ready for ``merge``.
    With ``scheduler`` (a Dask scheduler's address) the documents are rendered on that
    cluster (see :mod:`budgetdoc.batch.cluster`) and written here, under the same lock.

    The manifest is written only when something changed, so a build with nothing to do
    writes no file at all. Raises :class:`OutputError` when an output cannot be written
    (the build stops, earlier outputs stay) and :class:`TemplateError` when the
    templates cannot render.
    """
    started = time.perf_counter()
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise BuildError(f"알 수 없는 형식: {fmt} (가능: {', '.join(FORMATS)})")
    summary = Summary()
    sources = discover(paths, summary.notes)
    if shard is not None:
        from budgetdoc.batch.shards import in_shard

        sources = [s for s in sources if in_shard(s.rel, *shard)]
    readable: list[Source] = []
    refused: list[Result] = []
    for source in sources:
        data = None if source.clash else read_data(source.path, source.root)
        if data is not None:
            readable.append(dataclasses.replace(source, data=data))
        else:
            refused.append(refused_result(source))
    out = out.resolve()
    jobs = jobs or available_cpus()
    with locked(out, on_wait):
        clean_leftovers(out)
        manifest = read_manifest(out, summary.notes)
        documents: dict[str, dict[str, Any]] = manifest["documents"]
        dirty = False
        environment = environment_key(options)
        env_key = environment.encode() + b"\0"
        if manifest.get("environment") != environment:
            manifest["environment"] = environment  # what merge compares between parts
            dirty = bool(documents)
        todo: list[tuple[int, Source]] = []
        keys: dict[str, str] = {}
        for source in readable:
            assert source.data is not None
            keys[source.rel] = hashlib.sha256(env_key + source.data).hexdigest()
            entry = documents.get(source.rel)
            fresh = False if force else is_fresh(entry, keys[source.rel], out, source.rel, options.formats, verify)
            if fresh is not False:
                assert entry is not None
                summary.skipped += 1
                dirty = dirty or fresh is None
                where = os.path.relpath(source.path, out)
                if entry.get("source") != where:
                    entry["source"] = where
                    dirty = True
                continue
            todo.append((len(source.data), source))
        summary.removed, gone = remove_deleted(out, documents, {s.rel for s in sources}, paths)
        dirty = dirty or gone
        # Largest first, so that a long document does not finish the batch alone.
        tasks = [source for _, source in sorted(todo, key=lambda t: (-t[0], t[1]))]
        if on_plan:
            on_plan(len(tasks), summary.skipped)
        last_save = time.monotonic()

        def record(result: Result) -> None:
            nonlocal dirty, last_save
            if result.status == "unwritable":
                raise OutputError(result.message)
            if result.status == "template":
                raise TemplateError(result.message)
            summary.results.append(result)
            rel = result.source.rel
            if result.status == "built":
                summary.built += 1
                where = os.path.relpath(result.source.path, out)
                documents[rel] = {"source": where, "key": keys[rel], "outputs": result.outputs}
            else:
                # The previous outputs stay (and stay listed, so that they are removed
                # with their data file), but never count as fresh.
                if rel in documents:
                    documents[rel]["key"] = None
                if result.status == "drafted":
                    summary.drafted += 1
                else:
                    summary.failed += 1
            dirty = True
            if on_result:
                on_result(result)
            if time.monotonic() - last_save > CHECKPOINT:
                try:
                    save(out, manifest)
                except OSError as exc:
                    raise unwritable(exc, out / MANIFEST) from None
                last_save = time.monotonic()

        finished = False
        try:
            for result in refused:
                record(result)
            if scheduler is not None:
                from budgetdoc.batch.cluster import run_cluster

                run_cluster(tasks, out, options, scheduler, environment, record)
            else:
                run_tasks(
                    tasks,
                    functools.partial(build_one, out=out, options=options),
                    jobs=jobs,
                    timeout=options.timeout,
                    on_result=record,
                    failure=error_result,
                    warm=worker_renderer,
                    here=len(tasks) == 1 or (jobs == 1 and len(tasks) <= 2),  # one changed file starts fastest so
                )
            finished = True
        finally:
            try:
                if dirty:
                    save(out, manifest)
            except OSError as exc:
                if finished:
                    raise unwritable(exc, out / MANIFEST) from None
            finally:
                if not finished or any(r.status == "error" for r in summary.results):
                    clean_leftovers(out)  # what a crashed or stopped worker was writing
    summary.seconds = time.perf_counter() - started
    return summary


def refused_result(source: Source) -> Result:
    """The result of a data file that is not read (the loader says why)."""
    from budgetdoc.formats.load import LoadError

    try:
        source.load()
    except LoadError as exc:
        return Result(source, "failed", exc.problems)
    # Readable after all (it changed just now): fail it rather than build bytes nobody hashed.
    from budgetdoc.model.document import Problem

    problem = Problem(shown_path(source.path), 1, 1, "unreadable", "파일을 읽는 동안 바뀌었습니다 — 다시 실행하세요")
    return Result(source, "failed", [problem])
