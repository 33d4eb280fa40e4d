"""Batch builds: what changed, long-lived workers, atomic writes, the manifest.

The pipeline for one document reads like this (:func:`build_one`)::

    doc = load(path); problems = check(doc)
    html = renderer.html(doc.project); pdf = renderer.pdf(html)
    write_atomic(out / "x.html", html); write_atomic(out / "x.pdf", pdf)

:func:`build` runs it over many files: it hashes each YAML together with everything
else that shapes the output (templates, fonts, versions, options), skips what the
manifest says is already built, renders the rest in worker processes that each keep
one :class:`~budgetdoc.render.Renderer` (and so one WeasyPrint font configuration),
and removes the outputs of data files that were deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .checks import check, errors
from .load import LoadError, load
from .model import Problem

MANIFEST = ".budgetdoc-manifest.json"
LOCK = ".budgetdoc.lock"
DRAFTS = "_drafts"
FORMATS = ("html", "pdf", "hwpx")
YAML_SUFFIXES = (".yaml", ".yml")
TMP_PREFIX = ".tmp-"


class BuildError(Exception):
    """A build that cannot start (bad arguments, unusable output folder)."""


# --------------------------------------------------------------------------- files


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True, order=True)
class Source:
    """One data file and where its outputs go, relative to the output folder."""

    rel: str  # e.g. "2024/지역균형발전_추진" (no suffix)
    path: str  # the YAML file as given (for messages)


def discover(paths: list[str]) -> list[Source]:
    """YAML files under ``paths`` (files or folders), sorted, mirroring each folder's tree."""
    found: dict[str, Source] = {}
    for given in paths:
        root = Path(given)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
                for name in sorted(filenames):
                    if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                        file = Path(dirpath) / name
                        rel = file.relative_to(root).with_suffix("").as_posix()
                        found.setdefault(rel, Source(rel, os.path.normpath(file)))
        elif root.is_file():
            rel = root.with_suffix("").name
            found.setdefault(rel, Source(rel, os.path.normpath(root)))
        else:
            raise BuildError(f"파일이나 폴더가 없습니다: {given}")
    return sorted(found.values())


def output_path(out: Path, rel: str, suffix: str) -> Path:
    """The output for ``rel``; never outside ``out``."""
    target = (out / f"{rel}.{suffix}").resolve()
    if not target.is_relative_to(out.resolve()):
        raise BuildError(f"출력 경로가 출력 폴더 밖입니다: {rel}")
    return target


# --------------------------------------------------------------------------- one document


@dataclass
class Options:
    formats: tuple[str, ...] = ("html", "pdf")
    variant: str | None = None
    draft: bool = False
    timeout: float = 120.0


@dataclass
class Result:
    source: Source
    status: str  # built | drafted | failed | skipped | error
    problems: list[Problem] = field(default_factory=list)
    outputs: dict[str, list[int]] = field(default_factory=dict)  # fmt → [size, mtime_ns]
    message: str = ""
    seconds: float = 0.0


_RENDERER: Any = None


def _renderer() -> Any:  # noqa: ANN401
    global _RENDERER
    if _RENDERER is None:
        from .render import Renderer

        _RENDERER = Renderer()
    return _RENDERER


