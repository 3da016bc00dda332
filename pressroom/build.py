"""`pressroom build`: every manuscript → its outputs, each written whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import pdf
from .errors import PressroomError
from .files import write_atomic
from .layout import STYLES
from .load import load

FORMATS = ("pdf", "epub")


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
    files: dict[Path, bytes] = {}
    if "pdf" in formats:
        pages = pdf.layout(doc, styles, paper)
        files[out / f"{doc.stem}.pdf"] = pdf.handout(pages)
    if "epub" in formats:
        from .epub import render_epub
        files[out / f"{doc.stem}.epub"] = render_epub(doc)
    for path, data in files.items():
        write_atomic(path, data)
    return Built(source=source, outputs=list(files), warnings=doc.warnings)
