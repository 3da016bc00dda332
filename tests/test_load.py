"""The loader and sanitizer: one document model, whatever the manuscript."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from pressroom.diagnostics import Diagnostics
from pressroom.load import Sources, load, stable_identifier
from pressroom.load.markdown import longest_paragraph, mask_code
from pressroom.load.sanitize import sanitize
from pressroom.util.tree import text_of

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
        "The Alphabet",
        "Letters on stone",
        "Hostile markup",
    ]
    assert [a.name for a in doc.meta.authors] == [
        "Anahit Petrosyan",
        "John Q. Reader",
        "Mariam Ծաղիկյան",
    ]
    assert len({a.id for a in doc.meta.authors}) == 3
    assert [n.number for n in doc.notes.values()] == [1, 2, 3, 4, 5]
    assert [(i.src, i.media_type) for i in doc.images] == [
        ("images/map.png", "image/png"),
        ("images/sun.jpg", "image/jpeg"),
        ("images/diagram.svg", "image/svg+xml"),
    ]
    figure = doc.chapters[0].body.find(".//figure")
    assert text_of(figure.find("figcaption")) == "Figure 1: A simple map"


def test_the_book_fixture_warns_only_of_its_hostile_markup():
    found = Diagnostics()
    load(BOOK, found)
    assert [(d.code, d.severity, d.file, d.line, d.message) for d in found] == [
        ("B-HTML", "warning", str(BOOK), 49, "<script> removed"),
        ("B-HTML", "warning", str(BOOK), 51, "<iframe> removed"),
        (
            "B-HTML",
            "warning",
            str(BOOK),
            52,
            "image 'https://example.com/tracker.png' not included: "
            "a book holds only its own image files",
        ),
    ]


def test_a_note_called_twice_keeps_its_number():
    refs = [a for c in load(BOOK).chapters for a in c.body.iter("a") if a.get("class") == "noteref"]
    assert [(a.text, a.get("id")) for a in refs] == [
        ("1", "noteref-1"),
        ("2", "noteref-2"),
        ("3", "noteref-3"),
        ("4", "noteref-4"),
        ("5", "noteref-5"),
        ("1", "noteref-1-2"),
    ]
    assert all(a.get("href") == f"#note-{a.text}" for a in refs)


def test_inline_patterns_read_a_notes_text_not_its_call_or_back_link(monkeypatch):
    """The number of a note's call and its back link's placeholder are not read again by
    every inline pattern (load/markdown.py); the note's own text is, and comes out the same."""
    from markdown.treeprocessors import InlineProcessor
    from markdown.util import AtomicString

    from pressroom.load.markdown import to_html

    read: list[str] = []
    handle = InlineProcessor._InlineProcessor__handleInline

    def reading(self, data, pattern_index=0):
        if not isinstance(data, AtomicString):  # an atomic string is returned as it is
            read.append(data)
        return handle(self, data, pattern_index)

    monkeypatch.setattr(InlineProcessor, "_InlineProcessor__handleInline", reading)
    html = to_html('Text.[^a] Again.[^a]\n\n[^a]: The *note*, "quoted".\n')
    assert "<em>note</em>, &ldquo;quoted&rdquo;" in html
    assert 'href="#fn:a">1</a>' in html and 'class="footnote-backref"' in html
    assert any(text.startswith("The *note*") for text in read)
    assert not [text for text in read if text == "1" or "zz1337820767766393qq" in text]


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
    html = (
        '<p onclick="x()" style="background:url(http://evil/)">Hi <a href="javascript:x()">'
        'there</a><script>alert(1)</script><iframe src="http://evil/"></iframe>'
        '<img src="http://evil/t.png" alt="t"><img src="data:image/png;base64,AA" alt="d">'
        '<object data="x.swf"></object><svg onload="x()"><circle/></svg>'
        '<form><input value="x"></form><custom-tag>kept text</custom-tag></p>'
    )
    safe, warnings = sanitize(html)
    assert safe == "<p>Hi <a>there</a>kept text</p>"
    # Each thing dropped is named once, in order (handlers and styles go without a word).
    named = ["javascript:x()", "<script>", "<iframe>", "http://evil/t.png", "data:image/png"]
    named += ["<object>", "<svg>", "<form>"]
    assert len(warnings) == len(named), warnings
    for warning, what in zip(warnings, named, strict=True):
        assert what in warning, (what, warning)
    ET.fromstring(f"<div>{safe}</div>")  # well-formed XML


def test_sanitizer_output_is_well_formed_for_broken_input():
    safe, _ = sanitize("<p>one <em>two <strong>three</p><li>four</b>")
    ET.fromstring(f"<div>{safe}</div>")
    assert "three" in safe and "four" in safe


