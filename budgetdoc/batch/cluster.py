"""Rendering on a Dask cluster (``build --scheduler tcp://HOST:PORT``).

The client (the machine that runs ``build``) keeps everything a local build does:
it reads the data files, decides what changed, holds the output folder's lock and
writes every output and the manifest. Only the rendering moves to the cluster::

    batches = tasks in runs of up to BATCH documents (one Dask task each)
    worker:  render_batch(batch) → for each document: Result + {format: (bytes, sha256)}
    client:  check each hash, write_outputs(...) atomically, record in the manifest

A task per document would spend more time in the client and the scheduler than in
WeasyPrint; a batch of hundreds keeps that overhead small. Each worker process keeps
one :class:`~budgetdoc.write.render.Renderer` (with its fonts) between batches, and
serialises the batches it runs (WeasyPrint's font configuration is not shared
between threads): start the workers with ``--nthreads 1``.

``WorkerSetup``, a worker plugin, refuses a worker without the fonts or HarfBuzz's
subsetter, with the install command, and turns off the worker's statistical profiler
(Dask samples the stacks of running tasks every 10 ms; on WeasyPrint's deep stacks that
made each document about a fifth slower in ``bench/bench_cluster.py``); every batch also returns the worker's
environment key, and a worker whose key differs from the client's (other fonts,
templates or versions, which would give other bytes) stops the build.

A worker that dies in the middle of a batch costs a retry of that batch: the
scheduler gives it to another worker. A batch that keeps killing workers (the
scheduler's ``allowed-failures``) is split into single documents; a single document
that loses its workers so is tried once more at the end, alone on the cluster (a
dying worker also takes the tasks queued on it), and a document that kills its
worker even then is reported as an ``error``, with its file, as a local build reports
a document that crashes its worker.

The per-document ``--timeout`` holds on the cluster as it does locally: a watchdog thread
on the worker raises :class:`Overran` in the thread that renders the document when its
time is up (WeasyPrint's layout is Python, so the exception lands within moments), and the
document is reported with the local build's message while the batch goes on.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import gc
import hashlib
import math
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from budgetdoc.batch.job import Options, Result, render_document, write_outputs
from budgetdoc.batch.manifest import environment_key
from budgetdoc.batch.pool import WORKER_ENV, overran, raised
from budgetdoc.errors import BudgetdocError, RenderError
from budgetdoc.formats.sources import Source
from budgetdoc.pipeline import worker_renderer
from budgetdoc.write.assets import check_fonts

BATCH = 200  # documents per task at most (fewer when there are too few to keep every worker busy)
CONNECT = 20.0  # seconds to wait for the scheduler
INSTALL = "pip install 'budgetdoc[dask]'"
PROFILER = ("profile", "profile-cycle")  # the worker's periodic callbacks of Dask's statistical profiler


class ClusterError(BudgetdocError):
    """The cluster cannot be used for this build (exit 2, one line)."""


def batch_size(tasks: int, workers: int, most: int = BATCH) -> int:
    """Documents per batch: at most ``most``, and at least four batches per worker when there are few.

    The build waits at the end for the last batch of the slowest worker; smaller batches
    when the documents are few keep that wait short.
    """
    return max(1, min(most, math.ceil(tasks / max(1, 4 * workers))))


# --------------------------------------------------------------------------- on the worker


_LOCK = threading.Lock()
_KEYS: dict[tuple[Options, str | None], str] = {}
_SETTLED = False


def _check_worker() -> None:

    check_fonts()


def _font_check_class() -> type:
    from distributed.diagnostics.plugin import WorkerPlugin  # deferred: distributed is an optional extra

    class WorkerSetup(WorkerPlugin):
        """Refuses a worker without the fonts or HarfBuzz's subsetter (the message has the install command); stops its profiler."""

        name = "budgetdoc-worker"
        idempotent = True

        def setup(self, worker: Any) -> None:
            _check_worker()
            for name in PROFILER:
                callback = worker.periodic_callbacks.pop(name, None)
                if callback is not None:
                    callback.stop()

    WorkerSetup.__module__, WorkerSetup.__qualname__ = __name__, "WorkerSetup"
    return WorkerSetup


def __getattr__(name: str) -> Any:
    """``WorkerSetup``, the worker plugin, made on first use.

    Importing dask.distributed takes a second or more, which a build without
    ``--scheduler`` must not pay.
    """
    if name == "WorkerSetup":
        return globals().setdefault(name, _font_check_class())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Overran(BaseException):
    """Raised in a rendering thread whose document ran out of time.

    A BaseException, so that no ``except Exception`` in the rendering code swallows it.
    """


