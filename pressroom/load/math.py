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


class MathError(ValueError):
    pass


def tex_to_mathml(tex: str, display: bool) -> str:
    """MathML for `tex` with the TeX as alttext (no namespace: the EPUB adds it)."""
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception as err:  # latex2mathml has no common base class for its errors
        raise MathError(type(err).__name__) from None
    unknown = UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MathError(f"unknown command {unknown.group()[4:]}")
    opening = '<math xmlns="http://www.w3.org/1998/Math/MathML"'
    return f"<math alttext={quoteattr(tex)}" + mathml.removeprefix(opening)


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