def test_dangling_in_text_links_and_duplicate_ids(tmp_path):
    found = Diagnostics()
    doc = load(
        write(
            tmp_path,
            '---\ntitle: T\n---\n\n<p id="x">A</p>\n\n<p id="x">B '
            '<a href="#nowhere">link</a></p>\n',
        ),
        found,
    )
    ids = [e.get("id") for e in doc.chapters[0].body.iter() if e.get("id")]
    assert ids.count("x") == 1
    assert all(a.get("href") is None for a in doc.chapters[0].body.iter("a"))
    assert [(d.code, d.line) for d in found if d.code in ("B-ID", "B-LINK")] == [
        ("B-ID", 7),
        ("B-LINK", 7),
    ]
    assert all(d.severity == "warning" for d in found)


def test_smart_typography_and_tables(tmp_path):
    doc = load(
        write(
            tmp_path,
            '---\ntitle: T\n---\n\n"Quoted" -- text...\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
        )
    )
    body = doc.chapters[0].body
    assert body.find("p").text == "\u201cQuoted\u201d \u2013 text\u2026"
    assert body.find("table/tbody/tr/td").text == "1"


def test_front_matter_gets_the_body_typography_but_identifiers_do_not(tmp_path):
    meta = load(
        write(
            tmp_path,
            "---\ntitle: 'A \"Title\" -- it''s here...'\nidentifier: my-book--2\n---\n\nText.\n",
        )
    ).meta
    assert meta.title == "A \u201cTitle\u201d \u2013 it\u2019s here\u2026"
    assert meta.identifier == "my-book--2"


def test_a_note_never_called_is_reported(tmp_path):
    found = Diagnostics()
    doc = load(
        write(tmp_path, "---\ntitle: T\n---\n\nText.[^a]\n\n[^a]: A.\n[^b]: Never called.\n"), found
    )
    assert list(doc.notes) == ["note-1"]
    notes = [d for d in found if d.code == "B-NOTE"]
    assert [(d.file, d.line, d.message) for d in notes] == [
        (str(tmp_path / "m.md"), 8, "footnote [^b] is never called; left out")
    ]


def test_missing_author_and_rights_are_warned_at_build_time(tmp_path):
    found = Diagnostics()
    load(write(tmp_path, "---\ntitle: T\n---\n\nText.\n"), found)
    assert [d.code for d in found] == ["B-AUTHOR", "B-RIGHTS"]
    found = Diagnostics()
    load(write(tmp_path, "---\ntitle: T\nauthor: A\nrights: r\n---\n\nText.\n"), found)
    assert list(found) == []


def test_a_link_to_a_missing_id_is_warned_with_its_line(tmp_path):
    found = Diagnostics()
    load(write(tmp_path, "---\ntitle: T\n---\n\nOne.\n\nSee [there](#nowhere).\n"), found)
    links = [d for d in found if d.code == "B-LINK"]
    assert [(d.line, d.message) for d in links] == [
        (7, "link #nowhere points nowhere; kept as text")
    ]


def test_unknown_front_matter_keys_are_warned_with_their_line(tmp_path):
    found = Diagnostics()
    load(write(tmp_path, "---\ntitle: T\nsubtitel: typo\nlang: en\n---\n\nText.\n"), found)
    keys = [d for d in found if d.code == "B-KEY"]
    assert [(d.line, d.message) for d in keys] == [
        (3, "unknown front-matter key 'subtitel' (not used; see the README for the keys)")
    ]


