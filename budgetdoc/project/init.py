"""``init``: a data repository that a budget office can use at once, new or existing.

The files come from ``budgetdoc/project/skeleton/`` (package data, real files that the tests lint
and run as they are) plus the JSON Schema, generated from the model, at the path that the
``# yaml-language-server: $schema=`` line of every data file points at.

Into a folder that already holds a repository (one GitHub made with a README and a
``.gitignore``), ``init`` writes what is missing and keeps what is there: the lines the
tool needs are added to an existing ``.gitignore``, the office README goes beside an
existing one as ``README.budgetdoc.md``, and any other file that exists is left as it is
(``--force`` writes over them). Every decision is reported. Nothing is written through a
link or outside the folder, and a write that fails takes back every file and folder that
this run made.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path, PurePosixPath

from budgetdoc.batch.files import TMP_PREFIX, clean_folder, refuse_outside, unwritable, write_atomic
from budgetdoc.errors import BudgetdocError
from budgetdoc.formats.reading import Refused, read_file
from budgetdoc.model.schema import SCHEMA_FILE, schema_json
from budgetdoc.names import shown_path

GITIGNORE = PurePosixPath(".gitignore")
README = PurePosixPath("README.md")
README_BESIDE = PurePosixPath("README.budgetdoc.md")
LINK_HINT = "저장소 폴더 안의 실제 폴더에 만듭니다"


class InitError(BudgetdocError):
    """The folder cannot take the repository; ``message`` says why, in Korean."""


@dataclass
class Created:
    """What ``init`` did: the folder, and for every file of the skeleton what became of it."""

    root: Path
    files: list[PurePosixPath] = field(default_factory=list)  # written new (or over, with force)
    decisions: list[str] = field(default_factory=list)  # one line per file, in skeleton order

    def report(self, folder: str) -> list[str]:
        """What the command says: a line per file, then where and how many."""
        kept = sum("그대로 둡니다" in d for d in self.decisions)
        readme = README_BESIDE if (self.root / README_BESIDE).exists() else README
        if not self.files:
            done = f"{folder}: 이미 데이터 저장소라 쓴 파일이 없습니다. {readme}를 읽어 보세요."
        else:
            tail = f", 그대로 둔 파일 {kept}개" if kept else ""
            done = (
                f"{folder}: 데이터 저장소를 만들었습니다 (쓴 파일 {len(self.files)}개{tail}). {readme}를 읽어 보세요."
            )
        return [*(f"  {line}" for line in self.decisions), done]


def skeleton() -> dict[PurePosixPath, bytes]:
    """Every file of the data repository by its path inside it."""
    out: dict[PurePosixPath, bytes] = {}

    def walk(node: Traversable, prefix: PurePosixPath) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            path = prefix / child.name
            if child.is_dir():
                walk(child, path)
            elif child.name != "__pycache__":
                out[path] = child.read_bytes()

    walk(resources.files("budgetdoc.project") / "skeleton", PurePosixPath())
    out[SCHEMA_FILE] = schema_json().encode("utf-8")
    return dict(sorted(out.items()))


def _missing_lines(existing: bytes, wanted: bytes) -> list[str]:
    have = {line.strip() for line in existing.decode("utf-8", "replace").splitlines()}
    return [line for line in wanted.decode("utf-8").splitlines() if line.strip() and line.strip() not in have]


def _plan(base: Path, root: Path, force: bool) -> tuple[dict[PurePosixPath, bytes], list[str]]:
    """What to write where (paths inside the repository → bytes), and the line that says so for each file."""
    writes: dict[PurePosixPath, bytes] = {}
    decisions: list[str] = []
    for path, data in skeleton().items():
        target = refuse_outside(base, path, LINK_HINT, root)
        there = os.path.lexists(target)
        if not there:
            writes[path] = data
            decisions.append(f"{path}: 새로 씁니다")
        elif force:
            writes[path] = data
            decisions.append(f"{path}: 이미 있는 파일을 덮어씁니다 (--force)")
        elif path == GITIGNORE:
            try:  # through the one reader: a regular file, at most MAX_DATA, never a FIFO that blocks
                existing = read_file(target)
            except Refused as exc:
                raise InitError(f"{shown_path(str(root / path))}: {exc.message}") from None
            missing = _missing_lines(existing, data)
            if missing:
                glue = b"" if not existing or existing.endswith(b"\n") else b"\n"
                writes[path] = existing + glue + ("\n".join(["# budgetdoc", *missing]) + "\n").encode("utf-8")
                decisions.append(f"{path}: 이미 있어 필요한 줄 {len(missing)}개를 덧붙입니다 ({', '.join(missing)})")
            else:
                decisions.append(f"{path}: 이미 있고 필요한 줄이 모두 있어 그대로 둡니다")
        elif path == README:
            beside = refuse_outside(base, README_BESIDE, LINK_HINT, root)
            if os.path.lexists(beside):
                decisions.append(f"{path}: 이미 있고 {README_BESIDE}도 있어 그대로 둡니다 (덮어쓰려면 --force)")
            else:
                writes[README_BESIDE] = data
                decisions.append(f"{path}: 이미 있어 사무실용 안내는 {README_BESIDE}로 씁니다")
        else:
            decisions.append(f"{path}: 이미 있어 그대로 둡니다 (덮어쓰려면 --force)")
    return writes, decisions


def init(root: Path, force: bool = False) -> Created:
    """Write the data repository into ``root`` (created if missing); raises :class:`InitError` or ``OutputError``.

    Files that exist are kept (see the module's docstring), or written over with ``force``.
    """
    if os.path.lexists(root) and not root.is_dir():
        raise InitError(f"{shown_path(str(root))}: 폴더가 아니라 파일입니다")
    if root.is_symlink():
        raise InitError(f"{shown_path(str(root))}: 링크입니다 — 링크가 가리키는 폴더를 직접 주세요")
    base = root.resolve()  # once: every path below is checked under it, no link followed
    writes, decisions = _plan(base, root, force)
    made: list[Path] = []  # folders this run created, to take back on failure
    written: list[tuple[Path, Path | None]] = []  # each file written, with a link to what it held (None: new)
    path = PurePosixPath()
    try:
        for path, data in writes.items():
            target = base / path
            missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
            made.extend(reversed(missing))
            clean_folder(target.parent)
            kept = None
            if os.path.lexists(target):  # the old file stays reachable by a link: taking it back needs no space
                kept = target.with_name(f"{TMP_PREFIX}{os.getpid()}-{target.name}")
                os.link(target, kept)
            written.append((target, kept))
            write_atomic(target, data)
    except OSError as exc:
        for target, kept in reversed(written):  # all or nothing
            with contextlib.suppress(OSError):
                os.replace(kept, target) if kept else target.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise unwritable(exc, root / path) from None
    for _, kept in written:
        if kept:
            kept.unlink(missing_ok=True)
    return Created(root, list(writes), decisions)
