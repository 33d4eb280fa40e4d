"""Batch builds: what changed, long-lived workers, atomic writes, the manifest.

The pipeline for one document reads like this (:func:`build_one`)::

    doc = load(path); problems = check(doc)
    html = renderer.html(doc.project); pdf = renderer.pdf(html)
    write_atomic(out / "x.html", html); write_atomic(out / "x.pdf", pdf)

:func:`build` runs it over many files. Under the output folder's lock it hashes each
YAML together with everything else that shapes the output (templates, fonts, the
sources of this package, versions, options), skips what the manifest says is built
and still on disk, renders the rest in worker processes that each keep one
:class:`~budgetdoc.render.Renderer` (and so one WeasyPrint font configuration), and
removes the outputs of data files that were deleted.

Deciding what to do needs only ``stat``, file hashes and the standard library: a
build with nothing to do never imports the model, the loader or WeasyPrint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import gc
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .names import shown_path

if TYPE_CHECKING:
    from .model import Document, Problem

MANIFEST = ".budgetdoc-manifest.json"
MANIFEST_VERSION = 2
LOCK = ".budgetdoc.lock"
DRAFTS = "_drafts"
FORMATS = ("html", "pdf", "hwpx")
YAML_SUFFIXES = (".yaml", ".yml")  # in any case: X.YAML is a data file too
MAX_DATA = 2 * 1024 * 1024  # the loader's limit (load.MAX_BYTES); a bigger file is read by the loader only to refuse it
STARTUP = 60.0  # seconds a fresh worker may take to start before its first document (not part of --timeout)
TMP_PREFIX = ".tmp-"
RECYCLE = 250  # documents per worker process before it is replaced by a fresh one
CHECKPOINT = 2.0  # seconds between manifest saves during a long build
# Imported once by the fork server, so that every worker (and every replacement) starts warm.
PRELOAD = ["__main__", "budgetdoc.build", "budgetdoc.load", "budgetdoc.checks", "budgetdoc.render", "weasyprint"]
# Modules of this package that do not shape any output (the importer, problem reports,
# the JSON Schema); every other module is part of the build key.
NOT_OUTPUT = {"legacy.py", "report.py", "schema.py"}
# The environment a worker takes from the build that starts it (the fork server keeps its own).
WORKER_ENV = ("SOURCE_DATE_EPOCH",)
READY = "ready"  # what a worker sends once it has started, before its first result


class BuildError(Exception):
    """A build that cannot start (bad arguments)."""


class OutputError(Exception):
    """An output that cannot be written: the user's disk, not a bug (exit 2, one line)."""


class TemplateError(Exception):
    """The templates cannot render (a template bug, a resource that cannot be loaded): exit 3."""


# --------------------------------------------------------------------------- files


_CAUSES = {
    errno.EROFS: "읽기 전용 파일 시스템입니다",
    errno.EACCES: "쓸 권한이 없습니다",
    errno.EPERM: "쓸 권한이 없습니다",
    errno.ENOSPC: "디스크에 남은 공간이 없습니다",
    errno.EDQUOT: "디스크 할당량을 넘었습니다",
    errno.ENAMETOOLONG: "파일 이름이 너무 깁니다",
    errno.EISDIR: "같은 이름의 폴더가 있습니다",
    errno.ENOTDIR: "경로 가운데 폴더가 아닌 파일이 있습니다",
    errno.EEXIST: "같은 이름의 파일이 있습니다",
}


def unwritable(exc: OSError, path: str | os.PathLike[str] | None = None) -> OutputError:
    """The one line that says which output cannot be written and why."""
    where = os.fspath(path) if path is not None else str(exc.filename or "")
    cause = _CAUSES.get(exc.errno or 0) or (exc.strerror or str(exc))
    return OutputError(f"{shown_path(where)}에 쓸 수 없습니다: {cause}")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    Nothing is left behind when writing fails (no space, a read-only disk): the
    ``OSError`` names ``path`` itself, not the temporary file.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=path.suffix, dir=path.parent)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename != os.fspath(path):
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from exc
        raise


