"""Output files: atomic writes, output paths, the output folder's lock and leftovers.

Every output is written to a temporary file beside it and renamed into place, so a reader
(or a build killed half-way) sees the old file or the whole new one, never a part.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from budgetdoc.errors import OutputError, UsageError
from budgetdoc.names import shown_path

LOCK = ".budgetdoc.lock"
BOOK_CACHE = ".budgetdoc-book"  # the book's cache of rendered parts, beside the book (merge copies it too)
DRAFTS = "_drafts"
FORMATS = ("html", "pdf", "hwpx")
TMP_PREFIX = ".tmp-"

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


def parse_formats(value: str) -> tuple[str, ...]:
    """``html,pdf`` → ``("html", "pdf")``, each once, in any case; raises ``ValueError`` naming an unknown one."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(f"알 수 없는 형식 {', '.join(unknown) or '(없음)'}; 가능: {', '.join(FORMATS)}")
    return chosen


def write_file(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write a file the user named (``-o``) atomically; raises :class:`OutputError` saying why it cannot be.

    Only a regular file is replaced: a device (``/dev/null``), a FIFO or a link at ``path``
    is refused, not replaced by a file.
    """
    refuse_special(path)
    try:
        write_atomic(Path(path), data)
    except OSError as exc:
        raise OutputError(f"{os.fspath(path)}에 쓸 수 없습니다: {exc.strerror or exc}") from None


def refuse_special(path: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` when ``path`` exists and is not a regular file (a device, a FIFO, a link)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{os.fspath(path)}에 쓸 수 없습니다: {exc.strerror or exc}") from None
    if stat.S_ISLNK(mode):
        kind = "링크"
    elif stat.S_ISDIR(mode):
        kind = "폴더"
    elif not stat.S_ISREG(mode):
        kind = "장치나 FIFO 같은 특수 파일"
    else:
        return
    raise OutputError(f"{os.fspath(path)}은(는) {kind}라 그 자리에 파일을 쓰지 않습니다 — 일반 파일 이름을 주세요")


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


def output_path(out: Path, rel: str, suffix: str) -> Path:
    """The output for ``rel``; never outside ``out``."""
    target = (out / f"{rel}.{suffix}").resolve()
    if not target.is_relative_to(out.resolve()):
        raise UsageError(f"출력 경로가 출력 폴더 밖입니다: {rel}")
    return target


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
