"""TeX math in Markdown → MathML, with the TeX kept as its `alttext`.

`$…$` is inline math and `$$…$$` display math, by Pandoc's rule for prices: the opening
`$` is followed by a non-space, the closing one preceded by a non-space and not followed by
a digit, so `$5 and $6` stays text. `\\$` is a dollar sign. Code spans and fenced code are
never read as math (they are set aside before inline patterns run).

A formula latex2mathml cannot read is kept as its source in `<code class="math-error">`;
`bad_formulas` finds those after sanitizing so the build can warn with the line.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

import markdown
from latex2mathml.converter import convert
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

INLINE = r"(?<![\\$])\$(?![\s$])((?:\\.|[^$\\])+?)(?<!\s)\$(?!\d)"
DISPLAY = r"(?<!\\)\$\$((?:\\.|[^$\\]|\$(?!\$))+?)\$\$"
# latex2mathml writes a command it does not know as an identifier named `\command`.
UNKNOWN_COMMAND = re.compile(r"<m[ion]>\\[A-Za-z]+")
ERROR_CLASS = "math-error"


# How much one formula may ask for: drawing a fraction measures its parts again for each
# fraction around it (ziamath), so the work doubles with each level; a formula is read and
# drawn in time linear in its size within these.
MOST_TEX = 4_000  # characters of TeX
MOST_ELEMENTS = 4_000  # MathML elements (a 60 × 60 array)
MOST_DEPTH = 40  # elements inside elements
MOST_FRACTIONS = 6  # fractions inside fractions


class MathError(ValueError):
    pass


def tex_to_mathml(tex: str, display: bool) -> str:
    """MathML for `tex` with the TeX as alttext (no namespace: the EPUB adds it)."""
    if len(tex) > MOST_TEX:
        raise MathError(f"longer than {MOST_TEX:,} characters")
    if tex.count("{") > MOST_ELEMENTS:
        raise MathError(f"more than {MOST_ELEMENTS:,} groups")
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception as err:  # latex2mathml has no common base class for its errors
        raise MathError(type(err).__name__) from None
    unknown = UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MathError(f"unknown command {unknown.group()[4:]}")
    try:
        converted = ET.fromstring(mathml)
    except ET.ParseError:  # latex2mathml wrote no well-formed MathML (`\color`)
        raise MathError("not well-formed MathML") from None
    _check_size(converted)
    opening = '<math xmlns="http://www.w3.org/1998/Math/MathML"'
    return f"<math alttext={quoteattr(tex)}" + mathml.removeprefix(opening)


def _check_size(math: ET.Element) -> None:
    """Raise MathError for a formula past the limits above."""
    count = 0
    stack: list[tuple[ET.Element, int, int]] = [(math, 0, 0)]
    while stack:
        element, depth, fractions = stack.pop()
        count += 1
        if element.tag.endswith("mfrac"):
            fractions += 1
        if count > MOST_ELEMENTS or depth > MOST_DEPTH or fractions > MOST_FRACTIONS:
            what = (
                f"more than {MOST_ELEMENTS:,} parts"
                if count > MOST_ELEMENTS
                else f"nested more than {MOST_DEPTH} deep"
                if depth > MOST_DEPTH
                else f"fractions nested more than {MOST_FRACTIONS} deep"
            )
            raise MathError(what)
        stack.extend((child, depth + 1, fractions) for child in element)


class MathProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, display: bool):
        super().__init__(pattern, md)
        self.display = display

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        tex = m.group(1).strip()
        try:
            html = tex_to_mathml(tex, self.display)
        except MathError:
            html = f'<code class="{ERROR_CLASS}">{escape(m.group())}</code>'
        # Stashed as raw HTML: no other inline pattern may touch the TeX or the MathML.
        return self.md.htmlStash.store(html), m.start(), m.end()


class MathExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.ESCAPED_CHARS.append("$")
        # After code spans (190), before backslash escapes (180), which would eat TeX's.
        md.inlinePatterns.register(MathProcessor(DISPLAY, md, True), "pressroom-math-display", 186)
        md.inlinePatterns.register(MathProcessor(INLINE, md, False), "pressroom-math", 185)


def bad_formulas(tree: ET.Element) -> list[str]:
    """The source of each formula that could not be read, as written."""
    return [
        "".join(code.itertext()) for code in tree.iter("code") if code.get("class") == ERROR_CLASS
    ]
