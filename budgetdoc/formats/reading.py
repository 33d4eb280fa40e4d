"""Reading an input file once, safely: the one place that opens a data file, a workbook or a text to import.

Only a regular file is read, opened without blocking (a FIFO named like a data file
cannot hang any command), never one behind a link out of the folder it was found in,
never one whose name is not UTF-8, and never more than a limit. Standard library only,
so that a build with nothing to do reads its files without importing the loader.
"""

from __future__ import annotations

import errno
import os
import stat

from budgetdoc.names import shown_path

MAX_DATA = 2 * 1024 * 1024  # a YAML file or a published text
MAX_WORKBOOK = 20 * 1024 * 1024  # a workbook file

#: Rules of problems that mean a file could not be read at all (exit code 2 rather than 1).
UNREADABLE = frozenset({"unreadable", "encoding", "file-size"})
# A file over its limit: the rule and message of the problem that says so (a workbook's is larger).
TOO_BIG = ("file-size", f"파일이 너무 큽니다 (최대 {MAX_DATA:,}바이트)")
TOO_BIG_WORKBOOK = ("unreadable", f"통합 문서가 너무 큽니다 (최대 {MAX_WORKBOOK:,}바이트)")


_OS_MESSAGES = {
    errno.ENOENT: "파일이 없습니다",
    errno.EACCES: "파일을 읽을 권한이 없습니다",
    errno.EPERM: "파일을 읽을 권한이 없습니다",
    errno.ELOOP: "심볼릭 링크가 순환합니다",
    errno.EISDIR: "파일이 아니라 폴더입니다",
}


class Refused(Exception):
    """Why a file is not read: the rule and message of the problem the callers report at its first line."""

    def __init__(self, message: str, errno: int = 0, rule: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.errno = errno  # the operating system's, when it refused
        self.rule = rule


def os_message(exc: OSError) -> str:
    """An operating system's refusal in Korean."""
    return _OS_MESSAGES.get(exc.errno or 0) or f"파일을 읽을 수 없습니다 ({exc.strerror or exc})"


def outside(path: str, within: str) -> str:
    """Where ``path`` leads when that is outside the folder ``within``, else ``""``."""
    target, folder = os.path.realpath(path), os.path.realpath(within)
    return target if os.path.commonpath([target, folder]) != folder else ""


def read_file(
    path: str | os.PathLike[str], within: str | None = None, workbook: bool = False, limit: int | None = None
) -> bytes:
    """The bytes of a YAML file or a text to import (``workbook``: of a workbook); raises :class:`Refused`.

    A file over its limit (:data:`MAX_DATA`, :data:`MAX_WORKBOOK`, or ``limit`` for the tool's
    own files such as a build manifest) is refused after reading one byte more than the limit,
    never the rest. With ``within`` (a folder), a file that resolves outside it is refused.
    """
    limit = limit if limit is not None else MAX_WORKBOOK if workbook else MAX_DATA
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        raise Refused("파일 이름이 UTF-8이 아닙니다 — 이름을 바꾸세요") from None
    if within is not None:
        target = outside(os.fspath(path), within)
        if target:
            raise Refused(f"데이터 폴더 밖을 가리키는 링크라 읽지 않습니다 (→ {shown_path(target)})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise Refused(os_message(exc), exc.errno or 0) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused("일반 파일이 아닙니다")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise Refused(os_message(exc), exc.errno or 0) from None
    finally:
        os.close(fd)
    if size > limit:
        rule, message = TOO_BIG_WORKBOOK if workbook else TOO_BIG
        raise Refused(
            message if limit in (MAX_DATA, MAX_WORKBOOK) else f"파일이 너무 큽니다 (최대 {limit:,}바이트)", rule=rule
        )
    return b"".join(chunks)
