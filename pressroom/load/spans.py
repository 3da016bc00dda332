"""Pandoc's bracketed spans: `[փարոս]{lang=hy}`, `[كتاب]{lang=ar dir=rtl}`, `[Title]{.smallcaps}`.

The text in brackets stays Markdown (emphasis, code, notes inside work); the braces hold
Pandoc's attributes: `.class`, `#id`, `key=value` (or `key="a value"`), nothing else, so
`[a]{b}` stays text as written. What the sanitizer does
not allow is dropped there, and a `lang` or `dir` that is not a language tag or a direction
is reported with its line by `load`.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

# Brackets holding text with at most one level of nested brackets (a link inside), right
# before braces: `[x](url)` and `[x][ref]` are links, never spans.
SPAN = r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])+)\]\{([^{}\n]+)\}"
ATTR = r"""(?:([.#])([\w:-]+)|([\w:-]+)=(?:"([^"]*)"|'([^']*)'|([^\s"']+)))"""
ATTRS = re.compile(rf"\s*{ATTR}(?:\s+{ATTR})*\s*")
ONE = re.compile(ATTR)


class SpanProcessor(InlineProcessor):
    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[ET.Element | None, int | None, int | None]:
        if not ATTRS.fullmatch(m.group(2)):
            return None, None, None  # not attributes: leave the text as written
        span = ET.Element("span")
        span.text = m.group(1)  # inline patterns run again inside it
        classes = []
        for a in ONE.finditer(m.group(2)):
            sign, word, key = a.group(1), a.group(2), a.group(3)
            if sign == ".":
                classes.append(word)
            elif sign == "#":
                span.set("id", word)
            else:
                span.set(key, next(v for v in a.group(4, 5, 6) if v is not None))
        if classes:
            span.set("class", " ".join(classes))
        return span, m.start(0), m.end(0)


class SpanExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Before reference links (170), which would take `[text]` as a link label, and
        # after footnote calls (175) and escapes (180).
        md.inlinePatterns.register(SpanProcessor(SPAN, md), "pressroom-span", 172)