def _within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()``, interrupted with :class:`Overran` in this thread after ``seconds``."""
    target = ctypes.c_ulong(threading.get_ident())
    done = threading.Event()
    fired = threading.Event()

    def alarm() -> None:
        if not done.wait(seconds):
            fired.set()
            ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(Overran))

    watchdog = threading.Thread(target=alarm, name="budgetdoc-timeout", daemon=True)
    watchdog.start()
    try:
        result = work()
    finally:
        done.set()
        watchdog.join()
    if fired.is_set():  # sent as the work ended and not raised yet: the document did not finish in time
        ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)
        raise Overran
    return result


def render_batch(sources: list[Source], options: Options, env: dict[str, str | None]) -> tuple[str, list[Any]]:
    """Render ``sources`` on this worker.

    Returns the worker's environment key and, per document, ``(result, {format:
    (bytes, sha256)})`` (the result without the data bytes).
    """
    global _SETTLED

    with _LOCK:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        cached = (options, env.get("SOURCE_DATE_EPOCH"))
        if cached not in _KEYS:
            _check_worker()
            worker_renderer()
            _KEYS[cached] = environment_key(options)
        results: list[Any] = []
        for source in sources:
            try:
                result, rendered = _within(options.timeout, functools.partial(render_document, source, options))
            except Overran:
                result, rendered = Result(source, "error", message=overran(options.timeout)), {}
            except Exception as exc:  # a bug or an environment problem: report it, keep the batch going
                result, rendered = Result(source, "error", message=raised(exc)), {}
            result.source = dataclasses.replace(source, data=None)
            results.append((result, {fmt: (data, hashlib.sha256(data).hexdigest()) for fmt, data in rendered.items()}))
        if not _SETTLED:
            gc.collect()
            gc.freeze()  # what the first batch loaded stays for the worker's life (as a local worker does)
            _SETTLED = True
        return _KEYS[cached], results


# --------------------------------------------------------------------------- on the client


def _connect(address: str) -> Any:
    try:
        from distributed import Client  # deferred: distributed is an optional extra
    except ImportError:
        raise ClusterError(f"--scheduler에는 dask.distributed가 필요합니다: {INSTALL}") from None
    try:
        return Client(address, timeout=CONNECT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"Dask 스케줄러 {address}에 연결할 수 없습니다: {exc}") from None


def run_cluster(
    tasks: list[Source],
    out: Path,
    options: Options,
    address: str,
    environment: str,
    record: Callable[[Result], None],
    most: int = BATCH,
) -> None:
    """Render ``tasks`` on the cluster at ``address``; write and ``record`` each result here.

    ``environment`` is the client's environment key; a worker with another stops the
    build with :class:`ClusterError`, as does a worker without the fonts.
    """
    if not tasks:
        return
    client = _connect(address)
    try:
        from distributed import as_completed  # deferred: distributed is an optional extra
        from distributed.scheduler import KilledWorker

        try:
            plugin = (globals().get("WorkerSetup") or __getattr__("WorkerSetup"))()
            client.register_plugin(plugin, name=plugin.name)
        except RenderError as exc:
            raise ClusterError(f"Dask 작업자에서: {exc}") from None
        workers = len(client.scheduler_info().get("workers", {}))
        size = batch_size(len(tasks), workers, most)
        env = {name: os.environ.get(name) for name in WORKER_ENV}
        batches: dict[Any, list[Source]] = {}

        def submit(batch: list[Source]) -> Any:
            # The bytes go with the batch; links out of the data folder were refused here already,
            # and the worker's disk (which may hold other files under the same names) is never read.
            sent = [dataclasses.replace(source, root="") for source in batch]
            future = client.submit(render_batch, sent, options, env, pure=False)
            batches[future] = batch
            return future

        def finish(batch: list[Source], key: str, results: list[Any]) -> None:
            if key != environment:
                raise ClusterError(
                    "Dask 작업자의 환경(도구·템플릿·글꼴 버전)이 이 컴퓨터와 달라 같은 출력을 만들 수 없습니다 "
                    f"(환경 키 {key[:12]} ≠ {environment[:12]}): 작업자에 같은 버전을 설치하세요"
                )
            for source, (result, rendered) in zip(batch, results, strict=True):
                result.source = source
                data: dict[str, bytes] = {}
                for fmt, (raw, digest) in rendered.items():
                    if hashlib.sha256(raw).hexdigest() != digest:
                        raise ClusterError(f"{source.shown}: 작업자에게서 받은 {fmt}가 손상되었습니다")
                    data[fmt] = raw
                record(write_outputs(result, data, out))

        # A worker that dies takes with it every task it was given, not only the one that
        # killed it: a single document that loses its worker is tried again at the end, alone
        # on the cluster, and only a document that kills its worker even then has failed.
        suspects: list[Source] = []
        first = [submit(tasks[k : k + size]) for k in range(0, len(tasks), size)]
        pending = as_completed(first, loop=client.loop)  # type: ignore[no-untyped-call]
        for future in pending:
            batch = batches.pop(future)
            try:
                key, results = future.result()
            except KilledWorker:
                if len(batch) > 1:
                    for source in batch:  # find the document that kills its workers
                        pending.add(submit([source]))  # type: ignore[no-untyped-call]
                else:
                    suspects.append(batch[0])
                continue
            except RenderError as exc:
                raise ClusterError(f"Dask 작업자에서: {exc}") from None
            finish(batch, key, results)
        for source in suspects:
            future = submit([source])
            try:
                key, results = future.result()
            except KilledWorker:
                message = "작업 프로세스가 이 문서에서 거듭 비정상 종료했습니다 (Dask 작업자가 여러 번 죽음)"
                record(Result(source, "error", message=message))
                continue
            except RenderError as exc:
                raise ClusterError(f"Dask 작업자에서: {exc}") from None
            finally:
                batches.pop(future, None)
            finish([source], key, results)
    finally:
        client.close()
