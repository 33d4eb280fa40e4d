"""The live preview (``generate.py serve``): every document as it is edited, with its problems beside it.

The server (Starlette on uvicorn) keeps, for every data file under the given paths, the
last version it read: the problems of that version, and its rendering (:mod:`.documents`).
A save is noticed by file watching (:mod:`.watch`: watchfiles, or ``poll`` for network
drives and containers, where change events do not arrive); then only that file is read,
checked, and rendered again, in one of a few warm worker processes that keep their
:class:`~budgetdoc.write.render.Renderer` between documents (:mod:`.worker`): a document that
renders slowly holds one worker and delays only its own page. The problems are published as
soon as the check is done, the page when the rendering is. Browsers hear of both through
server-sent events and update the page by themselves.

A page never shows stale content: every request for a page reads the file again (a hash
of its bytes) and brings the page up to date before answering, so a plain GET right after
a save shows the new document even before the watcher has noticed the change.

Nothing is written to disk: renderings and PDFs live in memory. URL paths are only keys
into the list of documents and of the server's own assets; no URL reaches the file system.
A document is rendered exactly as ``build`` renders it (the same Renderer, with the same
URL fetcher rules), a document with errors as its draft.

Starlette, uvicorn and watchfiles are the optional ``serve`` extra: they are imported where
they are used, so that without them ``serve`` says what to install instead of failing to
import; Jinja2 is imported in the worker processes and for the server's own pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import socket
import sys
import threading
import webbrowser
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from budgetdoc.errors import BudgetdocError
from budgetdoc.serve.documents import Entry, Site
from budgetdoc.serve.pages import ASSETS, Pages
from budgetdoc.serve.watch import watch
from budgetdoc.serve.worker import Pool, RenderFailure
from budgetdoc.write.assets import TEMPLATES

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

HOST = "127.0.0.1"
LOOPBACK = ("127.0.0.1", "localhost")  # the names a browser on this machine uses; other Host headers are refused
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
        watcher = asyncio.create_task(watch(site, poll, stop))
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

    pool = Pool()
    site = Site(paths, pool, say)
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
        site.started = True
        pool.warm()
        ok = sum(e.state == "ok" for e in site.entries.values())
        say(f"문서 {len(site.entries)}개 (통과 {ok}개, 문제 있음 {len(site.entries) - ok}개)")
        say(f"미리보기: {url_of(sock)}  (감시: {'주기적으로 확인' if poll else '변경 알림'}; 멈추려면 Ctrl+C)")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url_of(sock),), daemon=True).start()
        await server.serve(sockets=[sock])

    try:
        asyncio.run(main())
    finally:
        pool.close()
        sock.close()
