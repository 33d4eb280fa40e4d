"""The live preview (``generate.py serve``): every document as it is edited, with its problems beside it.

The server (Starlette on uvicorn) keeps, for every data file under the given paths, the
last version it read: the problems of that version, and its rendering. A save is noticed
by file watching (watchfiles; ``poll`` for network drives and containers, where change
events do not arrive); then only that file is read, checked, and rendered again, in one
warm worker process that keeps its :class:`~budgetdoc.write.render.Renderer` between documents.
The problems are published as soon as the check is done, the page when the rendering is.
Browsers hear of both through server-sent events and update the page by themselves.

A page never shows stale content: every request for a page reads the file again (a hash
of its bytes) and brings the page up to date before answering, so a plain GET right after
a save shows the new document even before the watcher has noticed the change.

Nothing is written to disk: renderings and PDFs live in memory. URL paths are only keys
into the list of documents and of the server's own assets; no URL reaches the file system.
A document is rendered exactly as ``build`` renders it (the same Renderer, with the same
URL fetcher rules), a document with errors as its draft.

Starlette, uvicorn and watchfiles are the optional ``serve`` extra: they are imported where
they are used, so that without them ``serve`` says what to install instead of failing to
import; Jinja2 is imported in the worker process and for the server's own pages.

Longer than most modules: the server's state per document, the file watcher, the rendering
worker and the routes are one job and share that state.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from budgetdoc.errors import BudgetdocError, UsageError
from budgetdoc.formats.sources import Source, discover, is_data_file
from budgetdoc.model import numbers
from budgetdoc.names import shown_path
from budgetdoc.pipeline import Prepared, prepare, worker_renderer
from budgetdoc.write.assets import TEMPLATES
from budgetdoc.write.faults import refused_resources, template_message

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from budgetdoc.model.document import Problem

HOST = "127.0.0.1"
LOOPBACK = ("127.0.0.1", "localhost")  # the names a browser on this machine uses; other Host headers are refused
RENDER_TIMEOUT = 60.0  # seconds one page may take in the worker before it is stopped
PDF_TIMEOUT = 120.0
STARTUP = 60.0  # seconds the worker may take to start (WeasyPrint and fonts), apart from the limits above
STEP_MS = 30  # watchfiles: a change is reported once nothing else changed for this long
POLL_MS = 300  # how often --poll looks at the files
WALK_S = 2.0  # how often --poll looks for new files in the folders
ASSETS = {"serve.css": "text/css; charset=utf-8", "serve.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class ServeError(BudgetdocError):
    """The server cannot start (a port in use, a missing package): exit 2, one line."""


class RenderFailure(Exception):
    """The worker could not render one document (it is shown on the page; the server goes on)."""


# --------------------------------------------------------------------------- the warm worker


def _work(conn: multiprocessing.connection.Connection) -> None:
    """The worker process: one Renderer for every page and PDF it is asked for."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's; it stops the worker
    import jinja2

    renderer = worker_renderer()
    with contextlib.suppress(Exception):
        renderer.pdf("<p></p>")  # WeasyPrint, the fonts and the parsed stylesheet, once
    conn.send(("ready", None))
    while True:
        try:
            kind, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if kind == "html":
                value: Any = args.page()  # the Prepared document: build's own step, its wrong cells marked
            else:
                with refused_resources() as refused:
                    value = renderer.pdf(args)
                if refused:
                    raise RenderFailure(f"템플릿의 자원을 불러올 수 없습니다: {refused[0]}")
        except jinja2.TemplateError as exc:
            conn.send(("error", template_message(renderer.templates, exc)))
        except Exception as exc:  # a document must never stop the worker
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        else:
            conn.send(("ok", value))


class Worker:
    """One long-lived rendering process; a document that hangs or kills it costs only a restart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: multiprocessing.connection.Connection | None = None

    def start(self) -> None:
        """Start the process (if it is not running) and wait until it is warm."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> multiprocessing.connection.Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self._stop()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_work, args=(child,), name="budgetdoc-serve-worker", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        if not parent.poll(STARTUP):
            self._stop()
            raise RenderFailure(f"렌더링 프로세스가 {STARTUP:g}초 안에 시작하지 않았습니다")
        try:
            parent.recv()
        except (EOFError, OSError):
            self._stop()
            raise RenderFailure("렌더링 프로세스가 시작하다 멈췄습니다") from None
        return parent

    def call(self, kind: str, args: Any, timeout: float) -> Any:
        """Run one task in the worker; raises :class:`RenderFailure` with the reason it failed."""
        with self._lock:
            conn = self._ensure()
            try:
                conn.send((kind, args))
                if not conn.poll(timeout):
                    self._stop()
                    raise RenderFailure(f"{timeout:g}초 안에 끝나지 않아 중단했습니다")
                status, value = conn.recv()
            except (EOFError, OSError):
                self._stop()
                raise RenderFailure("렌더링 프로세스가 멈췄습니다 (다음 저장 때 새로 시작합니다)") from None
            if status == "error":
                raise RenderFailure(value)
            return value

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._proc = None

    def close(self) -> None:
        """Stop the process, also in the middle of a task (which then fails)."""
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()
        with self._lock:
            self._stop()


