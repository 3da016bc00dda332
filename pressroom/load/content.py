"""The book's body fitted to the XHTML content model, so that EPUBCheck passes whatever
Markdown or raw HTML the author wrote: what may hold what, from the HTML standard's content
categories (`pressroom/categories.py`), enforced by moving or unwrapping elements, never by dropping text.

- A block (flow content) inside an element that holds only phrasing content (`p`, `em`,
  a heading, `pre`) splits it: `<p>a<div>b</div>c</p>` → `<p>a</p><div>b</div><p>c</p>`. That
  is where Markdown puts a code fence that follows a list item's text, or a raw `<div>`.
- `a` is transparent: it may hold a block where its parent may. A link inside a link is
  unwrapped (its text stays in the outer one).
- A `figure` holds its `figcaption` first or last, and no `br` of its own; a `figcaption`
  outside a figure makes the `div` it is in a figure, or else becomes a paragraph.
- A list holds only items: anything else in it goes into an item.
- A link or a heading with no text and no text alternative names nothing for a screen
  reader: it is unwrapped, with a warning (what it held stays).
- A link to a URL that cannot be one (a host of empty labels) is kept as text, with a
  warning; characters a URL cannot hold (a space) are percent-encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree as ET

from ..categories import BLOCKS, HEADINGS, LISTS, PHRASING_ONLY, TRANSPARENT
from ..util import urls
from ..util.tree import add_class, append_text, remove, text_of

# Subtrees with content models of their own (MathML), left as they are.
FOREIGN = {"math", "svg"}

Warn = Callable[[str, tuple[str, ...]], None]  # message, what to look for to find its line


def fit(body: ET.Element, warn: Warn) -> None:
    """Fit `body` (flow content) to the content model, in place."""
    _settle(body, flow=True, in_link=False, warn=warn, top=True)


def _settle(el: ET.Element, flow: bool, in_link: bool, warn: Warn, top: bool = False) -> None:
    """Fit `el`'s descendants; `flow`: whether `el` may hold blocks."""
    index = 0
    while index < len(el):
        child = el[index]
        if not isinstance(child.tag, str) or child.tag in FOREIGN:
            index += 1
            continue
        if child.tag == "a" and in_link:  # a link in a link: its text joins the outer one
            index = _unwrap(el, child)
            continue
        holds_flow = child.tag not in PHRASING_ONLY and (child.tag not in TRANSPARENT or flow)
        _settle(child, holds_flow, in_link or child.tag == "a", warn)
        if child.tag == "figure":
            _figure(child)
        elif child.tag in LISTS:
            _items(child)
        elif child.tag in HEADINGS and _nameless(child):
            # `#` alone: a heading of no words names no section (screen readers list it)
            warn("an empty heading removed", (f"\n{'#' * int(child.tag[1])}\n",))
            index = _unwrap(el, child)
            continue
        elif child.tag == "a":
            if _nameless(child):
                href = child.get("href", "")
                warn(
                    f"a link with no text to {href or 'nowhere'} removed (what it held is kept)",
                    (f'"{href}"', f"({href}"),
                )
                index = _unwrap(el, child)
                continue
            _url(child, warn)
        if not holds_flow and any(_is_block(c) for c in child):
            index = _split(el, child)
            continue
        index += 1
    captions = [c for c in el if c.tag == "figcaption"]
    if captions and el.tag == "div" and not top and el.find(".//img") is not None:
        el.tag = "figure"  # a picture and its caption, as README authors write them
    elif el.tag != "figure":
        for caption in captions:  # a caption of no figure: its words, as a paragraph
            caption.tag = "div" if any(_is_block(c) for c in caption) else "p"
            add_class(caption, "caption")


def _is_block(el: ET.Element) -> bool:
    return isinstance(el.tag, str) and el.tag in BLOCKS


def _split(parent: ET.Element, el: ET.Element) -> int:
    """Replace `el` in `parent` by runs of its phrasing content (each in a copy of `el`)
    and the blocks between them; the index after the last piece."""
    pieces: list[tuple[ET.Element, bool]] = []  # (piece, whether a run of phrasing content)
    run = _shell(el, first=True)
    run.text = el.text
    for child in list(el):
        if _is_block(child):
            pieces += [(run, True), (child, False)]
            run = _shell(el, first=False)
            run.text, child.tail = child.tail, None
        else:
            run.append(child)
    pieces.append((run, True))
    kept = [piece for piece, is_run in pieces if not is_run or _has_content(piece)]
    at = list(parent).index(el)
    parent.remove(el)
    for offset, piece in enumerate(kept):
        parent.insert(at + offset, piece)
    if el.tail:
        append_text(parent, at + len(kept), el.tail)
    return at + len(kept)


def _shell(el: ET.Element, first: bool) -> ET.Element:
    attrib = dict(el.attrib)
    if not first:
        attrib.pop("id", None)  # an id names one element
    return ET.Element(el.tag, attrib)


def _has_content(el: ET.Element) -> bool:
    return bool(len(el)) or bool((el.text or "").strip())


def _unwrap(parent: ET.Element, el: ET.Element) -> int:
    """Put `el`'s content where it stands; the index of its first moved child (so that
    it is fitted too)."""
    at = list(parent).index(el)
    append_text(parent, at, el.text or "")
    children = list(el)
    parent.remove(el)
    for offset, child in enumerate(children):
        parent.insert(at + offset, child)
    if el.tail:
        append_text(parent, at + len(children), el.tail)
    return at


def _figure(figure: ET.Element) -> None:
    """A figure's own `br`s go (they only spaced it), its caption first or last; a second
    caption is a paragraph."""
    for br in [c for c in figure if c.tag == "br"]:
        _unwrap(figure, br)
    captions = [c for c in figure if c.tag == "figcaption"]
    for extra in captions[1:]:
        extra.tag = "div" if any(_is_block(c) for c in extra) else "p"
    if captions and captions[0] is not figure[0] and captions[0] is not figure[-1]:
        caption = captions[0]
        remove(figure, caption)  # its tail stays where it was
        caption.tail = None
        figure.append(caption)


def _items(lst: ET.Element) -> None:
    """What stands in a list outside its items goes into an item of its own."""
    for child in list(lst):
        if isinstance(child.tag, str) and child.tag != "li":
            item = ET.Element("li")
            at = list(lst).index(child)
            lst.remove(child)
            item.tail, child.tail = child.tail, None
            item.append(child)
            lst.insert(at, item)
    if lst.text and lst.text.strip():
        item = ET.Element("li")
        item.text, lst.text = lst.text.strip(), None
        lst.insert(0, item)


def _nameless(a: ET.Element) -> bool:
    """A link (or heading) a screen reader can name nothing by: no text, no image with a
    text alternative, no label of its own."""
    if a.get("aria-label", "").strip() or a.get("title", "").strip() or text_of(a):
        return False
    return not any(img.get("alt", "").strip() for img in a.iter("img"))


def _url(a: ET.Element, warn: Warn) -> None:
    href = a.get("href")
    if href is None or href.startswith("#"):
        return
    fixed = urls.encoded(href)
    if urls.broken(fixed):
        a.attrib.pop("href")
        warn(f"link {href} is not a valid URL; kept as text", (f"({href}", f'"{href}"', href))
    elif fixed != href:
        a.set("href", fixed)