def read_data(path: str, root: str = "") -> bytes | None:
    """The bytes of a data file, or ``None`` when the loader must say why it cannot be read.

    Only a regular file is ever read (opened without blocking, so a FIFO cannot hang
    the build), never one behind a link out of ``root``, and never more than the
    loader's limit; a name that is not UTF-8 is not read either.
    """
    try:
        path.encode("utf-8")
        if root and os.path.islink(path):
            target, folder = os.path.realpath(path), os.path.realpath(root)
            if os.path.commonpath([target, folder]) != folder:
                return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, UnicodeEncodeError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size <= MAX_DATA:
            chunk = os.read(fd, MAX_DATA + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return None if size > MAX_DATA else b"".join(chunks)


@dataclass(frozen=True, order=True)
class Source:
    """One data file and where its outputs go, relative to the output folder."""

    rel: str  # e.g. "2024/지역균형발전_추진" (no suffix)
    path: str  # the YAML file as given (for messages)
    root: str = ""  # the folder it was found in; a link out of it is not read ("" for a file given by name)
    clash: str = ""  # another data file with the same output name: neither is built
    data: bytes | None = field(default=None, compare=False, repr=False)  # the exact bytes the key was made of

    def load(self) -> Document:
        """The loaded document (from :attr:`data` when given); raises :class:`~budgetdoc.load.LoadError`."""
        from .load import LoadError, load
        from .model import Problem

        if self.clash:
            message = f"{shown_path(self.clash)}와(과) 출력 이름({shown_path(self.rel)})이 같아 둘 다 만들지 않습니다"
            raise LoadError([Problem(shown_path(self.path), 1, 1, "same-output", message)])
        return load(self.path, within=self.root or None, data=self.data)


def _listed(names: list[str]) -> str:
    shown = ", ".join(shown_path(n) for n in names[:5])
    return shown + (f" 외 {len(names) - 5}개" if len(names) > 5 else "")


def discover(paths: list[str], notes: list[str] | None = None) -> list[Source]:
    """Data files under ``paths`` (files or folders), sorted, mirroring each folder's tree.

    Every file given is accounted for: what a folder holds besides data files (hidden
    files and folders, folders whose name starts with ``_``, other suffixes) and a
    folder without any data file are told once per folder in ``notes``; two files
    with one output name (``x.yaml`` beside ``x.yml``, ``a/x.yaml`` and ``b/x.yaml``
    given as two arguments, names that differ only in case) each carry the other in
    :attr:`Source.clash`, so that neither is built.

    Links to folders are not followed; a file that is a link is read only if it points
    inside the folder it was found in (see :meth:`Source.load`).
    """
    said = notes if notes is not None else []
    found: dict[str, list[Source]] = {}

    def add(source: Source) -> None:
        same = found.setdefault(source.rel.casefold(), [])
        if all(os.path.abspath(s.path) != os.path.abspath(source.path) for s in same):
            same.append(source)

    for given in paths:
        root = Path(given)
        if root.is_dir():
            count = 0

            def unreadable(exc: OSError) -> None:
                said.append(f"{shown_path(str(exc.filename))}: 폴더를 읽을 수 없어 건너뜁니다 ({exc.strerror})")

            for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
                left = [d + "/" for d in sorted(dirnames) if d.startswith((".", "_"))]
                dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
                for name in sorted(filenames):
                    if name.startswith(".") or not name.lower().endswith(YAML_SUFFIXES):
                        left.append(name)
                        continue
                    file = Path(dirpath) / name
                    rel = file.relative_to(root).with_suffix("").as_posix()
                    add(Source(rel, os.path.normpath(file), os.path.normpath(root)))
                    count += 1
                if left:
                    said.append(
                        f"{shown_path(os.path.normpath(dirpath))}: 읽지 않은 것 {len(left)}개: {_listed(left)} "
                        "(숨긴 것, _로 시작하는 폴더, .yaml·.yml이 아닌 파일은 읽지 않습니다)"
                    )
            if not count:
                said.append(f"{shown_path(given)}: 데이터 파일(.yaml, .yml)이 없습니다")
        elif os.path.lexists(root):  # a file, or something the loader will refuse by name (a FIFO, a broken link)
            add(Source(root.with_suffix("").name, os.path.normpath(root)))
        else:
            raise BuildError(f"파일이나 폴더가 없습니다: {shown_path(given)}")
    sources: list[Source] = []
    for same in found.values():
        if len(same) == 1:
            sources.extend(same)
        else:
            for source in same:
                others = ", ".join(s.path for s in same if s is not source)
                sources.append(dataclasses.replace(source, clash=others))
    return sorted(sources)


def output_path(out: Path, rel: str, suffix: str) -> Path:
    """The output for ``rel``; never outside ``out``."""
    target = (out / f"{rel}.{suffix}").resolve()
    if not target.is_relative_to(out.resolve()):
        raise BuildError(f"출력 경로가 출력 폴더 밖입니다: {rel}")
    return target


# --------------------------------------------------------------------------- one document


@dataclass(frozen=True)
class Options:
    formats: tuple[str, ...] = ("html", "pdf")
    variant: str | None = None
    draft: bool = False
    timeout: float = 120.0


@dataclass
class Result:
    source: Source
    status: str  # built | drafted | failed | error | unwritable (stops the build) | template (stops the build)
    problems: list[Problem] = field(default_factory=list)
    outputs: dict[str, list[int | str]] = field(default_factory=dict)  # fmt → [size, mtime_ns, sha256]
    message: str = ""
    seconds: float = 0.0


_RENDERER: Any = None


def worker_renderer() -> Any:  # noqa: ANN401
    """This process's one :class:`~budgetdoc.render.Renderer` (a worker's, shared by builds and books)."""
    global _RENDERER
    if _RENDERER is None:
        from .render import Renderer

        _RENDERER = Renderer()
    return _RENDERER


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


def build_one(source: Source, out: Path, options: Options) -> Result:
    """Load, check and render one document; write its outputs atomically."""
    result, rendered = render_document(source, options)
    return write_outputs(result, rendered, out)


def render_document(source: Source, options: Options) -> tuple[Result, dict[str, bytes]]:
    """Load, check and render one document to bytes; writes nothing.

    The result's status is ``built`` or ``drafted`` when there are bytes to write
    (see :func:`write_outputs`), otherwise ``failed`` or ``template``.
    """
    import jinja2

    from .checks import check, errors
    from .figures import compute
    from .load import LoadError

    started = time.perf_counter()
    try:
        doc = source.load()
    except LoadError as exc:
        return Result(source, "failed", exc.problems, seconds=time.perf_counter() - started), {}
    problems = check(doc)
    bad = errors(problems)
    if bad and not options.draft:
        return Result(source, "failed", problems, seconds=time.perf_counter() - started), {}
    renderer = worker_renderer()
    figures = compute(doc.project)
    marked = frozenset(p.field for p in bad)
    rendered: dict[str, bytes] = {}
    try:
        html = renderer.html(doc.project, figures, marked=marked, draft=bool(bad))
    except jinja2.TemplateError as exc:
        return Result(source, "template", message=template_message(renderer.templates, exc)), {}
    if "html" in options.formats:
        rendered["html"] = html.encode("utf-8")
    if "pdf" in options.formats:
        with refused_resources() as refused:
            rendered["pdf"] = renderer.pdf(html, options.variant)
        if refused:
            where = shown_path(str(renderer.templates))
            return Result(source, "template", message=f"{where}: 템플릿의 자원을 불러올 수 없습니다: {refused[0]}"), {}
    if "hwpx" in options.formats:
        from .hwpx import render_hwpx

        rendered["hwpx"] = render_hwpx(doc.project, figures)
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


# --------------------------------------------------------------------------- workers


def _end_with_build(lifeline: multiprocessing.connection.Connection) -> None:
    """End this worker as soon as the build that started it is gone, even if it was killed.

    The build holds the only writing end of ``lifeline``; when that process ends for any
    reason, reading gives end-of-file. Without this, a worker of a killed build would
    finish its document after the output folder's lock had been released.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(70)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def _worker(
    conn: multiprocessing.connection.Connection,
    lifeline: multiprocessing.connection.Connection,
    out: str,
    options: Options,
    work: Callable[[Source, Path, Options], Result],
    env: dict[str, str | None],
    warm: Callable[[], object] | None,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_build(lifeline)
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    target = Path(out)
    # Start-up (the renderer, its fonts) is not part of any document's time limit: the
    # build starts the clock when the worker says it is ready.
    if warm is not None:
        with contextlib.suppress(Exception):  # the document then fails with the real error
            warm()
    try:
        conn.send(READY)
    except OSError:
        return
    settled = False
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            result = work(task, target, options)
        except Exception as exc:  # a bug or an environment problem: report it, keep the batch going
            import traceback

            result = Result(task, "error", message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send(result)
        except OSError:
            return
        if not settled:
            # What the first document loaded (modules, fonts, the renderer) stays for the
            # worker's life: keep it out of the collector's full passes, which then scan
            # only the current document (measured: about 5 % faster per document).
            gc.collect()
            gc.freeze()
            settled = True


class _Worker:
    """One long-lived worker process and the document it is working on."""

    def __init__(self, ctx: Any, args: tuple[Any, ...]) -> None:  # noqa: ANN401
        self.ctx, self.args = ctx, args
        self.task: Source | None = None
        self.started = 0.0
        self.deadline = 0.0
        self.ready = False
        self.done = 0
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, *args), daemon=True)
        self.proc.start()
        child.close()

    def give(self, task: Source, timeout: float) -> None:
        self.task, self.started = task, time.monotonic()
        self.deadline = self.started + timeout + (0.0 if self.ready else STARTUP)
        self.conn.send(task)

    def go(self, timeout: float) -> None:
        """The worker has started: its document's time runs from now."""
        self.ready = True
        self.started = time.monotonic()
        self.deadline = self.started + timeout

    def stop(self, kill: bool = False) -> int | None:
        """End the process (politely unless ``kill``) and return its exit code."""
        if kill:
            with contextlib.suppress(OSError):
                self.proc.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()
        return self.proc.exitcode


def _crashed(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"작업 프로세스가 신호 {signal.Signals(-code).name}로 비정상 종료했습니다"
    return f"작업 프로세스가 비정상 종료했습니다 (종료 코드 {code})"


def run_pool(
    tasks: list[Source],
    out: Path,
    options: Options,
    jobs: int,
    on_result: Callable[[Result], None],
    recycle: int = RECYCLE,
    work: Callable[[Source, Path, Options], Result] = build_one,
    warm: Callable[[], object] | None = worker_renderer,
) -> None:
    """Run ``work`` over ``tasks`` in ``jobs`` long-lived processes, in the order given.

    ``work`` and ``warm`` must be module-level functions (they are sent to the workers
    by name); each worker runs ``warm`` once before its first document. A document that
    crashes its worker or takes longer than ``options.timeout`` seconds (counted from
    when its worker is ready, so start-up is not part of it) is reported as an
    ``error`` result; its worker is replaced and the batch goes on. Each worker is also
    replaced after ``recycle`` documents, so memory stays flat.
    """
    if not tasks:
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    lifeline, keep = ctx.Pipe(duplex=False)
    env = {name: os.environ.get(name) for name in WORKER_ENV}
    args = (lifeline, str(out), options, work, env, warm)
    pending = list(reversed(tasks))
    workers: list[_Worker] = []
    try:
        for _ in range(min(jobs, len(tasks))):
            workers.append(_Worker(ctx, args))
            workers[-1].give(pending.pop(), options.timeout)
        while workers:
            busy = {w.conn: w for w in workers}
            deadline = min(w.deadline for w in workers)
            ready = multiprocessing.connection.wait(list(busy), timeout=max(0.0, deadline - time.monotonic()))
            finished: list[tuple[_Worker, Result, bool]] = []
            for conn in ready:
                w = busy[conn]  # type: ignore[index]
                assert w.task is not None
                try:
                    result = w.conn.recv()
                except (EOFError, OSError):
                    w.proc.join(timeout=1)
                    finished.append((w, Result(w.task, "error", message=_crashed(w.stop(kill=True))), False))
                else:
                    if isinstance(result, str) and result == READY:
                        w.go(options.timeout)
                        continue
                    w.done += 1
                    finished.append((w, result, True))
            now = time.monotonic()
            done = {w for w, _, _ in finished}
            for w in workers:
                if w not in done and now >= w.deadline:
                    assert w.task is not None
                    w.stop(kill=True)
                    message = f"{options.timeout:g}초 안에 끝나지 않아 중단했습니다"
                    finished.append((w, Result(w.task, "error", message=message), False))
            for w, result, alive in finished:
                w.task = None
                if alive and (w.done >= recycle or not pending):
                    w.stop()
                    alive = False
                workers.remove(w)
                if pending:
                    if not alive:
                        w = _Worker(ctx, args)
                    w.give(pending.pop(), options.timeout)
                    workers.append(w)
                on_result(result)
    finally:
        for w in workers:
            w.stop(kill=w.task is not None)
        keep.close()
        lifeline.close()


# --------------------------------------------------------------------------- manifest


def environment_key(options: Options) -> str:
    """Hash of everything besides the YAML that shapes the outputs (computed once per build)."""
    from importlib.metadata import PackageNotFoundError, version

    from .render import TEMPLATES, fonts_fingerprint

    digest = hashlib.sha256()
    digest.update(f"budgetdoc {__version__}".encode())
    for package in ("weasyprint", "pydyf", "jinja2", "python-hwpx"):
        try:
            digest.update(f"{package} {version(package)}".encode())
        except PackageNotFoundError:
            pass
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    digest.update(json.dumps([sorted(options.formats), options.variant, epoch]).encode())
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(TEMPLATES).as_posix().encode())
            digest.update(path.read_bytes())
    skip = NOT_OUTPUT if "hwpx" in options.formats else NOT_OUTPUT | {"hwpx.py"}
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        if path.name not in skip:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    digest.update(fonts_fingerprint().encode())
    return digest.hexdigest()


def read_manifest(out: Path, warnings: list[str] | None = None) -> dict[str, Any]:
    """The manifest of ``out``; an unreadable or foreign one counts as empty (and is told in ``warnings``)."""
    empty: dict[str, Any] = {"version": MANIFEST_VERSION, "documents": {}}
    path = out / MANIFEST
    said = warnings if warnings is not None else []
    why = "형식이 다릅니다"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty
    except OSError as exc:
        data, why = None, _CAUSES.get(exc.errno or 0, exc.strerror or str(exc)).replace("쓸 ", "읽을 ")
    except ValueError:
        data, why = None, "JSON이 아닙니다"
    if (
        not isinstance(data, dict)
        or data.get("version") != MANIFEST_VERSION
        or not isinstance(data.get("documents"), dict)
    ):
        said.append(f"{shown_path(str(path))}: 매니페스트를 읽을 수 없어({why}) 모든 출력을 다시 확인합니다")
        return empty
    data["documents"] = {rel: e for rel, e in data["documents"].items() if isinstance(e, dict)}
    return data


def _fresh(
    entry: dict[str, Any] | None, key: str, out: Path, rel: str, formats: tuple[str, ...], verify: bool = False
) -> bool | None:
    """Whether the outputs on disk are the ones the manifest recorded for this key.

    Size and modification time decide; when only the time differs (a cache restored by
    a CI runner, a copy), the content hash does, and the entry takes the new time:
    then the answer is ``None`` ("fresh, but the manifest changed"). With ``verify``
    the content hash always decides.
    """
    if entry is None or entry.get("key") != key:
        return False
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or set(outputs) != set(formats):
        return False
    touched = False
    for fmt in formats:
        recorded = outputs[fmt]
        path = out / f"{rel}.{fmt}"
        try:
            st = os.stat(path)
        except OSError:
            return False
        if not isinstance(recorded, list) or len(recorded) != 3 or recorded[0] != st.st_size:
            return False
        if verify or recorded[1] != st.st_mtime_ns:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return False
            if digest != recorded[2]:
                return False
            if recorded[1] != st.st_mtime_ns:
                recorded[1] = st.st_mtime_ns
                touched = True
    return None if touched else True


@contextlib.contextmanager
def locked(out: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock; a second build waits for the first.

    On a folder nobody may write (read-only, no permission) an existing lock is taken
    through a read-only descriptor, and without one there is nothing to lock against:
    a build with nothing to do still succeeds there. Raises :class:`OutputError`.
    """
    lock = out / LOCK
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(exc, out) from None
    fd: int | None
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise unwritable(exc, lock) from None
        try:
            fd = os.open(lock, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        except OSError:
            fd = None
    try:
        if fd is not None:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OutputError(f"{shown_path(str(lock))}에 쓸 수 없습니다: 일반 파일이 아닙니다")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    on_wait()
                fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        if fd is not None:
            os.close(fd)


def clean_leftovers(out: Path) -> int:
    """Remove temporary files that a killed build left behind."""
    removed = 0
    for dirpath, _, filenames in os.walk(out):
        for name in filenames:
            if name.startswith(TMP_PREFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
    return removed


# --------------------------------------------------------------------------- batch


@dataclass
class Summary:
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
    :mod:`budgetdoc.shards`); ``out`` then holds that part alone, ready for ``merge``.
    With ``scheduler`` (a Dask scheduler's address) the documents are rendered on that
    cluster (see :mod:`budgetdoc.cluster`) and written here, under the same lock.

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
        from .shards import in_shard

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
            fresh = False if force else _fresh(entry, keys[source.rel], out, source.rel, options.formats, verify)
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
        summary.removed, gone = _remove_deleted(out, documents, {s.rel for s in sources}, paths)
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
                    _save(out, manifest)
                except OSError as exc:
                    raise unwritable(exc, out / MANIFEST) from None
                last_save = time.monotonic()

        finished = False
        try:
            for result in refused:
                record(result)
            if scheduler is not None:
                from .cluster import run_cluster

                run_cluster(tasks, out, options, scheduler, environment, record)
            elif len(tasks) == 1 or (jobs == 1 and len(tasks) <= 2):
                for source in tasks:
                    record(_build_in_process(source, out, options))
            else:
                run_pool(tasks, out, options, jobs, record)
            finished = True
        finally:
            try:
                if dirty:
                    _save(out, manifest)
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
    from .load import LoadError

    try:
        source.load()
    except LoadError as exc:
        return Result(source, "failed", exc.problems)
    # Readable after all (it changed just now): fail it rather than build bytes nobody hashed.
    from .model import Problem

    problem = Problem(shown_path(source.path), 1, 1, "unreadable", "파일을 읽는 동안 바뀌었습니다 — 다시 실행하세요")
    return Result(source, "failed", [problem])


def available_cpus() -> int:
    """The CPUs this process may run on (a container or CI runner may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _build_in_process(source: Source, out: Path, options: Options) -> Result:
    """One document without a worker process (a single changed file starts fastest so)."""
    if threading.current_thread() is not threading.main_thread():
        return build_one(source, out, options)

    def on_alarm(signum: int, frame: Any) -> None:  # noqa: ANN401
        raise TimeoutError

    with contextlib.suppress(Exception):  # start-up is not part of the time limit
        worker_renderer()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, options.timeout)
    try:
        return build_one(source, out, options)
    except TimeoutError:
        return Result(source, "error", message=f"{options.timeout:g}초 안에 끝나지 않아 중단했습니다")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _remove_deleted(
    out: Path, documents: dict[str, dict[str, Any]], present: set[str], roots: list[str]
) -> tuple[int, bool]:
    """Delete the outputs (and drafts) of data files under the built folders that no longer exist."""
    folders = [os.path.abspath(r) for r in roots if os.path.isdir(r)]
    removed, changed = 0, False
    for rel, entry in list(documents.items()):
        where = entry.get("source")
        if rel in present or not isinstance(where, str):
            continue
        path = os.path.normpath(os.path.join(out, where))
        if os.path.exists(path) or not any(path.startswith(folder + os.sep) for folder in folders):
            continue
        for base in (out, out / DRAFTS):
            for fmt in FORMATS:
                with contextlib.suppress(OSError, BuildError):
                    output_path(base, rel, fmt).unlink()
                    removed += 1
        del documents[rel]
        changed = True
    return removed, changed


def _save(out: Path, manifest: dict[str, Any]) -> None:
    data = {**manifest, "version": MANIFEST_VERSION, "documents": dict(sorted(manifest["documents"].items()))}
    write_atomic(out / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1))


def result_dict(result: Result) -> dict[str, Any]:
    data = asdict(result)
    data["source"] = result.source.path
    return data
