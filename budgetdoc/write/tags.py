"""Tagged PDF (PDF/UA-1) after WeasyPrint: the table structure PDF/UA asks for.

WeasyPrint tags a table as Table → Table → Table → Caption beside the row groups (its
wrapper and table boxes each become a Table) and gives header cells no /Scope.
:func:`fix_structure` rewrites the structure tree of the PDF: every Table holds only its
Caption (first, and only when it has content), THead, TBody, TFoot and TR; every TH gets
/Scope /Column in a THead and /Row in a body.

WeasyPrint also marks the text of the page margins (the running header and the page
number) with MCIDs whose structure elements hang outside the tree; :func:`fix_structure`
makes those sequences pagination artifacts and drops them from the parent tree. Nothing
else in the file changes.

pikepdf is imported in the functions that use it: the renderer imports this module for every
document, and only a PDF/UA document needs pikepdf.
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


def _reachable(root: Any) -> set[tuple[int, int]]:
    """The structure elements (object ids) the tree holds, from its root down."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    todo = [root]
    while todo:
        element = todo.pop()
        if not isinstance(element, pikepdf.Dictionary) or element.objgen in seen:
            continue
        seen.add(element.objgen)
        todo.extend(_kids(element))
    return seen


def _margins_as_artifacts(doc: Any, root: Any) -> None:
    """Mark the content of elements outside the tree (the page margins) as pagination artifacts."""
    import pikepdf

    tree = root.get("/ParentTree")
    if tree is None or "/Nums" not in tree:
        return
    nums = tree.Nums
    by_key = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    held = _reachable(root)
    artifact = [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination)]
    for page in doc.pages:
        key = page.obj.get("/StructParents")
        marks: Any = by_key.get(int(key)) if key is not None else None
        if not isinstance(marks, pikepdf.Array):
            continue
        loose = {
            mcid
            for mcid, element in enumerate(marks)
            if isinstance(element, pikepdf.Dictionary) and element.objgen not in held
        }
        if not loose:
            continue
        ops: list[Any] = list(pikepdf.parse_content_stream(page))
        for i, (operands, operator) in enumerate(ops):
            if str(operator) != "BDC" or len(operands) != 2 or not isinstance(operands[1], pikepdf.Dictionary):
                continue
            mark = operands[1].get("/MCID")
            if mark is not None and int(mark) in loose:
                ops[i] = pikepdf.ContentStreamInstruction(artifact, pikepdf.Operator("BDC"))
        page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(ops))
        for mcid in loose:
            marks[mcid] = None


def fix_structure(pdf: bytes) -> bytes:
    """The PDF with its tables' structure made as PDF/UA-1 wants it (see the module)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root.get("/StructTreeRoot")
        if root is None:
            return pdf
        _walk(root)
        _margins_as_artifacts(doc, root)
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, fix_metadata_version=False)
        return out.getvalue()
