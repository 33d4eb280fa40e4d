"""The book's PDF assembly: front matter and parts joined, page numbers stamped, bookmarks and tags merged.

Everything here works on finished PDFs with pikepdf; nothing is rendered. Page numbers come
from cached number sheets (see :func:`budgetdoc.book.make.numbers_pdf`) and go in as pagination
artifacts; in a tagged book the parts' structure trees become one.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from budgetdoc.errors import BookError

if TYPE_CHECKING:
    from budgetdoc.book.contents import Group

STAMP_NAME = "/BudgetdocPageNo"
LINK_PREFIX = "budgetdoc:page/"  # the contents' links, as the front matter's HTML writes them


def assemble(
    front: bytes,
    parts: list[tuple[bytes, int]],
    sheets: list[bytes],
    groups: list[Group],
    titles: list[str],
    tagged: bool,
) -> bytes:
    """Front matter + every part's pages → one PDF, with numbers stamped, bookmarks and labels.

    ``parts`` are (PDF, page count) in book order, ``titles`` their bookmarks, ``sheets``
    the number sheets, all of one length ``n`` (sheet ``i`` holds numbers ``i * n + 1`` …). The front matter's
    document-level metadata (XMP, output intent, language, structure root) become the book's.
    """
    book = pikepdf.open(io.BytesIO(front))
    n_front = len(book.pages)
    front_marks = _outline_targets(book)
    struct = _Structure(book) if tagged else None
    starts: list[int] = []
    for data, pages in parts:
        with pikepdf.open(io.BytesIO(data)) as part:
            if len(part.pages) != pages:
                raise BookError("캐시의 조각 PDF가 손상되었습니다. 캐시 폴더를 지우고 다시 실행하세요.")
            _own_stream_data(part)
            starts.append(len(book.pages))
            book.pages.extend(part.pages)
            if struct is not None:
                struct.add(part, starts[-1], pages)
    if struct is not None:
        struct.finish()
    _link_contents(book, n_front)

    # Page numbers: wrap each page's content in q … Q, then draw the sheet's page as an artifact.
    save = book.make_stream(b"q\n")
    stamp = book.make_stream(
        b"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC q " + STAMP_NAME.encode() + b" Do Q EMC\n"
    )
    sheet_docs = [pikepdf.open(io.BytesIO(s)) for s in sheets]
    per_sheet = len(sheet_docs[0].pages) if sheet_docs else 1
    for number, page in enumerate(book.pages[n_front:], start=1):
        sheet = sheet_docs[(number - 1) // per_sheet]
        form = book.copy_foreign(sheet.pages[(number - 1) % per_sheet].as_form_xobject())
        obj = page.obj
        resources = Dictionary({k: v for k, v in obj.get(Name.Resources, Dictionary()).items()})
        xobjects = Dictionary({k: v for k, v in resources.get(Name.XObject, Dictionary()).items()})
        xobjects[STAMP_NAME] = form
        resources[Name.XObject] = xobjects
        obj[Name.Resources] = resources
        contents = obj.get(Name.Contents)
        streams = list(contents) if isinstance(contents, Array) else [contents] if contents is not None else []
        obj[Name.Contents] = Array([save, *streams, stamp])

    book.Root[Name.PageLabels] = Dictionary(Nums=Array([0, Dictionary(S=Name.r), n_front, Dictionary(S=Name.D)]))
    with book.open_outline() as outline:
        outline.root.clear()
        for title, index in front_marks:
            outline.root.append(pikepdf.OutlineItem(title, index))
        i = 0
        for office in groups:
            o_item = pikepdf.OutlineItem(office.name, n_front + office.page - 1)
            for dept in office.departments:
                d_item = pikepdf.OutlineItem(dept.name, n_front + dept.page - 1)
                d_item.is_closed = True
                for _ in dept.projects:
                    d_item.children.append(pikepdf.OutlineItem(titles[i], starts[i]))
                    i += 1
                o_item.children.append(d_item)
            outline.root.append(o_item)
    out = io.BytesIO()
    book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for doc in (*sheet_docs, book):
        doc.close()
    return out.getvalue()


def _link_contents(book: Any, n_front: int) -> None:
    """Point the contents' links at their pages.

    The front matter is rendered before the parts exist, so each entry of the 목차 links to
    ``budgetdoc:page/<number>/<name>``; here each becomes a link to the book's page with that
    printed number, its /Contents (what a screen reader says) the entry's name and page.
    """
    for page in book.pages[:n_front]:
        for annot in page.obj.get(Name.Annots, Array()):
            action = annot.get(Name.A)
            uri = str(action.get(Name.URI, "")) if action is not None else ""
            if not uri.startswith(LINK_PREFIX):
                continue
            number, _, name = uri[len(LINK_PREFIX) :].partition("/")
            target = n_front + int(number) - 1
            if not 0 <= target < len(book.pages):
                raise BookError(f"목차의 {number}쪽이 책에 없습니다.")
            del annot[Name.A]
            annot[Name.Dest] = Array([book.pages[target].obj, Name.Fit])
            annot[Name.Contents] = String(f"{unquote(name)}, {number}쪽")
            annot[Name.F] = 4  # printed as shown


def _own_stream_data(pdf: Any) -> None:
    """Hold every stream's data in memory, encoded as it is, so copies of it outlive ``pdf``.

    A copied stream otherwise reads its data from the source file when the book is saved,
    and every part would have to stay open, parsed, until then: with tagged parts, the
    largest share of the book's memory.
    """
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            encoded: dict[str, Any] = {"filter": obj.get("/Filter"), "decode_parms": obj.get("/DecodeParms")}
            obj.write(obj.read_raw_bytes(), type_check=False, **encoded)


def _outline_targets(pdf: Any) -> list[tuple[str, int]]:
    """(title, page index) of the front matter's own top-level bookmarks (목차, 총괄표)."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    found = []
    with pdf.open_outline() as outline:
        for item in outline.root:
            dest = item.destination
            if dest is None and item.action is not None:
                dest = item.action.get("/D")
            if dest is not None and len(dest) and dest[0].objgen in pages:
                found.append((" ".join(item.title.split()).replace(" ", ""), pages[dest[0].objgen]))
    return found


