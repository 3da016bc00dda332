"""Footnotes: every call defined, then notes taken out of the text into the model.

Python-Markdown's footnotes extension leaves a list of notes at the end of the text and a
`<sup><a class="footnote-ref">` at each call. Pressroom takes the list out (writers decide
where notes go) and turns each call into `<a class="noteref" href="#note-N">`.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import PressroomError
from ..model import Note
from ..util.tree import find_all, has_class, remove

NOTE_REF = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")
NOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.M)


def check_notes(path: Path, visible: str, first_line: int) -> None:
    """Every footnote call in `visible` (a text through `mask_code`) needs a definition,
    and each is defined once (Markdown would keep one and drop the other silently); report
    the first that is not, by line."""
    defined: dict[str, int] = {}
    line, counted = first_line, 0  # the line at `counted`, counted on as definitions come
    for m in NOTE_DEF.finditer(visible):
        line += visible.count("\n", counted, m.start())
        counted = m.start()
        if m.group(1) in defined:
            raise PressroomError(
                path,
                f"footnote [^{m.group(1)}] is defined twice, at lines {defined[m.group(1)]} "
                f"and {line}: give one of them another name",
                line,
            )
        defined[m.group(1)] = line
    for m in NOTE_REF.finditer(visible):
        if m.group(1) not in defined:
            line = first_line + visible[: m.start()].count("\n")
            raise PressroomError(path, f"footnote [^{m.group(1)}] has no definition", line)


def extract_notes(root: ET.Element, first_number: int = 1) -> tuple[dict[str, Note], list[str]]:
    """Take the notes out of `root`; calls become <a class="noteref">.

    Notes are numbered from `first_number` in the order of their first call: each call
    gets id `noteref-N` (`noteref-N-2` for a second call), each note id `note-N`. Also
    returns the keys of notes defined but never called.
    """
    container = next((d for d in root.iter("div") if d.get("class") == "footnote"), None)
    if container is None:
        return {}, []
    for parent, child in find_all(root, lambda el: el is container):
        remove(parent, child)
    bodies: dict[str, ET.Element] = {}
    # The notes are the items of the container's own list; a note may hold a list too.
    items = [li for ol in container.findall("ol") for li in ol.findall("li")]
    for item in items:
        key = (item.get("id") or "").removeprefix("fn:")
        for parent, backref in find_all(item, lambda el: has_class(el, "footnote-backref")):
            remove(parent, backref)
        body = ET.Element("div")
        body.text, body[:] = item.text, list(item)
        _strip_end(body)
        bodies[key] = body
    by_key: dict[str, Note] = {}
    calls: dict[str, int] = {}
    for parent in list(root.iter()):
        for i, child in enumerate(list(parent)):
            link = child.find("a") if child.tag == "sup" else None
            if link is None or link.get("class") != "footnote-ref":
                continue
            key = link.get("href", "").removeprefix("#fn:")
            if key not in by_key:
                number = first_number + len(by_key)
                by_key[key] = Note(id=f"note-{number}", number=number, body=bodies[key])
            note = by_key[key]
            calls[key] = calls.get(key, 0) + 1
            suffix = f"-{calls[key]}" if calls[key] > 1 else ""
            ref = ET.Element(
                "a",
                {"class": "noteref", "href": f"#{note.id}", "id": f"noteref-{note.number}{suffix}"},
            )
            ref.text = str(note.number)
            ref.tail = child.tail
            parent[i] = ref
    return {n.id: n for n in by_key.values()}, [key for key in bodies if key not in by_key]


def _strip_end(el: ET.Element) -> None:
    """Drop the no-break space Python-Markdown leaves where its back link stood."""
    while len(el) and not (el[-1].tail or "").strip():
        if el[-1].tag not in ("p", "div", "ul", "ol", "blockquote"):
            el[-1].tail = (el[-1].tail or "").rstrip("\xa0 \n") or None
            return
        el[-1].tail = None
        el = el[-1]
    if len(el):
        el[-1].tail = (el[-1].tail or "").rstrip("\xa0 \n")
    elif el.text:
        el.text = el.text.rstrip("\xa0 \n")
