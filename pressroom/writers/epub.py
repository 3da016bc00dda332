"""EPUB 3: the shared Document → a reflowable, accessible, reproducible .epub.

Every XHTML file (title page, text, about page, nav) and the NCX are laid out by Jinja
templates in `templates/epub/`; this module only transforms element trees (notes, images,
pull quotes) and hands the results to ebooklib, which assembles the package (metadata,
manifest, spine, container). The zip ebooklib writes is then rewritten so that the same
document and SOURCE_DATE_EPOCH always give the same bytes.

ebooklib 0.20 traps worked around here:
- `EpubHtml` re-parses XHTML with lxml's HTML parser, which drops `epub:` namespaces; pages
  go in as plain `EpubItem`s with our own bytes (the nav is one too, with `properties=nav`).
- it writes nav and NCX only from `EpubNav`/`EpubNcx` items and its own markup; both are
  rendered from templates instead (the NCX keeps the id `ncx` the spine points to).
- `add_author` gives every creator the id `creator` and puts a marc:relators scheme on
  `file-as`; creators get `creator-N` ids and a plain `file-as` refinement here.
- `dcterms:modified` is `datetime.now()` (local time) labelled `Z`; the UTC build time is
  passed as `mtime`.
- a random uuid4 identifier unless one is set; no `xml:lang` on <package>; a generator stamp
  naming its version; zip entries stamped with the current time: fixed in
  `describe_metadata`, `finish_opf` and `normalise_zip`.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from ebooklib import epub
from lxml import etree

from .. import layout
from ..context import BuildContext, Derived
from ..diagnostics import Diagnostic
from ..model import Chapter, Document, Image
from ..util import language, zipwrite
from ..util.tree import parents, replace, without_class

__all__ = ["read_kept_page", "write_epub"]

# ElementTree would invent an `ns0:` prefix for a namespaced attribute; the literal name is
# well-formed because every template declares xmlns:epub on <html>.
EPUB_TYPE = "epub:type"
XHTML = "application/xhtml+xml"
CSS_HREF = "styles/epub.css"  # the theme's; a user's stylesheets follow as styles/user-N.css
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SAFE_HREF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


@dataclass
class Page:
    """One XHTML file of the package, already laid out."""

    id: str
    href: str
    title: str
    content: bytes
    properties: list[str] = field(default_factory=list)


@dataclass
class TocEntry:
    label: str
    href: str
    children: list[TocEntry] = field(default_factory=list)
    order: int = 0  # NCX playOrder, numbered depth-first


@dataclass
class Text:
    """A chapter (or the article) after its transforms: body, notes placed in it."""

    chapter: Chapter
    href: str
    body: ET.Element
    notes: list = field(default_factory=list)  # [{"id", "body"}] for the template
    tally: Tally | None = None  # what its page holds, once laid out


@dataclass
class Tally:
    """What one text's page holds, for the package's accessibility metadata: counted
    from the text when its page is laid out, or kept with the page."""

    images: int
    images_with_alt: int
    tables: int
    tables_with_headers: int
    notes: int
    math: int
    languages: list[str]  # in the text, then in its notes: each first of its language
    note_languages: list[str]

    @classmethod
    def of(cls, text: Text) -> Tally:
        trees = trees_of(text)
        imgs = [img for tree in trees for img in tree.iter("img")]
        tables = [tb for tree in trees for tb in tree.iter("table")]
        return cls(
            images=len(imgs),
            images_with_alt=sum(1 for img in imgs if (img.get("alt") or "").strip()),
            tables=len(tables),
            tables_with_headers=sum(1 for tb in tables if next(tb.iter("th"), None) is not None),
            notes=len(text.notes),
            math=sum(1 for tree in trees for _ in tree.iter("math")),
            languages=_languages([text.body]),
            note_languages=_languages(trees[1:]),
        )


def _languages(trees: list[ET.Element]) -> list[str]:
    tags = (el.get("lang") for tree in trees for el in tree.iter())
    return first_of_each_language((lang for lang in tags if lang), [])


def first_of_each_language(tags: Iterable[str], found: list[str]) -> list[str]:
    """`found`, then each tag of `tags` whose language (before any `-`) it does not hold."""
    for tag in tags:
        if tag.split("-")[0] not in {x.split("-")[0] for x in found}:
            found.append(tag)
    return found


def kept_page(content: bytes, tally: Tally) -> bytes:
    """A finished page with its tally, as kept for the next build (context.Pages)."""
    return json.dumps(asdict(tally)).encode() + b"\n" + content


def read_kept_page(data: bytes) -> tuple[bytes, Tally]:
    """What `kept_page` kept; ValueError or TypeError for anything else."""
    head, _, content = data.partition(b"\n")
    tally = Tally(**json.loads(head))
    counts = [v for k, v in asdict(tally).items() if not k.endswith("languages")]
    if not all(type(n) is int for n in counts):
        raise TypeError("a count that is not a number")
    if not all(isinstance(x, str) for x in tally.languages + tally.note_languages):
        raise TypeError("a language that is not text")
    return content, tally


# -- the build --------------------------------------------------------------------------------
def write_epub(doc: Document, ctx: BuildContext) -> bytes:
    images = image_hrefs(doc.images)
    texts = transform_texts(doc, {img.src: href for href, img in images.items()})
    styles = stylesheets(ctx)
    about = about_page(doc, ctx, styles)
    toc = toc_entries(doc, texts, about)
    cover = cover_image(doc, ctx)
    pages = [
        cover_page(doc, ctx, styles, cover),
        title_page(doc, ctx, styles),
        nav_page(doc, ctx, styles, toc, texts),
        *text_pages(doc, ctx, styles, texts),
    ]
    if about:
        pages.append(about)
    ncx = layout.render(ctx.theme, "epub/toc.ncx", meta=doc.meta, toc=toc, depth=number_toc(toc))
    raw = package(doc, pages, ncx.encode("utf-8"), images, texts, styles, ctx, cover)
    data = normalise_zip(raw, doc.meta.lang, ctx.clock, ctx.derived)
    problems = own_check(data, ctx.derived)
    if not problems and ctx.verify:
        ctx.validated["epub"] = validate(data)
        problems = failed(ctx.validated["epub"])
    if not problems:
        return data
    # The claim follows the checks: a book they fault, or one a validator asked for could
    # not look at, says what was not verified instead.
    ctx.diagnostics.warn(
        "B-CLAIM",
        doc.source,
        "the EPUB's checks found "
        + ", ".join(problems)
        + ": it does not claim EPUB Accessibility conformance",
    )
    raw = package(doc, pages, ncx.encode("utf-8"), images, texts, styles, ctx, cover, problems)
    return normalise_zip(raw, doc.meta.lang, ctx.clock, ctx.derived)


# The own rules whose errors make a book fail WCAG or EPUB Accessibility (text alternatives,
# language, notes and their links, ids, well-formed files and HTML's content model, which
# EPUBCheck enforces); catalogue metadata (E-META)
# and the claim's own metadata (E-A11Y) are not about that.
CLAIM_RULES = frozenset({"E-ALT", "E-LANG", "E-NOTE", "E-BACK", "E-ID", "E-PKG", "E-MODEL"})


def own_check(data: bytes, derived: Derived | None = None) -> list[str]:
    """Codes of the accessibility errors Pressroom's own EPUB rules find in `data`; what
    they read in each file may be kept by its bytes (`derived`)."""
    from ..checks.epub import Facts, lint_archive  # the check stage, run on this book alone

    def read(page: bytes) -> Facts:
        if derived is None:
            return Facts.read(page)
        try:
            return Facts.load(derived("facts", page, lambda d: Facts.read(d).dump()))
        except (ValueError, KeyError, TypeError):
            return Facts.read(page)

    findings = lint_archive(data, "book.epub", read)
    return sorted({f.code for f in findings if f.severity == "error" and f.code in CLAIM_RULES})


def validate(data: bytes) -> list[Diagnostic]:
    """EPUBCheck's and DAISY Ace's findings on `data` (a validator not installed: a SKIP
    warning, as in `pressroom check`)."""
    from ..checks.validators import ace_findings, epubcheck_findings

    with tempfile.TemporaryDirectory(prefix="pressroom-verify-") as tmp:
        path = Path(tmp) / "book.epub"
        path.write_bytes(data)
        with ThreadPoolExecutor(max_workers=2) as pool:
            ace = pool.submit(ace_findings, path)
            return epubcheck_findings(path) + ace.result()


def failed(findings: list[Diagnostic]) -> list[str]:
    """The validators that found errors, or did not run, as the claim's summary names
    them: a check that did not happen verifies nothing."""
    counts: dict[str, int] = {}
    skipped = []
    for finding in findings:
        if finding.severity == "error":
            tool = VALIDATORS.get(finding.code, "EPUBCheck")  # EPUBCheck keeps its own ids
            counts[tool] = counts.get(tool, 0) + 1
        elif finding.code == "SKIP" and finding.message.startswith("EPUBCheck"):
            skipped.append(finding.message.replace("EPUBCheck skipped: ", "EPUBCheck not run: "))
    return [f"{tool}: {layout.plural(n, 'error')}" for tool, n in counts.items()] + skipped


VALIDATORS = {"ACE": "DAISY Ace", "V-FAIL": "a validator that did not run"}


@dataclass
class Cover:
    href: str
    media_type: str
    data: bytes


def cover_image(doc: Document, ctx: BuildContext) -> Cover:
    """The book's own cover image, or a typographic one made from its metadata."""
    if doc.cover is not None:
        suffix = posixpath.splitext(doc.cover.src)[1].lower()
        return Cover(f"images/cover{suffix}", doc.cover.media_type, doc.cover.data)
    if ctx.cover is None:
        from ..cover import generated_cover

        made = generated_cover(doc.meta, ctx.theme)
    else:
        made = ctx.cover(doc.meta, ctx.theme)  # imports what draws it only if it must
    return Cover("images/cover.jpg", "image/jpeg", made)