class _Structure:
    """Merges the parts' tag trees (PDF/UA) into the front matter's.

    Each part's /Document element becomes a /Part under the book's /Document; the keys of
    its parent tree (one per page, one per annotation) are shifted past the keys already
    used, and its pages' /StructParents and annotations' /StructParent with them.
    """

    def __init__(self, book: Any) -> None:

        root = book.Root.get(Name.StructTreeRoot)
        if root is None:
            raise BookError("앞부분 PDF에 태그 구조가 없습니다.")
        self.book = book
        self.root = root
        self.document = root.K[0] if isinstance(root.K, Array) else root.K
        self.nums = Array(_flat_nums(root.ParentTree))
        self.next = max((int(k) for k in self.nums[::2]), default=-1) + 1

    def add(self, part: Any, first: int, count: int) -> None:

        root = part.Root.get(Name.StructTreeRoot)
        if root is None:
            raise BookError("조각 PDF에 태그 구조가 없습니다. 캐시 폴더를 지우고 다시 실행하세요.")
        kids = list(root.K) if isinstance(root.K, Array) else [root.K]
        for kid in kids:
            del kid[Name.P]  # detach before copying, so the part's root does not come along
        nums = _flat_nums(root.ParentTree)
        copied = self.book.copy_foreign(part.make_indirect(Array([*kids, Array(nums)])))
        offset = self.next
        for kid in list(copied)[:-1]:
            kid[Name.P] = self.document
            if kid.get(Name.S) == Name.Document:
                kid[Name.S] = Name.Part
            self.document.K.append(kid)
        shifted = list(copied[-1])
        for i in range(0, len(shifted), 2):
            self.nums.append(int(shifted[i]) + offset)
            self.nums.append(shifted[i + 1])
        self.next = offset + max((int(k) for k in nums[::2]), default=-1) + 1
        for page in self.book.pages[first : first + count]:
            obj = page.obj
            if Name.StructParents in obj:
                obj[Name.StructParents] = int(obj[Name.StructParents]) + offset
            for annot in obj.get(Name.Annots, Array()):
                if Name.StructParent in annot:
                    annot[Name.StructParent] = int(annot[Name.StructParent]) + offset

    def finish(self) -> None:

        self.root[Name.ParentTree] = self.book.make_indirect(Dictionary(Nums=self.nums))
        self.root[Name.ParentTreeNextKey] = self.next


def _flat_nums(tree: Any) -> list[Any]:
    """A number tree's (key, value, …) pairs, in order, from however many levels it has."""
    if Name.Nums in tree:
        return list(tree.Nums)
    out: list[Any] = []
    for kid in tree.get(Name.Kids, []):
        out.extend(_flat_nums(kid))
    return out