# --------------------------------------------------------------------------- documents


@dataclass
class Entry:
    """What the server knows of one data file: the last version read, its problems and renderings."""

    source: Source
    digest: str | None = None  # of the bytes last read (or of why they could not be read)
    version: int = 0  # counts the versions read
    state: str = "new"  # ok | errors | unreadable | missing
    problems: list[Problem] = field(default_factory=list)
    prepared: Prepared | None = None  # the last version read, loaded, checked and computed (None: unreadable)
    title: str = ""
    office: str = ""
    department: str = ""
    html: str | None = None  # the rendering of ``html_version``
    html_version: int = -1
    last_html: str | None = None  # the last rendering of any version (shown when the file cannot be read)
    render_error: str = ""
    pdf: bytes | None = None
    pdf_version: int = -1
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    render_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

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


def _examine(source: Source, data: bytes | None) -> tuple[Prepared | None, list[Problem], str]:
    """Prepare one version of a file as ``build --draft`` does: (prepared, problems, state). Never raises for bad input."""
    prepared = prepare(dataclasses.replace(source, data=data), draft=True)
    if prepared.doc is None:
        return None, prepared.problems, "unreadable" if os.path.lexists(source.path) else "missing"
    return prepared, prepared.problems, "errors" if prepared.errors else "ok"


def _fingerprint(source: Source) -> tuple[str, bytes | None]:
    """A hash of the file's bytes, and the bytes (None when the loader must say why they cannot be read)."""
    data = source.read()
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), data
    try:
        st = os.lstat(source.path)
    except OSError as exc:
        return f"gone:{exc.errno}", None
    return f"refused:{st.st_mode}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{source.clash}", None


Listener = Callable[[dict[str, Any]], None]


