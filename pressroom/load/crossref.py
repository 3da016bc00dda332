"""Numbered figures, tables, listings and sections, and references to them.

The syntax is pandoc-crossref's: an id with a kind's prefix makes a numbered item,

    ![A map](map.png "The valley"){#fig:map}      → Figure 1
    Table: Rainfall by month {#tbl:rain}            → Table 1  (a paragraph beside the table)
    ```{.rust #lst:hello caption="Hello"}           → Listing 1
    ## Method {#sec:method}                         → Section 2.1

and `@fig:map`, `[@fig:map]` or `[see @tbl:rain]` in the text becomes a link labelled
"Figure 1". Labels come from the theme's strings, in the book's language. Sections are
numbered from the top heading level the text uses; `number-sections: true` prints the
numbers in the headings too (and so in the contents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from ..categories import HEADINGS
from ..util.tree import add_class, has_class

KINDS = {"fig": "figure", "tbl": "table", "lst": "listing", "sec": "section"}
# `@fig:map`, optionally in brackets with words before it: `[see @fig:map]`. The id is
# Pandoc's: it ends at a letter or digit, so a sentence's full stop stays text.
REFERENCE = re.compile(
    r"\[(?P<pre>[^\[\]@]*?)@(?P<bkind>fig|tbl|lst|sec):(?P<bid>[\w.:-]*\w)\]"
    r"|(?<![\w@])@(?P<kind>fig|tbl|lst|sec):(?P<id>[\w.:-]*\w)"
)
NO_REFERENCES = ("code", "pre", "a", "math", "script", "style")


@dataclass(frozen=True)
class Target:
    kind: str  # figure, table, listing, section
    number: str  # "3", "2.1"
    title: str  # a section's heading text (shown when sections are not numbered)


Warn = Callable[[str, str], None]  # (message, text to find the line by)


def number(root: ET.Element, strings: Mapping[str, str], number_sections: bool, warn: Warn) -> None:
    """Number the items of `root` and turn every reference into a labelled link."""
    targets = _figures(root, strings) | _sections(root, number_sections)
    _references(root, targets, strings, number_sections, warn)


def _figures(root: ET.Element, strings: Mapping[str, str]) -> dict[str, Target]:
    """Figures, tables and listings with a kind's id, numbered through the book."""
    targets: dict[str, Target] = {}
    counts = dict.fromkeys(KINDS, 0)
    for el in root.iter():
        ident = el.get("id") or ""
        prefix = ident.partition(":")[0]
        if prefix not in ("fig", "tbl", "lst") or el.tag not in ("figure", "table"):
            continue
        counts[prefix] += 1
        targets[ident] = Target(KINDS[prefix], str(counts[prefix]), "")
        caption = el.find("figcaption" if el.tag == "figure" else "caption")
        if caption is None:
            caption = ET.Element("figcaption" if el.tag == "figure" else "caption")
            el.insert(len(el) if el.tag == "figure" else 0, caption)
        label = ET.Element("span", {"class": "label"})
        label.text = f"{_word(strings, KINDS[prefix])}\u00a0{counts[prefix]}"
        shown = (caption.text or "").strip() or len(caption)
        label.tail = (": " if shown else "") + (caption.text or "")
        caption.text = None
        caption.insert(0, label)
    return targets


def _word(strings: Mapping[str, str], kind: str) -> str:
    return str(strings.get(kind) or kind.capitalize())


def _sections(root: ET.Element, shown: bool) -> dict[str, Target]:
    """Every heading gets its number (1, 1.2, …) from the top level the text uses."""
    headings = [el for el in root.iter() if el.tag in HEADINGS]
    if not headings:
        return {}
    top = min(int(h.tag[1]) for h in headings)
    counters: list[int] = []
    targets: dict[str, Target] = {}
    for h in headings:
        depth = int(h.tag[1]) - top + 1
        counters = counters[:depth] + [0] * (depth - len(counters))
        counters[depth - 1] += 1
        numbered = ".".join(str(n) for n in counters)
        title = " ".join("".join(h.itertext()).split())
        if h.get("id"):
            targets[h.get("id", "")] = Target("section", numbered, title)
        if shown:
            mark = ET.Element("span", {"class": "secnum"})
            mark.text, mark.tail = numbered, " " + (h.text or "")
            h.text = None
            h.insert(0, mark)
    return targets