def cover_page(doc: Document, ctx: BuildContext, styles: dict[str, bytes], cover: Cover) -> Page:
    """First in reading order, out of the contents (a landmark only)."""
    words = ctx.strings(doc.meta.lang)
    alt = words["cover_of"].format(title=doc.meta.title)
    if doc.meta.authors:
        alt += f", {doc.meta.author_names}"
    content = page("epub/cover.xhtml", doc, ctx, styles, words["cover"], src=cover.href, alt=alt)
    return Page(id="cover", href="cover.xhtml", title=words["cover"], content=content)


def stylesheets(ctx: BuildContext) -> dict[str, bytes]:
    """href → CSS: the theme's, then each of the user's EPUB stylesheets, in order."""
    sheets = {CSS_HREF: ctx.theme.read("epub.css")}
    for n, sheet in enumerate(ctx.stylesheets("epub"), start=1):
        text = sheet.text()
        if "url(" in text:
            # Fonts and images a stylesheet loads are not packaged: an EPUB leaves faces to
            # the reader, and a url() nothing in the package answers fails EPUBCheck.
            ctx.diagnostics.warn(
                "B-CSS",
                sheet.path,
                "url() is not followed in the EPUB; "
                "name the file print.css to use it for print only",
            )
        sheets[f"styles/user-{n}.css"] = text.encode("utf-8")
    return sheets


