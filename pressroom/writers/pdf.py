"""Print handout: transform the shared document for paged media, lay it out with WeasyPrint.

`layout()` renders pages once; `write_handout()` writes the tagged PDF/UA-1 handout from them
and `archival.py` writes the PDF/A copy from the same pages.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import mimetypes
from collections.abc import Callable, Iterator
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

import pydyf
import weasyprint
from weasyprint.pdf import tags as weasyprint_tags
from weasyprint.pdf.metadata import NS, DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

from .. import __version__
from .. import layout as jinja_layout
from ..context import BuildContext
from ..dates import w3c
from ..errors import PressroomError
from ..model import Chapter, Document, Note
from ..paper import paper
from ..tree import add_class, replace

# Footnotes are set as this element so the PDF's structure tree can call them Note.
NOTE_ELEMENT = "pressroom-note"
RDF, DC = NS["rdf"], NS["dc"]


def notes_at_foot(
    body: ET.Element, notes: dict[str, Note], placed: set[str], held: frozenset[str] = frozenset()
) -> ET.Element:
    """Replace each note's first call with the note itself, a `float: footnote` span.

    WeasyPrint then sets it at the foot of the page where it is called. Later calls of the
    same note stay links showing the same number. For notes in `held`, the block after the
    call's block starts a new page (see `layout`). `body` must be the writer's own copy.
    """
    blocks = list(body)
    for index, block in enumerate(blocks):
        for parent in list(block.iter()):
            for child in list(parent):
                if child.tag != "a" or child.get("class") != "noteref":
                    continue
                note = notes[child.get("href", "#")[1:]]
                if note.id in placed:
                    continue
                placed.add(note.id)
                span = ET.Element(NOTE_ELEMENT, {"class": "footnote", "id": note.id})
                _inline_copy(note.body, span)
                replace(parent, child, span)
                if note.id in held and index + 1 < len(blocks):
                    add_class(blocks[index + 1], "after-held-note")
    return body


def _inline_copy(block: ET.Element, span: ET.Element) -> None:
    """Footnote content must be inline: paragraphs become runs separated by a space. The
    note's body belongs to the shared document, so its children are copied, not moved."""
    block = copy.deepcopy(block)
    span.text = (block.text or "").strip() or None
    first = True
    for child in block:
        if child.tag in ("p", "div"):
            run = ET.SubElement(span, "span")
            run.text = ("" if first else " ") + (child.text or "")
            run[:] = list(child)
            first = False
        else:
            span.append(child)


def handout_html(doc: Document, ctx: BuildContext, held: frozenset[str] = frozenset()) -> str:
    placed: set[str] = set()
    chapters = [
        Chapter(
            id=ch.id,
            title=ch.title,
            headings=ch.headings,
            body=notes_at_foot(ch.copy_body(), doc.notes, placed, held),
        )
        for ch in doc.chapters
    ]
    return jinja_layout.render(
        ctx.theme,
        "print/handout.html.j2",
        meta=doc.meta,
        chapters=chapters,
        version=__version__,
        created=w3c(ctx.clock),
        book=doc.is_book,
        about_level=1 if doc.is_book else 2,
        t=ctx.strings(doc.meta.lang),
    )


# WeasyPrint sees files under fixed virtual folders, so nothing in the PDF (image names are
# hashes of their URL) depends on where the manuscript happens to sit: reproducible builds.
MANUSCRIPT_URL, THEME_URL = "file:///manuscript/", "file:///theme/"


def css_url(n: int) -> str:
    return f"file:///css-{n}/"


Resolver = Callable[[str], "bytes | None"]


def _folder(root: Path) -> Resolver:
    root = root.resolve()

    def read(relative: str) -> bytes | None:
        path = (root / relative).resolve()
        return path.read_bytes() if path.is_relative_to(root) and path.is_file() else None

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


def layout(doc: Document, ctx: BuildContext, finish: str = "") -> weasyprint.Document:
    """Lay out the pages once; both the handout and the archival copy are written from them.
    `finish` is CSS over everything else (the print shop's bleed and marks)."""
    refused: list[str] = []
    user = ctx.stylesheets("print")
    images = {image.src: image.data for image in doc.images}
    roots: dict[str, Resolver] = {MANUSCRIPT_URL: images.get, THEME_URL: _theme(ctx)}
    roots |= {css_url(n): _folder(sheet.path.parent) for n, sheet in enumerate(user)}
    fetcher = LocalFetcher(roots, refused)
    fonts = FontConfiguration()
    # The paper's geometry first: the theme, then the user's stylesheets, may override it.
    sources = [(paper(ctx.paper).css() + ctx.theme.css("print"), THEME_URL)]
    sources += [(sheet.text(), css_url(n)) for n, sheet in enumerate(user)]
    if finish:
        sources.append((finish, THEME_URL))
    sheets = [
        weasyprint.CSS(string=css, base_url=base, url_fetcher=fetcher, font_config=fonts)
        for css, base in sources
    ]
    held: frozenset[str] = frozenset()
    while True:
        page_html = weasyprint.HTML(
            string=handout_html(doc, ctx, held), base_url=MANUSCRIPT_URL, url_fetcher=fetcher
        )
        with _quiet_weasyprint():
            # Presentational hints: HTML's own attributes the sanitizer keeps, such as a
            # list's `start` (`3. three` prints 3.) and an image's pixel size.
            rendered = page_html.render(
                stylesheets=sheets, font_config=fonts, pdf_tags=True, presentational_hints=True
            )
        # WeasyPrint can still let a note slip to the next page, without its call, when the
        # block after the call's block is pushed over for its orphans. Those few blocks are
        # made to start the next page and the pages set again, so a note is never printed
        # away from its call.
        strays = stray_notes(rendered) - held
        if not strays:
            break
        held |= strays
    for url in dict.fromkeys(refused):
        ctx.diagnostics.warn(
            "B-FETCH", doc.source, f"not fetched (outside the project or missing): {url}"
        )
    if not rendered.pages:
        raise PressroomError(doc.source, "the layout produced no pages")
    return rendered


def stray_notes(rendered: weasyprint.Document) -> frozenset[str]:
    """Ids of notes printed on another page than their call."""
    call_page: dict[str, int] = {}
    note_page: dict[str, int] = {}
    for number, page in enumerate(rendered.pages):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            tag = getattr(box, "element_tag", "") or ""
            if tag.endswith("::footnote-call"):
                call_page.setdefault(box.element.get("id"), number)
            elif tag.endswith("::footnote-marker"):
                note_page.setdefault(box.element.get("id"), number)
            stack.extend(getattr(box, "children", None) or ())
    return frozenset(n for n, page in note_page.items() if call_page.get(n) != page)


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
        return tostring(rdf, encoding="utf-8")


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
    with described(pages, doc):
        return pages.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=True, finisher=identify_notes)


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
        return original(tag)

    weasyprint_tags._get_pdf_tag = pressroom_pdf_tag


_tag_notes_as_notes()


def identify_notes(document: Any, pdf: Any) -> None:
    """PDF/UA-1 (ISO 14289-1, 7.9): every Note structure element has a unique ID, listed in
    the structure tree's IDTree."""
    notes: list[Any] = [
        obj
        for obj in pdf.objects
        if isinstance(obj, dict) and obj.get("Type") == "/StructElem" and obj.get("S") == "/Note"
    ]
    if not notes:
        return
    names = []
    for number, note in enumerate(notes, start=1):
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
