"""Covers: the book's own image, or a typographic one, first in the EPUB."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from lxml import etree
from PIL import Image
from pypdf import PdfReader

from pressroom.build import build
from pressroom.cover import HEIGHT, WIDTH, generated_cover
from pressroom.load import load
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
