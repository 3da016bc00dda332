"""The handout's HTML: the shared document set for paged media, before any layout.

Notes go to their calls' feet, formulas are drawn, pull quotes are marked as artifacts and
code tokens no print rule names become plain text; the theme's template (`print/handout`)
puts the chapters on one page. Nothing here imports WeasyPrint: a book's first process makes
this page while its print process (`printing.py`) is still importing it (`page`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from .. import __version__
from ..context import BuildContext
from ..markup import ARTIFACT, NOTE_ELEMENT
from ..model import Chapter, Document, Note
from ..util import language
from ..util.dates import w3c
from ..util.paper import paper
from ..util.tree import add_class, has_class, remove, replace
from .math_images import draw_math


def notes_at_foot(body: ET.Element, notes: dict[str, Note], placed: set[str]) -> ET.Element:
    """Replace each note's first call with the note itself, a `float: footnote` span.

    WeasyPrint then sets it at the foot of the page where it is called. Later calls of the
    same note stay links showing the same number. `body` must be the writer's own copy.
    """
    for block in list(body):
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
    return body


# A note is set inside its call's paragraph, where the HTML parser would end the paragraph
# at a block element: a note's blocks are spans that CSS sets as blocks (`note-p`, …).
NOTE_BLOCKS = frozenset(
    {"p", "div", "pre", "blockquote", "hr", "figure", "figcaption"}
    | {"ul", "ol", "li", "dl", "dt", "dd"}
    | {"table", "thead", "tbody", "tfoot", "tr", "th", "td"}
    | {f"h{n}" for n in range(1, 7)}
)


def _inline_copy(body: ET.Element, span: ET.Element) -> None:
    """Copy a note's body into its footnote element: the first paragraph runs on from the
    number, later blocks become spans set as blocks. The body belongs to the shared
    document, so it is copied, not moved."""
    body = copy.deepcopy(body)
    _join_lines(body)
    blocks = list(body)
    span.text = (body.text or "").strip() or None
    if blocks and blocks[0].tag == "p":
        # The first paragraph's text and inline elements go in the note itself: one element
        # less per note to style and lay out.
        first = blocks.pop(0)
        span.text = (span.text or "") + (first.text or "") or None
        span.extend(first)
    for block in blocks:
        for el in block.iter():
            if el.tag in NOTE_BLOCKS:
                add_class(el, f"note-{el.tag}")
                if el.tag == "ol" and el.get("start", "").isdigit():
                    # CSS cannot read `start`; the counter can be set.
                    el.set("style", f"counter-reset: list-item {int(el.get('start', '1')) - 1}")
                el.tag = "span"
        block.tail = None  # white space between blocks would make empty anonymous boxes
        span.append(block)


SOURCE_LINE_END = re.compile(r"[ \t]*\n\s*")


def _join_lines(el: ET.Element, keep: bool = False) -> None:
    """A note's source line ends become spaces, outside code blocks. WeasyPrint 70 sets a
    line end inside a footnote as a line break, where the text around it would run on."""
    keep = keep or el.tag == "pre"
    if el.text and not keep:
        el.text = SOURCE_LINE_END.sub(" ", el.text)
    for child in el:
        _join_lines(child, keep)
        if child.tail and not keep:
            child.tail = SOURCE_LINE_END.sub(" ", child.tail)


CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


def classes_in(sources: list[tuple[str, str]]) -> frozenset[str]:
    """Every class a stylesheet's selectors could name (a superset: any `.name` in it)."""
    return frozenset(name for css, _ in sources for name in CLASS.findall(css))


def plain_tokens(body: ET.Element, styled: frozenset[str]) -> None:
    """Highlighted code marks every token; print styles a few kinds (keywords, comments,
    strings …). A token span no print rule names is set as plain text: names, punctuation
    and spaces are most of a listing's spans, and each span costs the layout a box."""
    for parent in body.iter():
        if parent.tag != "span" or not has_class(parent, "line"):
            continue
        for child in list(parent):
            classes = (child.get("class") or "").split()
            if child.tag == "span" and not len(child) and not (set(classes) & styled):
                unwrap_text(parent, child)


def unwrap_text(parent: ET.Element, child: ET.Element) -> None:
    """Put a childless element's text where it stood, and drop the element."""
    child.tail = (child.text or "") + (child.tail or "")
    remove(parent, child)