def build_one(source: Source, out: Path, options: Options) -> Result:
    """Load, check and render one document; write its outputs atomically."""
    started = time.perf_counter()
    try:
        doc = load(source.path)
    except LoadError as exc:
        return Result(source, "failed", exc.problems, seconds=time.perf_counter() - started)
    problems = check(doc)
    bad = errors(problems)
    if bad and not options.draft:
        return Result(source, "failed", problems, seconds=time.perf_counter() - started)
    renderer = _renderer()
    from .figures import compute

    figures = compute(doc.project)
    target = out / DRAFTS if bad else out
    marked = frozenset(p.field for p in bad)
    rendered: dict[str, bytes] = {}
    html = renderer.html(doc.project, figures, marked=marked, draft=bool(bad))
    if "html" in options.formats:
        rendered["html"] = html.encode("utf-8")
    if "pdf" in options.formats:
        rendered["pdf"] = renderer.pdf(html, options.variant)
    if "hwpx" in options.formats:
        from .hwpx import render_hwpx

        rendered["hwpx"] = render_hwpx(doc.project, figures)
    outputs = {}
    for fmt, data in rendered.items():
        path = output_path(target, source.rel, fmt)
        write_atomic(path, data)
        st = path.stat()
        outputs[fmt] = [st.st_size, st.st_mtime_ns]
    status = "drafted" if bad else "built"
    return Result(source, status, problems, outputs if not bad else {}, seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------- workers


def _worker(conn: multiprocessing.connection.Connection, out: str, options: Options) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            result = build_one(task, Path(out), options)
        except Exception as exc:  # a bug or an environment problem: report it, keep the batch going
            import traceback

            result = Result(task, "error", message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        conn.send(result)


class _Slot:
    def __init__(self, ctx: Any, out: Path, options: Options) -> None:  # noqa: ANN401
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, str(out), options), daemon=True)
        self.proc.start()
        child.close()
        self.task: Source | None = None
        self.started = 0.0
        self.done = 0

    def give(self, task: Source) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            with contextlib.suppress(OSError, BrokenPipeError):
                self.conn.send(None)
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_pool(tasks: list[Source], out: Path, options: Options, jobs: int,
             on_result: Callable[[Result], None], recycle: int = 200) -> None:
    """Render ``tasks`` in ``jobs`` long-lived processes; a crash or hang fails one document only."""
    ctx = multiprocessing.get_context("forkserver")
    pending = list(reversed(tasks))
    slots = [_Slot(ctx, out, options) for _ in range(min(jobs, len(tasks)))]
    try:
        for slot in slots:
            if pending:
                slot.give(pending.pop())
        while any(s.task is not None for s in slots):
            busy = {s.conn: s for s in slots if s.task is not None}
            now = time.monotonic()
            wait = max(0.05, min(s.started + options.timeout - now for s in busy.values()))
            ready = multiprocessing.connection.wait(list(busy), timeout=wait)
            for conn in ready:
                slot = busy[conn]  # type: ignore[index]
                task = slot.task
                assert task is not None
                try:
                    result = conn.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    code = slot.proc.exitcode if not slot.proc.is_alive() else None
                    slot.stop(kill=True)
                    result = Result(task, "error", message=f"작업 프로세스가 비정상 종료했습니다 (종료 코드 {code})")
                    slot.__init__(ctx, out, options)  # type: ignore[misc]
                else:
                    slot.done += 1
                    if slot.done >= recycle:
                        slot.stop()
                        slot.__init__(ctx, out, options)  # type: ignore[misc]
                slot.task = None
                on_result(result)
                if pending:
                    slot.give(pending.pop())
            now = time.monotonic()
            for slot in slots:
                if slot.task is not None and now - slot.started > options.timeout:
                    task = slot.task
                    slot.stop(kill=True)
                    slot.__init__(ctx, out, options)  # type: ignore[misc]
                    on_result(Result(task, "error", message=f"{options.timeout:g}초 안에 끝나지 않아 중단했습니다"))
                    if pending:
                        slot.give(pending.pop())
    finally:
        for slot in slots:
            slot.stop(kill=slot.task is not None)


# --------------------------------------------------------------------------- manifest


def environment_key(options: Options) -> str:
    """Hash of everything besides the YAML that shapes the outputs."""
    from importlib.metadata import PackageNotFoundError, version

    from .render import TEMPLATES, fonts_fingerprint

    digest = hashlib.sha256()
    digest.update(f"budgetdoc {__version__}".encode())
    for package in ("weasyprint", "pydyf", "jinja2", "python-hwpx"):
        try:
            digest.update(f"{package} {version(package)}".encode())
        except PackageNotFoundError:
            pass
    digest.update(json.dumps([sorted(options.formats), options.variant, os.environ.get("SOURCE_DATE_EPOCH")]).encode())
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(TEMPLATES).as_posix().encode())
            digest.update(path.read_bytes())
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(fonts_fingerprint().encode())
    return digest.hexdigest()


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"documents": {}}
    if not isinstance(data, dict) or not isinstance(data.get("documents"), dict):
        return {"documents": {}}
    return data


def _fresh(entry: Any, key: str, out: Path, rel: str, formats: tuple[str, ...]) -> bool:  # noqa: ANN401
    if not isinstance(entry, dict) or entry.get("key") != key:
        return False
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or set(outputs) != set(formats):
        return False
    for fmt in formats:
        try:
            st = (out / f"{rel}.{fmt}").stat()
        except OSError:
            return False
        if [st.st_size, st.st_mtime_ns] != outputs[fmt]:
            return False
    return True


