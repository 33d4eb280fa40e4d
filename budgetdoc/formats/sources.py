"""Data sources: finding the data files under the paths given and reading each one once.

:func:`discover` finds them; :meth:`Source.read` (or :func:`read_sources` for many) reads a
file's bytes once, or says why it cannot, for every command; :meth:`Source.load` loads the
document from those bytes. A workbook is read once too: its project sheets are listed from
the bytes every sheet is then loaded from.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from budgetdoc.errors import NoData, UsageError
from budgetdoc.formats.reading import Refused, read_file
from budgetdoc.names import shown_path

if TYPE_CHECKING:
    from budgetdoc.model.document import Document, Problem

YAML_SUFFIXES = (".yaml", ".yml")  # in any case: X.YAML is a data file too
WORKBOOK_SUFFIX = ".xlsx"  # a workbook made by export or template: one source per project sheet
DATA_SUFFIXES = (*YAML_SUFFIXES, WORKBOOK_SUFFIX)
# Files given by name that are not data but are taken for it: what to do with each instead.
NOT_DATA = {
    ".txt": "게시된 텍스트 문서는 데이터 파일이 아닙니다 — 먼저 YAML로 바꾸세요: import {name} -o data/",
    ".xls": "예전 엑셀 형식(.xls)은 읽지 않습니다 — 엑셀이나 LibreOffice에서 .xlsx로 저장해 주세요",
    ".xlsm": "매크로가 든 통합 문서(.xlsm)는 읽지 않습니다 — 매크로 없이 .xlsx로 저장해 주세요",
    ".ods": "LibreOffice 형식(.ods)은 읽지 않습니다 — .xlsx(Excel 2007-365)로 저장해 주세요",
}


def is_data_file(rel: str) -> bool:
    """Whether a path inside a data folder (``a/b/x.yaml``, ``/``-separated) is a data file commands read.

    Not hidden, not under a hidden folder or one whose name starts with ``_``, and ``.yaml``,
    ``.yml`` or ``.xlsx`` in any case: the one rule of :func:`discover`, of the revisions
    ``diff`` reads and of the live preview's watcher.
    """
    parts = rel.split("/")
    if any(p.startswith((".", "_")) for p in parts[:-1]) or parts[-1].startswith("."):
        return False
    return parts[-1].lower().endswith(DATA_SUFFIXES)


@dataclass(frozen=True)
class Refusal:
    """Why a data file is not read: the rule and message of the problem at its first line."""

    rule: str
    message: str


@dataclass(frozen=True, order=True)
class Source:
    """One data file and where its outputs go, relative to the output folder."""

    rel: str  # e.g. "2024/지역균형발전_추진" (no suffix)
    path: str  # the YAML file as given (for messages)
    root: str = ""  # the folder it was found in; a link out of it is not read ("" for a file given by name)
    clash: str = ""  # another data file with the same output name: neither is built
    data: bytes | None = field(default=None, compare=False, repr=False)  # the exact bytes the key was made of
    sheet: str = ""  # a workbook's project sheet
    refused: Refusal | None = field(default=None, compare=False)  # why the file was not read (see read())

    @property
    def shown(self) -> str:
        """The data file for messages, with its sheet for a workbook: ``FILE.xlsx!시트``."""
        return shown_path(self.path) + (f"!{self.sheet}" if self.sheet else "")

    @property
    def workbook(self) -> bool:
        """Whether the data file is a workbook (``.xlsx``) rather than YAML."""
        return self.path.lower().endswith(WORKBOOK_SUFFIX)

    def read(self) -> bytes | Refusal:
        """The file's bytes, or why they cannot be read; the bytes held (:attr:`data`) when read before.

        Every command reads its data files through this, once: only a regular file (opened
        without blocking, so a FIFO cannot hang it), never one behind a link out of
        :attr:`root`, never more than its format's limit, and never one that shares its
        output name with another.
        """
        if self.data is not None:
            return self.data
        if self.refused is not None:
            return self.refused
        if self.clash:
            message = f"{shown_path(self.clash)}와(과) 출력 이름({shown_path(self.rel)})이 같아 둘 다 만들지 않습니다"
            return Refusal("same-output", message)
        try:
            return read_file(self.path, within=self.root or None, workbook=self.workbook)
        except Refused as exc:
            return Refusal(exc.rule, exc.message)

    def with_read(self) -> Source:
        """This source with its bytes in :attr:`data`, or the reason in :attr:`refused`."""
        got = self.read()
        if isinstance(got, Refusal):
            return dataclasses.replace(self, refused=got)
        return dataclasses.replace(self, data=got)

    def refusal(self) -> list[Problem]:
        """The problem that says why the file cannot be read, at its first line; ``[]`` when it can."""
        got = self.read()
        if not isinstance(got, Refusal):
            return []
        from budgetdoc.model.document import Problem  # deferred, as in load()

        return [Problem(shown_path(self.path), 1, 1, got.rule, got.message)]

    def load(self) -> Document:
        """The document, loaded from the bytes :meth:`read` gives; raises :class:`~budgetdoc.formats.load.LoadError`."""
        # Deferred: a build with nothing to do reads its files through this module, with the standard library only.
        from budgetdoc.formats.load import LoadError, decode, load_text

        got = self.read()
        if isinstance(got, Refusal):
            raise LoadError(self.refusal())
        if self.workbook:
            from budgetdoc.formats.workbook.read import load_workbook_document  # deferred: openpyxl

            return load_workbook_document(self.path, self.sheet, got)
        file = shown_path(self.path)
        return load_text(decode(got, file), file)


def read_sources(sources: list[Source]) -> list[Source]:
    """Each source with its bytes read once (:attr:`Source.data`), or the reason it cannot be (:attr:`Source.refused`)."""
    return [source.with_read() for source in sources]


def sheet_sources(workbook: Source, notes: list[str] | None = None) -> list[Source]:
    """One source per project sheet of a workbook (``rel/시트`` when it has several), each with its bytes.

    The workbook is read once (unless its bytes are given, as a git revision's are): its
    sheets are listed from the bytes every sheet is then loaded from. One that cannot be
    read is one source that says why. A sheet that holds no project (empty, not the form,
    nothing entered) is told in ``notes``.
    """
    source = workbook.with_read()
    if source.data is None:
        return [source]
    from budgetdoc.formats.workbook.read import project_sheets, skipped_sheets  # deferred: openpyxl

    file = shown_path(source.path)
    sheets = project_sheets(source.data, file)
    if notes is not None and sheets:
        notes.extend(f"{file}!{name}: {why}" for name, why in skipped_sheets(source.data, file))
    if len(sheets) <= 1:
        return [dataclasses.replace(source, sheet=sheets[0] if sheets else "")]
    return [dataclasses.replace(source, rel=f"{source.rel}/{sheet}", sheet=sheet) for sheet in sheets]


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
                    if name.startswith(".") or not name.lower().endswith(DATA_SUFFIXES):
                        left.append(name)
                        continue
                    file = Path(dirpath) / name
                    rel = file.relative_to(root).with_suffix("").as_posix()
                    if name.lower().endswith(WORKBOOK_SUFFIX):
                        for source in sheet_sources(Source(rel, os.path.normpath(file), os.path.normpath(root)), said):
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
            if root.suffix.lower() in NOT_DATA:
                raise NoData(f"{shown_path(given)}: " + NOT_DATA[root.suffix.lower()].format(name=shown_path(given)))
            if root.name.lower().endswith(WORKBOOK_SUFFIX):
                for source in sheet_sources(Source(root.with_suffix("").name, os.path.normpath(root)), said):
                    add(source)
            else:
                add(Source(root.with_suffix("").name, os.path.normpath(root)))
        else:
            raise UsageError(f"파일이나 폴더가 없습니다: {shown_path(given)}")
    sources: list[Source] = []
    for same in found.values():
        if len(same) == 1:
            sources.extend(same)
        else:
            for source in same:
                others = ", ".join(s.path for s in same if s is not source)
                sources.append(dataclasses.replace(source, clash=others))
    return sorted(sources)
