"""Covers: the book's own image, or a typographic one, first in the EPUB."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

from lxml import etree
from PIL import Image
from pypdf import PdfReader

from pressroom.cover import HEIGHT, WIDTH, generated_cover, generated_cover_svg
from pressroom.load import load
from pressroom.run.build import build
from pressroom.themes import Theme

BOOK = Path(__file__).resolve().parent / "fixtures" / "book"
OPF = {"opf": "http://www.idpf.org/2007/opf"}


def package(epub: Path) -> tuple[etree._Element, zipfile.ZipFile]:
    zf = zipfile.ZipFile(epub)
    return etree.fromstring(zf.read("EPUB/content.opf")), zf


def test_a_book_without_a_cover_gets_a_typographic_one(built_book):
    opf, zf = package(built_book["epub"])
    (item,) = opf.xpath("//opf:item[@properties='cover-image']", namespaces=OPF)
    assert (item.get("href"), item.get("media-type")) == ("images/cover.jpg", "image/jpeg")
    assert opf.xpath("//opf:meta[@name='cover']/@content", namespaces=OPF) == [item.get("id")]
    with Image.open(io.BytesIO(zf.read("EPUB/images/cover.jpg"))) as image:
        assert image.size == (WIDTH, HEIGHT) and WIDTH >= 1600 and HEIGHT >= 2560
    first = opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=OPF)[0]
    assert first == "cover"
    cover = zf.read("EPUB/cover.xhtml").decode()
    assert 'alt="Cover: Stones and Letters: A Short Book, Anahit Petrosyan' in cover
    nav = zf.read("EPUB/nav.xhtml").decode()
    toc = nav.split('id="landmarks"')[0]
    assert "cover.xhtml" not in toc and 'epub:type="cover" href="cover.xhtml"' in nav


def test_the_generated_cover_is_reproducible_and_shows_the_metadata():
    meta = load(BOOK / "book.md").meta
    one, two = generated_cover(meta, Theme.load()), generated_cover(meta, Theme.load())
    assert one == two
    other = generated_cover(meta.__class__(**{**vars(meta), "title": "Another"}), Theme.load())
    assert other != one


def test_a_given_cover_is_used_and_kept_in_the_archive(tmp_path):
    shutil.copytree(BOOK, tmp_path / "book")
    source = tmp_path / "book" / "book.md"
    source.write_text(
        source.read_text("utf-8").replace("lang: en\n", "lang: en\ncover: images/map.png\n")
    )
    build(source, tmp_path / "out", ("epub", "archival"))
    opf, zf = package(tmp_path / "out" / "book.epub")
    (item,) = opf.xpath("//opf:item[@properties='cover-image']", namespaces=OPF)
    assert item.get("href") == "images/cover.png"
    assert zf.read("EPUB/images/cover.png") == (BOOK / "images" / "map.png").read_bytes()
    archive = PdfReader(tmp_path / "out" / "book-archival.pdf")
    assert "images/map.png" in archive.attachments
    # The print cover page is the author's image, over the whole page.
    (drawn,) = drawn_images(archive.pages[0])
    image = archive.pages[0]["/Resources"]["/XObject"][drawn].get_object()
    with Image.open(BOOK / "images" / "map.png") as png:
        assert (image["/Width"], image["/Height"]) == png.size
    assert [round(float(v)) for v in archive.pages[0].mediabox] == [0, 0, 595, 842]


SVG = "{http://www.w3.org/2000/svg}"


def drawn_images(page) -> list[str]:
    """The image XObjects a page draws (`/Name Do`; pages share one resource dictionary)."""
    names = re.findall(rb"/([\w.]+) Do\b", page.get_contents().get_data())
    xobjects = page["/Resources"].get("/XObject") or {}
    return [
        f"/{name.decode()}"
        for name in names
        if xobjects[f"/{name.decode()}"].get_object().get("/Subtype") == "/Image"
    ]


def test_the_typographic_cover_as_svg_keeps_its_text_in_the_theme_faces():
    meta = load(BOOK / "book.md").meta
    svg = etree.fromstring(generated_cover_svg(meta, Theme.load()))
    assert svg.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert svg.findtext(f"{SVG}title") == meta.title
    texts = svg.findall(f"{SVG}text")
    words = " ".join(t.text for t in texts)
    for shown in (meta.title, meta.subtitle, "Mariam Ծաղիկյան", meta.publisher):
        assert shown in words
    families = {t.get("font-family").split(",")[0] for t in texts}
    assert families == {"'Pressroom Serif'", "'Pressroom Serif Armenian'"}  # the theme's
    assert all(0 <= float(t.get("x")) < WIDTH and 0 < float(t.get("y")) < HEIGHT for t in texts)
    assert generated_cover_svg(meta, Theme.load()) == generated_cover_svg(meta, Theme.load())


def test_a_book_opens_with_its_cover_page_in_print_unless_asked_not_to(built_book, tmp_path):
    """Page 1: the typographic cover, its text drawn as text (not an image); page 2 blank;
    the title page on page 3. `cover-page: false` leaves it out."""
    pages = PdfReader(built_book["pdf"]).pages
    assert drawn_images(pages[0]) == []  # vector text, not a picture of it
    cover = " ".join(pages[0].extract_text().split())
    assert cover.startswith("Stones and Letters: A Short Book Essays on memory")
    assert "Pressroom Editions" in cover
    assert pages[1].extract_text().strip() == ""
    assert "Anahit Petrosyan, John Q. Reader" in pages[2].extract_text()

    shutil.copytree(BOOK, tmp_path / "book")
    source = tmp_path / "book" / "book.md"
    source.write_text(
        source.read_text("utf-8").replace("lang: en\n", "lang: en\ncover-page: false\n")
    )
    build(source, tmp_path / "out", ("pdf",))
    without = PdfReader(tmp_path / "out" / "book.pdf").pages
    assert len(without) == len(pages) - 2
    assert "Anahit Petrosyan, John Q. Reader" in without[0].extract_text()
