"""What an output name given with ``-o`` promises: a file of one kind, or a folder.

Every command checks its ``-o`` here before it reads or writes anything, so that a name
whose suffix does not match what would be written (a workbook named ``.pdf``, a folder of
documents named ``one.pdf``) is refused with the suffix it needs, never written as asked.
"""

from __future__ import annotations

import os

from budgetdoc.errors import OutputError
from budgetdoc.names import shown_path

# Suffixes of the files the tool reads or writes: a folder named with one of them is a mistake.
FILE_SUFFIXES = (".pdf", ".html", ".htm", ".hwpx", ".hwp", ".xlsx", ".xls", ".yaml", ".yml", ".json", ".txt", ".zip")


def _suffix(out: str) -> str:
    return os.path.splitext(out.rstrip("/" + os.sep))[1].lower()


def is_folder_name(out: str) -> bool:
    """Whether ``out`` names a folder: it ends with ``/`` or is one."""
    return out.endswith(("/", os.sep)) or os.path.isdir(out)


def expect_file(out: str, suffixes: tuple[str, ...], kind: str, folder: str = "") -> None:
    """Refuse ``out`` unless it ends with one of ``suffixes`` (any case).

    ``kind`` names what is written (``합본 PDF``); ``folder``, when the command can also
    write a folder there, says how (``폴더에 사업마다 하나씩``). Raises :class:`OutputError`.
    """
    if _suffix(out) in suffixes and not out.endswith(("/", os.sep)):
        return
    if folder and is_folder_name(out):
        return
    want = "·".join(suffixes)
    stem = os.path.splitext(os.path.basename(out.rstrip("/" + os.sep)))[0] or "이름"
    got = f"{_suffix(out)}로 끝남" if _suffix(out) else "확장자 없음"
    other = f"; {folder} 쓰려면 이름 끝에 /를 붙이세요" if folder else ""
    raise OutputError(
        f"{shown_path(out)}: {kind}의 이름은 {want}로 끝나야 합니다 ({got}; 예: {stem}{suffixes[0]}){other}"
    )


def expect_folder(out: str, holds: str) -> None:
    """Refuse ``out`` when it names a file: an existing one, or a name with a document's suffix.

    ``holds`` says what the folder would hold, with its particle (``문서를``). Raises :class:`OutputError`.
    """
    if os.path.isdir(out):
        return
    if os.path.lexists(out):
        raise OutputError(f"{shown_path(out)}: 출력 폴더 자리에 폴더가 아닌 파일이 있습니다")
    suffix = _suffix(out)
    if suffix in FILE_SUFFIXES and not out.endswith(("/", os.sep)):
        raise OutputError(
            f"{shown_path(out)}: -o는 {holds} 담을 폴더입니다 — {suffix}로 끝나는 이름은 파일 이름이라 쓰지 않습니다 "
            "(그런 이름의 폴더가 정말 필요하면 끝에 /를 붙이세요)"
        )
