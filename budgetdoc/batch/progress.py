"""Progress of a long run on stderr: a bar on a terminal, otherwise one line per document (``[12/30] 완료 …``).

``build`` and ``book`` hand :meth:`Progress.plan` and :meth:`Progress.result` to the engine as
its callbacks, so a run of thousands of documents shows how far it is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click


class Progress:
    """Rendering progress on stderr: a bar on a terminal, otherwise one line per document."""

    LABELS = {"built": "완료", "drafted": "초안", "failed": "실패", "error": "오류"}

    # The line announcing a run: (documents to render, the others).
    DESCRIBE: dict[str, Callable[[int, int], str]] = {
        "build": lambda todo, skipped: f"문서 {todo}개를 만듭니다 (바뀌지 않은 {skipped}개는 건너뜀).",
        "book": lambda todo, cached: f"문서 {todo}개를 렌더링합니다 (캐시에 있는 {cached}개는 그대로 씀).",
    }

    def __init__(self, setting: bool | None, run: str) -> None:
        self.interactive = sys.stderr.isatty() if setting is None else setting
        self.describe = self.DESCRIBE[run]
        self.errors = run == "build"  # a build names a document that failed to render at once; a book at its end
        self.bar: Any = None
        self.done = self.total = 0

    def waiting(self, out: str) -> None:
        """Another build holds the output folder's lock."""
        click.echo(f"다른 빌드가 {out}을(를) 쓰고 있어 끝나기를 기다립니다…", err=True)

    def plan(self, todo: int, other: int) -> None:
        """Announce the run; start the bar when there is something to render."""
        self.total = todo
        if not todo:
            return
        click.echo(self.describe(todo, other), err=True)
        if self.interactive:
            self.bar = click.progressbar(length=todo, label="렌더링", file=sys.stderr, show_pos=True, show_eta=True)
            self.bar.__enter__()

    def result(self, result: Any) -> None:
        """Advance the bar, or print one line for a finished document; name a rendering error."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        else:
            count = f"[{self.done:>{len(str(self.total))}}/{self.total}]"
            label = self.LABELS.get(result.status, result.status)
            click.echo(f"{count} {label} {result.source.shown} ({result.seconds:.2f}초)", err=True)
        if self.errors and result.status == "error":
            click.echo(f"{result.source.shown}: 렌더링 오류: {result.message}", err=True)

    def close(self) -> None:
        """End the bar."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
