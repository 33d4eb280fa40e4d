"""Noticing saves: file change notifications (watchfiles), or ``--poll`` for network drives and containers.

Either way a change ends in :meth:`Site.on_changes <budgetdoc.serve.documents.Site.on_changes>`,
which re-checks and re-renders only the documents of the files that changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from budgetdoc.formats.sources import is_data_file
from budgetdoc.serve.documents import Site

STEP_MS = 30  # watchfiles: a change is reported once nothing else changed for this long
POLL_MS = 300  # how often --poll looks at the files
WALK_S = 2.0  # how often --poll looks for new files in the folders


def watched(paths: list[str]) -> list[str]:
    """The folders to watch: each folder given, and the folder of each file given (for saves by rename)."""
    folders = []
    for path in paths:
        folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
        folders.append(os.path.abspath(folder))
    return sorted(set(folders))


def _stats(site: Site) -> dict[str, tuple[int, ...] | None]:
    """Size, times and inode of every data file (None for one that is gone)."""
    stats: dict[str, tuple[int, ...] | None] = {}
    for entry in list(site.entries.values()):
        try:
            st = os.stat(entry.source.path)
        except OSError:
            stats[entry.key] = None
        else:
            stats[entry.key] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
    return stats


async def poll(site: Site, stop: asyncio.Event) -> None:
    """``--poll``: look at every data file every ``POLL_MS``, and for new files every ``WALK_S``.

    Its own loop rather than watchfiles' polling, which in our measurements missed the
    second of two saves less than a second apart when the size did not change.
    """
    seen: dict[str, tuple[int, ...] | None] | None = None
    walked = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - walked > WALK_S:
                await asyncio.to_thread(site.discover)
                walked = time.monotonic()
            now = await asyncio.to_thread(_stats, site)
            if seen is not None:
                changed = {os.path.abspath(key) for key, st in now.items() if key not in seen or seen[key] != st}
                if changed:
                    await site.on_changes(changed)
            seen = now
        except Exception as exc:  # keep serving
            site.log(f"파일 확인에 실패했습니다: {type(exc).__name__}: {exc}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_MS / 1000)


async def watch(site: Site, use_poll: bool, stop: asyncio.Event) -> None:
    """Follow the served folders until ``stop`` is set (change notifications, or ``use_poll``)."""
    if use_poll:
        await poll(site, stop)
        return
    import watchfiles

    def wanted(change: watchfiles.Change, path: str) -> bool:
        name = os.path.basename(path)
        return not name.startswith(".") and (is_data_file(name) or change != watchfiles.Change.modified)

    while not stop.is_set():
        try:
            async for changes in watchfiles.awatch(
                *watched(site.paths),
                watch_filter=wanted,
                stop_event=stop,
                step=STEP_MS,
                debounce=1000,
                force_polling=False,
                recursive=True,
                ignore_permission_denied=True,
            ):
                await site.on_changes({os.path.abspath(path) for _, path in changes})
        except Exception as exc:  # a folder that went away, a watch limit: keep serving, retry
            site.log(f"파일 감시를 다시 시작합니다: {type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
