"""What one build knows besides the document: clock, theme, paper, extra CSS, diagnostics.

A `BuildContext` is made once per build and handed to every writer, so writers share no
module state (several builds can run side by side) and the clock is read once: every output
of a build carries the same time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .diagnostics import Diagnostic, Diagnostics
from .errors import PressroomError
from .themes import Theme
from .util.dates import build_time

__all__ = ["BuildContext", "Pages", "Stylesheet"]

if TYPE_CHECKING:
    from .model import Chapter, Document, Metadata

CSS_KINDS = ("print", "epub")


@dataclass(frozen=True)
class Stylesheet:
    """A user's stylesheet, added after the theme's: for both formats, or for one when it is
    named print.css or epub.css."""

    path: Path
    kinds: tuple[str, ...] = CSS_KINDS

    @classmethod
    def of(cls, path: Path) -> Stylesheet:
        if not path.is_file():
            raise PressroomError(path, "stylesheet not found")
        kind = path.stem.lower()
        return cls(path=path, kinds=(kind,) if kind in CSS_KINDS else CSS_KINDS)

    def text(self) -> str:
        try:
            return self.path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise PressroomError(self.path, f"cannot read stylesheet: {err}") from None


# (kind, bytes, make) → make(bytes), or what it gave for the same kind and bytes before.
Derived = Callable[[str, bytes, Callable[[bytes], bytes]], bytes]


class Pages(Protocol):
    """A chapter's finished page (the EPUB writer's bytes), kept for the next build under
    the key of what it is made from (cache.Pieces)."""

    def page(self, doc: Document, chapter: Chapter) -> bytes | None: ...

    def keep_page(self, doc: Document, chapter: Chapter, data: bytes) -> None: ...


@dataclass
class BuildContext:
    theme: Theme = field(default_factory=Theme.load)
    paper: str = "a4"
    bleed: float = 3.0  # mm, for the print shop's PDF
    css: tuple[Stylesheet, ...] = ()
    clock: dt.datetime = field(default_factory=build_time)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    # Run the validators (EPUBCheck, DAISY Ace) on an output before it is written, so its
    # claims follow them; what they found, by format, for the report.
    verify: bool = False
    validated: dict[str, list[Diagnostic]] = field(default_factory=dict)
    # Files the writers read besides the document's own (what stylesheets fetched): inputs
    # of the build, for the cache.
    read: set[Path] = field(default_factory=set)
    # Makes the typographic cover JPEG from the metadata and theme (cover.generated_cover),
    # or takes it from the last build (cache.Pieces.cover).
    cover: Callable[[Metadata, Theme], bytes] | None = None
    # What a writer derives from bytes alone (a file's compressed entry, what the checks
    # read in it), taken from the last build when the bytes are the same (cache.Pieces).
    derived: Derived | None = None
    pages: Pages | None = None

    def stylesheets(self, kind: str) -> list[Stylesheet]:
        return [sheet for sheet in self.css if kind in sheet.kinds]

    def strings(self, lang: str) -> dict:
        return self.theme.strings(lang)
