"""Editing ElementTree trees without losing text.

In ElementTree the text after an element is that element's `tail`: removing or replacing
an element must hand its tail to whatever comes before it, or words vanish or move. Every
edit of a body goes through these helpers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from xml.etree import ElementTree as ET


def parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def append_text(parent: ET.Element, index: int, text: str | None) -> None:
    """Add `text` where the child at `index` starts (after the previous sibling, or the
    parent's opening text)."""
    if not text:
        return
    if index > 0:
        before = parent[index - 1]
        before.tail = (before.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def remove(parent: ET.Element, child: ET.Element) -> None:
    """Remove `child`, keeping the text that followed it in place."""
    index = list(parent).index(child)
    append_text(parent, index, child.tail)
    parent.remove(child)


def replace(parent: ET.Element, old: ET.Element, new: ET.Element) -> None:
    """Put `new` where `old` stands, keeping the text that followed it."""
    new.tail = old.tail
    parent[list(parent).index(old)] = new


def has_class(el: ET.Element, name: str) -> bool:
    return name in (el.get("class") or "").split()


def add_class(el: ET.Element, name: str) -> None:
    if not has_class(el, name):
        el.set("class", " ".join([*(el.get("class") or "").split(), name]))


def find_all(root: ET.Element, test) -> Iterator[tuple[ET.Element, ET.Element]]:
    """(parent, child) pairs for every child passing `test`, collected before yielding so
    the caller may edit the tree."""
    found = [(parent, child) for parent in root.iter() for child in parent if test(child)]
    yield from found


def without_class(body: ET.Element, name: str) -> ET.Element:
    """A copy of `body` without the elements of class `name` (e.g. pull quotes in running
    text); the text around each stays where it was."""
    body = copy.deepcopy(body)
    for parent, child in find_all(body, lambda el: has_class(el, name)):
        remove(parent, child)
    return body


def text_of(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())
