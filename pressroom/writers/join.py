"""One PDF from the PDFs of a book's parts (`parts.py`), with pikepdf (qpdf).

The first part's PDF is the base: its catalog, metadata, output intent and attached files
are the book's. Each later part adds its pages, and what refers to them is joined:

- its structure tree's top elements go under the base's Document element, in order;
- its parent tree's keys (pages' /StructParents, annotations' /StructParent) move past the
  base's, so that each marked content still finds its element;
- its named destinations join the base's (links between parts point at them by name);
- its note IDs, numbered after the notes before it when it was written, join the IDTree.

The outline is made again from every page's bookmarks, as WeasyPrint makes it, so that
chapters nest under the title as in a book laid out whole.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from weasyprint import Document as WeasyDocument


def join(first: bytes, rest: list[tuple[bytes, int]], pages: list[tuple[float, Any]]) -> bytes:
    """The PDF of `first` followed by each of `rest` (a part's PDF, and how many of its
    first pages are left out); `pages`: each page's height and WeasyPrint bookmarks, in the
    joined order."""
    with pikepdf.open(io.BytesIO(first)) as pdf:
        tree = pdf.Root.StructTreeRoot
        document = tree.K[0] if isinstance(tree.K, Array) else tree.K
        nums = _pairs(tree.ParentTree.Nums)
        names = pdf.Root.get("/Names")
        dests = _pairs(names.Dests.Names) if names is not None and "/Dests" in names else []
        ids = _pairs(tree.IDTree.Names) if "/IDTree" in tree else []
        key = max((int(k) for k, _ in nums), default=-1) + 1
        sources = []
        for data, drop in rest:
            source = pikepdf.open(io.BytesIO(data))
            sources.append(source)  # open until the save: the copies read from it
            key = _append(pdf, source, drop, key, document, nums, dests, ids)
        tree.ParentTree = pdf.make_indirect(Dictionary(Nums=_flat(sorted(nums, key=_number))))
        if dests:
            names = _names(pdf)
            names.Dests = pdf.make_indirect(Dictionary(Names=_flat(sorted(dests, key=_text))))
        if ids:
            tree.IDTree = pdf.make_indirect(Dictionary(Names=_flat(sorted(ids, key=_text))))
        _outline(pdf, pages)
        out = io.BytesIO()
        pdf.save(
            out,
            deterministic_id=True,
            fix_metadata_version=False,  # the XMP is the first part's, byte for byte
            compress_streams=True,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        for source in sources:
            source.close()
        return out.getvalue()


def _append(
    pdf: pikepdf.Pdf,
    source: pikepdf.Pdf,
    drop: int,
    key: int,
    document: Any,
    nums: list[tuple[Any, Any]],
    dests: list[tuple[Any, Any]],
    ids: list[tuple[Any, Any]],
) -> int:
    """Add `source`'s pages (the first `drop` left out) and what refers to them; its parent
    tree's keys start at `key`. The next part's first key comes back."""
    tree = source.Root.StructTreeRoot
    theirs = tree.K[0] if isinstance(tree.K, Array) else tree.K
    del theirs["/P"]  # copied alone: not the part's whole tree through its root
    gone = [page.obj for page in source.pages[:drop]]
    left_out = {int(page.StructParents) for page in gone if "/StructParents" in page}
    # Elements on pages left out (none, as the lead is an artifact and a blank page is
    # empty; kept out all the same).
    theirs.K = Array([kid for kid in theirs.K if not any(kid.get("/Pg") == page for page in gone)])
    start = len(pdf.pages)
    with warnings.catch_warnings():
        # Named destinations are joined below; pikepdf warns that a copy leaves them out.
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        pdf.pages.extend(source.pages[drop:])
    for page in pdf.pages[start:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + key
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + key
    copied = pdf.copy_foreign(theirs)
    for kid in list(copied.K):
        kid.P = document
        document.K.append(kid)
    last = -1
    for number, value in _pairs(tree.ParentTree.Nums):
        last = max(last, int(number))
        if int(number) in left_out:
            continue
        if isinstance(value, Array):
            value = Array([pdf.copy_foreign(element) for element in value])
        else:
            value = pdf.copy_foreign(value)
        nums.append((int(number) + key, value))
    names = source.Root.get("/Names")
    if names is not None and "/Dests" in names:
        for name, dest in _pairs(names.Dests.Names):
            dests.append((String(bytes(name)), _copied(pdf, dest)))  # as links spell it
    if "/IDTree" in tree:
        for name, element in _pairs(tree.IDTree.Names):
            ids.append((String(bytes(name)), pdf.copy_foreign(element)))
    return key + last + 1


def _copied(pdf: pikepdf.Pdf, value: Any) -> Any:
    """A direct array from another PDF, its indirect objects (pages) copied."""
    if isinstance(value, Array):
        return Array([_copied(pdf, item) for item in value])
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return pdf.copy_foreign(value)
    return value


def _names(pdf: pikepdf.Pdf) -> Any:
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pdf.make_indirect(Dictionary())
    return pdf.Root.Names


def _pairs(flat: Any) -> list[tuple[Any, Any]]:
    items = list(flat)
    return list(zip(items[::2], items[1::2], strict=True))


def _flat(pairs: list[tuple[Any, Any]]) -> Array:
    return Array([item for pair in pairs for item in pair])


def _number(pair: tuple[Any, Any]) -> int:
    return int(pair[0])


def _text(pair: tuple[Any, Any]) -> bytes:
    return bytes(pair[0])


class _Page:
    def __init__(self, height: float, bookmarks: Any):
        self.height = height
        self.bookmarks = bookmarks


class _Pages:
    def __init__(self, pages: list[tuple[float, Any]]):
        self.pages = [_Page(height, bookmarks) for height, bookmarks in pages]


def _outline(pdf: pikepdf.Pdf, pages: list[tuple[float, Any]]) -> None:
    """The outline of the whole book, as WeasyPrint writes one (`add_outlines`)."""
    if "/Outlines" in pdf.Root:
        del pdf.Root.Outlines
    tree = WeasyDocument.make_bookmark_tree(_Pages(pages), scale=0.75, transform_pages=True)
    if not tree:
        return
    root = pdf.make_indirect(Dictionary())
    items, count = _items(pdf, tree, root)
    root.Count = count
    root.First, root.Last = items[0], items[-1]
    pdf.Root.Outlines = root


def _items(pdf: pikepdf.Pdf, tree: list[Any], parent: Any) -> tuple[list[Any], int]:
    count = len(tree)
    items: list[Any] = []
    for title, (page, x, y), children, state in tree:
        item = pdf.make_indirect(
            Dictionary(
                Title=String(title),
                Dest=Array([pdf.pages[page].obj, Name.XYZ, x, y, 0]),
            )
        )
        kids, kids_count = _items(pdf, children, item)
        item.Count = -kids_count if state == "closed" else kids_count
        if state != "closed":
            count += kids_count
        if items:
            item.Prev = items[-1]
            items[-1].Next = item
        if kids:
            item.First, item.Last = kids[0], kids[-1]
        item.Parent = parent
        items.append(item)
    return items, count
