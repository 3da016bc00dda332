"""Print handout: transform the shared document for paged media, lay it out with WeasyPrint.

`layout()` renders pages once; `write_handout()` writes the tagged PDF/UA-1 handout from them
and `archival.py` writes the PDF/A copy from the same pages, within `drawn_once()` drawn once
for both.
"""

from __future__ import annotations

# First: WeasyPrint imported with its libraries opened without a search (`native.py`).
from . import native  # noqa: F401

# isort: split

import contextlib
import copy
import hashlib
import inspect
import logging
import math
import mimetypes
import zlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

import pydyf
import weasyprint
from weasyprint import css as weasyprint_css
from weasyprint import document as weasyprint_document
from weasyprint.css.counters import CounterStyle
from weasyprint.formatting_structure.boxes import FootnoteAreaBox, InlineBox, LineBox
from weasyprint.formatting_structure.build import create_anonymous_boxes
from weasyprint.layout import LayoutContext
from weasyprint.layout import absolute as weasyprint_absolute
from weasyprint.layout import block as weasyprint_block
from weasyprint.layout import float as weasyprint_float
from weasyprint.layout import inline as weasyprint_inline
from weasyprint.layout import page as weasyprint_page
from weasyprint.layout import preferred as weasyprint_preferred
from weasyprint.layout.block import block_level_layout
from weasyprint.pdf import stream as weasyprint_stream
from weasyprint.pdf import tags as weasyprint_tags
from weasyprint.pdf.metadata import NS, DocumentMetadata
from weasyprint.svg import defs as weasyprint_defs
from weasyprint.text import line_break as weasyprint_line_break
from weasyprint.text.fonts import FontConfiguration

from ..context import BuildContext
from ..errors import PressroomError
from ..model import Document
from .handout import (
    ARTIFACT,
    COVER_URL,
    MANUSCRIPT_URL,
    MATH_URL,
    NOTE_ELEMENT,
    THEME_URL,
    Page,
    classes_in,
    cover_url,
    css_url,
    handout_html,
    print_sources,
)

RDF, DC, XMP = NS["rdf"], NS["dc"], NS["xmp"]
XMPIDQ = "http://ns.adobe.com/xmp/Identifier/qual/1.0/"
# calibre's series properties (what calibre and its catalogues read from a PDF).
SERIES, SERIES_INDEX = (
    "http://calibre-ebook.com/xmp-namespace",
    "http://calibre-ebook.com/xmp-namespace-series-index",
)
ET.register_namespace("calibre", SERIES)
ET.register_namespace("calibreSI", SERIES_INDEX)
ET.register_namespace("xmpidq", XMPIDQ)


Resolver = Callable[[str], "bytes | None"]


def _folder(root: Path, seen: set[Path]) -> Resolver:
    """Files under `root`; each one served is added to `seen` (an input of the build)."""
    root = root.resolve()

    def read(relative: str) -> bytes | None:
        path = (root / relative).resolve()
        if not (path.is_relative_to(root) and path.is_file()):
            return None
        seen.add(path)
        return path.read_bytes()

    return read


def _theme(ctx: BuildContext) -> Resolver:
    def read(relative: str) -> bytes | None:
        found: Traversable | None = ctx.theme.find(relative)
        return found.read_bytes() if found is not None else None

    return read


class LocalFetcher(weasyprint.URLFetcher):
    """Lets WeasyPrint read only the book's checked images, the theme and the user's
    stylesheets' folders: no network, and nothing elsewhere on the machine."""

    def __init__(self, roots: dict[str, Resolver], refused: list[str]):
        super().__init__(allowed_protocols={"file"})
        self.roots = {urlparse(url).path: read for url, read in roots.items()}
        self.refused = refused

    def fetch(self, url: str, headers: Any = None) -> weasyprint.urls.URLFetcherResponse:
        data = self.read(url)
        if data is None:
            self.refused.append(url)
            raise ValueError(f"not fetched: {url}")
        name = urlparse(url).path
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(url, data, {"Content-Type": media_type})

    def read(self, url: str) -> bytes | None:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            return None
        for prefix, read in self.roots.items():
            if parsed.path.startswith(prefix):
                return read(unquote(parsed.path[len(prefix) :]))
        return None


@dataclass
class Press:
    """What a layout needs before the document: the stylesheets parsed with their fonts
    loaded and their counter styles (`@counter-style`), and a fetcher for the theme, the
    user's stylesheets' folders and, once the document is known, its images (`images`),
    formulas (`drawn`) and cover (`covers`)."""

    sheets: list[weasyprint.CSS]
    fonts: FontConfiguration
    counters: CounterStyle
    fetcher: LocalFetcher
    styled: frozenset[str]  # the classes the stylesheets name
    refused: list[str] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    drawn: dict[str, bytes] = field(default_factory=dict)
    covers: dict[str, bytes] = field(default_factory=dict)


