"""How much work one manuscript may ask for.

A manuscript is untrusted input: YAML aliases, nesting, images and SVG can make a few bytes
cost minutes and gigabytes. Each limit is generous for real books and stops a hostile or
broken file with one line. `limits:` in pressroom.yml raises them up to CEILING; past it only
the user's command line (`--limit NAME=N`, `--timeout`) goes. The README lists them.
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
    formulas: int = 10_000  # TeX formulas in one book, each drawn for print
    paragraph_characters: int = 100_000  # one paragraph: about 30 printed pages
    title_characters: int = 1_000  # title, subtitle, short title (the running heads)
    image_bytes: int = 50_000_000
    image_pixels: int = 60_000_000  # 7,700 × 7,700
    svg_elements: int = 20_000
    svg_drawn: int = 100_000  # elements an SVG draws once its <use> references are followed
    seconds: int = 0  # one book's whole build; 0: no limit

    def raised(self, values: dict[str, Any], ceiling: Limits | None = None) -> Limits:
        """These limits with some changed; ValueError names a bad one. `ceiling`: how far
        they may go (a project's `limits:` may not lift a limit past CEILING; the user's
        command line may)."""
        known = {f.name for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown limit '{name}' (known: {', '.join(sorted(known))})")
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"limit '{name}' must be a whole number ≥ 0")
            most = getattr(ceiling, name) if ceiling is not None else 0
            if most and (value > most or (value == 0 and name != "seconds")):
                raise ValueError(
                    f"limit '{name}' may be at most {most:,} in a project; "
                    f"only the command line lifts it further (--limit {name}=N)"
                )
        return replace(self, **values)


DEFAULT = Limits()
# What a project's own `limits:` may ask for at the most: ten times the default (the nesting
# twice, its work grows faster). A project sent by someone else cannot ask for more.
CEILING = Limits(
    manuscript_bytes=500_000_000,
    yaml_values=200_000,
    nesting=200,
    footnotes=200_000,
    formulas=100_000,
    paragraph_characters=1_000_000,
    title_characters=10_000,
    image_bytes=500_000_000,
    image_pixels=600_000_000,
    svg_elements=200_000,
    svg_drawn=1_000_000,
    seconds=0,  # no limit by default; a project may set one, or none
)
