"""One document's job in a batch: prepare, render to bytes, write atomically, and what became of it.

The same job runs in the build's worker processes (:mod:`budgetdoc.batch.pool`), on a Dask
worker (:mod:`budgetdoc.batch.cluster`, which writes on the client) and for the book's parts;
its :class:`Options` are also part of the build key (:mod:`budgetdoc.batch.manifest`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from budgetdoc.batch.files import DRAFTS, FORMATS, output_path, unwritable, write_atomic
from budgetdoc.errors import TemplateError
from budgetdoc.formats.sources import Source
from budgetdoc.pipeline import prepare, worker_renderer
from budgetdoc.write.faults import template_faults
from budgetdoc.write.webfonts import embed

if TYPE_CHECKING:
    from budgetdoc.model.document import Problem


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
                rendered["html"] = embed(html).encode("utf-8")
            if "pdf" in options.formats:
                rendered["pdf"] = renderer.pdf(html, options.variant)
    except TemplateError as exc:
        return Result(source, "template", message=str(exc)), {}
    if "hwpx" in options.formats:
        from budgetdoc.write.hwpx import render_hwpx  # deferred: python-hwpx only when HWPX is asked for

        # The package's preview is a picture of the PDF's first page (the PDF made for it if not asked for).
        pdf = rendered.get("pdf") or renderer.pdf(html)
        rendered["hwpx"] = render_hwpx(prepared.doc.project, prepared.figures, prepared.layout(), pdf)
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


def refused_result(source: Source) -> Result:
    """The result of a data file that was not read: failed, with the reason its reading gave (not read again)."""
    return Result(source, "failed", source.refusal())
