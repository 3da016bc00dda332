"""Print-ready PDF for a print shop: the pages with bleed and crop marks.

The trimmed page keeps the size asked for (`TrimBox`); backgrounds and pictures that reach
its edge run on into the bleed (`BleedBox`, `--bleed`, 3 mm by default); the crop marks sit
outside that, in the sheet's margin (`MediaBox`). Fonts are embedded, and the file declares
PDF/X-4 (WeasyPrint's variant of it). The pages are laid out anew: their boxes differ from
the handout's.
"""

from __future__ import annotations

from typing import Any

import pydyf

from ..context import BuildContext
from ..model import Document
from ..weasy import patched
from ..weasy.tagging import identify_notes
from ..weasy.xmp import described
from .pdf import layout

__all__ = ["write_press"]

MARKS = 9.0  # mm beyond the bleed for the crop marks
POINTS_PER_MM = 72 / 25.4


def write_press(doc: Document, ctx: BuildContext) -> bytes:
    sheet = ctx.bleed + MARKS
    # The interior only: a print shop prints the cover on its own, with the spine.
    pages = layout(doc, ctx, finish=f"@page {{ bleed: {sheet}mm; marks: crop; }}", cover=False)

    def finish(document: Any, pdf: Any) -> None:
        identify_notes(document, pdf)
        # WeasyPrint makes the bleed box the whole sheet; the bleed is only --bleed of it.
        bleed = ctx.bleed * POINTS_PER_MM
        for obj in pdf.objects:
            if isinstance(obj, dict) and obj.get("Type") == "/Page" and "TrimBox" in obj:
                left, bottom, right, top = (float(v) for v in obj["TrimBox"])
                obj["BleedBox"] = pydyf.Array(
                    [left - bleed, bottom - bleed, right + bleed, top + bleed]
                )

    with patched(), described(pages, doc):
        return pages.write_pdf(pdf_variant="pdf/x-4", pdf_identifier=True, finisher=finish)