def press(ctx: BuildContext, finish: str = "") -> Press:
    """Set up a layout for `ctx`; `finish` is CSS over everything else (the print shop's
    bleed and marks). The print process does this while the manuscript is still being read."""
    user = ctx.stylesheets("print")
    refused: list[str] = []
    images: dict[str, bytes] = {}
    drawn: dict[str, bytes] = {}
    covers: dict[str, bytes] = {}
    roots: dict[str, Resolver] = {MANUSCRIPT_URL: images.get, THEME_URL: _theme(ctx)}
    roots[MATH_URL] = drawn.get
    roots[COVER_URL] = covers.get
    roots |= {css_url(n): _folder(sheet.path.parent, ctx.read) for n, sheet in enumerate(user)}
    fetcher = LocalFetcher(roots, refused)
    fonts = FontConfiguration()
    # WeasyPrint keeps a sheet's counter styles where it is told to, and lays out with its own
    # (empty) set unless given one: the sheets' and the layout's must be the same.
    counters = CounterStyle()
    # The paper's geometry first: the theme, then the user's stylesheets, may override it.
    sources = print_sources(ctx, finish)
    sheets = [
        weasyprint.CSS(
            string=css,
            base_url=base,
            url_fetcher=fetcher,
            font_config=fonts,
            counter_style=counters,
        )
        for css, base in sources
    ]
    styled = classes_in(sources)
    return Press(sheets, fonts, counters, fetcher, styled, refused, images, drawn, covers)


def layout(
    doc: Document,
    ctx: BuildContext,
    finish: str = "",
    cover: bool = True,
    prepared: Press | None = None,
    page: Page | None = None,
) -> weasyprint.Document:
    """Lay out the pages once; both the handout and the archival copy are written from them.
    `finish` is CSS over everything else (the print shop's bleed and marks); `cover`: a
    book opens with its cover page (a print shop's interior does not); `prepared`: the
    layout set up beforehand (`press`); `page`: the handout's HTML made beforehand, for
    the default `finish` and `cover` (`handout.page`)."""
    setup = prepared or press(ctx, finish)
    if page is None:
        url = serve(doc, ctx, setup, cover)
        return render(doc, ctx, setup, handout_html(doc, ctx, setup.drawn, url, setup.styled))
    _images(doc, setup)
    setup.drawn |= page.drawn
    setup.covers |= page.covers
    return render(doc, ctx, setup, page.html)


def serve(doc: Document, ctx: BuildContext, setup: Press, cover: bool = True) -> str | None:
    """Give the layout the book's images and its cover page's; the cover's URL, if it has
    one (`cover`: a book opens with its cover page; a typographic one is SVG, its text
    stays text)."""
    _images(doc, setup)
    return cover_url(doc, ctx, setup.covers, cover)


def _images(doc: Document, setup: Press) -> None:
    setup.images |= {image.src: image.data for image in doc.images}
    if doc.cover is not None:
        setup.images[doc.cover.src] = doc.cover.data


def render(
    doc: Document, ctx: BuildContext, setup: Press, html: str, sheets: tuple[Any, ...] = ()
) -> weasyprint.Document:
    """Lay out `html` with the stylesheets of `setup` and then `sheets`."""
    page_html = weasyprint.HTML(string=html, base_url=MANUSCRIPT_URL, url_fetcher=setup.fetcher)
    with _quiet_weasyprint():
        # Presentational hints: HTML's own attributes the sanitizer keeps, such as a
        # list's `start` (`3. three` prints 3.) and an image's pixel size.
        rendered = page_html.render(
            stylesheets=[*setup.sheets, *sheets],
            font_config=setup.fonts,
            counter_style=setup.counters,
            pdf_tags=True,
            presentational_hints=True,
        )
    for url in dict.fromkeys(setup.refused):
        ctx.diagnostics.warn(
            "B-FETCH", doc.source, f"not fetched (outside the project or missing): {url}"
        )
    setup.refused.clear()
    if not rendered.pages:
        raise PressroomError(doc.source, "the layout produced no pages")
    link_calls(rendered)
    return rendered


def _boxes(page: Any) -> Iterator[Any]:
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(getattr(box, "children", None) or ())


