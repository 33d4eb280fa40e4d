"""The preview's own pages (templates/serve/): the index, a document's page, its problem list, and its assets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from budgetdoc.model import numbers
from budgetdoc.names import shown_path
from budgetdoc.serve.documents import Entry, Site

if TYPE_CHECKING:
    from budgetdoc.model.document import Problem

ASSETS = {"serve.css": "text/css; charset=utf-8", "serve.js": "text/javascript; charset=utf-8"}


def _values(problem: Problem) -> str:

    def shown(value: int | str | None) -> str:
        return numbers.won(value) if isinstance(value, int) else str(value)

    parts = []
    if problem.expected is not None:
        parts.append(f"계산한 값 {shown(problem.expected)}")
    if problem.actual is not None:
        parts.append(f"적힌 값 {shown(problem.actual)}")
    return " · ".join(parts)


def _linked(problems: list[Problem], html: str | None) -> set[str]:
    """The fields of ``problems`` whose cells are marked in ``html`` (every field when there is no rendering yet).

    A click on a linked problem scrolls the document to its cell.
    """
    from markupsafe import escape

    return {p.field for p in problems if p.field and (html is None or f'data-field="{escape(p.field)}"' in html)}


class Pages:
    """The server's own templates (templates/serve/) and assets, read once."""

    def __init__(self, templates: Path) -> None:
        import jinja2

        folder = templates / "serve"
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["values"] = _values
        self.env.filters["shown"] = shown_path
        self.assets = {name: (folder / name).read_bytes() for name in ASSETS}

    def index(self, site: Site) -> str:
        """The list of documents with their status."""
        entries = list(site.entries.values())
        failing = sum(1 for e in entries if e.state != "ok")
        return self.env.get_template("index.html.j2").render(entries=entries, failing=failing, notes=site.notes)

    def project(self, entry: Entry, pdf_error: str = "") -> str:
        """A document's page: its problems beside its rendering (the last one when the file cannot be read)."""
        shown_html = entry.html if entry.html is not None else entry.last_html
        stale = entry.html is None and entry.last_html is not None
        linked = _linked(entry.problems, shown_html) if shown_html else set()
        return self.env.get_template("project.html.j2").render(
            e=entry, html=shown_html, stale=stale, linked=linked, problems=entry.problems, pdf_error=pdf_error
        )

    def problems(self, entry: Entry) -> str:
        """Only the problem list of a document (what a page fetches as soon as the check is done)."""
        linked = _linked(entry.problems, None)  # the page that follows links only the cells it shows
        return self.env.get_template("problems.html.j2").render(e=entry, linked=linked, problems=entry.problems)

    def missing(self, what: str) -> str:
        """The page for a URL that names no document or asset."""
        return self.env.get_template("missing.html.j2").render(what=what)