def page(
    template: str, doc: Document, ctx: BuildContext, styles: dict[str, bytes], title: str, **context
) -> bytes:
    """Lay out one XHTML file; every page shares page.xhtml (lang, dir, title, stylesheets)."""
    return layout.render(
        ctx.theme,
        template,
        meta=doc.meta,
        dir=language.direction(doc.meta.lang),
        title=title,
        stylesheets=list(styles),
        t=ctx.strings(doc.meta.lang),
        **context,
    ).encode("utf-8")


# -- images ---------------------------------------------------------------------------------
def image_hrefs(images: list[Image]) -> dict[str, Image]:
    """href inside the EPUB → image. The manuscript-relative path is kept when it is a plain
    relative path (URL-safe as is); anything else gets a neutral name."""
    result: dict[str, Image] = {}
    for n, image in enumerate(images, start=1):
        href = posixpath.normpath(image.src)
        if not SAFE_HREF.match(href) or href.split("/")[0] == ".." or href.endswith(".xhtml"):
            href = f"images/image-{n}{image.path.suffix.lower()}"
        if href.lower().endswith(".svgz"):  # held as the plain SVG it was checked as
            href = href[:-1]
        result.setdefault(href, image)
    return result


# -- the text: pull quotes, images, tables, notes ---------------------------------------------
def transform_texts(doc: Document, image_href: dict[str, str]) -> list[Text]:
    texts = [
        Text(chapter=ch, href=f"{ch.id}.xhtml", body=prepare_body(ch, image_href))
        for ch in doc.chapters
    ]
    place_notes(doc, texts)
    for note in (n for t in texts for n in t.notes):
        for img in note["body"].iter("img"):
            img.set("src", image_href.get(img.get("src", ""), img.get("src", "")))
    link_across_files(texts)
    for tree in (tree for t in texts for tree in (t.body, *(n["body"] for n in t.notes))):
        for el in tree.iter():
            if el.get("lang"):  # EPUB's XHTML is XML: reading systems look for xml:lang
                el.set(XML_LANG, el.get("lang", ""))
    for math in (m for t in texts for tree in trees_of(t) for m in tree.iter("math")):
        math.set("xmlns", MATHML_NS)  # the XHTML page's namespace otherwise
    return texts


MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def trees_of(text: Text) -> list[ET.Element]:
    return [text.body, *(note["body"] for note in text.notes)]


def link_across_files(texts: list[Text]) -> None:
    """A link to `#id` in a one-file manuscript lands in another XHTML file once chapters
    are split: it is pointed at that file (`chapter-3.xhtml#id`)."""
    home: dict[str, str] = {}
    for text in texts:
        trees = [text.body, *(note["body"] for note in text.notes)]
        home |= {
            el.get("id", ""): text.href for tree in trees for el in tree.iter() if el.get("id")
        }
        home |= {note["id"]: text.href for note in text.notes}
    for text in texts:
        for tree in [text.body, *(note["body"] for note in text.notes)]:
            for a in tree.iter("a"):
                href = a.get("href", "")
                target = home.get(href[1:]) if href.startswith("#") else None
                if target and target != text.href:
                    a.set("href", target + href)


def prepare_body(chapter: Chapter, image_href: dict[str, str]) -> ET.Element:
    # Pull quotes repeat the text: in a reflowable book they are noise for every reader.
    body = without_class(chapter.body, "pullquote")
    for img in body.iter("img"):
        img.set("src", image_href.get(img.get("src", ""), img.get("src", "")))
    for thead in body.iter("thead"):
        for th in thead.iter("th"):
            th.set("scope", "col")
    return body


def note_calls(body: ET.Element) -> list[ET.Element]:
    return [a for a in body.iter("a") if a.get("class") == "noteref"]


def place_notes(doc: Document, texts: list[Text]) -> None:
    """Each note goes at the end of the file where it is first called (pop-up footnotes need
    the aside in the text's own file); later calls link across files. Calls become EPUB
    noterefs in <sup>; each note opens with a back link to its first call."""
    home: dict[str, tuple[str, str]] = {}  # note id → (file, id of its first call)
    for text in texts:
        for a in note_calls(text.body):
            home.setdefault(a.get("href", "")[1:], (text.href, a.get("id", "")))
    for text in texts:
        parent_of = parents(text.body)
        for a in note_calls(text.body):
            href = a.get("href", "")
            note_file, _ = home[href[1:]]
            if note_file != text.href:
                a.set("href", note_file + href)
            a.set(EPUB_TYPE, "noteref")
            a.set("role", "doc-noteref")
            sup = ET.Element("sup")
            replace(parent_of[a], a, sup)
            a.tail = None
            sup.append(a)
    for note in sorted(doc.notes.values(), key=lambda n: n.number):
        if note.id not in home:  # called only from a pull quote: not in this edition's text
            continue
        note_file, call = home[note.id]
        text = next(t for t in texts if t.href == note_file)
        text.notes.append({"id": note.id, "body": note_body(note.body, note.number, call)})


