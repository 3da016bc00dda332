"""A piece's outline: its converted XHTML with only what the book-wide passes read.

`load`'s passes over the whole book (notes numbered through it, ids made unique, heading
ids, levels and numbers, figures and references, links checked, chapters split) and the
EPUB writer's (notes placed, links pointed across files, images named) read from a chapter
only what its outline keeps:

- every block element, its attributes, in place (siblings stay siblings, so a `Table:`
  paragraph finds the table beside it as before), a paragraph that had content keeping
  some (a mark), so that it is not dropped as empty;
- inline elements only when they hold something below; every attribute of what is kept;
- whole: headings, links, images, `<sup>` (note calls), captions, formulas that could
  not be read, paragraphs that caption a table;
- of text and tails, only the references (`@fig:map`, `[see @tbl:rain]`), as written.

So a chapter whose own pieces are unchanged, in a book whose outlines are all unchanged,
is made exactly as before: the writer may take its finished page from the last build, and
`load` reads the outlines of those pieces instead of their whole text.
"""

from __future__ import annotations

import copy
from xml.etree import ElementTree as ET

from .crossref import CAPTION, REFERENCE
from .math import ERROR_CLASS

WHOLE = {"h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "sup", "caption", "figcaption"}
INLINE = {
    "abbr",
    "b",
    "bdi",
    "bdo",
    "br",
    "cite",
    "code",
    "data",
    "del",
    "dfn",
    "em",
    "i",
    "ins",
    "kbd",
    "mark",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "time",
    "u",
    "var",
    "wbr",
}
READ = ("id", "lang", "dir")  # attributes an inline element is kept for
CLASSES = ("footnote", "pullquote")  # and classes: notes, and what the EPUB leaves out
MARK = "\u2060"  # word joiner: not a space (the paragraph is not empty), not a word


def outline(html: str) -> tuple[str, int]:
    """The outline of a piece's XHTML (a sequence of blocks, as `convert` gives), and how
    many blocks it has besides the notes Markdown lists at its end."""
    root = ET.fromstring(f"<div>{html}</div>")
    kept = "".join(ET.tostring(_kept(block, top=True), encoding="unicode") for block in root)
    return kept, sum(1 for block in root if not _notes(block))


def _notes(block: ET.Element) -> bool:
    return block.tag == "div" and block.get("class") == "footnote"


def _whole(el: ET.Element) -> bool:
    if el.tag in WHOLE:
        return True
    if el.tag == "code" and el.get("class") == ERROR_CLASS:
        return True
    return el.tag == "p" and CAPTION.match(el.text or "") is not None


def _kept(el: ET.Element, top: bool = False, inline: bool = False) -> ET.Element:
    """`el` as the outline keeps it, even when nothing in it is read."""
    return _outline(el, top, inline, bare=True)  # type: ignore[return-value]


def _outline(
    el: ET.Element, top: bool = False, inline: bool = False, bare: bool = False
) -> ET.Element | None:
    """`el` as kept, or None when nothing of it is read (and not `top` or `bare`)."""
    if _whole(el):
        whole = copy.deepcopy(el)
        whole.tail = _at(el.tail)
        return whole
    inline = inline or el.tag == "math"  # MathML: a formula's parts are read by none
    # Beside a table every sibling stays: a paragraph captions only the table next to it.
    beside_table = any(child.tag == "table" for child in el)
    children = [
        kept
        for child in el
        if (kept := _outline(child, inline=inline, bare=beside_table)) is not None
    ]
    text, tail = _at(el.text), _at(el.tail)
    prunable = (inline or el.tag in INLINE) and not (top or bare)
    if prunable and not children and text is None and tail is None and not _read(el):
        return None
    kept = ET.Element(el.tag, el.attrib)
    kept.text, kept.tail = text, tail
    kept[:] = children
    if el.tag == "p" and not children and text is None and (len(el) or (el.text or "").strip()):
        kept.text = MARK
    return kept


def _read(el: ET.Element) -> bool:
    classes = el.get("class") or ""
    return any(map(el.get, READ)) or any(name in classes for name in CLASSES)


def _at(text: str | None) -> str | None:
    """The references in a text, each as written, a space between: no other text is
    read (each is found again in them, as in the text)."""
    if text is None or "@" not in text:
        return None
    return " ".join(m.group() for m in REFERENCE.finditer(text)) or None