def link_calls(rendered: weasyprint.Document) -> None:
    """Make each footnote call a link to its note. WeasyPrint draws the call from the note
    element (`::footnote-call`) and links only `<a href>`; the link is added to the laid-out
    page, where the PDF writer makes its annotation and tags it Link. Each note is made the
    anchor of its id here, as WeasyPrint makes an element's (its border box, the first one
    kept), not from its style (`_notes_share_styles`)."""
    seen: set[str] = set()
    for page in rendered.pages:
        for box in _boxes(page):
            tag = getattr(box, "element_tag", "") or ""
            if tag == NOTE_ELEMENT and (note := box.element.get("id")) not in seen:
                seen.add(note)
                x, y, width, height = box.hit_area()
                page.anchors[note] = (x, y, x + width, y + height)
            elif tag.endswith("::footnote-call") and isinstance(box, InlineBox):
                # The call has no line height of its own; its text has.
                areas = [b.hit_area() for b in (box, *box.children)]
                rectangle = (
                    min(x for x, _, _, _ in areas),
                    min(y for _, y, _, _ in areas),
                    max(x + w for x, _, w, _ in areas),
                    max(y + h for _, y, _, h in areas),
                )
                page.links.append(("internal", box.element.get("id"), rectangle, box))


class DublinCoreMetadata(DocumentMetadata):
    """WeasyPrint's XMP plus the Dublin Core fields it leaves out (language, identifier,
    date, publisher, rights, subjects), so both PDFs describe themselves like the EPUB."""

    def __init__(self, base: DocumentMetadata, doc: Document):
        super().__init__(**vars(base))
        self.doc = doc

    def generate_rdf_metadata(self, variant, version, conformance):
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
        meta = self.doc.meta
        about = SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
        _container(about, "language", "Bag", [meta.lang])
        SubElement(about, f"{{{DC}}}identifier").text = meta.identifier
        if meta.date:
            _container(about, "date", "Seq", [meta.date])
        if meta.publisher:
            _container(about, "publisher", "Bag", [meta.publisher])
        if meta.keywords:
            _container(about, "subject", "Bag", list(meta.keywords))
        if meta.rights:
            _container(about, "rights", "Alt", [meta.rights])
        if meta.original:
            SubElement(about, f"{{{DC}}}source").text = meta.original.publication
        if meta.contributors:
            _container(about, "contributor", "Bag", [p.name for p in meta.contributors])
        if meta.isbn:
            _isbn(about, meta.isbn)
        if meta.series and variant != "a":
            # Left out of the PDF/A copy: PDF/A admits only schemas it knows or that the
            # file describes, and this one is calibre's own.
            _series(about, meta.series, meta.series_index)
        return tostring(rdf, encoding="utf-8")


def _isbn(about: Element, isbn: str) -> None:
    """XMP's qualified identifier: the number with its scheme, which catalogues and
    reading systems read as the ISBN."""
    holder = SubElement(SubElement(about, f"{{{XMP}}}Identifier"), f"{{{RDF}}}Bag")
    item = SubElement(holder, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
    SubElement(item, f"{{{XMPIDQ}}}Scheme").text = "ISBN"
    SubElement(item, f"{{{RDF}}}value").text = isbn


def _series(about: Element, series: str, index: str | None) -> None:
    holder = SubElement(about, f"{{{SERIES}}}series", {f"{{{RDF}}}parseType": "Resource"})
    SubElement(holder, f"{{{RDF}}}value").text = series
    SubElement(holder, f"{{{SERIES_INDEX}}}series_index").text = f"{float(index or 1):.2f}"


def _container(parent: Element, name: str, kind: str, values: list[str]) -> None:
    holder = SubElement(SubElement(parent, f"{{{DC}}}{name}"), f"{{{RDF}}}{kind}")
    for value in values:
        item = SubElement(holder, f"{{{RDF}}}li")
        item.text = value
        if kind == "Alt":
            item.set("xml:lang", "x-default")


@contextlib.contextmanager
def described(pages: weasyprint.Document, doc: Document) -> Iterator[None]:
    """The pages' metadata with the Dublin Core fields, while one PDF is written from them
    (the pages are shared by the handout and the archival copy)."""
    base = pages.metadata
    pages.metadata = DublinCoreMetadata(base, doc)
    try:
        yield
    finally:
        pages.metadata = base


def write_handout(doc: Document, ctx: BuildContext, pages: weasyprint.Document) -> bytes:
    """The tagged print PDF (PDF/UA-1: structure tags, /Lang, title shown in the window)."""
    with described(pages, doc), drawing(pages):
        return pages.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=True, finisher=identify_notes)


@dataclass
class _Shared:
    """What the PDFs written from the same pages share: each page's drawing (`drawn_once`)
    and the compressed content of every stream, by its digest."""

    pages: weasyprint.Document | None = None
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


def _use_leaves_its_symbol() -> None:
    """WeasyPrint 70 draws an SVG `<use>` of a `<symbol>` by renaming the symbol's element
    `svg`, in the document's own tree: drawn again (the archival copy of a page that
    cannot be copied), the symbol, now an `svg`, is drawn where it stands as well (formulas
    come out darker). Each use renames a copy of the element instead."""
    original = weasyprint_defs.get_use_tree
    if getattr(original, "__name__", "") == "pressroom_use_tree":
        return

    def pressroom_use_tree(svg: Any, node: Any, font_size: float) -> Any:
        tree = original(svg, node, font_size)
        if tree is not None:
            tree._etree_node = copy.copy(tree._etree_node)
        return tree

    weasyprint_defs.get_use_tree = pressroom_use_tree


