"""Output files: atomic writes, output paths, the output folder's lock and leftovers.

Every output is written to a temporary file beside it and renamed into place, so a reader
(or a build killed half-way) sees the old file or the whole new one, never a part.

A temporary file is named ``.tmp-<pid>-…`` after the process writing it. A process killed
while writing (``kill -9``) leaves its temporary file behind; every writer removes such
leftovers from the folders it writes to (:func:`clean_folder`, :func:`clean_leftovers`),
but never the file of a writer still running: a leftover was last written before this
process started and the process named in it is no longer running here (or the file is over
a day old: its number may have gone to another process since).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePath

from budgetdoc.errors import OutputError, UsageError
from budgetdoc.names import shown_path

LOCK = ".budgetdoc.lock"
BOOK_CACHE = ".budgetdoc-book"  # the book's cache of rendered parts, beside the book (merge copies it too)
DRAFTS = "_drafts"
FORMATS = ("html", "pdf", "hwpx")
TMP_PREFIX = ".tmp-"  # then the writer's process number: .tmp-<pid>-<random><suffix>
STALE_AFTER = 24 * 60 * 60  # seconds: a temporary file this old is a leftover whoever holds its number now
STARTED = time.time()  # when this process began (before it wrote anything)
_PID = re.compile(r"(\d+)-")

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
    errno.ENOENT: "경로의 폴더가 없습니다",
    errno.EIO: "디스크 입출력 오류가 났습니다",
    errno.EBUSY: "다른 프로그램이 쓰고 있습니다",
    errno.ETXTBSY: "다른 프로그램이 쓰고 있습니다",
    errno.EINVAL: "이 파일 시스템에서 쓸 수 없는 이름입니다",
    errno.ELOOP: "링크가 너무 여러 번 이어집니다",
    errno.EMLINK: "한 폴더에 둘 수 있는 수를 넘었습니다",
    errno.EFBIG: "파일이 이 파일 시스템에는 너무 큽니다",
    errno.EMFILE: "열린 파일이 너무 많습니다",
    errno.ENFILE: "열린 파일이 너무 많습니다",
    errno.EXDEV: "다른 파일 시스템으로는 옮길 수 없습니다",
}


def unwritable(exc: OSError, path: str | os.PathLike[str] | None = None) -> OutputError:
    """The one line that says which output cannot be written and why."""
    where = os.fspath(path) if path is not None else str(exc.filename or "")
    code = errno.errorcode.get(exc.errno or 0, "")
    cause = _CAUSES.get(exc.errno or 0) or f"운영 체제 오류 {code or exc.errno} ({exc.strerror or exc})"
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
    is refused, not replaced by a file. Leftovers of killed writers in its folder go first;
    the folders made for it go again when it cannot be written.
    """
    refuse_special(path)
    folder = Path(path).parent
    made = [p for p in [folder, *folder.parents] if not os.path.lexists(p)]  # taken back when writing fails
    clean_folder(folder)
    try:
        write_atomic(Path(path), data)
    except OSError as exc:
        for empty in made:
            with contextlib.suppress(OSError):
                empty.rmdir()
        raise unwritable(exc, path) from None


SPECIAL_HINT = "일반 파일 이름을 주세요"


def refuse_special(
    path: str | os.PathLike[str], hint: str = SPECIAL_HINT, shown: str | os.PathLike[str] | None = None
) -> None:
    """Raise :class:`OutputError` when ``path`` exists and is not a regular file (a device, a FIFO, a link, a folder).

    The message names ``shown`` (the path as the user spelled it) when given, and ends with ``hint``.
    """
    said = shown_path(os.fspath(shown if shown is not None else path))
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise unwritable(exc, said) from None
    if stat.S_ISLNK(mode):
        kind = "링크라"
    elif stat.S_ISDIR(mode):
        kind = "폴더라"
    elif not stat.S_ISREG(mode):
        kind = "장치나 FIFO 같은 특수 파일이라"
    else:
        return
    raise OutputError(f"{said}은(는) {kind} 그 자리에 파일을 쓰지 않습니다 — {hint}")


