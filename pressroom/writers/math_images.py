"""MathML → drawn formulas for print: WeasyPrint does not lay out MathML, so each `<math>`
becomes an SVG (ziamath, glyphs as paths: nothing to embed) shown as an image whose alt
text is the TeX source, so the tagged PDF carries it."""

from __future__ import annotations

import copy
import hashlib
from xml.etree import ElementTree as ET

from ..util.tree import find_all, replace, text_of

SIZE = 10.0  # drawn at 10 units per em, then sized in em: the formula follows the text


def draw_math(body: ET.Element, base: str, drawn: dict[str, bytes]) -> None:
    """Replace every `<math>` in `body` (a copy) by an `<img src="{base}{name}">`; the SVGs
    go into `drawn` by name."""
    for parent, math in find_all(body, lambda el: el.tag == "math"):
        replace(parent, math, _image(math, base, drawn))


def _image(math: ET.Element, base: str, drawn: dict[str, bytes]) -> ET.Element:
    alone = copy.copy(math)
    alone.tail = None  # tostring would write the text after the formula too
    mathml = ET.tostring(alone, encoding="unicode")
    name = "math-" + hashlib.sha256(mathml.encode()).hexdigest()[:20] + ".svg"
    import ziamath  # only when a book has formulas: it costs a tenth of a second to start

    alt = math.get("alttext") or " ".join(text_of(math).split())
    try:
        svg = ziamath.Math(mathml, size=SIZE).svg()
    except Exception:  # MathML ziamath cannot draw (raw MathML, an empty <mtext>): as text
        text = ET.Element("code", {"class": "math-error"})
        text.text = alt
        return text
    drawn.setdefault(name, svg.encode("utf-8"))
    # The viewBox puts the baseline at y = 0: below it is the formula's depth.
    _, top, width, height = (float(v) for v in ET.fromstring(svg).get("viewBox", "").split())
    depth = height + top
    block = math.get("display") == "block"
    style = f"width: {width / SIZE:.3f}em; height: {height / SIZE:.3f}em"
    if not block:
        style += f"; vertical-align: {-depth / SIZE:.3f}em"
    return ET.Element(
        "img",
        {
            "src": base + name,
            "alt": alt,
            "class": "math display" if block else "math",
            "style": style,
        },
    )
