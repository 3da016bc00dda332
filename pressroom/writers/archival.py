"""Archival copy: PDF/A-3a written from the handout's pages, with its sources inside.

The pages are laid out once (`pdf.layout`); this writer only adds what an archive needs:
the PDF/A-3 identification and sRGB output intent, Dublin Core in XMP matching the EPUB's
package metadata, and the manuscript, its images and a build manifest as associated files.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
from importlib.metadata import version

import weasyprint

from .. import __version__
from ..context import BuildContext
from ..model import Document
from ..util.dates import w3c
from ..weasy import patched
from ..weasy.drawing import drawing
from ..weasy.tagging import identify_notes
from ..weasy.xmp import described

__all__ = ["write_archival"]

VARIANT = "pdf/a-3a"  # level A: the tagged structure is kept, not only the appearance
TOOLS = ("weasyprint", "pydyf", "ebooklib", "markdown", "jinja2", "pyyaml", "babel")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(doc: Document, ctx: BuildContext, sources: dict[str, bytes]) -> dict:
    """What made this book: tool versions and a SHA-256 of every input, the theme's files
    and the user's stylesheets included."""
    inputs = {name: sha256(data) for name, data in sources.items()}
    inputs |= {f"theme/{name}": sha256(data) for name, data in ctx.theme.files().items()}
    inputs |= {
        f"css/{n}/{sheet.path.name}": sha256(sheet.path.read_bytes())
        for n, sheet in enumerate(ctx.css, start=1)
    }
    return {
        "generator": f"Pressroom {__version__}",
        "built": w3c(ctx.clock),
        "identifier": doc.meta.identifier,
        "python": platform.python_version(),
        "tools": {name: version(name) for name in TOOLS},
        "inputs": dict(sorted(inputs.items())),
    }


def attachments(
    doc: Document, ctx: BuildContext, sources: dict[str, bytes], manifest: dict
) -> list[weasyprint.Attachment]:
    moment = ctx.clock

    def attach(name: str, data: bytes, description: str, relationship: str):
        return weasyprint.Attachment(
            file_obj=io.BytesIO(data),
            name=name,
            description=description,
            relationship=relationship,
            created=moment,
            modified=moment,
        )

    images = {image.src for image in doc.images}
    files = [
        attach(
            name,
            data,
            "Manuscript source" + (" (Markdown)" if name.endswith(".md") else ""),
            "Source",
        )
        for name, data in sources.items()
        if name not in images
    ]
    files += [
        attach(image.src, sources[image.src], f"Image: {image.alt}", "Source")
        for image in doc.images
    ]
    files.append(
        attach(
            "build-manifest.json",
            json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n",
            "Build manifest: tool versions and SHA-256 of every input",
            "Data",
        )
    )
    return files


def _finish(document, pdf) -> None:
    """Note IDs as in the handout; WeasyPrint 70 lists each attached file twice in the
    catalog's /AF, and once is right."""
    identify_notes(document, pdf)
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = type(pdf.catalog["AF"])(dict.fromkeys(pdf.catalog["AF"]))


def write_archival(
    doc: Document, ctx: BuildContext, pages: weasyprint.Document, attach: bool = True
) -> bytes:
    """The PDF/A-3a copy, from pages already laid out for the handout; `attach`: with the
    sources and the manifest (not in a part of a book laid out in parts but the first)."""
    files = []
    if attach:
        sources = doc.source_files()  # read once: the bytes checksummed are the bytes attached
        files = attachments(doc, ctx, sources, build_manifest(doc, ctx, sources))
    with patched(), described(pages, doc), drawing(pages):
        return pages.write_pdf(
            pdf_variant=VARIANT, pdf_identifier=True, attachments=files, finisher=_finish
        )
