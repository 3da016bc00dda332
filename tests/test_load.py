"""The loader and sanitizer: one document model, whatever the manuscript."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from pressroom.load import load, stable_identifier
from pressroom.sanitize import sanitize

BOOK = Path(__file__).resolve().parent / "fixtures" / "book" / "book.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_book_model():
    doc = load(BOOK)
    assert doc.is_book
    assert [c.title for c in doc.chapters] == ["The Alphabet", "Stone Crosses", "Afterword"]
    assert [h.text for h in doc.chapters[0].headings] == [
        "The Alphabet", "Letters on stone", "Hostile markup"]
    assert [a.name for a in doc.meta.authors] == [
        "Anahit Petrosyan", "John Q. Reader", "Mariam Ծաղիկյան"]
    assert len({a.id for a in doc.meta.authors}) == 3
    assert [n.number for n in doc.notes.values()] == [1, 2, 3, 4, 5]
    assert [(i.src, i.media_type) for i in doc.images] == [
        ("images/map.png", "image/png"), ("images/sun.jpg", "image/jpeg"),
        ("images/diagram.svg", "image/svg+xml")]
    figure = doc.chapters[0].body.find(".//figure")
    assert figure.find("figcaption").text == "A simple map"


def test_a_note_called_twice_keeps_its_number():
    refs = [a for c in load(BOOK).chapters for a in c.body.iter("a")
            if a.get("class") == "noteref"]
    assert [(a.text, a.get("id")) for a in refs] == [
        ("1", "noteref-1"), ("2", "noteref-2"), ("3", "noteref-3"), ("4", "noteref-4"),
        ("5", "noteref-5"), ("1", "noteref-1-2")]
    assert all(a.get("href") == f"#note-{a.text}" for a in refs)


def test_article_is_one_untitled_chapter(tmp_path):
    doc = load(write(tmp_path, "---\ntitle: T\n---\n\nOne.\n\n## A section\n\nTwo.\n"))
    assert not doc.is_book
    assert [c.title for c in doc.chapters] == [None]
    assert doc.meta.lang == "en" and doc.meta.authors == ()


def test_identifier_is_stable_and_derived_from_title_and_authors(tmp_path):
    one = load(write(tmp_path, "---\ntitle: T\nauthor: [A, B]\n---\n\nText.\n")).meta
    assert one.identifier == stable_identifier("T", one.authors)
    assert one.identifier.startswith("urn:uuid:")
    other = load(write(tmp_path, "---\ntitle: T\nauthor: [A, C]\n---\n\nText.\n")).meta
    assert other.identifier != one.identifier


def test_hostile_html_is_neutralised():
    html = ('<p onclick="x()" style="background:url(http://evil/)">Hi <a href="javascript:x()">'
            'there</a><script>alert(1)</script><iframe src="http://evil/"></iframe>'
            '<img src="http://evil/t.png" alt="t"><img src="data:image/png;base64,AA" alt="d">'
            '<object data="x.swf"></object><svg onload="x()"><circle/></svg>'
            '<form><input value="x"></form><custom-tag>kept text</custom-tag></p>')
    safe, warnings = sanitize(html)
    assert safe == "<p>Hi <a>there</a>kept text</p>"
    assert len(warnings) >= 6
    ET.fromstring(f"<div>{safe}</div>")   # well-formed XML


def test_sanitizer_output_is_well_formed_for_broken_input():
    safe, _ = sanitize("<p>one <em>two <strong>three</p><li>four</b>")
    ET.fromstring(f"<div>{safe}</div>")
    assert "three" in safe and "four" in safe


def test_dangling_in_text_links_and_duplicate_ids(tmp_path):
    doc = load(write(tmp_path, '---\ntitle: T\n---\n\n<p id="x">A</p>\n\n<p id="x">B '
                               '<a href="#nowhere">link</a></p>\n'))
    ids = [e.get("id") for e in doc.chapters[0].body.iter() if e.get("id")]
    assert ids.count("x") == 1
    assert all(a.get("href") is None for a in doc.chapters[0].body.iter("a"))
    assert len(doc.warnings) == 2


def test_smart_typography_and_tables(tmp_path):
    doc = load(write(tmp_path, '---\ntitle: T\n---\n\n"Quoted" -- text...\n\n'
                               "| a | b |\n|---|---|\n| 1 | 2 |\n"))
    body = doc.chapters[0].body
    assert body.find("p").text == "\u201cQuoted\u201d \u2013 text\u2026"
    assert body.find("table/tbody/tr/td").text == "1"


def test_front_matter_gets_the_body_typography_but_identifiers_do_not(tmp_path):
    meta = load(write(tmp_path, "---\ntitle: 'A \"Title\" -- it''s here...'\n"
                                "identifier: my-book--2\n---\n\nText.\n")).meta
    assert meta.title == "A \u201cTitle\u201d \u2013 it\u2019s here\u2026"
    assert meta.identifier == "my-book--2"


def test_a_note_never_called_is_reported(tmp_path):
    doc = load(write(tmp_path, "---\ntitle: T\n---\n\nText.[^a]\n\n[^a]: A.\n[^b]: Never called.\n"))
    assert list(doc.notes) == ["note-1"]
    assert doc.warnings == [f"{tmp_path / 'm.md'}: footnote [^b] is never called; left out"]


def test_every_heading_keeps_an_id_even_when_its_own_was_a_duplicate(tmp_path):
    doc = load(write(tmp_path, "---\ntitle: T\n---\n\n## One {#x}\n\nA.\n\n## Two {#x}\n\nB.\n"))
    headings = doc.chapters[0].headings
    assert [h.text for h in headings] == ["One", "Two"]
    assert headings[0].id == "x" and headings[1].id and headings[1].id != "x"
