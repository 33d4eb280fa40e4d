"""Tagged PDF (PDF/UA-1) after WeasyPrint: the table structure PDF/UA asks for.

WeasyPrint tags a table as Table → Table → Table → Caption beside the row groups (its
wrapper and table boxes each become a Table) and gives header cells no /Scope.
:func:`fix_structure` rewrites the structure tree of the PDF: every Table holds only its
Caption (first, and only when it has content), THead, TBody, TFoot and TR; every TH gets
/Scope /Column in a THead and /Row in a body. Nothing else in the file changes.
"""

from __future__ import annotations

import io
from typing import Any

ROW_PARTS = ("/THead", "/TBody", "/TFoot", "/TR")


def _kids(element: Any) -> list[Any]:
    k = element.get("/K")
    if k is None:
        return []
    import pikepdf

    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _is(element: Any, kind: str) -> bool:
    import pikepdf

    return isinstance(element, pikepdf.Dictionary) and element.get("/S") == kind


def _captions(element: Any) -> list[Any]:
    """The Caption elements inside a nested Table (WeasyPrint's wrapper boxes)."""
    out = []
    for kid in _kids(element):
        if _is(kid, "/Caption"):
            out.append(kid)
        elif _is(kid, "/Table"):
            out.extend(_captions(kid))
    return out


def _scope(cell: Any, scope: str) -> None:
    import pikepdf

    attributes = cell.get("/A")
    if attributes is None:
        cell.A = pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=pikepdf.Name(scope))
    elif isinstance(attributes, pikepdf.Dictionary):
        attributes.Scope = pikepdf.Name(scope)
    else:
        cell.A = pikepdf.Array([*attributes, pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=pikepdf.Name(scope))])


def _fix_table(table: Any) -> None:
    import pikepdf

    captions: list[Any] = []
    rows: list[Any] = []
    for kid in _kids(table):
        if _is(kid, "/Table"):
            captions.extend(c for c in _captions(kid) if _kids(c))
        elif _is(kid, "/Caption"):
            if _kids(kid):
                captions.append(kid)
        else:
            rows.append(kid)
    for caption in captions[:1]:
        caption.P = table
    table.K = pikepdf.Array([*captions[:1], *rows])
    for group in rows:
        in_head = _is(group, "/THead")
        for row in [group] if _is(group, "/TR") else _kids(group):
            for cell in _kids(row):
                if _is(cell, "/TH"):
                    _scope(cell, "/Column" if in_head else "/Row")


def _walk(element: Any) -> None:
    for kid in _kids(element):
        if _is(kid, "/Table"):
            _fix_table(kid)
        import pikepdf

        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            _walk(kid)


def fix_structure(pdf: bytes) -> bytes:
    """The PDF with its tables' structure made as PDF/UA-1 wants it (see the module)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root.get("/StructTreeRoot")
        if root is None:
            return pdf
        _walk(root)
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, fix_metadata_version=False)
        return out.getvalue()