@contextlib.contextmanager
def locked(out: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock; a second build waits for the first."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clean_leftovers(out: Path) -> int:
    """Remove temporary files that a killed build left behind."""
    removed = 0
    for path in out.rglob(f"{TMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            path.unlink()
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

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.drafted == 0


def build(paths: list[str], out: Path, options: Options, jobs: int = 0, force: bool = False,
          on_result: Callable[[Result], None] | None = None,
          on_plan: Callable[[int, int], None] | None = None,
          on_wait: Callable[[], None] | None = None) -> Summary:
    """Build every YAML under ``paths`` into ``out``; only what changed unless ``force``."""
    started = time.perf_counter()
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise BuildError(f"알 수 없는 형식: {fmt} (가능: {', '.join(FORMATS)})")
    sources = discover(paths)
    out = out.resolve()
    jobs = jobs or os.cpu_count() or 1
    summary = Summary()
    with locked(out, on_wait):
        clean_leftovers(out)
        manifest = read_manifest(out)
        documents: dict[str, Any] = manifest["documents"]
        key_env = environment_key(options)
        todo: list[Source] = []
        keys: dict[str, str] = {}
        for source in sources:
            try:
                data = Path(source.path).read_bytes()
            except OSError:
                data = b""
            key = hashlib.sha256(key_env.encode() + b"\0" + data).hexdigest()
            keys[source.rel] = key
            entry = documents.get(source.rel)
            if not force and _fresh(entry, key, out, source.rel, options.formats) and entry.get("path") == source.path:
                summary.skipped += 1
                continue
            todo.append(source)
        summary.removed = _remove_deleted(out, documents, sources, paths)
        if on_plan:
            on_plan(len(todo), summary.skipped)
        last_save = time.monotonic()

        def record(result: Result) -> None:
            nonlocal last_save
            summary.results.append(result)
            rel = result.source.rel
            if result.status == "built":
                summary.built += 1
                documents[rel] = {"path": result.source.path, "key": keys[rel], "outputs": result.outputs}
            else:
                documents.pop(rel, None)
                if result.status == "drafted":
                    summary.drafted += 1
                else:
                    summary.failed += 1
            if on_result:
                on_result(result)
            if time.monotonic() - last_save > 2:
                _save(out, manifest)
                last_save = time.monotonic()

        try:
            if len(todo) == 1 or (jobs == 1 and len(todo) <= 2):
                for source in todo:
                    record(_build_in_process(source, out, options))
            elif todo:
                run_pool(todo, out, options, jobs, record)
        finally:
            _save(out, manifest)
    summary.seconds = time.perf_counter() - started
    return summary


def _build_in_process(source: Source, out: Path, options: Options) -> Result:
    def on_alarm(signum: int, frame: Any) -> None:  # noqa: ANN401
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, options.timeout)
    try:
        return build_one(source, out, options)
    except TimeoutError:
        return Result(source, "error", message=f"{options.timeout:g}초 안에 끝나지 않아 중단했습니다")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _remove_deleted(out: Path, documents: dict[str, Any], sources: list[Source], roots: list[str]) -> int:
    """Delete outputs whose YAML (under one of the built folders) no longer exists."""
    present = {s.rel for s in sources}
    folders = [os.path.normpath(r) for r in roots if Path(r).is_dir()]
    removed = 0
    for rel, entry in list(documents.items()):
        path = entry.get("path", "") if isinstance(entry, dict) else ""
        if rel in present or not isinstance(path, str) or Path(path).exists():
            continue
        if not any(os.path.normpath(path).startswith(folder + os.sep) for folder in folders):
            continue
        for fmt in FORMATS:
            with contextlib.suppress(OSError, BuildError):
                output_path(out, rel, fmt).unlink()
                removed += 1
        documents.pop(rel)
    return removed


def _save(out: Path, manifest: dict[str, Any]) -> None:
    manifest["version"] = 1
    manifest["documents"] = dict(sorted(manifest["documents"].items()))
    write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))


def result_dict(result: Result) -> dict[str, Any]:
    data = asdict(result)
    data["source"] = result.source.path
    return data