_use_leaves_its_symbol()


# The WeasyPrint versions whose drawing `drawn_once` is known to copy whole (tests/test_pdf.py
# compares the bytes); under another, every PDF draws its pages as WeasyPrint does.
DRAWN_ONCE = weasyprint.__version__.split(".")[0] in ("69", "70")


@contextlib.contextmanager
def drawn_once(pages: weasyprint.Document) -> Iterator[None]:
    """While open, the PDFs written from `pages` draw each page once: WeasyPrint draws every
    page again on each `write_pdf`, so the first PDF keeps each page's drawing and the next
    ones copy it (a page with patterns, shadings or soft masks is drawn again), and the
    streams' compressed content is kept for them too. Each PDF's bytes are those it has
    written alone from fresh pages (tests/test_pdf.py compares)."""
    token = _SHARED.set(_Shared(pages if DRAWN_ONCE else None))
    try:
        yield
    finally:
        _SHARED.reset(token)


@contextlib.contextmanager
def drawing(pages: weasyprint.Document) -> Iterator[None]:
    """Around one `write_pdf` from `pages`: the drawings `drawn_once` keeps are used and
    made; outside it, each stream is still compressed only once in this write."""
    kept = _SHARED.get()
    record = kept is not None and kept.pages is pages
    shared = kept if kept is not None and record else _Shared()
    token = _SHARED.set(shared)
    for page in pages.pages:
        page.paint = _paint_once(page, shared, record)
    try:
        yield
    finally:
        for page in pages.pages:
            del page.paint
        _SHARED.reset(token)


def _compress_once() -> None:
    """pydyf 0.13 compresses a stream each time its data is read: twice a write with a file
    identifier (a hash of every object's data), and again in the next PDF of the same pages.
    While `drawing` is open, compressed content is kept by its digest. Done only if the
    result is pydyf's own, byte for byte (checked here on a sample)."""
    original = pydyf.Stream.data
    if getattr(original.fget, "__name__", "") == "pressroom_stream_data":
        return

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

    sample = pydyf.Stream([b"BT", pydyf.Dictionary({"MCID": 0}), 1.5], {"N": 3}, compress=True)
    token = _SHARED.set(_Shared())
    try:
        same = pressroom_stream_data(sample) == original.fget(sample)
    finally:
        _SHARED.reset(token)
    if same:
        pydyf.Stream.data = property(pressroom_stream_data)


_compress_once()


def _tag_notes_as_notes() -> None:
    """WeasyPrint 70 tags elements it does not know as NonStruct; PDF/UA-1 wants each
    footnote tagged Note, with its number as a label (Lbl)."""
    original = weasyprint_tags._get_pdf_tag
    if getattr(original, "__name__", "") == "pressroom_pdf_tag":
        return

    def pressroom_pdf_tag(tag: str) -> str:
        if tag == NOTE_ELEMENT:
            return "Note"
        if tag == f"{NOTE_ELEMENT}::footnote-marker":
            return "Lbl"
        if tag == f"{NOTE_ELEMENT}::footnote-call":
            return "Link"  # see link_calls
        return original(tag)

    weasyprint_tags._get_pdf_tag = pressroom_pdf_tag


_tag_notes_as_notes()


def _tag_languages() -> None:
    """WeasyPrint 70 gives only the catalog a /Lang: a passage in another language
    (`<span lang="hy">`) gets its own on each structure element made for it (ISO 32000-1,
    14.9.2), so a screen reader switches voice and a search knows the language."""
    original = weasyprint_tags._build_box_tree
    if getattr(original, "__name__", "") == "pressroom_box_tree":
        return

    def pressroom_box_tree(box: Any, parent: Any, pdf: Any, *args: Any) -> Iterator[Any]:
        element = getattr(box, "element", None)
        lang = element.get("lang") if element is not None and hasattr(element, "get") else None
        own = lang and getattr(box, "element_tag", None) not in ("html", "body")
        for made in original(box, parent, pdf, *args):
            if own and "Lang" not in made:
                made["Lang"] = pydyf.String(lang)
            yield made

    weasyprint_tags._build_box_tree = pressroom_box_tree


_tag_languages()


def _artifact(box: Any) -> bool:
    element = getattr(box, "element", None)
    return element is not None and hasattr(element, "get") and element.get(ARTIFACT) is not None


