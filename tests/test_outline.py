"""A book read with some pieces in outline gives the chapters read whole, the notes, ids,
numbers, links and warnings of the book read whole: the outline keeps what the book-wide
passes read."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from pressroom.diagnostics import Diagnostics
from pressroom.load import Sources, convert, load
from pressroom.load.outline import MARK, outline
from pressroom.model import Document
from pressroom.run.cache import Pieces

FRONT = "---\ntitle: Outlines\nauthor: A. Writer\nrights: CC BY\nlang: en\n---\n\n"
# Blocks whose effect reaches past their chapter, or may: notes, ids, headings and their
# levels, numbered items and references to them, links, languages, images, pull quotes.
BLOCKS = [
    "Plain words, *emphasis*, `code`, and a [link](https://example.com).",
    "A call.[^n1]\n\n[^n1]: The note, with a [link](#two).",
    "Another call.[^n2] And ^[an inline note].\n\n[^n2]: Second note {#not-an-id}.",
    "## A section {#sec:one}",
    "## A section",
    "### Three levels down",
    "#### Too deep at once",
    "As @sec:one says, and @fig:dot, @tbl:nums, @sec:missing, `@sec:one` in code.",
    "[See @sec:one] and [@tbl:nums].",
    "Table: Numbers {#tbl:nums}\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    "| c | d |\n|---|---|\n| 3 | 4 |\n\n: Caption after",
    "![A dot](dot.png){#fig:dot}",
    "![A dot again](dot.png)",
    "Links to [two](#two), [one](#one), [nowhere](#nowhere) and [a note](#note-1).",
    '<p id="dup">An id.</p>',
    '<p id="two">Taken.</p>',
    '<span lang="fr">bonjour</span> and <span lang="not a tag">x</span> and <b dir="up">y</b>.',
    "A pulled line.\n{: .pullquote}",
    "Math $x^2$ and $\\frac{$ broken.",
    "<div>\n\nRaw block.\n\n</div>",
    "Term\n: Definition",
    "> Quoted, with a heading:\n>\n> ## Quoted heading",
    "```python\nprint('@sec:one')\n```",
    "<p></p>",
    "# One",
]


def write_book(root: Path, chapters: list[list[str]], opening: bool) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "dot.png").exists():
        Image.new("RGB", (4, 3), (200, 30, 30)).save(root / "dot.png")
    parts = ["Opening words."] if opening else []
    titles = ["One", "Two", "Two", "Three", "Four"]
    for n, blocks in enumerate(chapters):
        parts.append("\n\n".join([f"# {titles[n % len(titles)]}", *blocks]))
    path = root / "book.md"
    path.write_text(FRONT + "\n\n".join(parts) + "\n", "utf-8")
    return path


def read(path: Path, pieces: Pieces | None) -> tuple[Document, list]:
    found = Diagnostics()
    try:
        return load(Sources(files=[path]), found, kept=pieces), list(found)
    except Exception as err:  # a book load refuses, refused alike either way
        return type(err).__name__, str(err)  # type: ignore[return-value]


def shown(doc: Document, hollow: set[str]) -> list:
    """What a reader of the document sees: whole chapters, and of the `hollow` ones what
    the passes give every chapter (ids, titles, headings)."""
    seen: list = [doc.meta, [(i.src, i.alt) for i in doc.images], doc.outline]
    for ch in doc.chapters:
        seen.append((ch.id, ch.title, ch.headings, ch.pieces))
        if ch.id not in hollow:
            seen.append(ET.tostring(ch.body))
    for note in doc.notes.values():
        seen.append((note.id, note.number))
    return seen


def check(tmp: Path, before: list[list[str]], after: list[list[str]], opening: bool) -> None:
    path = write_book(tmp, before, opening)
    folder = tmp / "pieces"
    first = Pieces(folder)
    if isinstance(read(path, first)[0], str):
        return
    from pressroom.run.cache import keep_pieces

    keep_pieces(folder, first.given)
    path = write_book(tmp, after, opening)
    whole, whole_found = read(path, Pieces(folder))
    hollow, hollow_found = read(path, Pieces(folder, hollow=True))
    if isinstance(whole, str):
        assert (hollow, hollow_found) == (whole, whole_found)
        return
    assert hollow_found == whole_found
    outlined = {ch.id for ch in hollow.chapters if ch.hollow}
    event(f"chapters in outline: {min(len(outlined), 2)}")
    assert not any(ch.hollow for ch in whole.chapters)
    assert shown(hollow, outlined) == shown(whole, outlined)
    fresh = read(path, None)[0]  # without the cache
    assert [ET.tostring(c.body) for c in whole.chapters] == [
        ET.tostring(c.body) for c in fresh.chapters
    ]
    whole_notes = {n.id: ET.tostring(n.body) for n in whole.notes.values()}
    for ch in hollow.chapters:
        if not ch.hollow:  # its notes are whole too
            for a in ch.body.iter("a"):
                if a.get("class") == "noteref":
                    note = hollow.notes[a.get("href", "")[1:]]
                    assert ET.tostring(note.body) == whole_notes[note.id]


chapters = st.lists(st.lists(st.sampled_from(BLOCKS), max_size=4), min_size=1, max_size=4)


@given(chapters, st.data(), st.booleans())
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_book_read_partly_in_outline_is_the_book(tmp_path_factory, before, data, opening):
    """One chapter edited (its blocks drawn again), the others read in outline."""
    at = data.draw(st.integers(0, len(before) - 1))
    after = [
        *before[:at],
        data.draw(st.lists(st.sampled_from(BLOCKS), max_size=4)),
        *before[at + 1 :],
    ]
    check(tmp_path_factory.mktemp("book"), before, after, opening)


def test_the_outline_keeps_what_is_read_and_drops_the_rest():
    html, _ = convert(
        "# Title {#top}\n\nWords *and* `code` with a [link](#top).\n\nAs @sec:x says.\n\n"
        "Only words.\n\n<p></p>\n\n```python\nx = 1\n```\n\nA call.[^a]\n\n[^a]: The note.\n",
        200,
    )
    kept, blocks = outline(html)
    tree = ET.fromstring(f"<div>{kept}</div>")
    assert [b.tag for b in tree] == ["h1", "p", "p", "p", "p", "div", "p", "div"]
    assert blocks == 7  # the notes Markdown lists at the end are not counted
    assert ET.tostring(tree[0]) == ET.tostring(ET.fromstring(html.split("\n")[0]))  # whole
    assert [el.tag for el in tree[1]] == ["a"] and tree[1].text is None
    assert tree[2].text == "@sec:x"
    assert tree[3].text == MARK  # not empty, so not dropped
    assert tree[4].text is None and not len(tree[4])  # empty: dropped as before
    assert not len(tree[5].find("pre"))  # code is read by none
    assert tree[6].find("sup/a").get("class") == "footnote-ref"
    assert tree[7].get("class") == "footnote" and tree[7].find("ol/li").get("id") == "fn:a"
