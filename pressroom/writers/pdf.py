"""Print handout: transform the shared document for paged media, lay it out with WeasyPrint.

`layout()` renders pages once; `write_handout()` writes the tagged PDF/UA-1 handout from them
and `archival.py` writes the PDF/A copy from the same pages, within `weasy.drawing.drawn_once`
drawn once for both. Every call into WeasyPrint here is made with Pressroom's patches on
(`weasy.patched`), and only then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from .. import weasy

# isort: split

import weasyprint
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration

from ..context import BuildContext
from ..errors import PressroomError
from ..model import Document
from ..weasy.drawing import drawing, drawn_once
from ..weasy.fonts import release as release_fonts
from ..weasy.notes import link_calls
from ..weasy.tagging import identify_notes
from ..weasy.xmp import described
from .fetcher import LocalFetcher, Resolver, folder, theme
from .handout import (
    COVER_URL,
    MANUSCRIPT_URL,
    MATH_URL,
    THEME_URL,
    Page,
    classes_in,
    cover_url,
    css_url,
    handout_html,
    print_sources,
)

__all__ = ["Press", "drawn_once", "layout", "press", "render", "serve", "write_handout"]


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

    def release(self) -> None:
        """Remove the temporary folder of the stylesheets' fonts (WeasyPrint removes it only
        when the configuration is finalised, which a forked process never does)."""
        release_fonts(self.fonts)


def press(ctx: BuildContext, finish: str = "") -> Press:
    """Set up a layout for `ctx`; `finish` is CSS over everything else (the print shop's
    bleed and marks). The print process does this while the manuscript is still being read."""
    user = ctx.stylesheets("print")
    refused: list[str] = []
    images: dict[str, bytes] = {}
    drawn: dict[str, bytes] = {}
    covers: dict[str, bytes] = {}
    roots: dict[str, Resolver] = {MANUSCRIPT_URL: images.get, THEME_URL: theme(ctx)}
    roots[MATH_URL] = drawn.get
    roots[COVER_URL] = covers.get
    roots |= {css_url(n): folder(sheet.path.parent, ctx.read) for n, sheet in enumerate(user)}
    fetcher = LocalFetcher(roots, refused)
    fonts = FontConfiguration()
    # WeasyPrint keeps a sheet's counter styles where it is told to, and lays out with its own
    # (empty) set unless given one: the sheets' and the layout's must be the same.
    counters = CounterStyle()
    # The paper's geometry first: the theme, then the user's stylesheets, may override it.
    sources = print_sources(ctx, finish)
    sheets = []
    with weasy.patched():
        for n, (css, base) in enumerate(sources):
            try:
                sheets.append(
                    weasyprint.CSS(
                        string=css,
                        base_url=base,
                        url_fetcher=fetcher,
                        font_config=fonts,
                        counter_style=counters,
                    )
                )
            except RecursionError:  # `((((…` hundreds deep: its parser recurses a level each
                name = user[n - 1].path if 0 < n <= len(user) else f"{ctx.theme.name} theme"
                raise PressroomError(
                    name, "the stylesheet is nested too deeply to be read"
                ) from None
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
    with weasy.patched(), _quiet_weasyprint():
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


def write_handout(doc: Document, ctx: BuildContext, pages: weasyprint.Document) -> bytes:
    """The tagged print PDF (PDF/UA-1: structure tags, /Lang, title shown in the window)."""
    with weasy.patched(), described(pages, doc), drawing(pages):
        return pages.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=True, finisher=identify_notes)


class _quiet_weasyprint:
    """WeasyPrint logs every refused fetch; Pressroom reports them once, in its own words."""

    def __enter__(self):
        self.logger = logging.getLogger("weasyprint")
        self.level = self.logger.level
        self.logger.setLevel(logging.CRITICAL)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