class Site:
    """Every document under the served paths, kept up to date with the files."""

    def __init__(self, paths: list[str], worker: Worker, log: Callable[[str], None] | None = None) -> None:
        self.paths = paths
        self.worker = worker
        self.log = log or (lambda line: None)
        self.entries: dict[str, Entry] = {}
        self.listeners: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self.notes: list[str] = []
        self.closing = False
        self.discover(strict=True)

    # ----------------------------------------------------------------- the files

    def discover(self, strict: bool = False) -> None:
        """Add the data files now under the paths; files that went away stay (their page says so).

        With ``strict`` a path that does not exist raises :class:`UsageError` (at start-up);
        later it is only one of the files that went away.
        """
        notes: list[str] = []
        found: list[Source] = []
        for path in self.paths:
            try:
                found.extend(discover([path], notes))
            except UsageError:
                if strict:
                    raise
        if strict:
            self.notes = notes
        # Two files with one output name are each a document here (build refuses both).
        entries = dict(self.entries)  # replaced whole: requests may be reading the old one meanwhile
        for source in found:
            entry = Entry(dataclasses.replace(source, clash="", data=None, refused=None), title=Path(source.path).stem)
            if entry.key not in entries:  # the file is read again whenever it changes, not from discovery's bytes
                entries[entry.key] = entry
        self.entries = dict(sorted(entries.items()))

    def watched(self) -> list[str]:
        """The folders to watch: each folder given, and the folder of each file given (for saves by rename)."""
        folders = []
        for path in self.paths:
            folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
            folders.append(os.path.abspath(folder))
        return sorted(set(folders))

    def affected(self, changed: set[str]) -> list[Entry]:
        """The documents whose files are among ``changed`` (absolute paths)."""
        return [e for e in self.entries.values() if os.path.abspath(e.source.path) in changed]

    # ----------------------------------------------------------------- keeping up to date

    def close_streams(self) -> None:
        """End every open event stream (the server is stopping: it must not wait for them)."""
        self.closing = True
        for queue in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    def broadcast(self, message: dict[str, Any]) -> None:
        """Tell every open page (server-sent events)."""
        for queue in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(message)

    async def checked(self, entry: Entry) -> bool:
        """Bring the problems up to date with the file; whether they changed."""
        async with entry.lock:
            digest, data = await asyncio.to_thread(_fingerprint, entry.source)
            if digest == entry.digest:
                return False
            started = time.perf_counter()
            prepared, problems, state = await asyncio.to_thread(_examine, entry.source, data)
            entry.digest, entry.prepared, entry.problems, entry.state = digest, prepared, problems, state
            entry.version += 1
            entry.pdf, entry.pdf_version = None, -1
            if prepared is not None and prepared.doc is not None:
                project = prepared.doc.project
                entry.title = project.title
                entry.office = project.contacts.office
                entry.department = project.contacts.department
            else:
                entry.html, entry.html_version, entry.render_error = None, entry.version, ""
            seconds = time.perf_counter() - started
        if entry.version > 1:  # a change after the start (the start itself is summed up in one line)
            self.log(f"{shown_path(entry.key)}: {entry.status} (검사 {seconds:.2f}초)")
        self.broadcast({"path": entry.key, "version": entry.version, "stage": "checked", "status": entry.status})
        return True

    async def rendered(self, entry: Entry) -> None:
        """Bring the problems and the rendering up to date with the file."""
        await self.checked(entry)
        async with entry.render_lock:
            while entry.html_version != entry.version:
                version, prepared = entry.version, entry.prepared
                assert prepared is not None
                html, failure = None, ""
                started = time.perf_counter()
                try:
                    html = await asyncio.to_thread(self.worker.call, "html", prepared, RENDER_TIMEOUT)
                except RenderFailure as exc:
                    failure = str(exc)
                    self.log(f"{shown_path(entry.key)}: 렌더링 오류: {failure}")
                if entry.version != version:
                    continue  # saved again meanwhile: render the newer version
                entry.html, entry.html_version, entry.render_error = html, version, failure
                if html is not None:
                    entry.last_html = html
                    self.log(f"{shown_path(entry.key)}: 렌더링 {time.perf_counter() - started:.2f}초")
                self.broadcast({"path": entry.key, "version": version, "stage": "rendered", "status": entry.status})

    async def pdf(self, entry: Entry) -> bytes:
        """The PDF of the current version (its draft when it has errors), rendered on demand in the worker."""
        await self.rendered(entry)
        async with entry.render_lock:
            if entry.html is None:
                raise RenderFailure(entry.render_error or "파일을 읽을 수 없어 PDF를 만들 수 없습니다")
            if entry.pdf is None or entry.pdf_version != entry.version:
                version, html = entry.version, entry.html
                pdf = await asyncio.to_thread(self.worker.call, "pdf", html, PDF_TIMEOUT)
                entry.pdf, entry.pdf_version = pdf, version
            return entry.pdf

    async def refresh_all(self) -> None:
        """Look for new files and re-check every document whose file changed (index requests)."""
        await asyncio.to_thread(self.discover)
        for entry in list(self.entries.values()):
            await self.checked(entry)

    async def on_changes(self, changed: set[str]) -> None:
        """Files changed on disk: re-check and re-render only those documents."""
        if any(is_data_file(os.path.basename(p)) for p in changed) or any(os.path.isdir(p) for p in changed):
            known = {os.path.abspath(e.source.path) for e in self.entries.values()}
            if not changed <= known:
                await asyncio.to_thread(self.discover)
        for entry in self.affected(changed):
            try:
                await self.rendered(entry)
            except Exception as exc:  # bad input never stops the server
                self.log(f"{shown_path(entry.key)}: 처리하지 못했습니다: {type(exc).__name__}: {exc}")

    def _stats(self) -> dict[str, tuple[int, ...] | None]:
        """Size, times and inode of every data file (None for one that is gone)."""
        stats: dict[str, tuple[int, ...] | None] = {}
        for entry in list(self.entries.values()):
            try:
                st = os.stat(entry.source.path)
            except OSError:
                stats[entry.key] = None
            else:
                stats[entry.key] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        return stats

    async def poll(self, stop: asyncio.Event) -> None:
        """``--poll``: look at every data file every ``POLL_MS``, and for new files every ``WALK_S``.

        Its own loop rather than watchfiles' polling, which in our measurements missed the
        second of two saves less than a second apart when the size did not change.
        """
        seen: dict[str, tuple[int, ...] | None] | None = None
        walked = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - walked > WALK_S:
                    await asyncio.to_thread(self.discover)
                    walked = time.monotonic()
                now = await asyncio.to_thread(self._stats)
                if seen is not None:
                    changed = {os.path.abspath(key) for key, st in now.items() if key not in seen or seen[key] != st}
                    if changed:
                        await self.on_changes(changed)
                seen = now
            except Exception as exc:  # keep serving
                self.log(f"파일 확인에 실패했습니다: {type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_MS / 1000)

    async def watch(self, poll: bool, stop: asyncio.Event) -> None:
        """Follow the watched folders until ``stop`` is set (change notifications, or ``poll``)."""
        if poll:
            await self.poll(stop)
            return
        import watchfiles

        def wanted(change: watchfiles.Change, path: str) -> bool:
            name = os.path.basename(path)
            return not name.startswith(".") and (is_data_file(name) or change != watchfiles.Change.modified)

        while not stop.is_set():
            try:
                async for changes in watchfiles.awatch(
                    *self.watched(),
                    watch_filter=wanted,
                    stop_event=stop,
                    step=STEP_MS,
                    debounce=1000,
                    force_polling=False,
                    recursive=True,
                    ignore_permission_denied=True,
                ):
                    await self.on_changes({os.path.abspath(path) for _, path in changes})
            except Exception as exc:  # a folder that went away, a watch limit: keep serving, retry
                self.log(f"파일 감시를 다시 시작합니다: {type(exc).__name__}: {exc}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)


# --------------------------------------------------------------------------- pages


def _values(problem: Problem) -> str:

    def shown(value: int | str | None) -> str:
        return numbers.won(value) if isinstance(value, int) else str(value)

    parts = []
    if problem.expected is not None:
        parts.append(f"계산한 값 {shown(problem.expected)}")
    if problem.actual is not None:
        parts.append(f"적힌 값 {shown(problem.actual)}")
    return " · ".join(parts)


def _linked(problems: list[Problem], html: str | None) -> set[str]:
    """The fields of ``problems`` whose cells are marked in ``html`` (every field when there is no rendering yet).

    A click on a linked problem scrolls the document to its cell.
    """
    from markupsafe import escape

    return {p.field for p in problems if p.field and (html is None or f'data-field="{escape(p.field)}"' in html)}


class Pages:
    """The server's own templates (templates/serve/) and assets, read once."""

    def __init__(self, templates: Path) -> None:
        import jinja2

        folder = templates / "serve"
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["values"] = _values
        self.env.filters["shown"] = shown_path
        self.assets = {name: (folder / name).read_bytes() for name in ASSETS}

    def index(self, site: Site) -> str:
        """The list of documents with their status."""
        entries = list(site.entries.values())
        failing = sum(1 for e in entries if e.state != "ok")
        return self.env.get_template("index.html.j2").render(entries=entries, failing=failing, notes=site.notes)

    def project(self, entry: Entry, pdf_error: str = "") -> str:
        """A document's page: its problems beside its rendering (the last one when the file cannot be read)."""
        shown_html = entry.html if entry.html is not None else entry.last_html
        stale = entry.html is None and entry.last_html is not None
        linked = _linked(entry.problems, shown_html) if shown_html else set()
        return self.env.get_template("project.html.j2").render(
            e=entry, html=shown_html, stale=stale, linked=linked, problems=entry.problems, pdf_error=pdf_error
        )

    def problems(self, entry: Entry) -> str:
        """Only the problem list of a document (what a page fetches as soon as the check is done)."""
        linked = _linked(entry.problems, None)  # the page that follows links only the cells it shows
        return self.env.get_template("problems.html.j2").render(e=entry, linked=linked, problems=entry.problems)

    def missing(self, what: str) -> str:
        """The page for a URL that names no document or asset."""
        return self.env.get_template("missing.html.j2").render(what=what)


def make_app(site: Site, pages: Pages, poll: bool = False, allowed_hosts: list[str] | None = None) -> Starlette:
    """The Starlette application: the index, one page and one PDF per document, events, assets."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.responses import HTMLResponse, Response, StreamingResponse
    from starlette.routing import Route

    def page(body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    async def find(request: Request) -> Entry | None:
        key = str(request.path_params["key"])
        if key not in site.entries:  # perhaps a file added just now: look again (among data files only)
            await asyncio.to_thread(site.discover)
        return site.entries.get(key)

    async def index(request: Request) -> Response:
        await site.refresh_all()
        return page(pages.index(site))

    async def project(request: Request) -> Response:
        entry = await find(request)
        if entry is None:
            return page(pages.missing(str(request.path_params["key"])), 404)
        if request.query_params.get("part") == "problems":
            await site.checked(entry)
            return page(pages.problems(entry))
        await site.rendered(entry)
        return page(pages.project(entry))

    async def pdf(request: Request) -> Response:
        entry = await find(request)
        if entry is None:
            return page(pages.missing(str(request.path_params["key"])), 404)
        try:
            data = await site.pdf(entry)
        except RenderFailure as exc:
            return page(pages.project(entry, pdf_error=str(exc)), 409)
        sheet = f"_{entry.source.sheet}" if entry.source.sheet else ""
        name = quote(Path(entry.source.path).stem + sheet + ".pdf")
        headers = {**SECURITY_HEADERS, "Content-Disposition": f"inline; filename*=UTF-8''{name}"}
        return Response(data, media_type="application/pdf", headers=headers)

    async def asset(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in pages.assets:
            return page(pages.missing(name), 404)
        return Response(pages.assets[name], media_type=ASSETS[name], headers=SECURITY_HEADERS)

    async def events(request: Request) -> Response:
        if site.closing:
            return Response(status_code=204, headers=SECURITY_HEADERS)  # tells EventSource not to reconnect
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=1000)
        site.listeners.add(queue)

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 1000\n\n"
                while True:
                    try:
                        message = await asyncio.wait_for(queue.get(), 15)
                    except TimeoutError:
                        yield ": 연결 유지\n\n"
                        continue
                    if message is None:
                        return
                    yield f"event: change\ndata: {json.dumps(message, ensure_ascii=False)}\n\n"
            finally:
                site.listeners.discard(queue)

        headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        watcher = asyncio.create_task(site.watch(poll, stop))
        try:
            yield
        finally:
            stop.set()
            site.close_streams()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(watcher, 5)

    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)] if allowed_hosts else []
    routes = [
        Route("/", index),
        Route("/p/{key:path}", project),
        Route("/pdf/{key:path}", pdf),
        Route("/events", events),
        Route("/_serve/{name}", asset),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return page(pages.missing(request.url.path), 404)

    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers={404: not_found})


# --------------------------------------------------------------------------- running


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0 picks a free port); :class:`ServeError` when it cannot be had."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"주소 {host}을(를) 찾을 수 없습니다: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        why = "이미 다른 프로그램이 쓰고 있습니다" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise ServeError(f"{host}:{port}에서 기다릴 수 없습니다: {why} — --port로 다른 번호를 주세요") from None
    return sock


def url_of(sock: socket.socket) -> str:
    """The address a browser opens for ``sock``."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(
    paths: list[str],
    host: str = HOST,
    port: int = 8000,
    poll: bool = False,
    open_browser: bool = False,
    log: Callable[[str], None] | None = None,
) -> None:
    """Check every document under ``paths`` and serve the preview until interrupted.

    Raises :class:`UsageError` for a path that does not exist and :class:`ServeError`
    when the server cannot start.
    """
    say = log or (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        import uvicorn
        import watchfiles  # noqa: F401
    except ImportError:
        raise ServeError(
            "serve에는 starlette, uvicorn, watchfiles가 필요합니다: pip install 'budgetdoc[serve]'"
        ) from None

    worker = Worker()
    site = Site(paths, worker, say)
    for note in site.notes:
        say(note)
    pages = Pages(TEMPLATES)
    sock = bind(host, port)
    allowed = list(LOOPBACK) if host in LOOPBACK else None
    app = make_app(site, pages, poll=poll, allowed_hosts=allowed)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, timeout_graceful_shutdown=1, lifespan="on", ws="none"
    )
    loop: asyncio.AbstractEventLoop | None = None

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if loop is not None:  # open event streams end first, so that stopping does not wait for them
                loop.call_soon_threadsafe(site.close_streams)
            super().handle_exit(sig, frame)

    server = Server(config)

    async def main() -> None:
        nonlocal loop
        loop = asyncio.get_running_loop()
        await site.refresh_all()
        ok = sum(e.state == "ok" for e in site.entries.values())
        say(f"문서 {len(site.entries)}개 (통과 {ok}개, 문제 있음 {len(site.entries) - ok}개)")
        say(f"미리보기: {url_of(sock)}  (감시: {'주기적으로 확인' if poll else '변경 알림'}; 멈추려면 Ctrl+C)")
        threading.Thread(target=_warm, args=(worker,), daemon=True).start()
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url_of(sock),), daemon=True).start()
        await server.serve(sockets=[sock])

    try:
        asyncio.run(main())
    finally:
        worker.close()
        sock.close()


def _warm(worker: Worker) -> None:
    with contextlib.suppress(RenderFailure):
        worker.start()