def _pull_quotes_as_artifacts() -> None:
    """A pull quote repeats a sentence of the text for display: a screen reader or a copy
    of the text must not meet it twice. Its text is drawn as an artifact (ISO 14289-1, 7.1)
    and it gets no structure element."""
    marked = weasyprint_stream.Stream.marked
    if getattr(marked, "__name__", "") == "pressroom_marked":
        return
    box_tree = weasyprint_tags._build_box_tree

    @contextlib.contextmanager
    def pressroom_marked(self: Any, box: Any, tag: str) -> Iterator[None]:
        context = self.artifact() if _artifact(box) else marked(self, box, tag)
        with context:
            yield

    def pressroom_artifact_tree(box: Any, *args: Any) -> Iterator[Any]:
        if not _artifact(box):
            yield from box_tree(box, *args)

    weasyprint_stream.Stream.marked = pressroom_marked
    weasyprint_tags._build_box_tree = pressroom_artifact_tree


_pull_quotes_as_artifacts()


def _page_references_once() -> None:
    """pydyf 0.13 builds the tuple of page references anew on every read, and WeasyPrint's
    tagging reads it for every structure element: time that grows with pages × elements
    (17 s of a 700-page book's 41 s write). The tuple is kept while the page list is the
    same length (pages are only ever appended)."""
    built = pydyf.PDF.page_references
    if getattr(built.fget, "__name__", "") == "pressroom_page_references":
        return

    def pressroom_page_references(self: Any) -> tuple[bytes, ...]:
        kids = self.pages["Kids"]
        key = (id(kids), len(kids))
        cached = self.__dict__.get("_pressroom_page_references")
        if cached is None or cached[0] != key:
            cached = (key, built.fget(self))
            self.__dict__["_pressroom_page_references"] = cached
        return cached[1]

    pydyf.PDF.page_references = property(pressroom_page_references)


_page_references_once()

# Text longer than this up to its next line-break opportunity is no run of words or URL
# but hostile: its next word is looked for in windows, from the first size, each twice the
# last, kept once the word ends that many characters before the window does.
LONG_RUN, WORD_WINDOW, WORD_MARGIN = 1000, 256, 64


def _next_word_in_a_window() -> None:
    """To hyphenate, WeasyPrint 70 looks for the first long enough word in the text up to
    the next line-break opportunity, analysing all that text again (`get_log_attrs`) for
    each shorter word it passes. That text is a word or two, except where no break is
    allowed: 20,000 unclosed `x[ ` (no break after an opening bracket, even after a
    space) are one 60 KB run of 20,000 words, analysed 20,000 times (24 s). A run longer
    than LONG_RUN is analysed in a window that grows until it holds the next word;
    shorter text (any ordinary text) goes to WeasyPrint's function as before."""
    original = weasyprint_line_break.get_next_word_boundaries
    if getattr(original, "__name__", "") == "pressroom_next_word":
        return

    def pressroom_next_word(text: str, lang: str | None) -> tuple[int, int] | None:
        size = WORD_WINDOW
        while len(text) > LONG_RUN and size < len(text):
            found = original(text[:size], lang)
            if found is not None and found[1] + WORD_MARGIN <= size:
                return found
            size *= 2
        return original(text, lang)

    weasyprint_line_break.get_next_word_boundaries = pressroom_next_word
    weasyprint_line_break._pressroom_original_next_word = original


_next_word_in_a_window()


