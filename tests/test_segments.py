"""A Markdown file cut into pieces converts, piece by piece, to the tree the whole file makes;
where a cut could change that, the file is not cut there."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.load import convert
from pressroom.load.markdown import mask_code
from pressroom.load.notes import extract_notes
from pressroom.load.segments import joined, split

CHAPTER = "# {title}\n\nText of {title}, with *emphasis* and `code`.\n\n## A section\n\nMore.\n"


def loaded(tree: ET.Element) -> bytes:
    """The tree and its notes as load keeps them (Markdown's own note numbers go)."""
    notes, unused = extract_notes(tree)
    bodies = [(n.id, n.number, ET.tostring(n.body)) for n in notes.values()]
    return ET.tostring(tree) + repr((bodies, unused)).encode()


def whole(text: str) -> bytes:
    html, _ = convert(text, 200)
    return loaded(ET.fromstring(f"<div>{html}</div>"))


def in_pieces(text: str) -> tuple[int, bytes]:
    pieces = split(text, mask_code(text))
    return len(pieces), loaded(joined([convert(piece, 200)[0] for piece in pieces]))


def book(*chapters: str) -> str:
    return "Opening words.\n\n" + "\n".join(chapters)


CASES = {
    # text, how many pieces
    "plain chapters": (book(*(CHAPTER.format(title=t) for t in "ABC")), 4),
    "notes in their chapters": (
        book(
            "# A\n\nA call.[^a] And ^[an inline note].\n\n[^a]: Note a.\n\n[^unused]: Unused.\n",
            "# B\n\nAnother.[^b]\n\n[^b]: Note b,\n\n    of two paragraphs.\n",
            "# C\n\nNone here.\n",
        ),
        4,
    ),
    "a note defined in a later chapter": (
        book("# A\n\nA call.[^a]\n", "# B\n\nText.\n", "# C\n\nMore.\n\n[^a]: Note a.\n"),
        2,
    ),
    "a link defined in another chapter": (
        book("# A\n\nSee [the site][site] and [site].\n", "# B\n\n[site]: https://example.com\n"),
        3,
    ),
    "a link defined in a list": (
        book("# A\n\nSee [site].\n", "# B\n\n- [site]: https://example.com\n"),
        1,
    ),
    "a heading in a fence": (book("# A\n\n```\nx\n\n# not a heading\n```\n", "# B\n\nB.\n"), 3),
    "a heading in a comment": (book("# A\n\n<!-- out\n\n# Hidden\n\n-->\n", "# B\n\nB.\n"), 2),
    "a heading in raw HTML": (book("# A\n\n<div>\n\n# Raw\n\n</div>\n", "# B\n\nB.\n"), 2),
    "a heading in an indented fence": (  # only SuperFences knows where it ends: no cut
        book("# A\n\n- item\n\n    ```\n    x\n\n# inside\n    ```\n", "# B\n\nB.\n"),
        1,
    ),
    "a heading with no blank line before": (book("# A\n\nText\n# B\n\nB.\n"), 2),
    "raw HTML last": (book("# A\n\n<div>A.</div>\n", "# B\n\n<!-- c -->\n\n", "# C\n\nC.\n"), 2),
    "many open brackets": (book("# A\n\n" + "[ " * 120 + "\n", "# B\n\nB [x].\n"), 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pieces_make_the_whole(case):
    text, count = CASES[case]
    pieces, tree = in_pieces(text)
    assert pieces == count
    assert tree == whole(text)


def test_link_definitions_go_to_every_piece():
    text = book("# A\n\nSee [site].\n", "# B\n\n[site]: https://example.com\n")
    pieces = split(text, mask_code(text))
    assert all("[site]: https://example.com" in piece for piece in pieces)
    assert 'href="https://example.com"' in convert(pieces[1], 200)[0]


def test_notes_of_all_pieces_listed_once_at_the_end():
    text, _ = CASES["notes in their chapters"]
    tree = joined([convert(piece, 200)[0] for piece in split(text, mask_code(text))])
    lists = [el for el in tree.iter("div") if el.get("class") == "footnote"]
    assert lists == [tree[-1]]
    assert len(lists[0].findall("ol/li")) == 4


# Blocks that reach, or may reach, across a chapter's end: each piece must still give the
# whole file's tree, however they are put together.
BLOCKS = [
    "A plain paragraph with *emphasis*, `code # x` and a [link](#one).",
    "A call.[^n1]",
    "[^n1]: The note,\n\n    in two paragraphs.",
    "Another call.[^n2] And ^[an inline [nested] note].",
    "[^n2]: Second note.",
    "See [the site][site] and [other].",
    "[site]: https://example.com/site",
    '[other]: https://example.com/other "A title"',
    "- a list\n- [site]: https://example.com/in-a-list",
    "> A quote\n> # with a heading",
    "<div>\n\n# A heading in raw HTML",
    "</div>",
    "<!-- a comment\n\n# hidden",
    "-->",
    "```\ncode\n\n# not a heading\n```",
    "```",
    "- item\n\n    ```\n    indented fence",
    "    ```",
    "Term\n: Definition",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Setext\n======",
    "#Tight heading",
    "<h1>Raw heading</h1>",
    "A [bracket that never closes.",
    "Math $x^2$ and $$y$$.",
    '<p class="footnote">Raw</p>',
    "![An image](dot.png){#fig:dot}",
    "As @fig:dot shows.",
    "* * *",
]


@given(
    st.lists(
        st.lists(st.sampled_from(BLOCKS), max_size=5),
        min_size=1,
        max_size=5,
    ),
    st.booleans(),
)
@settings(max_examples=300)
def test_any_chapters_in_pieces_make_the_whole(chapters, opening):
    parts = ["Opening words."] if opening else []
    for n, blocks in enumerate(chapters):
        parts.append("\n\n".join([f"# Chapter {n}", *blocks]))
    text = "\n\n".join(parts) + "\n"
    try:
        expected = whole(text)
    except KeyError:  # a call without its definition: load refuses the file before this
        return
    assert in_pieces(text)[1] == expected
