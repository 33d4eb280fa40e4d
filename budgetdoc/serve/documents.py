"""The preview's documents: for every data file under the served paths, what the server knows of it.

For each document the server keeps the version of the file it read last (a hash of its bytes),
that version's problems and rendering, and the last version that could be read at all, from
the first scan on: a file that breaks before anyone opened its page still shows its last good
version under the errors. A version is checked in the server (``prepare``, as ``build --draft``
does) and rendered in a worker of the :class:`~budgetdoc.serve.worker.Pool`, one worker per
document at a time; a rendering whose file was saved again meanwhile is stopped and the newer
version rendered instead. Every change after the start is told on the terminal: each problem
as ``check`` prints it, then the document's status.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from budgetdoc.check.report import render as problem_lines
from budgetdoc.errors import BudgetdocError
from budgetdoc.formats.sources import WORKBOOK_SUFFIX, Source, discover, is_data_file
from budgetdoc.names import shown_path
from budgetdoc.pipeline import Prepared, prepare
from budgetdoc.serve.worker import PDF_TIMEOUT, RENDER_TIMEOUT, Pool, RenderFailure, Stopped

if TYPE_CHECKING:
    from budgetdoc.model.document import Problem


@dataclass
class Entry:
    """What the server knows of one data file: the last version read, its problems and renderings."""

    source: Source
    digest: str | None = None  # of the bytes last read (or of why they could not be read)
    version: int = 0  # counts the versions read
    state: str = "new"  # ok | errors | unreadable | missing
    problems: list[Problem] = field(default_factory=list)
    prepared: Prepared | None = None  # the last version read, loaded, checked and computed (None: unreadable)
    last_read: Prepared | None = None  # the last version that could be read, from the first scan on
    last_read_version: int = -1
    title: str = ""
    office: str = ""
    department: str = ""
    html: str | None = None  # the rendering of ``html_version``
    html_version: int = -1
    last_html: str | None = None  # the last rendering of any version (shown when the file cannot be read)
    last_html_version: int = -1
    render_error: str = ""
    pdf: bytes | None = None
    pdf_version: int = -1
    changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)  # set when a newer version is read
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    render_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)  # one worker per document

    @property
    def key(self) -> str:
        """The document's name in URLs: its path as given, and its sheet for a workbook (only looked up, never opened).

        Each project sheet of a workbook is a document of its own, as in ``check`` and ``build``.
        """
        return self.source.path + (f"!{self.source.sheet}" if self.source.sheet else "")

    @property
    def url(self) -> str:
        """The document's page."""
        return "/p/" + quote(self.key)

    @property
    def pdf_url(self) -> str:
        """The document's PDF, rendered when asked for."""
        return "/pdf/" + quote(self.key)

    @property
    def errors(self) -> int:
        """How many of the problems are errors."""
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        """How many of the problems are warnings."""
        return len(self.problems) - self.errors

    @property
    def status(self) -> str:
        """통과 / 오류 N개, as the index and the page show it."""
        if self.state == "missing":
            return "파일 없음"
        if self.state == "unreadable":
            return f"읽을 수 없음 (오류 {self.errors}개)"
        if self.errors:
            return f"오류 {self.errors}개"
        return f"통과 (경고 {self.warnings}개)" if self.warnings else "통과"

    def due(self) -> tuple[Prepared, int] | None:
        """The version to render next: the one read last, or the last one that could be read when it cannot."""
        if self.prepared is not None:
            return None if self.html_version == self.version else (self.prepared, self.version)
        if self.last_read is not None and self.last_html_version != self.last_read_version:
            return self.last_read, self.last_read_version
        return None


def _examine(source: Source, data: bytes | None) -> tuple[Prepared | None, list[Problem], str]:
    """Prepare one version of a file as ``build --draft`` does: (prepared, problems, state). Never raises for bad input."""
    prepared = prepare(dataclasses.replace(source, data=data), draft=True)
    if prepared.doc is None:
        return None, prepared.problems, "unreadable" if os.path.lexists(source.path) else "missing"
    return prepared, prepared.problems, "errors" if prepared.errors else "ok"


Read = tuple[str, bytes | None]