def handout_chapters(
    doc: Document, drawn: dict[str, bytes] | None = None, styled: frozenset[str] | None = None
) -> list[Chapter]:
    """The chapters as the handout sets them: notes at their calls' feet, formulas drawn
    into `drawn` (served as MATH_URL), code tokens of classes `styled` does not name (the
    print stylesheets' classes) as plain text."""
    placed: set[str] = set()
    chapters = [
        Chapter(
            id=ch.id,
            title=ch.title,
            headings=ch.headings,
            body=mark_artifacts(notes_at_foot(ch.copy_body(), doc.notes, placed)),
        )
        for ch in doc.chapters
    ]
    for chapter in chapters:
        draw_math(chapter.body, MATH_URL, drawn if drawn is not None else {})
        if styled is not None:
            plain_tokens(chapter.body, styled)
    return chapters


def handout_page(
    doc: Document, ctx: BuildContext, chapters: list[Chapter], cover: str | None = None
) -> str:
    """The handout's HTML around `chapters` (`handout_chapters`); `cover`, the URL of the
    cover page's image."""
    from .. import layout as jinja_layout  # Jinja: where the page is made, not before

    return jinja_layout.render(
        ctx.theme,
        "print/handout.html.j2",
        meta=doc.meta,
        chapters=chapters,
        cover=cover,
        version=__version__,
        created=w3c(ctx.clock),
        book=doc.is_book,
        about_level=1 if doc.is_book else 2,
        t=ctx.strings(doc.meta.lang),
        dir=language.direction(doc.meta.lang),
    )


def handout_html(
    doc: Document,
    ctx: BuildContext,
    drawn: dict[str, bytes] | None = None,
    cover: str | None = None,
    styled: frozenset[str] | None = None,
) -> str:
    """The handout's HTML: `handout_page` around `handout_chapters`."""
    return handout_page(doc, ctx, handout_chapters(doc, drawn, styled), cover)


# WeasyPrint sees files under fixed virtual folders, so nothing in the PDF (image names are
# hashes of their URL) depends on where the manuscript happens to sit: reproducible builds.
MANUSCRIPT_URL, THEME_URL = "file:///manuscript/", "file:///theme/"
MATH_URL = "file:///math/"  # drawn formulas
COVER_URL = "file:///cover/"  # the typographic cover


def css_url(n: int) -> str:
    return f"file:///css-{n}/"


def mark_artifacts(body: ET.Element) -> ET.Element:
    for el in body.iter():
        if has_class(el, "pullquote"):
            for inner in el.iter():
                inner.set(ARTIFACT, "")
    return body


@dataclass
class Page:
    """The handout's HTML and what it names that is made with it: drawn formulas (served at
    MATH_URL) and the typographic cover (at COVER_URL), as `page` makes them."""

    html: str
    drawn: dict[str, bytes] = field(default_factory=dict)
    covers: dict[str, bytes] = field(default_factory=dict)


def print_sources(ctx: BuildContext, finish: str = "") -> list[tuple[str, str]]:
    """The print stylesheets, each with its base URL: the paper's geometry first, then the
    theme, the user's stylesheets, and `finish` (the print shop's bleed and marks) last."""
    sources = [(paper(ctx.paper).css() + ctx.theme.css("print"), THEME_URL)]
    sources += [(sheet.text(), css_url(n)) for n, sheet in enumerate(ctx.stylesheets("print"))]
    if finish:
        sources.append((finish, THEME_URL))
    return sources


def cover_url(
    doc: Document, ctx: BuildContext, covers: dict[str, bytes], cover: bool = True
) -> str | None:
    """The URL of the book's cover page, if it has one (`cover`: a book opens with its cover
    page; a print shop's interior does not); a typographic cover is drawn into `covers`."""
    if not (cover and doc.is_book and doc.meta.cover_page):
        return None
    if doc.cover is not None:
        return doc.cover.src
    from ..cover import generated_cover_svg  # the fonts it measures with: only for a cover

    covers["cover.svg"] = generated_cover_svg(doc.meta, ctx.theme)
    return f"{COVER_URL}cover.svg"


def page(doc: Document, ctx: BuildContext) -> Page:
    """The handout's page as the print process lays it out (`pdf.layout`)."""
    made = Page("")
    cover = cover_url(doc, ctx, made.covers)
    made.html = handout_html(doc, ctx, made.drawn, cover, classes_in(print_sources(ctx)))
    return made
