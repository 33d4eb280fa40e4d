"""Template faults as one-line errors: where a template fails and what it could not load.

A template bug or a resource WeasyPrint cannot load (it logs them and goes on without)
becomes one :class:`~budgetdoc.errors.TemplateError`, the same for a build, a book and the
live preview.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

from budgetdoc.errors import TemplateError
from budgetdoc.names import shown_path


def template_message(templates: Path, exc: Exception) -> str:
    """Where a template fails and why, in one line."""
    import jinja2  # deferred: a build with nothing to do imports this module, not Jinja2

    where = shown_path(str(templates))
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.name:
        where = f"{where}/{exc.name}:{exc.lineno}"
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(str(templates))]
        if frames:
            where = f"{shown_path(frames[-1].filename)}:{frames[-1].lineno}"
    return f"{where}: 템플릿 오류: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def refused_resources() -> Iterator[list[str]]:
    """The resources WeasyPrint could not load while rendering (it logs them and goes on without)."""
    refused: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message.startswith("Failed to load"):
                refused.append(message.split("\n", 1)[0])

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield refused
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def template_faults(templates: Path) -> Iterator[None]:
    """Report a template bug or an unloadable resource inside the block as one TemplateError.

    The error carries its one-line message; build and book both turn it into exit 3.
    """
    import jinja2  # deferred: a build with nothing to do imports this module, not Jinja2

    with refused_resources() as refused:
        try:
            yield
        except jinja2.TemplateError as exc:
            raise TemplateError(template_message(templates, exc)) from None
    if refused:
        raise TemplateError(f"{shown_path(str(templates))}: 템플릿의 자원을 불러올 수 없습니다: {refused[0]}")
