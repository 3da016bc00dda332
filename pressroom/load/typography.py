"""Smart punctuation, done one way for the whole book.

The body gets curly quotes, dashes and ellipses from Python-Markdown's `smarty` extension.
Front matter shown to readers (title, subtitle, bios, rights …) goes through the very same
extension, in a Markdown instance that does nothing else, so "the '90s" is ’90s in a title
exactly as in the text.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

import markdown
from markdown.util import Registry

SMARTY = {"smarty": {"smart_angled_quotes": False}}


@cache
def _smarty_only() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["smarty"], extension_configs=SMARTY)
    # Front matter is plain text: no emphasis, links, raw HTML or blocks, only smarty's
    # substitutions (and the backslash escapes they rely on).
    for name in [
        n for n in _names(md.inlinePatterns) if not n.startswith("smarty") and n != "escape"
    ]:
        md.inlinePatterns.deregister(name)
    for name in [n for n in _names(md.parser.blockprocessors) if n != "paragraph"]:
        md.parser.blockprocessors.deregister(name)
    md.preprocessors.deregister("html_block")
    return md


def _names(registry: Registry[Any]) -> list[str]:
    # Registries list their names only in this attribute (Python-Markdown 3.x).
    return [item.name for item in registry._priority]  # type: ignore[attr-defined]


def smarten(text: str) -> str:
    """Curly quotes, en and em dashes, ellipses in one line of plain text."""
    if not text:
        return text
    md = _smarty_only()
    md.reset()
    # Escape what Markdown would read as markup, but not what smarty needs to see.
    source = html.escape(text, quote=False).replace("\\", "\\\\")
    out = md.convert(source)
    return html.unescape(out.removeprefix("<p>").removesuffix("</p>"))
