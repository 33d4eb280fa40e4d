"""A pool of long-lived worker processes, generic over its tasks and results.

Each worker runs a warm-up once (a renderer and its fonts), then takes one task at a time.
A task that crashes its worker or overruns its time limit becomes a failure result made by
the caller's ``failure`` function; the worker is replaced and the batch goes on. Workers end
with the process that started them, even when it is killed.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

STARTUP = 60.0  # seconds a fresh worker may take to start before its first task (not part of the time limit)
RECYCLE = 250  # tasks per worker process before it is replaced by a fresh one
# Imported once by the fork server, so that each worker starts with them loaded.
PRELOAD = [
    "__main__",
    "budgetdoc.batch.pool",
    "budgetdoc.batch.build",
    "budgetdoc.formats.load",
    "budgetdoc.check.rules",
    "budgetdoc.write.render",
    "weasyprint",
]
# The environment a worker takes from the process that starts it (the fork server keeps its own).
WORKER_ENV = ("SOURCE_DATE_EPOCH",)
READY = "ready"  # what a worker sends once it has started, before its first result


def raised(exc: BaseException) -> str:
    """The message of a task that raised: the exception and its traceback (a bug to report, with where it is)."""
    return f"{type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc))}"


def _end_with_parent(lifeline: multiprocessing.connection.Connection) -> None:
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
    work: Callable[[Any], Any],
    failure: Callable[[Any, str], Any],
    env: dict[str, str | None],
    warm: Callable[[], object] | None,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent(lifeline)
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    # Start-up (the renderer, its fonts) is not part of any task's time limit: the pool
    # starts the clock when the worker says it is ready.
    if warm is not None:
        with contextlib.suppress(Exception):  # the task then fails with the real error
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
            result = work(task)
        except Exception as exc:  # a bug or an environment problem: report it, keep the batch going
            result = failure(task, raised(exc))
        try:
            conn.send(result)
        except OSError:
            return
        if not settled:
            # What the first task loaded (modules, fonts, the renderer) stays for the
            # worker's life: keep it out of the collector's full passes, which then scan
            # only the current task (measured: about 5 % faster per document).
            gc.collect()
            gc.freeze()
            settled = True


class _Worker(Generic[T]):
    """One long-lived worker process and the task it is working on."""

    def __init__(self, ctx: Any, args: tuple[Any, ...]) -> None:
        self.ctx, self.args = ctx, args
        self.task: T | None = None
        self.started = 0.0
        self.deadline = 0.0
        self.ready = False
        self.done = 0
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, *args), daemon=True)
        self.proc.start()
        child.close()

    def give(self, task: T, timeout: float) -> None:
        self.task, self.started = task, time.monotonic()
        self.deadline = self.started + timeout + (0.0 if self.ready else STARTUP)
        self.conn.send(task)

    def go(self, timeout: float) -> None:
        """The worker has started: its task's time runs from now."""
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
        code: int | None = self.proc.exitcode
        return code


def crashed(code: int | None) -> str:
    """How a worker that ended with exit ``code`` (negative: a signal) is reported."""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"작업 프로세스가 신호 {signal.Signals(-code).name}로 비정상 종료했습니다"
    return f"작업 프로세스가 비정상 종료했습니다 (종료 코드 {code})"


def overran(timeout: float) -> str:
    """How a task stopped at its time limit is reported."""
    return f"{timeout:g}초 안에 끝나지 않아 중단했습니다"


