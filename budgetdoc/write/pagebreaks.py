"""Two page rules kept while WeasyPrint lays the pages out, so a PDF takes one layout.

The form asks two things that only the page breaks decide:

- a table never starts on a page with fewer than two of its body rows there: it moves to
  the next page, and the heading and caption before it go with it (print.css gives them
  ``break-after: avoid``). A table at the top of a page stays: no page would do better;
- a 산출근거 group (a ``tbody`` with ``data-group``) that goes on over a page break shows
  its 과목 name again in the first row there, ``사무관리비 (계속)``, in a cell that spans the
  group's rows on that page, while the cell on the page before spans its rows there.

:func:`rules` wraps WeasyPrint's ``table_layout`` (the one function that lays out a
table fragment) for both, for the layouts made inside it (in this thread or task only:
other WeasyPrint documents of the process are laid out as WeasyPrint lays them out), and
:func:`finish` closes the spanning cells that a page break cut, after layout and before
drawing. WeasyPrint is pinned (``pyproject.toml``); the tests check both rules by the
glyph positions of every page of a varied corpus (``tests/test_layout.py``) and on small
pages made to break (``tests/test_pagebreaks.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator
from typing import Any

from budgetdoc.write.keepall import keep_all
from budgetdoc.write.layout import CONTINUED

_active = contextvars.ContextVar("budgetdoc_page_rules", default=False)
_lock = threading.Lock()
_installed = False


@contextlib.contextmanager
def rules() -> Iterator[None]:
    """Lay out with the page rules while inside this block."""
    _install()
    token = _active.set(True)
    try:
        yield
    finally:
        _active.reset(token)


def _install() -> None:
    """Wrap WeasyPrint's table layout once per process; the wrapper acts only inside :func:`rules`."""
    global _installed
    with _lock:
        if _installed:
            return
        _wrap()
        _installed = True


def _wrap() -> None:
    from weasyprint.layout import block  # deferred, as every WeasyPrint import here: only a PDF loads it

    original = block.table_layout

    def table_layout(
        context: Any,
        table: Any,
        bottom_space: Any,
        skip_stack: Any,
        containing_block: Any,
        page_is_empty: bool,
        absolute_boxes: Any,
        fixed_boxes: Any,
    ) -> Any:
        if not _active.get():
            return original(
                context, table, bottom_space, skip_stack, containing_block, page_is_empty, absolute_boxes, fixed_boxes
            )
        restore = _continue_group(table, skip_stack)
        try:
            result = original(
                context, table, bottom_space, skip_stack, containing_block, page_is_empty, absolute_boxes, fixed_boxes
            )
        finally:
            if restore is not None:
                group, index, row = restore
                group.children[index] = row
        new, resume_at, next_page, _, _ = result
        if new is not None and resume_at is not None and skip_stack is None and not page_is_empty:
            if _body_rows(new) < min(2, _body_rows(table)):
                block.remove_placeholders(context, [new], absolute_boxes, fixed_boxes)
                return None, None, next_page, [], False
        return result

    block.table_layout = table_layout


def _body_rows(table: Any) -> int:
    """The table's body rows (``tr`` elements: not the anonymous row around a hidden caption)."""
    return sum(
        1
        for group in table.children
        if not (group.is_header or group.is_footer)
        for row in group.children
        if row.element is not None and row.element.tag == "tr"
    )


def _continue_group(table: Any, skip_stack: Any) -> tuple[Any, int, Any] | None:
    """When a fragment starts inside a 과목 group, give its first row the continued name cell.

    The row is replaced in the box tree for this one layout call (the caller puts the
    original back), so a table laid out again from the same place gets the same cell.
    """
    if not skip_stack:
        return None
    ((index, rows),) = skip_stack.items()
    if not rows:
        return None
    ((at, cells),) = rows.items()
    group = table.children[index]
    if at == 0 or cells is not None or group.element is None or not group.element.get("data-group"):
        return None
    first = group.children[0].children
    head = first[0] if first else None
    if head is None or head.element is None or head.element.tag != "th" or head.rowspan <= at:
        return None
    from weasyprint.formatting_structure.boxes import TextBox

    cell = head.deepcopy()
    cell.rowspan = head.rowspan - at
    texts = [box for box in cell.descendants() if isinstance(box, TextBox)]
    if not texts:
        return None
    texts[-1].text += " " + keep_all(CONTINUED)
    row = group.children[at]
    group.children[at] = row.copy_with_children([cell, *row.children])
    return group, at, row


def finish(pages: list[Any]) -> None:
    """Close the cells whose rows a page break cut: they end with the page's last row.

    WeasyPrint sizes a cell spanning several rows only in the row where it ends; a cell
    cut by a page break keeps its content's height, and the border grid has no line under
    it (inside a spanning cell there is none). Each such cell is stretched to the last row
    on its page, centred as the stylesheet asks, shaded all the way down, and gets the line
    the row beside it has.
    """
    from weasyprint.formatting_structure.boxes import TableBox
    from weasyprint.layout.background import layout_box_backgrounds
    from weasyprint.layout.table import add_top_padding

    for page in pages:
        for table in page._page_box.descendants():
            if not isinstance(table, TableBox) or not table.children:
                continue
            groups = [g for g in table.children if not (g.is_header or g.is_footer)]
            if not groups or not groups[-1].children:
                continue
            rows = groups[-1].children
            last = rows[-1]
            bottom = last.position_y + last.height
            cut = [
                cell
                for row in rows
                for cell in row.children
                if getattr(row, "index", None) is not None and row.index + cell.rowspan - 1 > last.index
            ]
            for cell in cut:
                extra = bottom - (cell.position_y + cell.border_height())
                if extra > 0:
                    if cell.style["vertical_align"] == "middle":
                        add_top_padding(cell, extra / 2)
                        cell.padding_bottom += extra / 2
                    else:
                        cell.padding_bottom += extra
                    # The page's backgrounds were laid out with the cell as it was: lay its own out again,
                    # so that its shading covers the whole cell, not its first row only (no images here).
                    layout_box_backgrounds(page._page_box, cell, _no_image, layout_children=False)
            if cut and getattr(table, "collapsed_border_grid", None):
                _draw_line_under(table, cut)


def _no_image(**_: Any) -> None:
    """A table cell of the form has no background image to fetch."""
    return None


def _draw_line_under(fragment: Any, cut: list[Any]) -> None:
    """Give the border grid a line under the cut cells, as the row beside them has.

    The line is found as WeasyPrint's drawing finds it: the fragment's rows, shifted by
    the body rows laid out on pages before.
    """
    if fragment.children[-1].is_footer:
        return
    _, horizontal = fragment.collapsed_border_grid
    header = len(fragment.children[0].children) if fragment.children[0].is_header else 0
    skipped = getattr(fragment, "skipped_rows", 0) or 0
    line = sum(len(group.children) for group in fragment.children) + (skipped - header if skipped else 0)
    if line >= len(horizontal):
        return
    columns = {x for cell in cut for x in range(cell.grid_x, cell.grid_x + cell.colspan)}
    beside = next((x for x in range(len(horizontal[line])) if x not in columns), None)
    if beside is None:
        return
    for x in columns:
        horizontal[line][x] = horizontal[line][beside]