def note_body(body: ET.Element, number: int, call_id: str) -> ET.Element:
    body = copy.deepcopy(body)  # the Document stays unchanged for other writers
    back = ET.Element("a", {"href": f"#{call_id}", "role": "doc-backlink"})
    back.text = f"{number}."
    first = body[0] if len(body) else None
    if first is not None and first.tag == "p" and not (body.text or "").strip():
        back.tail = " " + (first.text or "")
        first.text = None
        first.insert(0, back)
    else:
        p = ET.Element("p")
        p.append(back)
        p.tail = body.text
        body.text = None
        body.insert(0, p)
    return body


# -- pages --------------------------------------------------------------------------------------
def human_date(iso: str | None, lang: str) -> str | None:
    """2024-03-15 → 15 March 2024, 15 mars 2024: in the book's language."""
    return layout.long_date(iso, lang) if iso else None


def title_page(doc: Document, ctx: BuildContext, styles: dict[str, bytes]) -> Page:
    meta = doc.meta
    original = None
    if meta.original:
        original = {
            "publication": meta.original.publication,
            "iso": meta.original.date,
            "date": human_date(meta.original.date, meta.lang),
        }
    content = page(
        "epub/titlepage.xhtml",
        doc,
        ctx,
        styles,
        meta.title,
        date=human_date(meta.date, meta.lang),
        original=original,
    )
    return Page(id="titlepage", href="titlepage.xhtml", title=meta.title, content=content)


def heading_id(text: Text) -> str:
    """A titled chapter opens with its `#` heading; an article gets its title as heading."""
    return text.chapter.headings[0].id if text.chapter.title else "text-title"


def text_pages(
    doc: Document, ctx: BuildContext, styles: dict[str, bytes], texts: list[Text]
) -> list[Page]:
    """Each text's page; a hollow chapter's (one load read in outline) is the last build's,
    and each page laid out here is kept for the next (`ctx.pages`)."""
    pages = []
    for text in texts:
        title = text.chapter.title or doc.meta.title
        if text.chapter.hollow:
            kept = ctx.pages.page(doc, text.chapter) if ctx.pages else None
            if kept is None:
                raise RuntimeError(f"{text.chapter.id} was read in outline and has no page")
            content, text.tally = read_kept_page(kept)
            pages.append(_text_page(text, title, content))
            continue
        content = page(
            "epub/chapter.xhtml",
            doc,
            ctx,
            styles,
            title,
            chapter=text.chapter,
            is_book=doc.is_book,
            heading_id=heading_id(text),
            body=text.body,
            notes=text.notes,
        )
        text.tally = Tally.of(text)
        if ctx.pages:
            ctx.pages.keep_page(doc, text.chapter, kept_page(content, text.tally))
        pages.append(_text_page(text, title, content))
    return pages


def _text_page(text: Text, title: str, content: bytes) -> Page:
    assert text.tally is not None
    # EPUB 3 requires a content document holding MathML to say so in the manifest.
    properties = ["mathml"] if text.tally.math else []
    return Page(
        id=text.chapter.id, href=text.href, title=title, content=content, properties=properties
    )


def about_page(doc: Document, ctx: BuildContext, styles: dict[str, bytes]) -> Page | None:
    authors = [a for a in doc.meta.authors if a.bio]
    if not authors:
        return None
    words = ctx.strings(doc.meta.lang)
    title = words["about_author"] if len(authors) == 1 else words["about_authors"]
    content = page("epub/about.xhtml", doc, ctx, styles, title, authors=authors)
    return Page(id="about", href="about.xhtml", title=title, content=content)


def toc_entries(doc: Document, texts: list[Text], about: Page | None) -> list[TocEntry]:
    """Chapters (or the article) with their sections down to `toc-depth` (as the printed
    contents), nested by level, then the about page."""
    entries = []
    for text in texts:
        chapter = TocEntry(label=text.chapter.title or doc.meta.title, href=text.href)
        open_levels: list[tuple[int, TocEntry]] = [(1, chapter)]
        for h in text.chapter.headings:
            if h.level == 1 or h.level > doc.meta.toc_depth or not h.text.strip():
                continue  # a heading of no words names no place (an entry must have text)
            while open_levels[-1][0] >= h.level:
                open_levels.pop()
            entry = TocEntry(label=h.text, href=f"{text.href}#{h.id}")
            open_levels[-1][1].children.append(entry)
            open_levels.append((h.level, entry))
        entries.append(chapter)
    if about:
        entries.append(TocEntry(label=about.title, href=about.href))
    return entries


