"""How much work one manuscript may ask for.

A manuscript is untrusted input: YAML aliases, nesting, images and SVG can make a few bytes
cost minutes and gigabytes. Each limit is generous for real books and stops a hostile or
broken file with one line. `limits:` in pressroom.yml raises them (`--timeout` sets the
time); the README lists the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Limits:
    manuscript_bytes: int = 50_000_000  # one Markdown file
    yaml_values: int = 20_000  # front matter or config, with aliases expanded
    nesting: int = 100  # lists and block quotes in Markdown, elements in raw HTML
    footnotes: int = 20_000
    paragraph_characters: int = 100_000  # one paragraph: about 30 printed pages
    title_characters: int = 1_000  # title, subtitle, short title (the running heads)
    image_bytes: int = 50_000_000
    image_pixels: int = 60_000_000  # 7,700 × 7,700
    svg_elements: int = 20_000
    svg_drawn: int = 100_000  # elements an SVG draws once its <use> references are followed
    seconds: int = 0  # one book's whole build; 0: no limit

    def raised(self, values: dict[str, Any]) -> Limits:
        """These limits with some changed (from pressroom.yml); ValueError names a bad one."""
        known = {f.name for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown limit '{name}' (known: {', '.join(sorted(known))})")
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"limit '{name}' must be a whole number ≥ 0")
        return replace(self, **values)


DEFAULT = Limits()
