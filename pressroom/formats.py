"""The output formats: one registry of the writers, one module a format (`pressroom/writers/`).

Like WeasyPrint's `VARIANTS`, the registry says for each format what its output is called,
whether it is written from laid-out pages (so the pages are laid out once for every format
that needs them), which checks read it back, and the function that writes it. `build` and
`check` ask the registry; nothing else parses output names.

A writer takes the shared `Document` and the `BuildContext` and returns bytes (or, for a
folder, a mapping of relative paths to bytes); it never changes the document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_FORMATS", "WRITERS", "Writer", "expand", "writer_for"]


@dataclass(frozen=True)
class Writer:
    name: str
    suffix: str  # appended to the book's stem: "-archival.pdf", ".epub", "-bag"
    module: str  # pressroom.writers.<module>, imported only when asked for
    function: str
    description: str
    pages: bool = False  # written from the print layout (`pdf.layout`)
    check: str | None = None  # "pdf" or "epub": how `pressroom check` reads it back
    folder: bool = False  # a folder of files rather than one file
    default: bool = True  # built when no format is asked for
    needs: tuple[str, ...] = ()  # other formats whose bytes it packs

    @property
    def write(self) -> Callable[..., Any]:
        # Imported when asked for: WeasyPrint alone takes half a second to import, which an
        # EPUB-only build or a `pressroom check` should not pay.
        return getattr(import_module(f"pressroom.writers.{self.module}"), self.function)

    def output(self, folder: Path, stem: str) -> Path:
        return folder / f"{stem}{self.suffix}"


WRITERS: dict[str, Writer] = {
    w.name: w
    for w in (
        Writer(
            "pdf",
            ".pdf",
            "pdf",
            "write_handout",
            "print handout, tagged PDF/UA-1",
            pages=True,
            check="pdf",
        ),
        Writer(
            "epub",
            ".epub",
            "epub",
            "write_epub",
            "EPUB 3 with pop-up footnotes and accessibility metadata",
            check="epub",
        ),
        Writer(
            "archival",
            "-archival.pdf",
            "archival",
            "write_archival",
            "PDF/A-3a from the same pages, with the sources and a build manifest attached",
            pages=True,
            check="pdf",
        ),
        Writer(
            "press",
            "-press.pdf",
            "press",
            "write_press",
            "print-ready PDF for a print shop: bleed, crop marks, TrimBox and BleedBox, PDF/X-4",
            check="pdf",
            default=False,
        ),
        Writer(
            "bag",
            "-bag",
            "bag",
            "write_bag",
            "BagIt 1.0 folder holding the three publications and the sources",
            folder=True,
            default=False,
            needs=("pdf", "epub", "archival"),
        ),
    )
}

DEFAULT_FORMATS = tuple(name for name, w in WRITERS.items() if w.default)


def writer_for(path: str | Path) -> Writer | None:
    """The writer whose output `path` looks like (longest suffix first: an archival copy
    is a `.pdf` too)."""
    name = Path(path).name.lower()
    for writer in sorted(WRITERS.values(), key=lambda w: -len(w.suffix)):
        if not writer.folder and name.endswith(writer.suffix):
            return writer
    return None


def expand(formats: Sequence[str]) -> list[str]:
    """The formats to write, in registry order, with what they pack (bag needs the rest)."""
    wanted = set(formats)
    for name in formats:
        wanted |= set(WRITERS[name].needs)
    return [name for name in WRITERS if name in wanted]