def test_several_files_make_one_book_with_notes_numbered_through(tmp_path):
    one = tmp_path / "one.md"
    two = tmp_path / "parts" / "two.md"
    two.parent.mkdir()
    (tmp_path / "parts" / "images").mkdir()
    (tmp_path / "parts" / "images" / "x.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    )
    one.write_text("---\ntitle: T\n---\n\n# One\n\nA.[^n]\n\n[^n]: First.\n")
    two.write_text("# Two\n\nB.[^n]\n\n![An x](images/x.svg)\n\n[^n]: Second.\n")
    doc = load(Sources(files=[one, two], root=tmp_path, stem="t"))
    assert [c.title for c in doc.chapters] == ["One", "Two"]
    assert [c.source for c in doc.chapters] == [one, two]
    assert [(n.id, n.number) for n in doc.notes.values()] == [("note-1", 1), ("note-2", 2)]
    # Images are named from the project folder, whichever file uses them.
    assert [i.src for i in doc.images] == ["parts/images/x.svg"]
    assert doc.stem == "t" and doc.sources == (one, two)


def test_every_heading_keeps_an_id_even_when_its_own_was_a_duplicate(tmp_path):
    doc = load(write(tmp_path, "---\ntitle: T\n---\n\n## One {#x}\n\nA.\n\n## Two {#x}\n\nB.\n"))
    headings = doc.chapters[0].headings
    assert [h.text for h in headings] == ["One", "Two"]
    assert headings[0].id == "x" and headings[1].id and headings[1].id != "x"


def test_headings_get_pandoc_style_ids(tmp_path):
    doc = load(
        write(
            tmp_path,
            "---\ntitle: T\n---\n\n# Chapter One\n\nA.\n\n## Chapter One\n\n"
            "B.\n\n## Custom {#mine}\n\nC.\n\n## 1999: A Year!\n\nD.\n\n"
            "## Café au lait\n\nE.\n\n## Ճանաչել\n\nF.\n\n## Note\n\nG.\n\n## !!!\n\nH.\n",
        )
    )
    ids = [h.id for c in doc.chapters for h in c.headings]
    assert ids == [
        "chapter-one",
        "chapter-one-1",
        "mine",
        "a-year",
        "café-au-lait",  # letters of any script kept, as Pandoc and GitHub keep them
        "ճանաչել",
        "note",
        "section",  # nothing left
    ]


def test_contributors_series_and_isbn(tmp_path):
    """Roles as keys or as a list (words or MARC codes); an ISBN-10 becomes the ISBN-13 and,
    with no identifier given, the book's identifier."""
    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\ntranslator: [A. One, B. Two]\nillustrator: C. Three\n"
        "contributors:\n  - name: D. Four\n    role: edt\n  - name: E. Five\n"
        "series: The Series\nseries-index: 2.5\nisbn: 0-306-40615-2\n---\n\nText.\n",
        encoding="utf-8",
    )
    meta = load(source).meta
    assert [(c.name, c.role) for c in meta.contributors] == [
        ("A. One", "trl"),
        ("B. Two", "trl"),
        ("C. Three", "ill"),
        ("D. Four", "edt"),
        ("E. Five", "ctb"),
    ]
    assert (meta.series, meta.series_index) == ("The Series", "2.5")
    assert meta.isbn == "9780306406157"
    assert meta.identifier == "urn:isbn:9780306406157"


def loaded(folder: Path, body: str) -> tuple:
    """A one-file manuscript with a title and `body`, loaded: (document, diagnostics)."""
    source = folder / "t.md"
    source.write_text("---\ntitle: T\n---\n\n" + body, encoding="utf-8")
    diagnostics = Diagnostics()
    return load(source, diagnostics), diagnostics


def test_a_note_holding_a_list_is_one_note(tmp_path):
    doc, diagnostics = loaded(tmp_path, "Text.[^a]\n\n[^a]: A list:\n\n    - one\n    - two\n")
    assert [d.code for d in diagnostics if d.code == "B-NOTE"] == []
    (note,) = doc.notes.values()
    assert [li.text for li in note.body.iter("li")] == ["one", "two"]


def test_a_skipped_heading_level_is_set_one_below_with_a_warning(tmp_path):
    doc, diagnostics = loaded(tmp_path, "# One\n\n#### Aside\n\nText.\n\n## Two\n\n### Three\n")
    levels = [(h.level, h.text) for ch in doc.chapters for h in ch.headings]
    assert levels == [(1, "One"), (2, "Aside"), (2, "Two"), (3, "Three")]
    (warning,) = [d for d in diagnostics if d.code == "B-HEADING"]
    assert warning.line == 7
    assert warning.message == "heading 'Aside' is #### right after a #: set as ##"


def test_inline_notes_are_notes_numbered_with_the_others(tmp_path):
    """Pandoc's `^[…]`: brackets and links inside it, code spans not read, anywhere a
    call may stand; a `^[` without its `]` before a blank line is text."""
    doc, diagnostics = loaded(
        tmp_path,
        "One.[^a] Two.^[Inline, with [a link](https://example.com) and `]` in code.]\n\n"
        "> Quoted.^[In a quote.]\n\nNot a note: x^[y\n\nEnd.\n\n[^a]: Defined.\n",
    )
    texts = [" ".join("".join(n.body.itertext()).split()) for n in doc.notes.values()]
    assert texts == [
        "Defined.",
        "Inline, with a link and ] in code.",
        "In a quote.",
    ]
    assert [n.number for n in doc.notes.values()] == [1, 2, 3]
    body = "".join(doc.chapters[0].body.itertext())
    assert "Not a note: x^[y" in body and "^[In" not in body
    assert not [d for d in diagnostics if d.code == "B-NOTE"]


def test_a_heading_whose_id_pressroom_keeps_gets_another(tmp_path):
    """`# Chapter 1` would be `chapter-1`, the id the writers give the first chapter."""
    doc, _ = loaded(tmp_path, "# Chapter 1\n\nText.\n\n# Chapter 2\n\n## Note 3\n\nMore.\n")
    ids = [h.id for ch in doc.chapters for h in ch.headings]
    assert ids == ["heading-chapter-1", "heading-chapter-2", "heading-note-3"]


