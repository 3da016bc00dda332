"""`pressroom build`: every manuscript → its outputs, each written whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import PressroomError
from .files import write_atomic
from .layout import STYLES
from .load import load

FORMATS = ("pdf", "epub", "archival")   # the default; "bag" packs all three with sources


@dataclass
class Built:
    source: Path
    outputs: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def find_manuscripts(folder: Path = Path("manuscript")) -> list[Path]:
    found = sorted(folder.glob("*.md"))
    if not found:
        raise PressroomError(folder, "no manuscripts (*.md) found; name files to build")
    return found


def build(source: Path, out: Path, formats: tuple[str, ...] = FORMATS, paper: str = "a4",
          styles: Path = STYLES) -> Built:
    """Render every asked-for output in memory first, so a failure writes nothing."""
    doc = load(source)
    wanted = set(FORMATS) if "bag" in formats else set(formats)
    made: dict[str, bytes] = {}
    # Writers are imported when asked for: WeasyPrint alone takes half a second to import,
    # which an EPUB-only build should not pay.
    if wanted & {"pdf", "archival"}:
        from . import archive, pdf
        pages = pdf.layout(doc, styles, paper)       # once, for both PDFs
        if "pdf" in wanted:
            made[f"{doc.stem}.pdf"] = pdf.handout(pages)
        if "archival" in wanted:
            made[f"{doc.stem}-archival.pdf"] = archive.archival(pages, doc, styles)
    if "epub" in wanted:
        from .epub import render_epub
        made[f"{doc.stem}.epub"] = render_epub(doc)
    outputs = []
    for name, data in made.items():
        if _format_of(name) in formats:
            write_atomic(out / name, data)
            outputs.append(out / name)
    if "bag" in formats:
        from .bag import write_bag
        write_bag(out / f"{doc.stem}-bag", doc, made)
        outputs.append(out / f"{doc.stem}-bag")
    return Built(source=source, outputs=outputs, warnings=doc.warnings)


def _format_of(name: str) -> str:
    return "archival" if name.endswith("-archival.pdf") else name.rsplit(".", 1)[1]