def _references(
    root: ET.Element,
    targets: dict[str, Target],
    strings: Mapping[str, str],
    sections_numbered: bool,
    warn: Warn,
) -> None:
    def walk(el: ET.Element) -> None:
        """References in `el`'s text and its children's tails become links; code, links,
        formulas and the labels just made are passed over."""
        if el.tag in NO_REFERENCES or has_class(el, "label"):
            return
        children = list(el)  # before links are added: their tails are done already
        if el.text and "@" in el.text:
            el.text, links = _split(el.text, targets, strings, sections_numbered, warn)
            el[0:0] = links
        for child in children:
            walk(child)
            if child.tail and "@" in child.tail:
                child.tail, links = _split(child.tail, targets, strings, sections_numbered, warn)
                at = list(el).index(child) + 1
                el[at:at] = links

    walk(root)


def _split(
    text: str,
    targets: dict[str, Target],
    strings: Mapping[str, str],
    sections_numbered: bool,
    warn: Warn,
) -> tuple[str, list[ET.Element]]:
    """`text` as the text before the first reference and the links (each carrying the
    text up to the next reference as its tail)."""
    head = ""
    links: list[ET.Element] = []

    def emit(piece: str) -> None:
        nonlocal head
        if links:
            links[-1].tail = (links[-1].tail or "") + piece
        else:
            head += piece

    position = 0
    for m in REFERENCE.finditer(text):
        kind = m.group("bkind") or m.group("kind")
        ident = f"{kind}:{m.group('bid') or m.group('id')}"
        target = targets.get(ident)
        if target is None or KINDS[kind] != target.kind:
            warn(f"reference @{ident} has no {KINDS[kind]} with that id; kept as text", m.group())
            emit(text[position : m.end()])
        else:
            emit(text[position : m.start()] + (m.group("pre") or ""))
            link = ET.Element("a", {"href": f"#{ident}", "class": "xref"})
            label = _word(strings, target.kind)
            if target.kind == "section" and not sections_numbered:
                link.text = f"{label} “{target.title}”" if target.title else label
            else:
                link.text = f"{label}\u00a0{target.number}"
            links.append(link)
        position = m.end()
    emit(text[position:])
    return head, links


def caption_tables(root: ET.Element) -> None:
    """`Table: Caption {#tbl:id}` (or `: Caption`) in a paragraph just before or after a
    table becomes that table's caption, and the id the table's."""
    for parent in list(root.iter()):
        children = list(parent)
        for i, p in enumerate(children):
            if p.tag != "p" or not CAPTION.match(p.text or ""):
                continue
            beside = children[i + 1 : i + 2] + children[max(i - 1, 0) : i]  # after, before
            table = next(
                (t for t in beside if t.tag == "table" and t.find("caption") is None), None
            )
            if table is None:
                continue
            caption = ET.Element("caption")
            caption.text, caption[:] = CAPTION.sub("", p.text or "", count=1), list(p)
            ident = _trailing_id(caption)
            if ident:
                table.set("id", ident)
            table.insert(0, caption)
            parent.remove(p)
            add_class(table, "captioned")


CAPTION = re.compile(r"^\s*(?:Table)?:\s+")
TRAILING_ID = re.compile(r"\s*\{#([A-Za-z_][\w.:-]*)\}\s*$")


def _trailing_id(el: ET.Element) -> str | None:
    """Take a trailing `{#id}` off the text of `el`, and return the id."""
    last = el[-1] if len(el) else None
    text = (last.tail if last is not None else el.text) or ""
    m = TRAILING_ID.search(text)
    if not m:
        return None
    if last is not None:
        last.tail = text[: m.start()] or None
    else:
        el.text = text[: m.start()]
    return m.group(1)
