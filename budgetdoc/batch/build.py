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

import functools
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetdoc.batch.cluster import run_cluster
from budgetdoc.batch.files import FORMATS, clean_leftovers, locked, unwritable
from budgetdoc.batch.job import Options, Result, build_one, error_result, refused_result
from budgetdoc.batch.manifest import MANIFEST, environment_key, is_fresh, read_manifest, remove_deleted, save
from budgetdoc.batch.pool import available_cpus, run_tasks
from budgetdoc.batch.scheduler import parse_address
from budgetdoc.batch.shards import in_shard
from budgetdoc.errors import OutputError, TemplateError, UsageError, code_for
from budgetdoc.formats.reading import UNREADABLE
from budgetdoc.formats.sources import Source, discover, read_sources
from budgetdoc.names import shown_path
from budgetdoc.pipeline import worker_renderer
from budgetdoc.write.assets import check_fonts, check_hwpx

if TYPE_CHECKING:
    from budgetdoc.model.document import Problem

CHECKPOINT = 2.0  # seconds between manifest saves during a long build


# --------------------------------------------------------------------------- one document


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
    out: str = ""  # the output folder, named in the closing line
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files not read, an unreadable manifest

    @property
    def ok(self) -> bool:
        """True when every document was built clean."""
        return self.failed == 0 and self.drafted == 0

    @property
    def problems(self) -> list[Problem]:
        """Every document's problems, in file and line order."""
        return sorted((p for r in self.results for p in r.problems), key=lambda p: (p.file, p.line, p.column))

    @property
    def exit_code(self) -> int:
        """2 when a data file could not be read, 1 when a document failed or was drafted, else 0."""
        unreadable = any(p.rule in UNREADABLE for r in self.results for p in r.problems)
        return code_for(not self.ok, unreadable)

    def line(self) -> str:
        """The closing line: counts, time and the output folder."""
        parts = [f"만듦 {self.built}", f"건너뜀 {self.skipped}", f"실패 {self.failed}"]
        if self.drafted:
            parts.append(f"초안 {self.drafted}")
        if self.removed:
            parts.append(f"삭제 {self.removed}")
        where = f" → {shown_path(self.out)}" if self.out else ""
        return f"{', '.join(parts)} ({self.seconds:.1f}초){where}"


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
            raise UsageError(f"알 수 없는 형식: {fmt} (가능: {', '.join(FORMATS)})")
    if scheduler is not None:
        parse_address(scheduler)  # an address this client does not speak is refused before any file is read
    if "pdf" in options.formats:
        check_fonts()
    if "hwpx" in options.formats:
        check_hwpx()
    summary = Summary(out=str(out))
    sources = discover(paths, summary.notes)
    if shard is not None:
        sources = [s for s in sources if in_shard(s.rel, *shard)]
    readable: list[Source] = []
    refused: list[Result] = []
    for source in read_sources(sources):
        if source.data is not None:
            readable.append(source)
        else:
            refused.append(refused_result(source))
    out = out.resolve()
    jobs = jobs or available_cpus()
    with locked(out, on_wait):
        clean_leftovers(out, stale_only=True)  # not another command's file being written there now
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
