"""Paper: the named sizes and any `WxH` with units, and the page geometry for each.

The text block keeps a readable measure on every size: about 66 characters a line, from
type that steps down on small formats, centred on loose-leaf paper and with a narrower
inner margin (the gutter) for a bound book. The theme's stylesheet comes after this and
may set its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}
NAMED = {
    "a4": (210.0, 297.0),
    "letter": (215.9, 279.4),
    "a5": (148.0, 210.0),
    "6x9in": (152.4, 228.6),
    "5.5x8.5in": (139.7, 215.9),
    "5x8in": (127.0, 203.2),
}
SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)?\s*[x×]\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)")
MM_PER_POINT_OF_TYPE = 128 / 10.5  # 10.5 pt type on a 128 mm line: about 66 characters


@dataclass(frozen=True)
class Paper:
    name: str
    width: float  # mm
    height: float

    @property
    def type_size(self) -> float:
        """Points: 10.5 on A4 and Letter, less on smaller books."""
        return 10.5 if self.width >= 180 else 10.0 if self.width >= 145 else 9.5

    def css(self) -> str:
        size = self.type_size
        measure = min(MM_PER_POINT_OF_TYPE * size, self.width - 30)
        side = (self.width - measure) / 2
        inner = max(side * 0.85, 12)
        outer = 2 * side - inner
        top, bottom = round(self.height * 0.081), round(self.height * 0.088)
        return (
            f"@page {{ size: {self.width:.2f}mm {self.height:.2f}mm; "
            f"margin: {top}mm {side:.1f}mm {bottom}mm {side:.1f}mm; }}\n"
            f"@page book:left {{ margin-left: {outer:.1f}mm; margin-right: {inner:.1f}mm; }}\n"
            f"@page book:right {{ margin-left: {inner:.1f}mm; margin-right: {outer:.1f}mm; }}\n"
            f"html {{ font-size: {size}pt; }}\n"
        )


def paper(text: str) -> Paper:
    """`a4`, `6x9in`, `150x230mm`, `17x24 cm` …; ValueError says what is accepted."""
    name = text.strip().lower()
    if name in NAMED:
        return Paper(name, *NAMED[name])
    match = SIZE.fullmatch(name)
    if not match:
        raise ValueError(f"paper '{text}' is not {', '.join(NAMED)} or a size such as 150x230mm")
    width, first_unit, height, unit = match.groups()
    w = float(width) * UNITS[first_unit or unit]
    h = float(height) * UNITS[unit]
    if not (70 <= w <= 1200 and 70 <= h <= 1200):
        raise ValueError(f"paper '{text}' is {w:.0f} × {h:.0f} mm; sizes from 70 to 1,200 mm")
    return Paper(name, w, h)