def refuse_outside(root: Path, rel: PurePath, hint: str, shown: Path | None = None) -> Path:
    """``root / rel`` when it can be written without leaving ``root``; else :class:`OutputError`.

    ``root`` is the folder the user named, resolved once by the caller. Every part of the
    way below it that exists must be a folder, neither a link (never followed, wherever
    it points) nor a file (named in the message). The file itself must be absent or a
    regular file (:func:`refuse_special`). Messages name the paths under ``shown`` (the
    folder as the user spelled it), or under ``root``.
    """
    said = shown if shown is not None else root
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutputError(f"{shown_path(str(said / rel))}은(는) {shown_path(str(said))} 밖이라 쓰지 않습니다")
    for depth in range(len(rel.parts)):
        here = root.joinpath(*rel.parts[:depth])
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            break  # made when written
        except OSError as exc:
            raise unwritable(exc, said / rel) from None
        way = shown_path(str(said.joinpath(*rel.parts[:depth])))
        if stat.S_ISLNK(mode) and depth:
            raise OutputError(f"{way}은(는) 링크라 그 안에 쓰지 않습니다 — {hint}")
        if not stat.S_ISDIR(mode):
            raise OutputError(f"{shown_path(str(said / rel))}에 쓸 수 없습니다: {way}은(는) 폴더가 아닌 파일입니다")
    else:
        refuse_special(root / rel, hint, said / rel)
    return root / rel


def make_folder(folder: Path) -> None:
    """``mkdir -p``; a file where a folder should be raises ``ENOTDIR`` (a file in the way), not ``EEXIST``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), os.fspath(folder)) from None


def write_temp(folder: Path, data: bytes | Iterable[bytes], suffix: str = "") -> str:
    """A finished temporary file in ``folder`` holding ``data`` (written, on disk, mode 0644); its path.

    ``data`` may come in pieces (a file copied as it is read). Nothing is left behind when
    writing fails.
    """
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)
    try:
        try:
            for chunk in [data] if isinstance(data, bytes) else data:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    Nothing is left behind when writing fails (no space, a read-only disk): the
    ``OSError`` names ``path`` itself, not the temporary file.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        make_folder(path.parent)
        tmp = write_temp(path.parent, raw, path.suffix)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename != os.fspath(path):
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from exc
        raise


def write_new(path: Path, data: bytes | str, shown: Path | None = None) -> bool:
    """Write ``path`` whole, only if nothing is there; ``False`` when something is.

    The file appears at once (a hard link of a finished temporary file), so there is never
    a half-written file and never one written over another. Raises :class:`OutputError`
    naming ``shown`` (or ``path``) when it cannot be written, a file where one of its
    folders should be included.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        make_folder(path.parent)
        tmp = write_temp(path.parent, raw, path.suffix)
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError as exc:
        raise unwritable(exc, shown if shown is not None else path) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return True


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


def clean_leftovers(out: Path, stale_only: bool = False) -> int:
    """Remove the temporary files under ``out`` (links to folders not followed); how many.

    A build, holding the folder's lock, removes them all (its own workers' too, once they
    are gone); with ``stale_only`` only the leftovers of killed writers (:func:`is_leftover`).
    """
    removed = 0
    for dirpath, _, filenames in os.walk(out):
        for name in filenames:
            if name.startswith(TMP_PREFIX) and (not stale_only or is_leftover(os.path.join(dirpath, name))):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # someone else's process
    except (OSError, OverflowError):
        return False
    return True


def is_leftover(path: str) -> bool:
    """Whether ``path`` is a temporary file that a killed writer left (see the module's note)."""
    name = os.path.basename(path)
    if not name.startswith(TMP_PREFIX):
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_mtime >= STARTED:
        return False
    match = _PID.match(name, len(TMP_PREFIX))
    if match is None:
        return True  # named without a process number: by an earlier version, never by a writer running now
    pid = int(match.group(1))
    return pid == os.getpid() or not _running(pid) or time.time() - st.st_mtime > STALE_AFTER


_CLEANED: set[str] = set()  # folders this process has cleaned: nothing can be left over in them since


def clean_folder(folder: Path) -> int:
    """Remove the leftovers (:func:`is_leftover`) in ``folder`` itself, once per process; how many."""
    key = os.path.abspath(folder)
    if key in _CLEANED:
        return 0
    _CLEANED.add(key)
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    removed = 0
    for name in names:
        path = os.path.join(folder, name)
        if name.startswith(TMP_PREFIX) and is_leftover(path):
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
    return removed
