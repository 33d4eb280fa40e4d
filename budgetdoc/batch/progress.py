"""Progress of a long run on stderr: a bar on a terminal, otherwise one line per document.

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

    def __init__(self, setting: bool | None, describe: Callable[[int, int], str]) -> None:
        self.interactive = sys.stderr.isatty() if setting is None else setting
        self.describe = describe  # (to render, the others) → the line announcing the run
        self.bar: Any = None

    def plan(self, todo: int, other: int) -> None:
        """Announce the run; start the bar when there is something to render."""
        if not todo:
            return
        click.echo(self.describe(todo, other), err=True)
        if self.interactive:
            self.bar = click.progressbar(length=todo, label="렌더링", file=sys.stderr, show_pos=True, show_eta=True)
            self.bar.__enter__()

    def result(self, result: Any) -> None:
        """Advance the bar, or print one line for a finished document."""
        if self.bar is not None:
            self.bar.update(1)
        else:
            click.echo(
                f"{self.LABELS.get(result.status, result.status)} {result.source.shown} ({result.seconds:.2f}초)",
                err=True,
            )

    def close(self) -> None:
        """End the bar."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