def _fingerprint(source: Source) -> Read:
    """A hash of the file's bytes, and the bytes (None when the loader must say why they cannot be read)."""
    data = source.read()
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), data
    try:
        st = os.lstat(source.path)
    except OSError as exc:
        return f"gone:{exc.errno}", None
    return f"refused:{st.st_mode}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{source.clash}", None


def _stat(path: str) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


def tree(paths: list[str]) -> tuple[Any, ...]:
    """What discovery depends on: the folders and data files under ``paths`` by name, and each workbook's state.

    Discovery reads only workbooks (to list their project sheets); it is done again only when
    this changes, so that an index or an unknown URL does not read every workbook again.
    """
    seen: list[Any] = []
    for given in paths:
        if not os.path.isdir(given):
            seen.append((given, _stat(given) if given.lower().endswith(WORKBOOK_SUFFIX) else os.path.lexists(given)))
            continue
        for folder, folders, files in os.walk(given):
            folders[:] = sorted(d for d in folders if not d.startswith((".", "_")))
            names = sorted(n for n in files if is_data_file(n))
            seen.append((folder, tuple(folders), tuple(names)))
            seen.extend((n, _stat(os.path.join(folder, n))) for n in names if n.lower().endswith(WORKBOOK_SUFFIX))
    return tuple(seen)


