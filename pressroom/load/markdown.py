"""Markdown → HTML: Python-Markdown with the extensions a manuscript uses, plus Pressroom's
own tree processors, which work on the parsed tree before it is serialized."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .typography import SMARTY

EXTENSIONS: list[str | Extension] = [
    "footnotes",
    "tables",
    "attr_list",
    "smarty",
    "fenced_code",
    "sane_lists",
    "def_list",
]
CONFIG: dict[str, dict[str, Any]] = {
    "footnotes": {"BACKLINK_TEXT": "", "SUPERSCRIPT_TEXT": "{}"},
    **SMARTY,
}


class FigureProcessor(Treeprocessor):
    """A paragraph holding only an image becomes a <figure>; the image's title, its caption."""

    def run(self, root: ET.Element) -> None:
        for p in root.iter("p"):
            if (
                len(p) != 1
                or p[0].tag != "img"
                or (p.text or "").strip()
                or (p[0].tail or "").strip()
            ):
                continue
            img = p[0]
            p.tag, p.text, img.tail = "figure", None, None
            caption = img.attrib.pop("title", None)
            if caption:
                ET.SubElement(p, "figcaption").text = caption


class PressroomExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After inline patterns (20), so images exist as elements.
        md.treeprocessors.register(FigureProcessor(md), "pressroom-figures", 5)


def to_html(text: str) -> str:
    return markdown.markdown(
        text,
        extensions=[*EXTENSIONS, PressroomExtension()],
        extension_configs=CONFIG,
        output_format="xhtml",
    )
