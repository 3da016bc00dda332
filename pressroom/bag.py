"""BagIt 1.0 package: the three publications and their sources, with SHA-256 manifests.

A bag is a folder, so it is assembled beside its final place and swapped in whole.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import bagit

from . import __version__
from .dates import build_time
from .model import Document


def write_bag(target: Path, doc: Document, outputs: dict[str, bytes]) -> None:
    """`outputs` maps file names (book.pdf, book.epub, …) to their bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        for name, data in outputs.items():
            (work / name).write_bytes(data)
        for name, data in doc.source_files().items():
            copy = work / "source" / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(data)
        info = {
            "Bagging-Date": build_time().date().isoformat(),
            "Bag-Software-Agent": f"Pressroom {__version__}",
            "External-Identifier": doc.meta.identifier,
            "External-Description": doc.meta.title,
        }
        logging.getLogger("bagit").setLevel(logging.WARNING)
        bagit.make_bag(str(work), bag_info=info, checksums=["sha256"])
        _swap_in(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _swap_in(new: Path, target: Path) -> None:
    """Replace `target` by `new` with renames only, so a reader never sees half a bag."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    new.rename(target)
    target.chmod(0o755)   # mkdtemp made it private
    if old:
        shutil.rmtree(old)


def validate_bag(path: Path) -> None:
    """Raise bagit.BagValidationError when the bag's manifests do not match its files."""
    bagit.Bag(str(path)).validate()