def _first_line_from_a_window() -> None:
    """WeasyPrint 70 sets each line of a paragraph from all the rest of its text
    (`split_first_line`), and where the rest holds no break opportunity for a while, or one
    long word, it lays all of it out and hyphenates it, again for every line: a run with no
    break opportunity (an address, 20,000 unclosed `x[ `, which `overflow-wrap:
    break-word` breaks into 800 lines) took minutes, and a 100 KB word that can be
    hyphenated, longer. A line whose text goes on for more than a few lines is set from a
    window of it instead: what ends a line (a break opportunity, a hyphen, a break between
    characters) lies within a line's width of its start, and a line ended well inside the
    window shows that it was. Two things WeasyPrint reads from the far end of the text are
    kept: the window ends in a space if the text does, and a text with a soft hyphen
    anywhere is set whole (it turns automatic hyphenation off). Otherwise, or if the line
    is not ended inside the window, WeasyPrint sets it from all the text, as before; tests
    compare both ways."""
    original = weasyprint_inline.split_first_line
    if getattr(original, "__name__", "") == "pressroom_split_first_line":
        return

    def pressroom_split_first_line(
        text: str,
        style: Any,
        context: Any,
        max_width: float | None,
        justification_spacing: float,
        is_line_start: bool = True,
        minimum: bool = False,
    ) -> Any:
        font_size = style["font_size"]
        if (
            max_width is not None
            and math.isfinite(max_width)
            and font_size > 0
            and "\xad" not in text
        ):
            # Twice WeasyPrint's own guess at a line's worth (a character at least a
            # quarter of the font size wide): four lines or so of ordinary text.
            most = max(WORD_WINDOW, int(8 * max_width / font_size))
            # A word is hyphenated by trying each of its break points in the window, the
            # longest first, each a layout: without a space, a window half as long first.
            sizes = (most // 2, most) if " " not in text[: most // 2] else (most,)
            for size in (size for size in sizes if len(text) > size):
                # Ending in a space if the text does, and not if it does not.
                window = text[:size]
                cut = window.rfind(" ") + 1 if text.endswith(" ") else len(window.rstrip(" "))
                window = window[:cut]
                if len(window) > size // 2:
                    line = original(
                        window, style, context, max_width, justification_spacing,
                        is_line_start, minimum,
                    )  # fmt: skip
                    resume = line[2]
                    if resume is not None and resume <= len(window.encode()) // 2:
                        return line
        return original(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )

    weasyprint_inline.split_first_line = pressroom_split_first_line
    weasyprint_inline._pressroom_original_split_first_line = original


_first_line_from_a_window()


def _footnote_area_by_note() -> None:
    """WeasyPrint 70 lays the whole footnote area out again each time a note is added to a
    page, so a page of n notes costs n² note layouts (a book of 1,000 notes: 10 of its 15 s).
    The area's height is the sum of its notes' heights when they are lines of text (blocks
    without vertical margins, stacked), so each note is laid out once, alone, and its height
    kept; the area's own minimum and maximum height apply as before. A page with a note of
    several blocks is laid out WeasyPrint's way. The pages come out byte for byte the
    same (tests/test_pdf.py compares both ways)."""
    original = LayoutContext._update_footnote_area
    if getattr(original, "__name__", "") == "pressroom_footnote_area":
        return

    def pressroom_footnote_area(self: Any) -> bool:
        area = self.current_footnote_area
        heights = self.__dict__.setdefault("_pressroom_note_heights", {})
        page, content, laid = area.page, 0.0, area
        for note in self.current_page_footnotes:
            key = (id(note), page.width, page.margin_left, page.margin_right)
            if key not in heights:
                # The note is kept with its height: an id is only unique while it lives.
                heights[key] = (note, *_alone(self, area, note))
            if heights[key][1] is None:  # a note of several blocks: their margins collapse
                return original(self)
            content += heights[key][1]
            laid = heights[key][2]
        if area.height != "auto" and not self.in_column:
            self.page_bottom += area.margin_height()
        area.children = self.current_page_footnotes
        if not area.children:
            area.height = 0
            if not self.in_column:
                self.page_bottom -= area.margin_height()
            return False
        area.height = max(min(content, laid.max_height), laid.min_height)
        if not self.in_column:
            self.page_bottom -= area.margin_height()
        return content > area.height

    LayoutContext._update_footnote_area = pressroom_footnote_area
    LayoutContext._pressroom_original_footnote_area = original


def _alone(context: Any, area: Any, note: Any) -> tuple[float | None, Any]:
    """A note's height laid out alone in its page's note area, and that area; None for a
    note that is not lines of text only (its blocks' margins would collapse differently
    among other notes than alone)."""
    alone = create_anonymous_boxes(area.copy_with_children([note]).deepcopy())
    laid = block_level_layout(context, alone, -math.inf, None, area.page)[0]
    box = laid.children[-1]
    simple = (
        len(laid.children) == 1
        and box.margin_top == 0
        and box.margin_bottom == 0
        and all(isinstance(child, LineBox) for child in box.children)
    )
    height = box.position_y + box.margin_height() - laid.content_box_y()
    return (height if simple else None), laid


_footnote_area_by_note()


def _footnote_area_from_measured_notes() -> None:
    """When a page is done, WeasyPrint 70 lays its note area out once more, every note
    again. Notes of plain text were each laid out alone to measure them (see above): those
    laid-out notes are stacked in the area instead, where the layout would put them, so a
    note is laid out once. The pages come out byte for byte the same (tests/test_pdf.py)."""
    original = weasyprint_page.block_level_layout
    if getattr(original, "__name__", "") == "pressroom_area_layout":
        return

    def pressroom_area_layout(context: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(box, FootnoteAreaBox):
            stacked = _stacked_notes(context, box)
            if stacked is not None:
                return stacked, None, {"break": "any", "page": None}, [], False, None
        return original(context, box, *args, **kwargs)

    weasyprint_page.block_level_layout = pressroom_area_layout


def _stacked_notes(context: Any, box: Any) -> Any:
    """The page's note area `box` laid out from its notes measured alone, or None if one
    of them was not measured so (a note of several blocks)."""
    heights = context.__dict__.get("_pressroom_note_heights", {})
    page, notes = box.page, context.current_page_footnotes
    measured = [
        heights.get((id(n), page.width, page.margin_left, page.margin_right)) for n in notes
    ]
    if (
        not notes
        or len(notes) != len(box.children)
        or any(m is None or m[1] is None for m in measured)
    ):
        return None
    first = measured[0][2]
    area = first.copy_with_children([])
    area.translate(box.position_x - first.position_x, box.position_y - first.position_y)
    y = area.content_box_y()
    for _, _, laid in measured:
        note = laid.children[-1].deepcopy()
        note.translate(area.content_box_x() - laid.content_box_x(), y - note.position_y)
        area.children.append(note)
        y = note.position_y + note.margin_height()
    area.height = max(min(y - area.content_box_y(), area.max_height), area.min_height)
    return area


_footnote_area_from_measured_notes()


def _notes_share_styles() -> None:
    """WeasyPrint 70 computes one style for elements matched alike under the same parent
    style, and each property of it once, when first read. Not so for a footnote's: each one
    gets a copy of its element's style (`float` set to none), and its `::footnote-call` and
    `::footnote-marker` a style each, as does every anonymous box made from those (the
    text's, the lines'): a thousand notes computed the same styles a thousand times,
    property by property. Notes whose styles were copied from the same style share one
    copy; a note's call and marker share the style of their kind with every note of the
    same style whose rules for them are the same."""
    attributes = weasyprint_css.find_style_attributes
    if getattr(attributes, "__name__", "") != "pressroom_style_attributes":
        # An id is an anchor, declared in the element's style, which made every note's style
        # its own; `link_calls` makes the notes' anchors instead.
        def pressroom_style_attributes(tree: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            for found in attributes(tree, *args, **kwargs):
                _, element, declarations, _ = found
                if element.tag != NOTE_ELEMENT or [
                    getattr(d, "lower_name", None) for d in declarations
                ] != ["-weasy-anchor"]:
                    yield found

        weasyprint_css.find_style_attributes = pressroom_style_attributes
        weasyprint_css._pressroom_original_style_attributes = attributes

    build = weasyprint_document.build_formatting_structure
    if getattr(build, "__name__", "") != "pressroom_formatting_structure":

        def pressroom_formatting_structure(*args: Any) -> Any:
            root = build(*args)
            copies: dict[tuple[int, int], Any] = {}
            for note in args[-1]:  # the footnotes, whose lines are made when laid out
                style = note.style
                key = (id(style.cascaded), id(style.parent_style))
                note.style = copies.setdefault(key, style)
            return root

        weasyprint_document.build_formatting_structure = pressroom_formatting_structure
        weasyprint_document._pressroom_original_formatting_structure = build

    computed = weasyprint_css.StyleFor.set_computed_styles
    if getattr(computed, "__name__", "") == "pressroom_computed_styles":
        return

    def pressroom_computed_styles(
        self: Any,
        element: Any,
        parent: Any,
        root: Any = None,
        pseudo_type: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if pseudo_type not in ("footnote-call", "footnote-marker"):
            return computed(self, element, parent, root, pseudo_type, *args, **kwargs)
        styles = self.get_computed_styles()
        cascaded = self.get_cascaded_styles().get((element, pseudo_type), {})
        # The same rules are the same declaration objects, from the parsed stylesheets.
        key = (
            id(styles[parent, None]),
            pseudo_type,
            tuple((name, id(value), weight) for name, (value, weight) in cascaded.items()),
        )
        shared = self.__dict__.setdefault("_pressroom_note_styles", {})
        if key in shared:
            styles[element, pseudo_type] = shared[key]
        else:
            computed(self, element, parent, root, pseudo_type, *args, **kwargs)
            shared[key] = styles[element, pseudo_type]

    weasyprint_css.StyleFor.set_computed_styles = pressroom_computed_styles
    weasyprint_css.StyleFor._pressroom_original_computed_styles = computed


_notes_share_styles()


def _shrink_to_fit_from_max_content() -> None:
    """WeasyPrint 70's shrink-to-fit width is min(max(min-content, available), max-content):
    when the max-content width fits, that is the width, whatever the min-content width, which
    is then not worth measuring (breaking the text at every opportunity): an inline-block or
    a float of auto width in a stylesheet pays for it once for each such box."""
    original = weasyprint_preferred.shrink_to_fit
    if getattr(original, "__name__", "") == "pressroom_shrink_to_fit":
        return

    def pressroom_shrink_to_fit(context: Any, box: Any, available: float) -> float:
        widest = weasyprint_preferred.max_content_width(context, box, outer=False)
        if widest <= available:
            return widest
        narrowest = weasyprint_preferred.min_content_width(context, box, outer=False)
        return min(max(narrowest, available), widest)

    for module in (weasyprint_preferred, weasyprint_inline, weasyprint_float, weasyprint_absolute):
        module.shrink_to_fit = pressroom_shrink_to_fit


_shrink_to_fit_from_max_content()


# In WeasyPrint's line layout: a line overflows the page where the block's orphans and
# widows allow a break after it but not before it.
ORPHANS_REPORT = "report = not context.in_column and can_break_now and not could_break_before"
# There too, on a page while notes are left to place, every box of every line is looked for
# in the list of those notes (all of a book's notes at first), though only a call has a note.
NOTES_ON_LINE = "if descendant.footnote in context.footnotes)"
NOTES_ON_LINE_CALLS_ONLY = (
    "if descendant.footnote is not None and descendant.footnote in context.footnotes)"
)


def _notes_stay_with_their_calls() -> None:
    """WeasyPrint 69 and 70 make room for such a line (`ORPHANS_REPORT`) by moving the
    page's last notes to the next page, one by one, until it fits: notes whose calls are
    already set on this page, so each one moved is printed a page after its call (the
    article's note 21, moved for the second line of the next paragraph). Footnotes here
    follow `footnote-policy: line`: a note moves only with its call's line. The condition
    is turned off in WeasyPrint's own line layout, compiled again from its source; the block
    then breaks as its orphans and widows say, as on a page without notes; a line's notes
    are looked for among its calls only (`NOTES_ON_LINE`). Every other layout is unchanged
    (tests/test_pdf.py compares both ways)."""
    if getattr(weasyprint_block, "_pressroom_original_linebox_layout", None):
        return
    original = weasyprint_block._linebox_layout
    try:
        source = inspect.getsource(original)
    except OSError:  # installed without its sources
        return
    if source.count(ORPHANS_REPORT) != 1:  # another WeasyPrint: left as it is
        return
    source = source.replace(ORPHANS_REPORT, "report = False")
    if source.count(NOTES_ON_LINE) == 1:
        source = source.replace(NOTES_ON_LINE, NOTES_ON_LINE_CALLS_ONLY)
    # Blank lines first, so a traceback names the lines of WeasyPrint's file.
    source = "\n" * (original.__code__.co_firstlineno - 1) + source
    code = compile(source, inspect.getfile(original), "exec")
    exec(code, weasyprint_block.__dict__)  # defines _linebox_layout again, in its module
    weasyprint_block._pressroom_original_linebox_layout = original


_notes_stay_with_their_calls()


# A part of a book laid out on its own (`parts.py`): the notes before it, whose IDs its own
# follow; and what its other IDs (table headers') begin with, unique in the joined book.
NOTES_BEFORE: ContextVar[int] = ContextVar("pressroom_notes_before", default=0)
ID_PREFIX: ContextVar[str] = ContextVar("pressroom_id_prefix", default="")


def _prefix_ids(pdf: Any, prefix: str) -> None:
    """WeasyPrint names a table header cell after the object numbers of this PDF, which
    another part's PDF may also have."""
    for obj in pdf.objects:
        if not (isinstance(obj, dict) and obj.get("Type") == "/StructElem"):
            continue
        if "ID" in obj and obj.get("S") != "/Note":
            obj["ID"] = pydyf.String(prefix + obj["ID"].string)
        attributes = obj.get("A")
        if isinstance(attributes, dict) and "Headers" in attributes:
            attributes["Headers"] = pydyf.Array(
                [pydyf.String(prefix + header.string) for header in attributes["Headers"]]
            )


def identify_notes(document: Any, pdf: Any) -> None:
    """PDF/UA-1 (ISO 14289-1, 7.9): every Note structure element has a unique ID, listed in
    the structure tree's IDTree."""
    if prefix := ID_PREFIX.get():
        _prefix_ids(pdf, prefix)
    notes: list[Any] = [
        obj
        for obj in pdf.objects
        if isinstance(obj, dict) and obj.get("Type") == "/StructElem" and obj.get("S") == "/Note"
    ]
    if not notes:
        return
    # A note of several blocks gets an anonymous block around its number and first
    # paragraph, which WeasyPrint tags as a second Note inside the first: a paragraph.
    references = {str(note.reference) for note in notes}
    for note in notes:
        if str(note.get("P")) in references:
            note["S"] = "/P"
    notes = [note for note in notes if note["S"] == "/Note"]
    names = []
    for number, note in enumerate(notes, start=NOTES_BEFORE.get() + 1):
        key = f"note-{number}"
        note["ID"] = pydyf.String(key)
        names.append((key, note.reference))
    root = next(
        obj for obj in pdf.objects if isinstance(obj, dict) and obj.get("Type") == "/StructTreeRoot"
    )
    tree = pydyf.Dictionary(
        {
            "Names": pydyf.Array(
                [item for key, ref in sorted(names) for item in (pydyf.String(key), ref)]
            )
        }
    )
    pdf.add_object(tree)
    root["IDTree"] = tree.reference


class _quiet_weasyprint:
    """WeasyPrint logs every refused fetch; Pressroom reports them once, in its own words."""

    def __enter__(self):
        self.logger = logging.getLogger("weasyprint")
        self.level = self.logger.level
        self.logger.setLevel(logging.CRITICAL)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
