"""Paper sizes and the print shop's PDF, read back from the files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from pressroom.run.build import build
from pressroom.util.paper import paper

BOOK = Path(__file__).resolve().parent / "fixtures" / "book" / "book.md"
POINTS_PER_MM = 72 / 25.4


@pytest.mark.parametrize(
    ("name", "width", "height"),
    [
        ("a4", 210, 297),
        ("letter", 215.9, 279.4),
        ("a5", 148, 210),
        ("6x9in", 152.4, 228.6),
        ("5.5x8.5in", 139.7, 215.9),
        ("5x8in", 127, 203.2),
        ("150x230mm", 150, 230),
        ("17x24 cm", 170, 240),
        ("6inx9in", 152.4, 228.6),
    ],
)
def test_paper_sizes(name, width, height):
    size = paper(name)
    assert (round(size.width, 1), round(size.height, 1)) == (width, height)


@pytest.mark.parametrize("bad", ["a3", "6x9", "10x10mm", "big"])
def test_bad_paper_says_what_is_accepted(bad):
    with pytest.raises(ValueError, match="paper"):
        paper(bad)


def test_small_books_get_smaller_type_and_keep_their_margins():
    assert [paper(p).type_size for p in ("a4", "6x9in", "5x8in")] == [10.5, 10.0, 9.5]
    for name in ("a4", "a5", "5x8in"):
        css = paper(name).css()
        assert f"size: {paper(name).width:.2f}mm" in css and "@page book:left" in css


def test_press_pdf_has_trim_bleed_and_marks(tmp_path):
    build(BOOK, tmp_path, ("press", "pdf"), paper="6x9in")
    press = PdfReader(tmp_path / "book-press.pdf")
    handout = PdfReader(tmp_path / "book.pdf")
    # The print shop gets the interior: no cover page, nor the blank page behind it.
    assert len(press.pages) == len(handout.pages) - 2
    title_page = "Anahit Petrosyan, John Q. Reader"
    assert title_page in press.pages[0].extract_text()
    assert title_page in handout.pages[2].extract_text()
    bleed = 3 * POINTS_PER_MM
    for page in press.pages:
        trim = [float(v) for v in page["/TrimBox"]]
        bleed_box = [float(v) for v in page["/BleedBox"]]
        media = [float(v) for v in page.mediabox]
        assert [round(v) for v in trim] == [0, 0, 432, 648]  # 6 × 9 in
        assert [round(a - b, 2) for a, b in zip(bleed_box, trim, strict=True)] == [
            round(-bleed, 2),
            round(-bleed, 2),
            round(bleed, 2),
            round(bleed, 2),
        ]
        assert media[0] < bleed_box[0] and media[2] > bleed_box[2]  # room for the marks
    handout_page = handout.pages[0]
    assert [round(float(v)) for v in handout_page.mediabox] == [0, 0, 432, 648]
    xmp = press.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is needed: apt-get install qpdf"
    assert (
        subprocess.run(
            [qpdf, "--check", str(tmp_path / "book-press.pdf")], capture_output=True
        ).returncode
        == 0
    )