class Site:
    """Every document under the served paths, kept up to date with the files."""

    def __init__(self, paths: list[str], pool: Pool, log: Callable[[str], None] | None = None) -> None:
        self.paths = paths
        self.pool = pool
        self.log = log or (lambda line: None)
        self.entries: dict[str, Entry] = {}
        self.listeners: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self.notes: list[str] = []
        self.closing = False
        self.started = False  # the first scan is done: from now on every change is told on the terminal
        self._tree: tuple[Any, ...] | None = None
        self._discovering = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.discover(strict=True)

    # ----------------------------------------------------------------- the files

    def discover(self, strict: bool = False) -> None:
        """Add the data files now under the paths; files that went away stay (their page says so).

        Done again only when the names of the folders and data files, or a workbook, changed
        since the last time (:func:`tree`). With ``strict`` a path that does not exist raises
        :class:`~budgetdoc.errors.UsageError` (at start-up); later it is only one of the files that went away.
        """
        with self._discovering:
            state = tree(self.paths)
            if state == self._tree and not strict:
                return
            notes: list[str] = []
            found: list[Source] = []
            for path in self.paths:
                try:
                    found.extend(discover([path], notes))
                except BudgetdocError:  # a path that went away (or holds no data any more)
                    if strict:
                        raise
            if strict:
                self.notes = notes
            # Two files with one output name are each a document here (build refuses both).
            entries = dict(self.entries)  # replaced whole: requests may be reading the old one meanwhile
            for source in found:
                entry = Entry(
                    dataclasses.replace(source, clash="", data=None, refused=None), title=Path(source.path).stem
                )
                if entry.key not in entries:  # the file is read again whenever it changes, not from discovery's bytes
                    entries[entry.key] = entry
            self.entries = dict(sorted(entries.items()))
            self._tree = state

    def affected(self, changed: set[str]) -> list[Entry]:
        """The documents whose files are among ``changed`` (absolute paths)."""
        return [e for e in self.entries.values() if os.path.abspath(e.source.path) in changed]

    # ----------------------------------------------------------------- telling the pages

    def close_streams(self) -> None:
        """End every open event stream and stop every rendering (the server is stopping: it must not wait for them)."""
        self.closing = True
        for queue in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        for task in list(self._tasks):
            task.cancel()
        self.pool.stop_all()

    def broadcast(self, message: dict[str, Any]) -> None:
        """Tell every open page (server-sent events)."""
        for queue in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(message)

    # ----------------------------------------------------------------- keeping up to date

    async def checked(self, entry: Entry, read: Read | None = None) -> bool:
        """Bring the problems up to date with the file (``read``: its bytes, when read already); whether they changed."""
        async with entry.lock:
            if read is None:
                read = await asyncio.to_thread(_fingerprint, entry.source)
            digest, data = read
            if digest == entry.digest:
                return False
            started = time.perf_counter()
            prepared, problems, state = await asyncio.to_thread(_examine, entry.source, data)
            entry.digest, entry.prepared, entry.problems, entry.state = digest, prepared, problems, state
            entry.version += 1
            entry.changed.set()  # what is being rendered of the older version is worthless now
            entry.changed = asyncio.Event()
            entry.pdf, entry.pdf_version = None, -1
            if prepared is not None and prepared.doc is not None:
                entry.last_read, entry.last_read_version = prepared, entry.version
                project = prepared.doc.project
                entry.title = project.title
                entry.office = project.contacts.office
                entry.department = project.contacts.department
            else:
                entry.html, entry.html_version, entry.render_error = None, entry.version, ""
            seconds = time.perf_counter() - started
        if self.started:  # a change after the start (the start itself is summed up in one line)
            for line in problem_lines(problems).splitlines():
                self.log(line)
            self.log(f"{shown_path(entry.key)}: {entry.status} (검사 {seconds:.2f}초)")
        self.broadcast({"path": entry.key, "version": entry.version, "stage": "checked", "status": entry.status})
        return True

    async def rendered(self, entry: Entry) -> None:
        """Bring the problems and the rendering up to date with the file."""
        await self.checked(entry)
        if entry.due() is None:
            return
        async with entry.render_lock:
            while (due := entry.due()) is not None:
                prepared, version = due
                changed = entry.changed
                html, failure = None, ""
                started = time.perf_counter()
                try:
                    html = await self.pool.run("html", prepared, RENDER_TIMEOUT, changed)
                except Stopped:
                    continue
                except RenderFailure as exc:
                    failure = str(exc)
                if changed.is_set():
                    continue  # saved again meanwhile: render the newer version
                if version == entry.version:
                    entry.html, entry.html_version, entry.render_error = html, version, failure
                if html is not None:
                    entry.last_html = html
                    self.log(f"{shown_path(entry.key)}: 렌더링 {time.perf_counter() - started:.2f}초")
                else:
                    self.log(f"{shown_path(entry.key)}: 렌더링 오류: {failure}")
                entry.last_html_version = version  # tried: not again until another version is read
                self.broadcast(
                    {"path": entry.key, "version": entry.version, "stage": "rendered", "status": entry.status}
                )

    async def pdf(self, entry: Entry) -> bytes:
        """The PDF of the current version (its draft when it has errors), rendered on demand in a worker."""
        while True:
            await self.rendered(entry)
            async with entry.render_lock:
                if entry.due() is not None:
                    continue  # saved again meanwhile
                if entry.html is None:
                    raise RenderFailure(entry.render_error or "파일을 읽을 수 없어 PDF를 만들 수 없습니다")
                if entry.pdf is not None and entry.pdf_version == entry.version:
                    return entry.pdf
                version, html, changed = entry.version, entry.html, entry.changed
                try:
                    pdf: bytes = await self.pool.run("pdf", html, PDF_TIMEOUT, changed)
                except Stopped:
                    continue  # saved again meanwhile: the PDF of the newer version
                if not changed.is_set():
                    entry.pdf, entry.pdf_version = pdf, version
                    return pdf

    async def refresh_all(self) -> None:
        """Look for new files and re-check every document whose file changed (index requests)."""
        await asyncio.to_thread(self.discover)
        reads: dict[str, Read] = {}  # a workbook's sheets are read once
        for entry in list(self.entries.values()):
            if entry.source.path not in reads:
                reads[entry.source.path] = await asyncio.to_thread(_fingerprint, entry.source)
            await self.checked(entry, reads[entry.source.path])

    async def on_changes(self, changed: set[str]) -> None:
        """Files changed on disk: re-check and re-render only those documents, each in a task of its own."""
        if any(is_data_file(os.path.basename(p)) or os.path.isdir(p) for p in changed):
            await asyncio.to_thread(self.discover)
        for entry in self.affected(changed):
            self._spawn(self._follow(entry))

    async def _follow(self, entry: Entry) -> None:
        try:
            await self.rendered(entry)
        except Exception as exc:  # bad input never stops the server
            self.log(f"{shown_path(entry.key)}: 처리하지 못했습니다: {type(exc).__name__}: {exc}")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