def test_markers_left_open_print_as_written(tmp_path):
    """Brackets, carets and tildes that close nothing are text, however many there are
    (many open brackets are escaped before parsing: the same text, in linear time)."""
    from pressroom.load.markdown import to_html

    many = "a[b c^d e~f " * 150
    html = to_html(many + "and [a link](https://example.com), ~~gone~~, H~2~O, x^2^.")
    assert "a[b c^d e~f a[b" in html and "\\" not in html
    assert '<a href="https://example.com">a link</a>' in html
    assert "<del>gone</del>" in html and "H<sub>2</sub>O" in html and "x<sup>2</sup>" in html


def test_a_long_line_of_code_is_not_taken_for_deep_nesting(tmp_path):
    """Blanked out before the nesting is counted, a code line is all spaces: blank, not
    indented (a 400-character line once read as 100 levels deep)."""
    line = "let x = " + "1 + " * 150 + "1;"
    doc = load(
        write(tmp_path, f"---\ntitle: T\n---\n\n```rust\n{line}\n```\n\n> ```\n> {line}\n> ```\n")
    )
    text = "".join(doc.chapters[0].body.itertext())
    assert text.count(line) == 2


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a\n\nbbbbbb\ncc\n\nd\n", (9, 3)),  # lines of one paragraph count together
        ("- aaaa\n- bbbb\n- cccc\n", None),  # each item is a block of its own
        ("| aaaa |\n| bbbb |\n", None),  # and each table row
        ("# aaaa\nbbbb\n", None),  # a heading ends at its line
        ("- aaa\n  bbb\n- c\n", (11, 1)),  # an item's lines are one paragraph
        ("x\n\n```\n" + "code " * 9 + "\n```\n", None),  # code is not text to set
    ],
)
def test_longest_paragraph_finds_the_first_past_the_limit(text, found):
    assert longest_paragraph(mask_code(text), 8) == found


def test_a_note_defined_twice_is_an_error_naming_both_lines(tmp_path):
    from pressroom.errors import PressroomError

    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\n---\n\nOne.[^a] Two.[^b]\n\n[^a]: First.\n[^b]: B.\n\n"
        "[^a]: Second, which Markdown would keep in place of the first.\n",
        encoding="utf-8",
    )
    with pytest.raises(PressroomError) as raised:
        load(source)
    assert (raised.value.line, raised.value.message) == (
        11,
        "footnote [^a] is defined twice, at lines 8 and 11: give one of them another name",
    )


def test_markdown_in_a_block_element_after_a_blank_line_is_read(tmp_path):
    """`<div dir="rtl">`, a blank line, then Markdown: a heading and a list inside the div,
    as GitHub and Pandoc read it (the Persian edition of a README is written so); an
    element with text on its next line stays raw, as in CommonMark."""
    doc = load(
        write(
            tmp_path,
            '---\ntitle: T\n---\n\n<div dir="rtl">\n\n## سلام\n\n- یک\n- دو\n</div>\n\n'
            '<div class="raw">\n*kept* as written\n</div>\n\n```\n<div>\n\n## code\n```\n',
        )
    )
    body = doc.chapters[0].body
    div = body.find("div[@dir='rtl']")
    assert div is not None and div.find("h2").text == "سلام"
    assert [li.text for li in div.iter("li")] == ["یک", "دو"]
    raw = body.find("div[@class='raw']")
    assert raw is not None and "*kept* as written" in raw.text
    assert "## code" in "".join(body.itertext())  # a fence is left alone


def test_links_written_for_github_land_on_their_headings(tmp_path):
    """GitHub keeps a heading's leading digits and finds a link whatever its case; a
    link written for it lands on the heading's own (Pandoc) id."""
    found = Diagnostics()
    doc = load(
        write(
            tmp_path,
            "---\ntitle: T\n---\n\n[one](#1-basic-matchers), [two](#21-Τελεία), "
            "[three](#25--特征标群)\n\n## 1. Basic Matchers\n\nA.\n\n## 2.1 Τελεία\n\nB.\n\n"
            "## 2.5 (...) 特征标群\n\nC.\n",
        ),
        found,
    )
    hrefs = [a.get("href") for a in doc.chapters[0].body.iter("a")]
    ids = [h.id for h in doc.chapters[0].headings]
    assert ids == ["basic-matchers", "τελεία", "特征标群"]
    assert hrefs == ["#basic-matchers", "#τελεία", "#特征标群"]
    assert "B-LINK" not in {d.code for d in found}


def test_a_regex_in_raw_preformatted_text_is_no_note_call(tmp_path):
    doc = load(
        write(tmp_path, '---\ntitle: T\n---\n\n<pre>\n"[^c]ar" => The car\n</pre>\n\nText.\n')
    )
    assert '"[^c]ar"' in "".join(doc.chapters[0].body.itertext())