def number_toc(entries: list[TocEntry]) -> int:
    """Number entries depth-first (NCX playOrder) and return the tree's depth."""
    order = 0

    def walk(items: list[TocEntry], level: int) -> int:
        nonlocal order
        depth = level if items else level - 1
        for entry in items:
            order += 1
            entry.order = order
            depth = max(depth, walk(entry.children, level + 1))
        return depth

    return walk(entries, 1)


def nav_page(
    doc: Document,
    ctx: BuildContext,
    styles: dict[str, bytes],
    toc: list[TocEntry],
    texts: list[Text],
) -> Page:
    words = ctx.strings(doc.meta.lang)
    landmarks = [
        {"type": "cover", "href": "cover.xhtml", "label": words["cover"]},
        {"type": "titlepage", "href": "titlepage.xhtml", "label": words["title_page"]},
        {"type": "toc", "href": "nav.xhtml#toc", "label": words["contents"]},
        {"type": "bodymatter", "href": texts[0].href, "label": words["start_of_text"]},
    ]
    content = page(
        "epub/nav.xhtml", doc, ctx, styles, words["contents"], toc=toc, landmarks=landmarks
    )
    return Page(
        id="nav", href="nav.xhtml", title=words["contents"], content=content, properties=["nav"]
    )


# -- package metadata ---------------------------------------------------------------------------
def file_as(name: str) -> str:
    """'John Q. Reader' → 'Reader, John Q.': how catalogues and reading systems sort."""
    parts = name.split()
    return name if len(parts) < 2 else f"{parts[-1]}, {' '.join(parts[:-1])}"


