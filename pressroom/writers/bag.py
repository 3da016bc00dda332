"""BagIt 1.0 package: the three publications and their sources, with SHA-256 manifests.

The writer makes the bag in a scratch folder and returns its files; `build` writes a folder
like every output, whole or not at all.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import bagit

from .. import __version__
from ..context import BuildContext
from ..model import Document

__all__ = ["write_bag"]


def write_bag(doc: Document, ctx: BuildContext, outputs: dict[str, bytes]) -> dict[str, bytes]:
    """`outputs` maps file names (book.pdf, book.epub, …) to their bytes; returns the bag's
    files by their path inside it."""
    with tempfile.TemporaryDirectory(prefix="pressroom-bag-") as scratch:
        work = Path(scratch)
        for name, data in outputs.items():
            (work / name).write_bytes(data)
        for name, data in doc.source_files().items():
            copy = work / "source" / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(data)
        info = {
            "Bagging-Date": ctx.clock.date().isoformat(),
            "Bag-Software-Agent": f"Pressroom {__version__}",
            "External-Identifier": doc.meta.identifier,
            "External-Description": doc.meta.title,
        }
        logging.getLogger("bagit").setLevel(logging.WARNING)
        bagit.make_bag(str(work), bag_info=info, checksums=["sha256"])
        return {
            p.relative_to(work).as_posix(): p.read_bytes()
            for p in sorted(work.rglob("*"))
            if p.is_file()
        }


def validate_bag(path: Path) -> None:
    """Raise bagit.BagValidationError when the bag's manifests do not match its files."""
    bagit.Bag(str(path)).validate()