def run_pool(
    tasks: Sequence[T],
    work: Callable[[T], R],
    *,
    jobs: int,
    timeout: float,
    on_result: Callable[[R], None],
    failure: Callable[[T, str], R],
    warm: Callable[[], object] | None = None,
    recycle: int = RECYCLE,
) -> None:
    """Run ``work`` over ``tasks`` in ``jobs`` long-lived processes, in the order given.

    ``work``, ``failure`` and ``warm`` are sent to the workers by name, so they must be
    module-level functions (or :func:`functools.partial` of them); each worker runs
    ``warm`` once before its first task. A task that raises, crashes its worker or takes
    longer than ``timeout`` seconds (counted from when its worker is ready, so start-up
    is not part of it) is given to ``on_result`` as ``failure(task, message)``; a crashed
    or overrunning worker is replaced and the batch goes on. Each worker is also replaced
    after ``recycle`` tasks, so memory stays flat.
    """
    if not tasks:
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    lifeline, keep = ctx.Pipe(duplex=False)
    env = {name: os.environ.get(name) for name in WORKER_ENV}
    args = (lifeline, work, failure, env, warm)
    pending = list(reversed(tasks))
    workers: list[_Worker[T]] = []
    try:
        for _ in range(min(jobs, len(tasks))):
            workers.append(_Worker(ctx, args))
            workers[-1].give(pending.pop(), timeout)
        while workers:
            busy = {w.conn: w for w in workers}
            deadline = min(w.deadline for w in workers)
            ready = multiprocessing.connection.wait(list(busy), timeout=max(0.0, deadline - time.monotonic()))
            finished: list[tuple[_Worker[T], R, bool]] = []
            for conn in ready:
                w = busy[conn]
                assert w.task is not None
                try:
                    result = w.conn.recv()
                except (EOFError, OSError):
                    w.proc.join(timeout=1)
                    finished.append((w, failure(w.task, crashed(w.stop(kill=True))), False))
                else:
                    if isinstance(result, str) and result == READY:
                        w.go(timeout)
                        continue
                    w.done += 1
                    finished.append((w, result, True))
            now = time.monotonic()
            done = {w for w, _, _ in finished}
            for w in workers:
                if w not in done and now >= w.deadline:
                    assert w.task is not None
                    w.stop(kill=True)
                    finished.append((w, failure(w.task, overran(timeout)), False))
            for w, result, alive in finished:
                w.task = None
                if alive and (w.done >= recycle or not pending):
                    w.stop()
                    alive = False
                workers.remove(w)
                if pending:
                    if not alive:
                        w = _Worker(ctx, args)
                    w.give(pending.pop(), timeout)
                    workers.append(w)
                on_result(result)
    finally:
        for w in workers:
            w.stop(kill=w.task is not None)
        keep.close()
        lifeline.close()


def run_here(
    work: Callable[[T], R],
    task: T,
    timeout: float,
    failure: Callable[[T, str], R],
    warm: Callable[[], object] | None = None,
) -> R:
    """Run one task in this process under the same rules as the pool (one changed file starts fastest so).

    ``warm`` runs first and is not part of ``timeout``; in the main thread the time limit
    is enforced with ``SIGALRM``, and a task that raises becomes ``failure(task, message)``.
    """
    if warm is not None:
        with contextlib.suppress(Exception):  # the task then fails with the real error
            warm()
    if threading.current_thread() is not threading.main_thread():
        return work(task)

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return work(task)
    except TimeoutError:
        return failure(task, overran(timeout))
    except Exception as exc:  # the same as in a worker: one task fails, the caller reports it
        return failure(task, raised(exc))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_tasks(
    tasks: Sequence[T],
    work: Callable[[T], R],
    *,
    jobs: int,
    timeout: float,
    on_result: Callable[[R], None],
    failure: Callable[[T, str], R],
    warm: Callable[[], object] | None = None,
    here: bool = False,
) -> None:
    """:func:`run_pool`, or with ``here`` each task in turn in this process (:func:`run_here`): same rules, same results."""
    if here:
        for task in tasks:
            on_result(run_here(work, task, timeout, failure, warm=warm))
    else:
        run_pool(tasks, work, jobs=jobs, timeout=timeout, on_result=on_result, failure=failure, warm=warm)


def available_cpus() -> int:
    """The CPUs this process may run on (a container or CI runner may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1
