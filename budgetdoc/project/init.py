"""``init``: a data repository that a budget office can use at once.

The files come from ``budgetdoc/project/skeleton/`` (package data, real files that the tests lint
and run as they are) plus the JSON Schema, generated from the model, at the path that the
``# yaml-language-server: $schema=`` line of every data file points at. Nothing that exists
is overwritten: if any file of the skeleton is already in the folder, nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path, PurePosixPath

from budgetdoc.batch.files import write_atomic
from budgetdoc.errors import BudgetdocError
from budgetdoc.model.schema import SCHEMA_FILE, schema_json


class InitError(BudgetdocError):
    """The folder cannot take the repository; ``message`` says why, in Korean."""


@dataclass(frozen=True)
class Created:
    """What ``init`` wrote: the folder and the paths inside it."""

    root: Path
    files: list[PurePosixPath]

    def report(self, folder: str) -> list[str]:
        """What the command says: each file written, then where and how many."""
        done = f"{folder}: 데이터 저장소를 만들었습니다 (파일 {len(self.files)}개). README.md를 읽어 보세요."
        return [*(f"  {path}" for path in self.files), done]


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


def init(root: Path) -> Created:
    """Write the data repository into ``root`` (created if missing); raises :class:`InitError`."""
    files = skeleton()
    if root.exists() and not root.is_dir():
        raise InitError(f"{root}: 폴더가 아니라 파일입니다")
    taken = [path for path in files if (root / path).exists() or (root / path).is_symlink()]
    if taken:
        shown = ", ".join(str(p) for p in taken[:5]) + (f" 외 {len(taken) - 5}개" if len(taken) > 5 else "")
        raise InitError(f"{root}에 이미 있는 파일은 덮어쓰지 않습니다: {shown}")
    written: list[Path] = []
    try:
        for path, data in files.items():
            write_atomic(root / path, data)
            written.append(root / path)
    except OSError as exc:
        for done in written:  # all or nothing
            done.unlink(missing_ok=True)
        raise InitError(f"{root}에 쓸 수 없습니다: {exc.strerror or exc}") from None
    return Created(root, list(files))
