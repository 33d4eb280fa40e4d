"""One document from data file to printable HTML: the steps every command shares.

:func:`prepare` loads, checks and computes a document once; ``build``, ``book``, ``check``
(and the live preview) all start from its :class:`Prepared`, so a document that fails in
one command fails the same way in every other, and ``--draft`` means the same everywhere.

A build imports this module on its way to deciding that nothing needs building, which needs
only the standard library (tested). So the model (pydantic), the loader (PyYAML), the checks
and the renderers (Jinja2, WeasyPrint) are imported where a document is prepared or
rendered, not at the top.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from budgetdoc.errors import code_for
from budgetdoc.formats.reading import UNREADABLE
from budgetdoc.formats.sources import Source, discover
from budgetdoc.names import shown_path

if TYPE_CHECKING:
    from budgetdoc.model.document import Document, Problem
    from budgetdoc.model.figures import Figures
    from budgetdoc.write.layout import Layout

_RENDERER: Any = None


def worker_renderer() -> Any:
    """This process's one :class:`~budgetdoc.write.render.Renderer`, shared by every command it runs."""
    global _RENDERER
    if _RENDERER is None:
        from budgetdoc.write.render import Renderer  # deferred: Jinja2 and WeasyPrint (see the module's docstring)

        _RENDERER = Renderer()
    return _RENDERER


@dataclass
class Prepared:
    """A document loaded, checked and computed, or the problems that kept it from loading."""

    source: Source
    problems: list[Problem] = field(default_factory=list)
    doc: Document | None = None
    figures: Figures | None = None
    draft: bool = False  # drafts were asked for: a document with errors is rendered with them marked
    _layout: Layout | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the document (severity error)."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def renderable(self) -> bool:
        """Whether the document is printed: it loaded, and it is clean or drafts were asked for."""
        return self.doc is not None and (self.draft or not self.errors)

    def layout(self) -> Layout:
        """The document's printed structure, its wrong cells marked when it is a draft (built once)."""
        from budgetdoc.write import layout  # deferred (see the module's docstring)

        assert self.doc is not None and self.figures is not None, "not renderable"
        if self._layout is None:
            bad = self.errors
            project = self.doc.project
            if bad:  # a draft prints the start of a value no page can hold (the same project when there is none)
                from budgetdoc.check.rules import printable  # deferred (see the module's docstring)

                project = printable(project)
            self._layout = layout.build(project, self.figures, frozenset(p.field for p in bad), bool(bad))
        return self._layout

    def html(self) -> str:
        """The document's HTML, its wrong cells marked when it is a draft."""
        html: str = worker_renderer().html_of(self.layout())
        return html

    def page(self) -> str:
        """The HTML file a browser opens: :meth:`html` with its fonts in it (:mod:`budgetdoc.write.webfonts`)."""
        from budgetdoc.write.webfonts import embed  # deferred (see the module's docstring)

        return embed(self.html())


def prepare(source: Source, draft: bool = False) -> Prepared:
    """Load ``source``, compute its figures once, and check it with them."""
    # Deferred (see the module's docstring): the model, the loader and the checks.
    from budgetdoc.formats.load import LoadError
    from budgetdoc.model.figures import compute

    try:
        doc = source.load()
    except LoadError as exc:
        if exc.partial is None:
            return Prepared(source, exc.problems, draft=draft)
        # Empty text cells do not hide the wrong sums: all are told at once; nothing is rendered.
        told = {(p.line, p.column) for p in exc.problems}
        found = [p for p in _checked(exc.partial, compute(exc.partial.project)) if (p.line, p.column) not in told]
        return Prepared(source, sorted([*exc.problems, *found], key=lambda p: (p.line, p.column)), draft=draft)
    figures = compute(doc.project)
    return Prepared(source, _checked(doc, figures), doc, figures, draft=draft)


def _checked(doc: Document, figures: Figures) -> list[Problem]:
    """The checks' problems, in the form's words for a workbook."""
    from budgetdoc.check.rules import check
    from budgetdoc.model import labels

    problems = check(doc, figures)
    if doc.source.sheet:  # a workbook: the problems in the form's words
        year = doc.project.fiscal_year
        problems = [dataclasses.replace(p, message=labels.in_form_words(p.message, p.field, year)) for p in problems]
    return problems


@dataclass
class CheckReport:
    """What ``check`` found over many files."""

    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False  # a file itself could not be read (exit 2, not 1)
    looked: list[str] = field(default_factory=list)  # the paths given, for the line when no data file is there
    notes: list[str] = field(default_factory=list)  # what the folders hold besides data files

    @property
    def errors(self) -> int:
        """How many problems are errors."""
        return sum(p.severity == "error" for p in self.problems)

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read or there was none, 1 for errors, else 0."""
        return code_for(bool(self.errors), self.unreadable or not self.files)

    def line(self) -> str:
        """The closing line: files, errors and warnings; where it looked when it found no data file."""
        if not self.files:
            return f"검사할 데이터 파일(.yaml, .yml, .xlsx)이 없습니다: {', '.join(shown_path(p) for p in self.looked)}"
        return f"파일 {self.files}개 검사: 오류 {self.errors}개, 경고 {len(self.problems) - self.errors}개"


def check_paths(paths: list[str]) -> CheckReport:
    """Check every data file under ``paths`` through :func:`prepare`; raises :class:`UsageError`."""
    report = CheckReport(looked=paths)
    sources = discover(paths, report.notes)
    report.files = len(sources)
    for source in sources:
        prepared = prepare(source)
        report.problems.extend(prepared.problems)
        if prepared.doc is None and any(p.rule in UNREADABLE for p in prepared.problems):
            report.unreadable = True
    return report
