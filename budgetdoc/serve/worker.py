"""The preview's rendering processes: a few warm workers, each keeping its Renderer between documents.

A page or a PDF is rendered in a free worker of the :class:`Pool` (``WORKERS`` of them), so a
document that takes long (a PDF of a very long unbroken word can take minutes) holds one worker
while the other documents go on in the rest. The server gives each document at most one worker
at a time (its render lock), so one slow document never holds them all.

A task whose input changed while it ran (the file was saved again) is worthless: it is given
``GRACE`` seconds to finish (most pages take a few hundredths of a second), then stopped by
killing its process, which is started again in the background. A task that hangs or kills its
process costs the same: a restart, and an error on that document's page.

Jinja2 and WeasyPrint are imported in the worker processes only.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import signal
import threading
from typing import Any

from budgetdoc.pipeline import worker_renderer
from budgetdoc.write.faults import refused_resources, template_message

WORKERS = 2  # rendering processes: one slow document holds one of them
RENDER_TIMEOUT = 60.0  # seconds one page may take in a worker before it is stopped
PDF_TIMEOUT = 120.0
STARTUP = 60.0  # seconds a worker may take to start (WeasyPrint and fonts), apart from the limits above
GRACE = 1.0  # seconds a task whose input changed may still take before it is stopped


class RenderFailure(Exception):
    """A worker could not render one document (it is shown on the page; the server goes on)."""


class Stopped(Exception):
    """The task was stopped because its input changed meanwhile (the newer version is rendered instead)."""


def _work(conn: multiprocessing.connection.Connection) -> None:
    """A worker process: one Renderer for every page and PDF it is asked for."""
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

    def __init__(self, number: int = 1) -> None:
        self.number = number
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._running: threading.Event | None = None  # the stop event of the task running now

    @property
    def alive(self) -> bool:
        """Whether the process is running (a stopped or crashed one is started again when next used)."""
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> None:
        """Start the process (if it is not running) and wait until it is warm."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> multiprocessing.connection.Connection:
        if self.alive and self._conn is not None:
            return self._conn
        self._stop()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_work, args=(child,), name=f"budgetdoc-serve-worker-{self.number}", daemon=True)
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

    def call(self, kind: str, args: Any, timeout: float, stop: threading.Event | None = None) -> Any:
        """Run one task; raises :class:`RenderFailure` with the reason it failed.

        Raises :class:`Stopped` when ``stop`` was given to :meth:`stop_task` before the task ended.
        """
        stop = stop or threading.Event()
        with self._lock:
            conn = self._ensure()
            self._running = stop
            try:
                if stop.is_set():
                    raise Stopped
                conn.send((kind, args))
                if not conn.poll(timeout):
                    self._stop()
                    raise RenderFailure(f"{timeout:g}초 안에 끝나지 않아 중단했습니다")
                status, value = conn.recv()
            except (EOFError, OSError):
                self._stop()
                if stop.is_set():
                    raise Stopped from None
                raise RenderFailure(
                    "렌더링 프로세스가 멈췄습니다 (새 프로세스로 다시 시작했습니다; 저장하거나 새로 고치면 다시 렌더링합니다)"
                ) from None
            finally:
                self._running = None
            if status == "error":
                raise RenderFailure(value)
            return value

    def stop_task(self, stop: threading.Event) -> None:
        """Stop the task that was given ``stop``: it does not start, or its process is killed."""
        stop.set()
        proc = self._proc
        if self._running is stop and proc is not None and proc.is_alive():
            proc.kill()

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


class Pool:
    """``size`` workers; a task waits for a free one, and is stopped when its input changes meanwhile."""

    def __init__(self, size: int = WORKERS) -> None:
        self.workers = [Worker(n + 1) for n in range(size)]
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        for worker in self.workers:
            self._idle.put_nowait(worker)
        self._restarts: set[asyncio.Task[None]] = set()
        self._running: dict[threading.Event, Worker] = {}  # the stop event of each task running now
        self.closing = False

    def warm(self) -> None:
        """Start every worker in the background (the first pages need not wait for WeasyPrint)."""
        for worker in self.workers:
            threading.Thread(target=_warm, args=(worker,), daemon=True).start()

    async def run(self, kind: str, args: Any, timeout: float, changed: asyncio.Event) -> Any:
        """Run one task (``html`` of a Prepared document, ``pdf`` of an HTML string) in a free worker.

        ``changed`` is set when the task's input is no longer the file's: a task still waiting
        does not start, a running one is stopped after ``GRACE`` seconds; both raise
        :class:`Stopped`. Raises :class:`RenderFailure` when the document cannot be rendered.
        """
        worker = await self._idle.get()
        try:
            if self.closing:
                raise RenderFailure("서버를 멈추는 중입니다")
            if changed.is_set():
                raise Stopped
            stop = threading.Event()
            task = asyncio.ensure_future(asyncio.to_thread(worker.call, kind, args, timeout, stop))
            waiting = asyncio.ensure_future(changed.wait())
            self._running[stop] = worker
            try:
                await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
                if not task.done():  # saved again: a short task may finish, a long one is stopped
                    await asyncio.wait({task}, timeout=GRACE)
                    if not task.done():
                        worker.stop_task(stop)
                    with contextlib.suppress(RenderFailure, Stopped):
                        await task  # its result is of the older version
                    raise Stopped
                try:
                    return task.result()
                except Stopped:  # by stop_all
                    raise RenderFailure("서버를 멈추는 중입니다") from None
            finally:
                del self._running[stop]
                waiting.cancel()
                if not task.done():  # the caller was cancelled (the server is stopping)
                    worker.stop_task(stop)
                    task.add_done_callback(lambda done: done.cancelled() or done.exception())
        finally:
            self._release(worker)

    def _release(self, worker: Worker) -> None:
        """Give the worker back; one whose process is gone is started again first, in the background."""
        if worker.alive or self.closing:
            self._idle.put_nowait(worker)
            return

        async def restart() -> None:
            try:
                await asyncio.to_thread(_warm, worker)
            finally:
                self._idle.put_nowait(worker)

        task = asyncio.ensure_future(restart())
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    def stop_all(self) -> None:
        """Stop every task (the server is stopping): each ends at once with :class:`RenderFailure`."""
        self.closing = True
        for stop, worker in list(self._running.items()):
            worker.stop_task(stop)

    def close(self) -> None:
        """Stop every worker."""
        for worker in self.workers:
            worker.close()


def _warm(worker: Worker) -> None:
    with contextlib.suppress(RenderFailure):
        worker.start()
