"""Data sources: finding the data files under the paths given and reading each one once."""

from __future__ import annotations

import dataclasses
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from budgetdoc.errors import BuildError
from budgetdoc.names import shown_path

if TYPE_CHECKING:
    from budgetdoc.model.document import Document

YAML_SUFFIXES = (".yaml", ".yml")  # in any case: X.YAML is a data file too
WORKBOOK_SUFFIX = ".xlsx"  # a workbook made by export or template: one source per project sheet
MAX_DATA = 2 * 1024 * 1024  # the loader's limit (load.MAX_BYTES); a bigger file is read by the loader only to refuse it


def read_data(path: str, root: str = "") -> bytes | None:
    """The bytes of a data file, or ``None`` when the loader must say why it cannot be read.

    Only a regular file is ever read (opened without blocking, so a FIFO cannot hang
    the build), never one behind a link out of ``root``, and never more than the
    loader's limit; a name that is not UTF-8 is not read either.
    """
    try:
        path.encode("utf-8")
        if root and os.path.islink(path):
            target, folder = os.path.realpath(path), os.path.realpath(root)
            if os.path.commonpath([target, folder]) != folder:
                return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, UnicodeEncodeError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size <= MAX_DATA:
            chunk = os.read(fd, MAX_DATA + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return None if size > MAX_DATA else b"".join(chunks)


@dataclass(frozen=True, order=True)
class Source:
    """One data file and where its outputs go, relative to the output folder."""

    rel: str  # e.g. "2024/지역균형발전_추진" (no suffix)
    path: str  # the YAML file as given (for messages)
    root: str = ""  # the folder it was found in; a link out of it is not read ("" for a file given by name)
    clash: str = ""  # another data file with the same output name: neither is built
    data: bytes | None = field(default=None, compare=False, repr=False)  # the exact bytes the key was made of
    sheet: str = ""  # a workbook's project sheet

    @property
    def shown(self) -> str:
        """The data file for messages, with its sheet for a workbook: ``FILE.xlsx!시트``."""
        return shown_path(self.path) + (f"!{self.sheet}" if self.sheet else "")

    @property
    def workbook(self) -> bool:
        """Whether the data file is a workbook (``.xlsx``) rather than YAML."""
        return self.path.lower().endswith(WORKBOOK_SUFFIX)

    def load(self) -> Document:
        """The loaded document (from :attr:`data` when given); raises :class:`~budgetdoc.formats.load.LoadError`."""
        from budgetdoc.formats.load import LoadError, load
        from budgetdoc.model.document import Problem

        if self.clash:
            message = f"{shown_path(self.clash)}와(과) 출력 이름({shown_path(self.rel)})이 같아 둘 다 만들지 않습니다"
            raise LoadError([Problem(shown_path(self.path), 1, 1, "same-output", message)])
        if self.workbook:
            from budgetdoc.formats.workbook.read import load_workbook_document

            if self.root and os.path.islink(self.path):
                target, folder = os.path.realpath(self.path), os.path.realpath(self.root)
                if os.path.commonpath([target, folder]) != folder:
                    return load(self.path, within=self.root)  # refused by the loader, with its message
            return load_workbook_document(self.path, self.sheet, data=self.data)
        return load(self.path, within=self.root or None, data=self.data)


def _workbook_sources(rel: str, path: str, root: str = "") -> list[Source]:
    """One source per project sheet of a workbook (``rel/시트`` when it has several)."""
    from budgetdoc.formats.workbook.read import project_sheets

    sheets = project_sheets(path)
    if len(sheets) <= 1:
        return [Source(rel, path, root, sheet=sheets[0] if sheets else "")]
    return [Source(f"{rel}/{sheet}", path, root, sheet=sheet) for sheet in sheets]


def _listed(names: list[str]) -> str:
    shown = ", ".join(shown_path(n) for n in names[:5])
    return shown + (f" 외 {len(names) - 5}개" if len(names) > 5 else "")


def discover(paths: list[str], notes: list[str] | None = None) -> list[Source]:
    """Data files under ``paths`` (files or folders), sorted, mirroring each folder's tree.

    Every file given is accounted for: what a folder holds besides data files (hidden
    files and folders, folders whose name starts with ``_``, other suffixes) and a
    folder without any data file are told once per folder in ``notes``; two files
    with one output name (``x.yaml`` beside ``x.yml``, ``a/x.yaml`` and ``b/x.yaml``
    given as two arguments, names that differ only in case) each carry the other in
    :attr:`Source.clash`, so that neither is built.

    Links to folders are not followed; a file that is a link is read only if it points
    inside the folder it was found in (see :meth:`Source.load`).
    """
    said = notes if notes is not None else []
    found: dict[str, list[Source]] = {}

    def add(source: Source) -> None:
        same = found.setdefault(source.rel.casefold(), [])
        if all(os.path.abspath(s.path) != os.path.abspath(source.path) for s in same):
            same.append(source)

    for given in paths:
        root = Path(given)
        if root.is_dir():
            count = 0

            def unreadable(exc: OSError) -> None:
                said.append(f"{shown_path(str(exc.filename))}: 폴더를 읽을 수 없어 건너뜁니다 ({exc.strerror})")

            for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
                left = [d + "/" for d in sorted(dirnames) if d.startswith((".", "_"))]
                dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
                for name in sorted(filenames):
                    if name.startswith(".") or not name.lower().endswith((*YAML_SUFFIXES, WORKBOOK_SUFFIX)):
                        left.append(name)
                        continue
                    file = Path(dirpath) / name
                    rel = file.relative_to(root).with_suffix("").as_posix()
                    if name.lower().endswith(WORKBOOK_SUFFIX):
                        for source in _workbook_sources(rel, os.path.normpath(file), os.path.normpath(root)):
                            add(source)
                    else:
                        add(Source(rel, os.path.normpath(file), os.path.normpath(root)))
                    count += 1
                if left:
                    said.append(
                        f"{shown_path(os.path.normpath(dirpath))}: 읽지 않은 것 {len(left)}개: {_listed(left)} "
                        "(숨긴 것, _로 시작하는 폴더, .yaml·.yml·.xlsx가 아닌 파일은 읽지 않습니다)"
                    )
            if not count:
                said.append(f"{shown_path(given)}: 데이터 파일(.yaml, .yml, .xlsx)이 없습니다")
        elif os.path.lexists(root):  # a file, or something the loader will refuse by name (a FIFO, a broken link)
            if root.name.lower().endswith(WORKBOOK_SUFFIX) and root.is_file():
                for source in _workbook_sources(root.with_suffix("").name, os.path.normpath(root)):
                    add(source)
            else:
                add(Source(root.with_suffix("").name, os.path.normpath(root)))
        else:
            raise BuildError(f"파일이나 폴더가 없습니다: {shown_path(given)}")
    sources: list[Source] = []
    for same in found.values():
        if len(same) == 1:
            sources.extend(same)
        else:
            for source in same:
                others = ", ".join(s.path for s in same if s is not source)
                sources.append(dataclasses.replace(source, clash=others))
    return sorted(sources)
