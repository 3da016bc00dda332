"""Drawing the pages: WeasyPrint 70 draws every page again for each PDF written from the
same laid-out pages, and pydyf compresses a stream each time its data is read. While
`drawn_once` is open, the PDFs written from the same pages draw each page once and compress
each stream once; each PDF's bytes are those it has written alone (tests compare). Also
here: an SVG `<use>` drawn twice, and pydyf's page references built once a write."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import zlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import pydyf
from weasyprint.svg import defs as weasyprint_defs

from .patch import Patch, Patcher, Target, applies


@dataclass
class _Shared:
    """What the PDFs written from the same pages share: each page's drawing (`drawn_once`)
    and the compressed content of every stream, by its digest."""

    pages: Any = None  # a weasyprint.Document
    drawn: dict[Any, _Drawn] = field(default_factory=dict)
    compressed: dict[bytes, bytes] = field(default_factory=dict)


_SHARED: ContextVar[_Shared | None] = ContextVar("pressroom_shared", default=None)
RESOURCES = ("ExtGState", "XObject", "Pattern", "Shading")
# What WeasyPrint's `Stream.add_group` makes: a transparency group, drawn with `Do`.
GROUP = frozenset({"Type", "Subtype", "BBox", "Resources", "Group"})

# The entries a drawing added to a resources dictionary: kind → [(name, value)], where a
# value is a graphics state, None (an image, made when the PDF's objects are) or a _Group.
Added = dict[str, list[tuple[str, Any]]]


@dataclass
class _Group:
    """A transparency group a drawing made (an element with opacity, a background image)."""

    box: list[float]
    ops: list[Any]
    resources: Added


@dataclass
class _Drawn:
    """What drawing one page did to its content stream (WeasyPrint's `pdf.stream.Stream`):
    the operators it added, its marked content (box → tag and MCID), the entries it added to
    the resources all pages share, and the images it placed (name → image, interpolation,
    resolutions so far). `how`: scale, compression and tagging, which the operators depend on."""

    how: tuple[float, bool, bool]
    ops: list[Any]
    tags: list[tuple[Any, Any]]
    resources: Added
    images: dict[str, tuple[Any, Any, frozenset[float]]]

    def onto(self, stream: Any) -> None:
        stream.stream.extend(self.ops)
        if stream._tags is not None:
            stream._tags.update(self.tags)
        _put(self.resources, stream)
        for name, (image, interpolate, ratios) in self.images.items():
            placed = stream._images.setdefault(
                name,
                {"image": image, "interpolate": interpolate, "dpi_ratios": set(), "x_object": None},
            )
            placed["dpi_ratios"] |= ratios


def _added(resources: dict[str, Any], counts: dict[str, int]) -> Added | None:
    """The entries added to `resources` since it held `counts` of each kind, as a second PDF
    can take them; None if one cannot be: patterns, shadings and soft masks are made into
    objects of the PDF being written (and changed), so a page with any is drawn again.
    Groups are made again, in the second PDF's colour space, from their operators."""
    added: Added = {}
    for kind in RESOURCES:
        entries = list((resources.get(kind) or {}).items())[counts.get(kind, 0) :]
        copies = []
        for name, value in entries:
            if kind == "XObject" and value is not None:
                if set(value.extra) != GROUP or not isinstance(value.extra["Resources"], dict):
                    return None
                inner = _added(value.extra["Resources"], {})
                if inner is None:
                    return None
                value.stream[:] = _compact(value.stream)
                value = _Group(list(value.extra["BBox"]), value.stream, inner)
            elif kind in ("Pattern", "Shading") or (
                kind == "ExtGState" and not (isinstance(value, dict) and "SMask" not in value)
            ):
                return None
            copies.append((name, value))
        if copies:
            added[kind] = copies
    return added


def _put(added: Added, stream: Any) -> None:
    """Add a drawing's resources to `stream`'s, in the order they were made."""
    for kind, entries in added.items():
        for name, value in entries:
            if isinstance(value, _Group):
                group = stream.add_group(0, 0, 0, 0)
                del stream._resources["XObject"][group.id]
                group.id = name
                stream._resources["XObject"][name] = group
                group.extra["BBox"] = pydyf.Array(value.box)
                group.stream.extend(value.ops)
                _put(value.resources, group)
            else:
                stream._resources[kind][name] = value


def _compact(ops: list[Any]) -> list[bytes]:
    """Drawn operators as the one piece of bytes pydyf would write of them: a content
    stream holds far less memory so (a Rust book page: ~2,500 objects), and is not joined
    again on every read of its data."""
    return [b"\n".join(pydyf._to_bytes(op) for op in ops)] if ops else []


def _paint_once(page: Any, shared: _Shared, record: bool) -> Callable[..., None]:
    """The page's `paint`: a drawing already made for another PDF is copied, else the page
    is drawn (and what it drew kept for the next PDF, if `record`)."""
    paint = type(page).paint

    def paint_once(stream: Any, scale: float = 1) -> None:
        if not all(hasattr(stream, name) for name in ("_resources", "_images", "_tags")):
            paint(page, stream, scale)  # not the Stream of WeasyPrint 69 or 70
            return
        how = (scale, bool(stream.compress), stream._tags is not None)
        drawn = shared.drawn.get(page)
        if drawn is not None and drawn.how == how:
            drawn.onto(stream)
            return
        resources, images, tags = stream._resources, stream._images, stream._tags
        counts = {kind: len(resources[kind]) for kind in RESOURCES}
        ratios = {name: len(placed["dpi_ratios"]) for name, placed in images.items()}
        before, tagged = list(stream.stream), len(tags or ())
        paint(page, stream, scale)
        if stream.stream[: len(before)] != before:
            return
        ops = stream.stream[len(before) :] = _compact(stream.stream[len(before) :])
        added = _added(resources, counts) if record and page not in shared.drawn else None
        if added is None:
            return
        shared.drawn[page] = _Drawn(
            how=how,
            ops=ops,
            tags=list(tags.items())[tagged:] if tags is not None else [],
            resources=added,
            images={
                name: (placed["image"], placed["interpolate"], frozenset(placed["dpi_ratios"]))
                for name, placed in images.items()
                if len(placed["dpi_ratios"]) != ratios.get(name)
            },
        )

    return paint_once


@contextlib.contextmanager
def drawn_once(pages: Any) -> Iterator[None]:
    """While open, the PDFs written from `pages` draw each page once: WeasyPrint draws every
    page again on each `write_pdf`, so the first PDF keeps each page's drawing and the next
    ones copy it (a page with patterns, shadings or soft masks is drawn again), and the
    streams' compressed content is kept for them too."""
    token = _SHARED.set(_Shared(pages if applies(DRAWN_ONCE.name) else None))
    try:
        yield
    finally:
        _SHARED.reset(token)


@contextlib.contextmanager
def drawing(pages: Any) -> Iterator[None]:
    """Around one `write_pdf` from `pages`: the drawings `drawn_once` keeps are used and
    made; outside it, each stream is still compressed only once in this write."""
    kept = _SHARED.get()
    record = kept is not None and kept.pages is pages
    shared = kept if kept is not None and record else _Shared()
    token = _SHARED.set(shared)
    painted = applies(DRAWN_ONCE.name)
    if painted:
        for page in pages.pages:
            page.paint = _paint_once(page, shared, record)
    try:
        yield
    finally:
        if painted:
            for page in pages.pages:
                del page.paint
        _SHARED.reset(token)


DRAWN_ONCE = Patch(
    name="drawn-once",
    kind="speed",
    targets=(
        Target("weasyprint.document", "Page.paint", ("self", "stream", "scale")),
        Target("weasyprint.pdf.stream", "Stream.add_group", ("self", "x", "y", "width", "height")),
        Target(
            "weasyprint.pdf.stream",
            "Stream.__init__",
            (
                "self",
                "fonts",
                "page_rectangle",
                "resources",
                "images",
                "tags",
                "color_profiles",
                "output_intent",
                "args",
                "kwargs",
            ),
        ),
        Target("pydyf", "_to_bytes", ("item",)),
    ),
    why="the PDFs written from the same pages (handout, archival copy) draw each page once",
    test="tests/test_pdf.py::test_pages_drawn_once_give_the_bytes_of_separate_writes",
    install=None,
)


def _install_use_tree(patcher: Patcher) -> None:
    """WeasyPrint 70 draws an SVG `<use>` of a `<symbol>` by renaming the symbol's element
    `svg`, in the document's own tree: drawn again (the archival copy of a page that
    cannot be copied), the symbol, now an `svg`, is drawn where it stands as well (formulas
    come out darker). Each use renames a copy of the element instead."""

    def make(original: Any) -> Any:
        def pressroom_use_tree(svg: Any, node: Any, font_size: float) -> Any:
            tree = original(svg, node, font_size)
            if tree is not None:
                tree._etree_node = copy.copy(tree._etree_node)
            return tree

        return pressroom_use_tree

    patcher.put(weasyprint_defs, "get_use_tree", make)


USE_TREE = Patch(
    name="use-leaves-its-symbol",
    kind="behaviour",
    targets=(Target("weasyprint.svg.defs", "get_use_tree", ("svg", "node", "font_size")),),
    why="an SVG <use> of a <symbol> leaves the symbol as it was, so a page drawn twice is the same",
    test="tests/test_pdf.py::test_pages_drawn_again_are_drawn_the_same",
    install=_install_use_tree,
)


def _compressed(original: Any) -> Any:
    def pressroom_stream_data(self: Any) -> bytes:
        shared = _SHARED.get()
        if shared is None or not self.compress:
            return original.fget(self)
        content = b"\n".join(pydyf._to_bytes(item) for item in self.stream)
        key = hashlib.blake2b(content, digest_size=32).digest()
        data = shared.compressed.get(key)
        if data is None:
            compressor = zlib.compressobj(level=9)
            data = shared.compressed[key] = compressor.compress(content) + compressor.flush()
        extra = pydyf.Dictionary(self.extra.copy())
        extra["Filter"] = "/FlateDecode"
        extra["Length"] = len(data)
        return b"\n".join((extra.data, b"stream", data, b"endstream"))

    return property(pressroom_stream_data)


def _compresses_as_pydyf() -> str | None:
    """pydyf's own bytes for a sample stream, byte for byte."""
    sample = pydyf.Stream([b"BT", pydyf.Dictionary({"MCID": 0}), 1.5], {"N": 3}, compress=True)
    original = vars(pydyf.Stream)["data"]
    token = _SHARED.set(_Shared())
    try:
        same = _compressed(original).fget(sample) == original.fget(sample)
    finally:
        _SHARED.reset(token)
    return None if same else "pydyf.Stream.data compresses otherwise than Pressroom does"


COMPRESS_ONCE = Patch(
    name="compress-once",
    kind="speed",
    targets=(Target("pydyf", "Stream.data", ("self",)),),
    why=(
        "pydyf 0.13 compresses a stream each time its data is read (twice a write with a file "
        "identifier, and again in the next PDF of the same pages): kept by its digest"
    ),
    test="tests/test_pdf.py::test_streams_are_compressed_as_pydyf_compresses_them",
    install=lambda patcher: patcher.put(pydyf.Stream, "data", _compressed),
    checks=(_compresses_as_pydyf,),
)


def _references_once(built: Any) -> Any:
    """pydyf 0.13 builds the tuple of page references anew on every read, and WeasyPrint's
    tagging reads it for every structure element: time that grows with pages × elements
    (17 s of a 700-page book's 41 s write). The tuple is kept while the page list is the
    same length (pages are only ever appended)."""

    def pressroom_page_references(self: Any) -> tuple[bytes, ...]:
        kids = self.pages["Kids"]
        key = (id(kids), len(kids))
        cached = self.__dict__.get("_pressroom_page_references")
        if cached is None or cached[0] != key:
            cached = (key, built.fget(self))
            self.__dict__["_pressroom_page_references"] = cached
        return cached[1]

    return property(pressroom_page_references)


PAGE_REFERENCES = Patch(
    name="page-references-once",
    kind="speed",
    targets=(Target("pydyf", "PDF.page_references", ("self",)),),
    why="pydyf's page references built once while the page list stays the same length",
    test="tests/test_weasy.py::test_a_speed_patch_gives_weasyprints_own_bytes",
    install=lambda patcher: patcher.put(pydyf.PDF, "page_references", _references_once),
)

PATCHES = (DRAWN_ONCE, USE_TREE, COMPRESS_ONCE, PAGE_REFERENCES)