def describe_metadata(book: epub.EpubBook, doc: Document) -> None:
    meta = doc.meta
    book.IDENTIFIER_ID = "pub-id"
    book.set_identifier(meta.identifier)  # replaces ebooklib's random uuid4
    book.add_metadata("DC", "title", meta.title, {"id": "title"})
    book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if meta.subtitle:
        # A refined second title: reading systems that know title-type show "Title: Subtitle",
        # the others keep showing the first (main) title alone.
        book.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
        book.add_metadata(
            None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"}
        )
    book.set_language(meta.lang)
    book.set_direction(language.direction(meta.lang))
    for n, author in enumerate(meta.authors, start=1):
        uid = f"creator-{n}"
        book.add_author(author.name, role="aut", uid=uid)
        book.add_metadata(
            None, "meta", file_as(author.name), {"refines": f"#{uid}", "property": "file-as"}
        )
    for n, person in enumerate(meta.contributors, start=1):
        uid = f"contributor-{n}"
        book.add_metadata("DC", "contributor", person.name, {"id": uid})
        book.add_metadata(
            None,
            "meta",
            person.role,
            {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"},
        )
        book.add_metadata(
            None, "meta", file_as(person.name), {"refines": f"#{uid}", "property": "file-as"}
        )
    if meta.isbn:
        # ONIX code 15 is ISBN-13: reading systems and stores take the number from it.
        isbn_id = "pub-id"
        if meta.identifier != f"urn:isbn:{meta.isbn}":
            isbn_id = "isbn"
            book.add_metadata("DC", "identifier", f"urn:isbn:{meta.isbn}", {"id": isbn_id})
        book.add_metadata(
            None,
            "meta",
            "15",
            {"refines": f"#{isbn_id}", "property": "identifier-type", "scheme": "onix:codelist5"},
        )
    if meta.series:
        book.add_metadata(
            None, "meta", meta.series, {"property": "belongs-to-collection", "id": "series"}
        )
        book.add_metadata(
            None, "meta", "series", {"refines": "#series", "property": "collection-type"}
        )
        if meta.series_index:
            book.add_metadata(
                None,
                "meta",
                meta.series_index,
                {"refines": "#series", "property": "group-position"},
            )
    simple = {
        "date": meta.date,
        "publisher": meta.publisher,
        "rights": meta.rights,
        "description": meta.description,
    }
    for name, value in simple.items():
        if value:
            book.add_metadata("DC", name, value)
    for keyword in meta.keywords:
        book.add_metadata("DC", "subject", keyword)
    if meta.original:
        source = [meta.original.publication, meta.original.date, meta.original.url]
        book.add_metadata("DC", "source", ", ".join(p for p in source if p))


@dataclass
class Content:
    """What the package holds, counted from the laid-out text: the ground for its
    accessibility claims."""

    images: int
    images_with_alt: int
    tables: int
    tables_with_headers: int
    notes: int
    languages: list[str]
    math: int = 0


def survey(doc: Document, texts: list[Text]) -> Content:
    tallies = [t.tally or Tally.of(t) for t in texts]
    # The texts' languages, then their notes': the first of each language, in that order.
    langs = first_of_each_language(
        [x for t in tallies for x in t.languages] + [x for t in tallies for x in t.note_languages],
        [doc.meta.lang],
    )
    return Content(
        images=sum(t.images for t in tallies),
        images_with_alt=sum(t.images_with_alt for t in tallies),
        tables=sum(t.tables for t in tallies),
        tables_with_headers=sum(t.tables_with_headers for t in tallies),
        notes=sum(t.notes for t in tallies),
        languages=langs,
        math=sum(t.math for t in tallies),
    )


def how_many(having: int, total: int, noun: str, has: str) -> str:
    """'The image has …', 'All 3 images have …', '2 of 3 images have …'."""
    if total == 1:
        return f"The {noun} {'has' if having else 'does not have'} {has}."
    lead = f"All {total}" if having == total else f"{having} of {total}"
    return f"{lead} {noun}s {'has' if having == 1 and having != total else 'have'} {has}."


def accessibility_summary(doc: Document, content: Content, problems: list[str]) -> str:
    claim = (
        "This publication meets EPUB Accessibility 1.1 at WCAG 2.2 Level AA. "
        if not problems
        else "Its conformance to EPUB Accessibility 1.1 was not verified: the publisher's "
        f"checks found problems ({', '.join(problems)}). "
    )
    parts = [
        claim + "Its text reflows and follows the reader's font, size and colour settings. "
        "A table of contents and headings give structural navigation, and the reading "
        "order follows the text."
    ]
    if content.notes:
        notes = layout.plural(content.notes, "footnote")
        parts.append(f"It has {notes}, each linked from its call in the text and back to it.")
    if content.images:
        parts.append(
            how_many(
                content.images_with_alt,
                content.images,
                "image",
                "a text description (alternative text)",
            )
        )
    if content.tables:
        parts.append(how_many(content.tables_with_headers, content.tables, "table", "header cells"))
    if content.math:
        formulas = layout.plural(content.math, "formula")
        parts.append(f"It has {formulas} in MathML, which screen readers can speak.")
    main, *others = [language.name(t) for t in content.languages]
    if others:
        parts.append(
            f"The text is in {main}, with passages in {', '.join(others)} marked "
            "with their language."
        )
    else:
        parts.append(f"The text is in {main}.")
    parts.append(
        "It has no page numbers from a print edition, and no hazards (no flashing, "
        "motion simulation or sound)."
    )
    return " ".join(parts)


def describe_accessibility(
    book: epub.EpubBook, doc: Document, content: Content, problems: list[str]
) -> None:
    """schema.org discovery metadata, derived from what the package actually holds; the
    conformance claim only when the book's own checks found no problem."""
    visual = content.images > 0
    modes = ["textual"] + (["visual"] if visual else [])
    sufficient = ["textual"] + (["textual,visual"] if visual else [])
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if visual and content.images_with_alt == content.images:
        features.append("alternativeText")
    features.append("displayTransformability")
    if content.math:
        features.append("MathML")
    values = (
        [("schema:accessMode", m) for m in modes]
        + [("schema:accessModeSufficient", s) for s in sufficient]
        + [("schema:accessibilityFeature", f) for f in features]
        + [
            ("schema:accessibilityHazard", "none"),
            ("schema:accessibilitySummary", accessibility_summary(doc, content, problems)),
        ]
    )
    if not problems:
        values += [
            ("dcterms:conformsTo", CONFORMANCE),
            ("a11y:certifiedBy", doc.meta.publisher or "Pressroom"),
        ]
    for prop, value in values:
        book.add_metadata(None, "meta", value, {"property": prop})


# -- packaging --------------------------------------------------------------------------------
def package(
    doc: Document,
    pages: list[Page],
    ncx: bytes,
    images: dict[str, Image],
    texts: list[Text],
    styles: dict[str, bytes],
    ctx: BuildContext,
    cover: Cover,
    problems: list[str] | None = None,
) -> bytes:
    book = epub.EpubBook()
    describe_metadata(book, doc)
    # EPUB 3's cover-image property, and EPUB 2's <meta name="cover"> older readers look for.
    image = epub.EpubImage(
        uid="cover-image", file_name=cover.href, media_type=cover.media_type, content=cover.data
    )
    image.properties = ["cover-image"]
    book.add_item(image)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    describe_accessibility(book, doc, survey(doc, texts), problems or [])
    for n, (href, css) in enumerate(styles.items()):
        book.add_item(
            epub.EpubItem(
                uid="css" if n == 0 else f"css-{n}",
                file_name=href,
                media_type="text/css",
                content=css,
            )
        )
    for n, (href, image) in enumerate(images.items(), start=1):
        book.add_item(
            epub.EpubImage(
                uid=f"image-{n}",
                file_name=href,
                media_type=image.media_type,
                content=image.data,
            )
        )
    items = {}
    for p in pages:
        item = epub.EpubItem(uid=p.id, file_name=p.href, media_type=XHTML, content=p.content)
        item.properties = p.properties
        items[p.id] = book.add_item(item)
    # A plain item with id "ncx": the spine's toc attribute defaults to that id.
    book.add_item(
        epub.EpubItem(
            uid="ncx", file_name="toc.ncx", media_type="application/x-dtbncx+xml", content=ncx
        )
    )
    book.spine = [items[p.id] for p in pages]  # title page, contents, text, about
    out = io.BytesIO()
    writer = epub.EpubWriter(
        out,
        book,
        {
            "epub3_pages": False,  # would scan pages for page breaks and add a page-list
            "epub3_landmark": False,
            "epub2_guide": False,  # landmarks are in our nav
            "package_direction": True,
            "spine_direction": True,
            "mtime": ctx.clock.astimezone(dt.UTC),  # it formats local time as "Z"
            "compresslevel": 0,  # normalise_zip compresses every entry once, for good
        },
    )
    writer.process()
    writer.write()
    return out.getvalue()


def finish_opf(data: bytes, lang: str) -> bytes:
    """What ebooklib cannot say: the package's language, and no generator stamp (it names
    the library version, so upgrading it would change the bytes)."""
    root = etree.fromstring(data)
    root.set(XML_LANG, lang)
    for el in root.iter("{*}meta"):
        parent = el.getparent()
        if el.get("name") == "generator" and parent is not None:
            parent.remove(el)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def normalise_zip(
    data: bytes, lang: str, modified: dt.datetime, derived: Derived | None = None
) -> bytes:
    """Rewrite the archive for reproducible bytes: `mimetype` first and stored (EPUB OCF),
    then the container and package, then the rest in manifest order; every entry stamped
    with the modification time, fixed permissions and compression. An entry's compressed
    bytes may be kept by its content (`derived`)."""
    stamp = max(modified.astimezone(dt.UTC), dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        contents = {name: src.read(name) for name in names}
    first = ["mimetype", "META-INF/container.xml"]
    opf = next(n for n in names if n.endswith(".opf"))
    contents[opf] = finish_opf(contents[opf], lang)
    order = first + [opf] + [n for n in names if n not in first and n != opf]
    entries = []
    for name in order:
        content = contents[name]
        if name == "mimetype":
            entries.append(zipwrite.entry(name, content, deflated=False))
        else:
            packed = derived("deflate", content, zipwrite.deflate) if derived else None
            entries.append(zipwrite.entry(name, content, packed=packed))
    return zipwrite.write(entries, stamp)
